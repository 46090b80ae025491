# Stage 5: the figures of the report, each as PNG and SVG (reasoning_boundary/figures.py).
# plots.dpi is a param of these rules only, so changing it redraws figures and nothing upstream.
PLOT_DPI = config["plots"]["dpi"]


rule plot_pass_at_k:
    input:
        table("pass_at_k"),
    output:
        png=report(
            figure(records.PASS_AT_K_FIGURE, ".png"),
            caption="../report/pass_at_k.rst",
            category="pass@k curves",
            labels={"benchmark": "{benchmark}", "figure": "pass@k"},
        ),
        svg=figure(records.PASS_AT_K_FIGURE, ".svg"),
    params:
        dpi=PLOT_DPI,
        models=models_arg,
    log:
        "logs/plot/pass_at_k_{benchmark}.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" plot pass-at-k --table {input} --benchmark {wildcards.benchmark} '
        "--models {params.models} --dpi {params.dpi} --out {output.png} {output.svg} > {log} 2>&1"


rule plot_pair:
    input:
        table=table("pass_at_k"),
        comparisons=table("comparisons"),
    output:
        png=report(
            figure(records.PAIR_FIGURE, ".png"),
            caption="../report/pair_pass_at_k.rst",
            category="{comparison}",
            subcategory="{benchmark}",
            labels={"comparison": "{comparison}", "benchmark": "{benchmark}", "figure": "pass@k"},
        ),
        svg=figure(records.PAIR_FIGURE, ".svg"),
    params:
        dpi=PLOT_DPI,
        models=models_arg,
        label=lambda wildcards: records.LABEL_TEXT[PLAN.comparisons[wildcards.comparison].label],
        other=lambda wildcards: PLAN.comparisons[wildcards.comparison].other,
    log:
        "logs/plot/{comparison}/pass_at_k_{benchmark}.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" plot pair --table {input.table} --comparisons-table {input.comparisons} '
        "--comparison {wildcards.comparison} --benchmark {wildcards.benchmark} "
        "--models {params.models} --dpi {params.dpi} --out {output.png} {output.svg} > {log} 2>&1"


rule plot_coverage:
    input:
        table("coverage_{benchmark}"),
    output:
        png=report(
            figure(records.COVERAGE_FIGURE, ".png"),
            caption="../report/coverage.rst",
            category="Coverage",
            subcategory="{benchmark}",
            labels={"benchmark": "{benchmark}", "figure": "coverage"},
        ),
        svg=figure(records.COVERAGE_FIGURE, ".svg"),
    params:
        dpi=PLOT_DPI,
        models=models_arg,
    log:
        "logs/plot/coverage_{benchmark}.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" plot coverage --table {input} --models {params.models} --dpi {params.dpi} '
        "--out {output.png} {output.svg} > {log} 2>&1"


rule plot_histogram:
    input:
        table("accuracy_histogram"),
    output:
        png=report(
            figure(records.HISTOGRAM_FIGURE, ".png"),
            caption="../report/accuracy_histogram.rst",
            category="{comparison}",
            subcategory="{benchmark}",
            labels={
                "comparison": "{comparison}",
                "benchmark": "{benchmark}",
                "figure": "accuracy histogram",
            },
        ),
        svg=figure(records.HISTOGRAM_FIGURE, ".svg"),
    params:
        dpi=PLOT_DPI,
        models=models_arg,
        base=lambda wildcards: PLAN.comparisons[wildcards.comparison].base,
        other=lambda wildcards: PLAN.comparisons[wildcards.comparison].other,
        label=lambda wildcards: records.LABEL_TEXT[PLAN.comparisons[wildcards.comparison].label],
    log:
        "logs/plot/{comparison}/histogram_{benchmark}.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" plot histogram --table {input} --benchmark {wildcards.benchmark} '
        "--base {params.base:q} --other {params.other:q} --models {params.models} "
        "--dpi {params.dpi} --out {output.png} {output.svg} > {log} 2>&1"


rule plot_perplexity:
    input:
        table("perplexity_{comparison}"),
    output:
        png=report(
            figure(records.PERPLEXITY_FIGURE, ".png"),
            caption="../report/perplexity.rst",
            category="{comparison}",
            subcategory="perplexity",
            labels={"comparison": "{comparison}", "figure": "perplexity"},
        ),
        svg=figure(records.PERPLEXITY_FIGURE, ".svg"),
    params:
        dpi=PLOT_DPI,
        models=models_arg,
        label=lambda wildcards: records.LABEL_TEXT[PLAN.comparisons[wildcards.comparison].label],
        benchmark=lambda wildcards: PLAN.perplexity["benchmark"],
        problems=lambda wildcards: PLAN.perplexity["problems"],
        responses=lambda wildcards: PLAN.perplexity["responses"],
    log:
        "logs/plot/{comparison}/perplexity.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" plot perplexity --table {input} --models {params.models} --dpi {params.dpi} '
        "--out {output.png} {output.svg} > {log} 2>&1"


rule plot_training_steps:
    input:
        records.TRAINING_STEPS_TABLE,
    output:
        png=report(
            figure(records.TRAINING_STEPS_FIGURE, ".png"),
            caption="../report/training_steps.rst",
            category="Training steps",
            labels={"benchmark": "{benchmark}", "figure": "training steps"},
        ),
        svg=figure(records.TRAINING_STEPS_FIGURE, ".svg"),
    params:
        dpi=PLOT_DPI,
        models=models_arg,
    log:
        "logs/plot/training_steps_{benchmark}.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" plot training-steps --table {input} --benchmark {wildcards.benchmark} '
        "--models {params.models} --dpi {params.dpi} --out {output.png} {output.svg} > {log} 2>&1"
