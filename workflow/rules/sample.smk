# Stage 2: many responses per problem, one job per model x benchmark x seed, or, for a benchmark
# with `shards` > 1, one job per problem chunk and a merge into the same file.


rule sample:
    input:
        benchmark="results/benchmarks/{benchmark}.jsonl",
        model=model_input,
    output:
        samples="results/samples/{model}/{benchmark}/seed{seed}.jsonl.gz",
        meta="results/samples/{model}/{benchmark}/seed{seed}.json",
    params:
        args=sample_args,
        seed=sample_seed,
    threads: config["threads"]["sample"]
    resources:
        gpu=sample_gpus,
        # One vLLM process drives all the job's GPUs (tensor parallel): one task, where the
        # SLURM plugin would otherwise start a task per GPU.
        tasks_per_gpu=0,
        cpus_per_task=config["threads"]["sample"],
        mem_mb=sample_mem_mb,
        runtime=sample_runtime,
    wildcard_constraints:
        benchmark=UNSHARDED_BENCHMARKS,
    # Between-workflow caching (--cache with SNAKEMAKE_OUTPUT_CACHE): projects sharing a model,
    # benchmark and settings reuse each other's samples. The hash covers params and inputs, so
    # every setting that changes a response is a param.
    cache: True
    log:
        "logs/sample/{model}/{benchmark}/seed{seed}.log",
    conda:
        SAMPLE_ENV
    shell:
        "{RB} sample --benchmark {input.benchmark} {params.args} --seed {params.seed} "
        "--threads {threads} --out {output.samples} --meta {output.meta} > {log} 2>&1"


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


# The sample rule on one chunk of problems: same command, params and resources.
use rule sample as sample_shard with:
    input:
        benchmark="results/benchmarks/shards/{benchmark}/shard{shard}-of-{nshards}.jsonl",
        model=model_input,
    output:
        samples="results/samples/{model}/{benchmark}/seed{seed}/shard{shard}-of-{nshards}.jsonl.gz",
        meta="results/samples/{model}/{benchmark}/seed{seed}/shard{shard}-of-{nshards}.json",
    wildcard_constraints:
        benchmark=SHARDED_BENCHMARKS,
    # `use rule` does not carry the cache directive over.
    cache: True
    log:
        "logs/sample/{model}/{benchmark}/seed{seed}/shard{shard}-of-{nshards}.log",


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
