# Stage 3: a verdict per response (math-verify for math, the sandbox for code).


rule verify:
    input:
        benchmark="results/benchmarks/{benchmark}.jsonl",
        samples="results/samples/{model}/{benchmark}/seed{seed}.jsonl.gz",
    output:
        "results/verdicts/{model}/{benchmark}/seed{seed}.jsonl.gz",
    params:
        timeout=config["verify"]["timeout"],
        samples=lambda wildcards: samples_per_seed(wildcards.benchmark),
    threads: config["threads"]["verify"]
    # CPU only. Many verify jobs take seconds: on a cluster, bundle them with
    # --group-components verify=N so the queue is not flooded.
    resources:
        cpus_per_task=config["threads"]["verify"],
        mem_mb=lambda wildcards, threads, attempt: (1000 + 500 * threads) * attempt,
        runtime=lambda wildcards, attempt: 60 * attempt,
    group:
        "verify"
    log:
        "logs/verify/{model}/{benchmark}/seed{seed}.log",
    conda:
        "../../envs/verify.yaml"
    shell:
        "{RB} verify --benchmark {input.benchmark} --samples {input.samples} "
        "--workers {threads} --timeout {params.timeout} --seed {wildcards.seed} "
        "--samples-per-problem {params.samples} --out {output} > {log} 2>&1"
