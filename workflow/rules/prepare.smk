# Stage 1: benchmarks into normalized problem records, and GGUF models into vLLM folders.


rule prepare:
    output:
        BENCHMARK,
    params:
        # The name is a param, not only a wildcard, because problem ids contain it and
        # between-workflow caching hashes params, not file names.
        name=lambda wildcards: wildcards.benchmark,
        spec=lambda wildcards: shlex.quote(
            json.dumps(PLAN.benchmark_spec(wildcards.benchmark), sort_keys=True)
        ),
    resources:
        mem_mb=2000,
        runtime=30,
    log:
        "logs/prepare/{benchmark}.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" --quiet prepare --name {params.name} --spec {params.spec} --base-dir . '
        "--out {output} > {log} 2>&1"


rule convert_model:
    output:
        directory(CONVERTED_MODEL),
    params:
        source=lambda wildcards: PLAN.gguf_source(wildcards.slug),
    resources:
        mem_mb=8000,
        runtime=30,
    log:
        "logs/convert_model/{slug}.log",
    conda:
        sample_env
    shell:
        '"$RB" --quiet convert-model --source {params.source:q} --out {output} > {log} 2>&1'
