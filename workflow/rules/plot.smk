# Stage 5: figures for the report.


rule plot_pass_at_k:
    input:
        "results/tables/pass_at_k.csv",
    output:
        report(
            "results/plots/pass_at_k_{benchmark}.png",
            caption="../report/pass_at_k.rst",
            category="pass@k curves",
            labels={"benchmark": "{benchmark}", "figure": "pass@k"},
        ),
    params:
        dpi=PLOT_DPI,
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        "logs/plot/pass_at_k_{benchmark}.log",
    conda:
        "../../envs/analysis.yaml"
    shell:
        "{RB} --dpi {params.dpi} plot --table {input} --benchmark {wildcards.benchmark} --out {output} > {log} 2>&1"
