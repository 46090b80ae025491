# Stage 4: pass@k for every k, all seeds pooled, and the per-problem counts behind it.


rule aggregate:
    input:
        verdicts=verdict_files(),
    output:
        table=report(
            table("pass_at_k"),
            caption="../report/pass_at_k_table.rst",
            category="Tables",
        ),
        per_problem=table("per_problem"),
    params:
        labelled=lambda wildcards: quoted(PLAN.labelled_verdicts()),
        # The band of pass@k (ci_low, ci_high): bootstrap over problems (config `bootstrap`).
        bootstrap=f"--resamples {PLAN.bootstrap['resamples']} --seed {PLAN.bootstrap['seed']} "
        f"--level {PLAN.bootstrap['level']}",
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        "logs/aggregate.log",
    conda:
        ANALYSIS_ENV
    shell:
        '"$RB" --quiet aggregate --verdicts {params.labelled} --out {output.table} '
        "--per-problem {output.per_problem} {params.bootstrap} > {log} 2>&1"
