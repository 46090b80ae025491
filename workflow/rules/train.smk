# Stage 1b: training runs (models.<name>.train). One job per run writes every configured step's
# checkpoint into one folder; each checkpoint is then sampled as model <name>-step<N>.

TRAIN_RUNS = _any_of(list(PLAN.trained_runs()))


rule train:
    input:
        model=lambda wildcards: PLAN.model_inputs(PLAN.train_base(wildcards.run)),
        data=lambda wildcards: PLAN.train_data(wildcards.run),
    output:
        directory(records.CHECKPOINTS_DIR),
    params:
        # Every setting is a param, so that a change of any retrains.
        args=lambda wildcards: PLAN.train_arguments(wildcards.run),
    threads: config["threads"]["train"]
    resources:
        mem_mb=16000,
        runtime=720,
    wildcard_constraints:
        run=TRAIN_RUNS,
    log:
        "logs/train/{run}.log",
    conda:
        sample_env
    shell:
        '"$RB" --quiet train --run {wildcards.run} {params.args} --out {output} '
        "--threads {threads} > {log} 2>&1"
