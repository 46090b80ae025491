# Stage 4: pass@k for every k, all seeds pooled, and the per-problem counts behind it.


rule aggregate:
    input:
        verdicts=verdict_files(),
    output:
        table=report(
            "results/tables/pass_at_k.csv",
            caption="../report/pass_at_k_table.rst",
            category="Tables",
        ),
        per_problem="results/tables/per_problem.csv",
    params:
        labelled=labelled_verdicts,
        # The band of pass@k (ci_low, ci_high): bootstrap over problems (config `bootstrap`).
        bootstrap=f"--resamples {BOOTSTRAP['resamples']} --seed {BOOTSTRAP['seed']} "
        f"--level {BOOTSTRAP['level']}",
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        "logs/aggregate.log",
    conda:
        "../../envs/analysis.yaml"
    shell:
        "{RB} aggregate --verdicts {params.labelled} --out {output.table} "
        "--per-problem {output.per_problem} {params.bootstrap} > {log} 2>&1"
