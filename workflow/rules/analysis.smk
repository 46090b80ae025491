# Stage 6: the paper's analyses. Pair statistics, coverage, accuracy histograms and perplexity
# for every configured comparison; response statistics and tables for papers for every model.

ANALYSIS_ENV = "../../envs/analysis.yaml"


# Seconds of pandas each: not worth a cluster queue.
localrules:
    compare,
    coverage,
    accuracy_histogram,
    paper_table,


rule compare:
    input:
        "results/tables/per_problem.csv",
    output:
        table=report(
            "results/tables/comparisons.csv",
            caption="../report/comparisons.rst",
            category="Tables",
            labels={"table": "pair statistics"},
        ),
        summary="results/report/summary.json",
    params:
        comparisons=comparisons_arg,
        resamples=BOOTSTRAP["resamples"],
        seed=BOOTSTRAP["seed"],
        level=BOOTSTRAP["level"],
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        "logs/analysis/compare.log",
    conda:
        ANALYSIS_ENV
    shell:
        "{RB} compare --per-problem {input} --comparisons {params.comparisons} "
        "--resamples {params.resamples} --seed {params.seed} --level {params.level} "
        "--out {output.table} --summary {output.summary} > {log} 2>&1"


rule coverage:
    input:
        "results/tables/per_problem.csv",
    output:
        "results/tables/coverage_{benchmark}.csv",
    params:
        comparisons=comparisons_arg,
    log:
        "logs/analysis/coverage_{benchmark}.log",
    conda:
        ANALYSIS_ENV
    shell:
        "{RB} coverage --per-problem {input} --comparisons {params.comparisons} "
        "--benchmark {wildcards.benchmark} --out {output} > {log} 2>&1"


rule accuracy_histogram:
    input:
        "results/tables/per_problem.csv",
    output:
        "results/tables/accuracy_histogram.csv",
    log:
        "logs/analysis/accuracy_histogram.log",
    conda:
        ANALYSIS_ENV
    shell:
        "{RB} histogram --per-problem {input} --out {output} > {log} 2>&1"


rule response_stats:
    input:
        samples=sample_files(),
        verdicts=verdict_files(),
    output:
        report(
            "results/tables/response_stats.csv",
            caption="../report/response_stats.rst",
            category="Tables",
            labels={"table": "response statistics"},
        ),
    params:
        runs=labelled_runs,
    resources:
        mem_mb=8000,
        runtime=30,
    log:
        "logs/analysis/response_stats.log",
    conda:
        ANALYSIS_ENV
    shell:
        "{RB} response-stats --runs {params.runs} --out {output} > {log} 2>&1"


rule paper_table:
    input:
        "results/tables/{table}.csv",
    output:
        markdown="results/tables/{table}.md",
        latex="results/tables/{table}.tex",
    log:
        "logs/analysis/table_{table}.log",
    conda:
        ANALYSIS_ENV
    shell:
        "{RB} tables --table {input} --markdown {output.markdown} --latex {output.latex} "
        "> {log} 2>&1"


rule perplexity:
    input:
        unpack(perplexity_inputs),
    output:
        "results/tables/perplexity_{comparison}.csv",
    params:
        sources=perplexity_sources,
        problems=perplexity_setting("problems"),
        responses=perplexity_setting("responses"),
    threads: config["threads"]["sample"]
    resources:
        mem_mb=16000,
        runtime=120,
    log:
        "logs/analysis/perplexity_{comparison}.log",
    conda:
        SAMPLE_ENV
    shell:
        "{RB} perplexity --meta {input.meta} --benchmark {input.benchmark} "
        "--source {params.sources} --problems {params.problems} "
        "--responses {params.responses} --comparison {wildcards.comparison} "
        "--threads {threads} --out {output} > {log} 2>&1"


rule plot_pair:
    input:
        table="results/tables/pass_at_k.csv",
        comparisons="results/tables/comparisons.csv",
    output:
        png=report(
            "results/plots/{comparison}/pass_at_k_{benchmark}.png",
            caption="../report/pair_pass_at_k.rst",
            category="{comparison}",
            subcategory="{benchmark}",
            labels={"comparison": "{comparison}", "benchmark": "{benchmark}", "figure": "pass@k"},
        ),
        svg="results/plots/{comparison}/pass_at_k_{benchmark}.svg",
    params:
        dpi=PLOT_DPI,
        models=models_arg,
        label=comparison_label_text,
        other=comparison_param("other"),
    log:
        "logs/plot/{comparison}/pass_at_k_{benchmark}.log",
    conda:
        ANALYSIS_ENV
    shell:
        "{RB} --dpi {params.dpi} plot-pair --table {input.table} --comparisons-table {input.comparisons} "
        "--comparison {wildcards.comparison} --benchmark {wildcards.benchmark} "
        "--models {params.models} --out {output.png} {output.svg} > {log} 2>&1"


rule plot_coverage:
    input:
        "results/tables/coverage_{benchmark}.csv",
    output:
        png=report(
            "results/plots/coverage_{benchmark}.png",
            caption="../report/coverage.rst",
            category="Coverage",
            subcategory="{benchmark}",
            labels={"benchmark": "{benchmark}", "figure": "coverage"},
        ),
        svg="results/plots/coverage_{benchmark}.svg",
    params:
        dpi=PLOT_DPI,
        models=models_arg,
    log:
        "logs/plot/coverage_{benchmark}.log",
    conda:
        ANALYSIS_ENV
    shell:
        "{RB} --dpi {params.dpi} plot-coverage --table {input} --models {params.models} "
        "--out {output.png} {output.svg} > {log} 2>&1"


rule plot_histogram:
    input:
        "results/tables/accuracy_histogram.csv",
    output:
        png=report(
            "results/plots/{comparison}/histogram_{benchmark}.png",
            caption="../report/accuracy_histogram.rst",
            category="{comparison}",
            subcategory="{benchmark}",
            labels={
                "comparison": "{comparison}",
                "benchmark": "{benchmark}",
                "figure": "accuracy histogram",
            },
        ),
        svg="results/plots/{comparison}/histogram_{benchmark}.svg",
    params:
        dpi=PLOT_DPI,
        models=models_arg,
        base=comparison_param("base"),
        other=comparison_param("other"),
        label=comparison_label_text,
    log:
        "logs/plot/{comparison}/histogram_{benchmark}.log",
    conda:
        ANALYSIS_ENV
    shell:
        "{RB} --dpi {params.dpi} plot-histogram --table {input} --benchmark {wildcards.benchmark} "
        "--base {params.base:q} --other {params.other:q} --models {params.models} "
        "--out {output.png} {output.svg} > {log} 2>&1"


rule plot_perplexity:
    input:
        "results/tables/perplexity_{comparison}.csv",
    output:
        png=report(
            "results/plots/{comparison}/perplexity.png",
            caption="../report/perplexity.rst",
            category="{comparison}",
            subcategory="perplexity",
            labels={"comparison": "{comparison}", "figure": "perplexity"},
        ),
        svg="results/plots/{comparison}/perplexity.svg",
    params:
        dpi=PLOT_DPI,
        models=models_arg,
        label=comparison_label_text,
        benchmark=perplexity_setting("benchmark"),
        problems=perplexity_setting("problems"),
        responses=perplexity_setting("responses"),
    log:
        "logs/plot/{comparison}/perplexity.log",
    conda:
        ANALYSIS_ENV
    shell:
        "{RB} --dpi {params.dpi} plot-perplexity --table {input} --models {params.models} "
        "--out {output.png} {output.svg} > {log} 2>&1"
