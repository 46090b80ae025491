# Stage 1: benchmarks into normalized problem records, and GGUF models into vLLM folders.


rule prepare:
    output:
        "results/benchmarks/{benchmark}.jsonl",
    params:
        # The name is a param, not only a wildcard, because problem ids contain it and
        # between-workflow caching hashes params, not file names.
        name=lambda wildcards: wildcards.benchmark,
        spec=benchmark_spec,
    resources:
        mem_mb=2000,
        runtime=30,
    log:
        "logs/prepare/{benchmark}.log",
    conda:
        "../../envs/analysis.yaml"
    shell:
        "{RB} prepare --name {params.name} --spec {params.spec} --base-dir . "
        "--out {output} > {log} 2>&1"


rule convert_model:
    output:
        directory("resources/models/{slug}"),
    params:
        source=gguf_source,
    resources:
        mem_mb=8000,
        runtime=30,
    log:
        "logs/convert_model/{slug}.log",
    conda:
        SAMPLE_ENV
    shell:
        "{RB} convert-model --source {params.source:q} --out {output} > {log} 2>&1"
