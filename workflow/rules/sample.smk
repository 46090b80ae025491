# Stage 2: many responses per problem, one file per model x benchmark x seed. A job writes one
# file, all seeds of a benchmark or all files of a model (config sample_job); a benchmark with
# `shards` > 1 is sampled by one job per chunk of problems and a merge into the same file.


rule shard_problems:
    input:
        "results/benchmarks/{benchmark}.jsonl",
    output:
        "results/benchmarks/shards/{benchmark}/shard{shard}-of-{nshards}.jsonl",
    params:
        shard=shard_spec,
    resources:
        mem_mb=1000,
        runtime=10,
    log:
        "logs/shard_problems/{benchmark}/shard{shard}-of-{nshards}.log",
    conda:
        "../../envs/analysis.yaml"
    shell:
        "{RB_SHARDS} split --benchmark {input} --shard {params.shard} --out {output} > {log} 2>&1"


# The sampling job of one chunk of problems of one seed; `sample` is the same job on a whole
# benchmark when a job writes one file.
rule sample_shard:
    input:
        benchmark="results/benchmarks/shards/{benchmark}/shard{shard}-of-{nshards}.jsonl",
        model=model_input,
    output:
        samples="results/samples/{model}/{benchmark}/seed{seed}/shard{shard}-of-{nshards}.jsonl.gz",
        meta="results/samples/{model}/{benchmark}/seed{seed}/shard{shard}-of-{nshards}.json",
    params:
        args=sample_args,
        seed=sample_seed,
        samples=sample_count,
    threads: config["threads"]["sample"]
    resources:
        **sample_resources(),
    wildcard_constraints:
        benchmark=SHARDED_BENCHMARKS,
    # Between-workflow caching (--cache with SNAKEMAKE_OUTPUT_CACHE): projects sharing a model,
    # benchmark and settings reuse each other's samples. The hash covers params and inputs, so
    # every setting that changes a response is a param, and file names are kept out of params.
    cache: True
    log:
        "logs/sample/{model}/{benchmark}/seed{seed}/shard{shard}-of-{nshards}.log",
    conda:
        SAMPLE_ENV
    shell:
        "{RB} sample --benchmark {input.benchmark} {params.args} --seed {params.seed} "
        "--samples {params.samples} --threads {threads} --out {output.samples} "
        "--meta {output.meta} > {log} 2>&1"


if SAMPLE_JOB == "seed":

    use rule sample_shard as sample with:
        input:
            benchmark="results/benchmarks/{benchmark}.jsonl",
            model=model_input,
        output:
            samples="results/samples/{model}/{benchmark}/seed{seed}.jsonl.gz",
            meta="results/samples/{model}/{benchmark}/seed{seed}.json",
        wildcard_constraints:
            benchmark=UNSHARDED_BENCHMARKS,
        # `use rule` does not carry the cache directive over.
        cache: True
        log:
            "logs/sample/{model}/{benchmark}/seed{seed}.log",

elif GROUPED_BENCHMARKS:

    # One engine start for all seeds of a benchmark, or all benchmarks and seeds of a model, in
    # one batch: on a CPU, start-up (about a minute) dominates small jobs. Its params name the
    # files, so between-workflow caching of these jobs needs the same model and benchmark names.
    rule sample:
        input:
            benchmarks=grouped_benchmark_inputs,
            model=model_input,
        output:
            **grouped_outputs(),
        params:
            args=sample_args,
            tasks=grouped_task_args,
        threads: config["threads"]["sample"]
        resources:
            **sample_resources(),
        wildcard_constraints:
            benchmark=UNSHARDED_BENCHMARKS,
        cache: True
        log:
            "logs/sample/{model}.log" if SAMPLE_JOB == "model" else "logs/sample/{model}/{benchmark}.log",
        conda:
            SAMPLE_ENV
        shell:
            "{RB} sample {params.args} {params.tasks} --threads {threads} > {log} 2>&1"


rule merge_samples:
    input:
        samples=shard_files(".jsonl.gz"),
        meta=shard_files(".json"),
    output:
        samples="results/samples/{model}/{benchmark}/seed{seed}.jsonl.gz",
        meta="results/samples/{model}/{benchmark}/seed{seed}.json",
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
        "../../envs/analysis.yaml"
    shell:
        "{RB_SHARDS} merge --samples {input.samples} --metas {input.meta} "
        "--out {output.samples} --meta {output.meta} > {log} 2>&1"
