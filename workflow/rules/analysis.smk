# Stage 6: the paper's analyses (reasoning_boundary/analysis/). Pair statistics, coverage,
# accuracy histograms and perplexity for every configured comparison; response statistics and
# tables for papers for every model.


rule compare:
    input:
        table("per_problem"),
    output:
        table=report(
            table("comparisons"),
            caption="../report/comparisons.rst",
            category="Tables",
            labels={"table": "pair statistics"},
        ),
        summary=report(
            records.REPORT_SUMMARY_FILE,
            caption="../report/summary.rst",
            category="Summary",
            labels={"page": "one sentence per pair and benchmark"},
        ),
    params:
        comparisons=lambda wildcards: shlex.quote(PLAN.comparisons_json()),
        resamples=PLAN.bootstrap["resamples"],
        seed=PLAN.bootstrap["seed"],
        level=PLAN.bootstrap["level"],
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        "logs/analysis/compare.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" --quiet compare --per-problem {input} --comparisons {params.comparisons} '
        "--resamples {params.resamples} --seed {params.seed} --level {params.level} "
        "--out {output.table} --summary {output.summary} > {log} 2>&1"


rule coverage:
    input:
        table("per_problem"),
    output:
        table("coverage_{benchmark}"),
    params:
        comparisons=lambda wildcards: shlex.quote(PLAN.comparisons_json()),
    log:
        "logs/analysis/coverage_{benchmark}.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" --quiet coverage --per-problem {input} --comparisons {params.comparisons} '
        "--benchmark {wildcards.benchmark} --out {output} > {log} 2>&1"


rule accuracy_histogram:
    input:
        table("per_problem"),
    output:
        table("accuracy_histogram"),
    log:
        "logs/analysis/accuracy_histogram.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" --quiet histogram --per-problem {input} --out {output} > {log} 2>&1'


rule response_stats:
    input:
        samples=sample_files(),
        verdicts=verdict_files(),
    output:
        report(
            table("response_stats"),
            caption="../report/response_stats.rst",
            category="Tables",
            labels={"table": "response statistics"},
        ),
    params:
        runs=lambda wildcards: quoted(PLAN.labelled_runs()),
    resources:
        mem_mb=8000,
        runtime=30,
    log:
        "logs/analysis/response_stats.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" --quiet response-stats --runs {params.runs} --out {output} > {log} 2>&1'


rule training_steps:
    input:
        table("pass_at_k"),
    output:
        table=report(
            records.TRAINING_STEPS_TABLE,
            caption="../report/training_steps_table.rst",
            category="Tables",
            labels={"table": "training steps"},
        ),
        summary=report(
            records.TRAINING_SUMMARY_FILE,
            caption="../report/training_summary.rst",
            category="Summary",
            labels={"page": "one sentence per training run and benchmark"},
        ),
    params:
        points=lambda wildcards: shlex.quote(PLAN.series.points_json()),
        roles=lambda wildcards: shlex.quote(roles_json(PLAN.benchmarks)),
        level=PLAN.bootstrap["level"],
    log:
        "logs/analysis/training_steps.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" --quiet training-steps --pass-at-k {input} --points {params.points} '
        "--roles {params.roles} --level {params.level} --out {output.table} "
        "--summary {output.summary} > {log} 2>&1"


rule algorithms:
    input:
        pass_at_k=table("pass_at_k"),
        per_problem=table("per_problem"),
    output:
        report(
            records.ALGORITHMS_TABLE,
            caption="../report/algorithms.rst",
            category="Tables",
            labels={"table": "algorithms"},
        ),
    params:
        models=lambda wildcards: shlex.quote(PLAN.series.algorithms_json()),
        roles=lambda wildcards: shlex.quote(roles_json(PLAN.benchmarks)),
        resamples=PLAN.bootstrap["resamples"],
        seed=PLAN.bootstrap["seed"],
        level=PLAN.bootstrap["level"],
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        "logs/analysis/algorithms.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" --quiet algorithms --pass-at-k {input.pass_at_k} '
        "--per-problem {input.per_problem} --models {params.models} --roles {params.roles} "
        "--resamples {params.resamples} --seed {params.seed} --level {params.level} "
        "--out {output} > {log} 2>&1"


rule paper_table:
    input:
        table("{table}"),
    output:
        markdown="results/tables/{table}.md",
        latex="results/tables/{table}.tex",
    params:
        ks=lambda wildcards: PLAN.table_ks_option(),
    log:
        "logs/analysis/table_{table}.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" --quiet tables --table {input} --markdown {output.markdown} '
        "--latex {output.latex} {params.ks} > {log} 2>&1"


rule perplexity:
    input:
        unpack(lambda wildcards: PLAN.perplexity_inputs(wildcards.comparison)),
    output:
        table("perplexity_{comparison}"),
    params:
        sources=lambda wildcards: quoted(PLAN.labelled_perplexity_sources(wildcards.comparison)),
        problems=lambda wildcards: PLAN.perplexity["problems"],
        responses=lambda wildcards: PLAN.perplexity["responses"],
        # vLLM on the base model's own engine settings (dtype, tensor parallel, GPUs).
        engine=lambda wildcards: PLAN.perplexity_engine_arguments(wildcards.comparison, device()),
    threads: config["threads"]["sample"]
    resources:
        **PLAN.perplexity_resources(device),
    log:
        "logs/analysis/perplexity_{comparison}.log",
    conda:
        sample_env
    shell:
        '"$RB" perplexity --meta {input.meta} --benchmark {input.benchmark} '
        "--source {params.sources} --problems {params.problems} "
        "--responses {params.responses} --comparison {wildcards.comparison} {params.engine} "
        "--threads {threads} --out {output} 2>&1 | tee {log}"
