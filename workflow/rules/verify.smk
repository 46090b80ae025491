# Stage 3: a verdict per response (math-verify for math, the sandbox for code).


rule verify:
    input:
        benchmark=BENCHMARK,
        samples=SAMPLE_STEM + SAMPLES,
    output:
        VERDICTS,
    params:
        timeout=config["verify"]["timeout"],
        limits=PLAN.verify_arguments(),
        samples=lambda wildcards: PLAN.samples_per_seed(wildcards.benchmark),
        template=lambda wildcards: PLAN.models[wildcards.model]["template"],
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
        VERIFY_ENV
    # Progress lines go to the log and, for local runs, to the terminal.
    shell:
        '"$RB" verify --benchmark {input.benchmark} --samples {input.samples} '
        "--workers {threads} --timeout {params.timeout} {params.limits} --seed {wildcards.seed} "
        "--samples-per-problem {params.samples} --template {params.template} "
        "--out {output} 2>&1 | tee {log}"
