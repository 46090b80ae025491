# Stage 2: many responses per problem, one job per model x benchmark x seed.


rule sample:
    input:
        benchmark="results/benchmarks/{benchmark}.jsonl",
        model=model_input,
    output:
        samples="results/samples/{model}/{benchmark}/seed{seed}.jsonl.gz",
        meta="results/samples/{model}/{benchmark}/seed{seed}.json",
    params:
        args=sample_args,
    threads: config["threads"]["sample"]
    log:
        "logs/sample/{model}/{benchmark}/seed{seed}.log",
    conda:
        SAMPLE_ENV
    shell:
        "{RB} sample --benchmark {input.benchmark} {params.args} --seed {wildcards.seed} "
        "--threads {threads} --out {output.samples} --meta {output.meta} > {log} 2>&1"
