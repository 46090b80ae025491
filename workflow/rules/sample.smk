# Stage 2: many responses per problem, one file per model x benchmark x seed. A job writes one
# file, all seeds of a benchmark or all files of a model (config sample_job); a benchmark with
# `shards` > 1 is sampled by one job per chunk of problems and a merge into the same file.

# One benchmark is sampled either by `sample` jobs or by `sample_shard` jobs plus a
# `merge_samples` job that writes the same file; these constraints keep the two paths apart.
UNSHARDED_BENCHMARKS = _any_of(PLAN.sharded(False))
SHARDED_BENCHMARKS = _any_of(PLAN.sharded(True))


rule shard_problems:
    input:
        BENCHMARK,
    output:
        BENCHMARK_SHARD,
    params:
        # A param, not only a wildcard: between-workflow caching hashes params, not file names.
        shard=lambda wildcards: f"{wildcards.shard}/{wildcards.nshards}",
    resources:
        mem_mb=1000,
        runtime=10,
    log:
        "logs/shard_problems/{benchmark}/shard{shard}-of-{nshards}.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" --quiet shard split --benchmark {input} --shard {params.shard} --out {output} '
        "> {log} 2>&1"


# The sampling job of one chunk of problems of one seed; `sample` is the same job on a whole
# benchmark when a job writes one file.
rule sample_shard:
    input:
        benchmark=BENCHMARK_SHARD,
        model=model_input,
    output:
        samples=SAMPLE_SHARD_STEM + SAMPLES,
        meta=SAMPLE_SHARD_STEM + SAMPLE_META,
    params:
        args=lambda wildcards: PLAN.sample_arguments(wildcards.model, device()),
        # Params, not only wildcards: between-workflow caching hashes params but not file
        # names, and two seeds of one model and benchmark must not share a cache entry.
        seed=lambda wildcards: int(wildcards.seed),
        samples=lambda wildcards: PLAN.samples_per_seed(wildcards.benchmark),
    threads: config["threads"]["sample"]
    resources:
        **PLAN.sample_resources(True, device),
    wildcard_constraints:
        benchmark=SHARDED_BENCHMARKS,
    # Between-workflow caching (--cache with SNAKEMAKE_OUTPUT_CACHE): projects sharing a model,
    # benchmark and settings reuse each other's samples. The hash covers params and inputs, so
    # every setting that changes a response is a param, and file names are kept out of params.
    cache: True
    log:
        "logs/sample/{model}/{benchmark}/seed{seed}/shard{shard}-of-{nshards}.log",
    conda:
        sample_env
    shell:
        '"$RB" sample --benchmark {input.benchmark} {params.args} --seed {params.seed} '
        "--samples {params.samples} --threads {threads} --out {output.samples} "
        "--meta {output.meta} 2>&1 | tee {log}"


if PLAN.sample_job == "seed":

    use rule sample_shard as sample with:
        input:
            benchmark=BENCHMARK,
            model=model_input,
        output:
            samples=SAMPLE_STEM + SAMPLES,
            meta=SAMPLE_STEM + SAMPLE_META,
        resources:
            **PLAN.sample_resources(False, device),
        wildcard_constraints:
            benchmark=UNSHARDED_BENCHMARKS,
        # `use rule` does not carry the cache directive over.
        cache: True
        log:
            "logs/sample/{model}/{benchmark}/seed{seed}.log",

elif PLAN.sharded(False):

    # One engine start for all seeds of a benchmark, or all benchmarks and seeds of a model, in
    # one batch: on a CPU, start-up (about a minute) dominates small jobs. Its params name the
    # files, so between-workflow caching of these jobs needs the same model and benchmark names.
    rule sample:
        input:
            benchmarks=lambda wildcards: PLAN.grouped_benchmark_files(wildcards.get("benchmark")),
            model=model_input,
        output:
            **PLAN.grouped_outputs(),
        params:
            args=lambda wildcards: PLAN.sample_arguments(wildcards.model, device()),
            tasks=lambda wildcards, output: PLAN.grouped_task_args(
                wildcards.get("benchmark"), output
            ),
        threads: config["threads"]["sample"]
        resources:
            **PLAN.sample_resources(False, device),
        wildcard_constraints:
            benchmark=UNSHARDED_BENCHMARKS,
        cache: True
        log:
            "logs/sample/{model}.log" if PLAN.sample_job == "model" else "logs/sample/{model}/{benchmark}.log",
        conda:
            sample_env
        shell:
            '"$RB" sample {params.args} {params.tasks} --threads {threads} 2>&1 | tee {log}'


rule merge_samples:
    input:
        samples=lambda w: PLAN.shard_files(w.model, w.benchmark, w.seed, SAMPLES),
        meta=lambda w: PLAN.shard_files(w.model, w.benchmark, w.seed, SAMPLE_META),
    output:
        samples=SAMPLE_STEM + SAMPLES,
        meta=SAMPLE_STEM + SAMPLE_META,
    wildcard_constraints:
        benchmark=SHARDED_BENCHMARKS,
    resources:
        mem_mb=4000,
        runtime=30,
    # Runs in the same cluster job as the verification of the merged file.
    group:
        "verify"
    log:
        "logs/merge_samples/{model}/{benchmark}/seed{seed}.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" --quiet shard merge --samples {input.samples} --metas {input.meta} '
        "--out {output.samples} --meta {output.meta} > {log} 2>&1"
