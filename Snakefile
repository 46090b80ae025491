# reasoning-boundary: pass@k, coverage and the rest of the analysis of Yue et al. (2025) for any
# set of models and benchmarks. This file is the table of contents; the stages live in
# workflow/rules/, their logic in the package under workflow/src/.
from snakemake.utils import min_version

min_version("9.0")


# A config given with --configfile replaces config.yaml instead of being merged into it, so
# that its models and benchmarks are the only ones run.
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"



report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/prepare.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/sample.smk"
include: "workflow/rules/verify.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/plot.smk"
include: "workflow/rules/analysis.smk"


rule all:
    input:
        PLAN.all_outputs(),
    default_target: True
