"""The paper-scale configs (configs/*.yaml) plan the right jobs, offline, without any GPU.

They name Hugging Face models and files a user downloads first, so nothing here runs a job: a
dry run must succeed and plan one sampling job per model, benchmark, seed and chunk, for each
model on the benchmarks it is run on; configs/paper.yaml holds every pair of the paper.
configs/rl-algorithms.yaml is a template of checkpoints nobody published: as shipped it is
refused, naming every `FILL-IN:` value; filled in, it plans the series analyses.
"""

from __future__ import annotations

import re

import pytest

from reasoning_boundary.series_plan import PLACEHOLDER
from workflow_helpers import PROJECT_ROOT, load_config, planned_jobs, snakemake, write_config

CONFIGS = ["paper.yaml", "rl-algorithms.yaml"]


def _filled(config: dict) -> dict:
    """The config with every placeholder replaced as a user would: an id or a data file."""
    for section, key in (("models", "source"), ("benchmarks", "path")):
        for name, spec in config[section].items():
            if str(spec.get(key, "")).startswith(PLACEHOLDER):
                spec[key] = f"your-org/{name}" if section == "models" else f"data/{name}.jsonl"
    return config


def _configfile(name: str, tmp_path) -> tuple[str, dict]:
    """The shipped config file, or a filled-in copy of a template, and its content."""
    config = load_config(PROJECT_ROOT / "configs" / name)
    if name == "paper.yaml":
        return str(PROJECT_ROOT / "configs" / name), config
    config = _filled(config)
    return str(write_config(tmp_path, config, name)), config


def _shards(config: dict, benchmark: str) -> int:
    spec = config["benchmarks"][benchmark]
    return spec.get("shards", config.get("shards", {}).get("problems", 1))


def _model_benchmarks(config: dict, model: str) -> list[str]:
    spec = config["models"][model]
    visual = {"mathvista", "mathvision"}
    if "benchmarks" in spec:
        return spec["benchmarks"]
    return [b for b, bench in config["benchmarks"].items() if bench.get("preset") not in visual]


def _n(config: dict, benchmark: str) -> int:
    spec = config["benchmarks"][benchmark]
    return len(config["seeds"]) * spec.get("samples_per_seed", config["samples_per_seed"])


def _plan(name: str, config: dict | None = None):
    from reasoning_boundary.config_check import validated
    from reasoning_boundary.plan import Plan

    return Plan(validated(config or load_config(PROJECT_ROOT / "configs" / name)))


@pytest.mark.parametrize("name", CONFIGS)
def test_dry_run_plans_every_sampling_chunk(name, tmp_path):
    configfile, config = _configfile(name, tmp_path)
    plan = _plan(name, config)
    result = snakemake(tmp_path, configfile, "-n", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = planned_jobs(result)
    seeds = len(config["seeds"])
    runs = [(m, b) for m in config["models"] for b in plan.model_benchmarks(m)]
    assert jobs["sample_shard"] == seeds * sum(_shards(config, b) for _, b in runs)
    assert jobs["merge_samples"] == jobs["verify"] == seeds * len(runs)
    # The dry run lists the verification of every model x benchmark x seed it plans.
    listed = set(re.findall(r"rule verify:.*?wildcards: model=([^,\s]+), benchmark=([^,\s]+), "
                            r"seed=(\d+)", result.stdout, re.S))
    assert listed == {(m, b, str(s)) for m, b in runs for s in config["seeds"]}
    assert config["device"] == "gpu" and config["sampling"]["max_tokens"] == 16384


def test_the_rl_algorithms_template_is_refused_until_filled_in(tmp_path):
    from reasoning_boundary.plan import PlanError

    with pytest.raises(PlanError, match="10 value.s. are placeholders") as err:
        _plan("rl-algorithms.yaml")
    for key in ("models.ppo.source", "models.grpo-step450.source", "benchmarks.train.path",
                "benchmarks.in-domain.path"):
        assert key in str(err.value)
    result = snakemake(tmp_path, PROJECT_ROOT / "configs" / "rl-algorithms.yaml", "-n",
                       timeout=300)
    assert result.returncode != 0 and "models.dapo.source" in result.stdout + result.stderr


def test_the_filled_rl_algorithms_config_has_six_algorithms_and_a_grpo_run(tmp_path):
    _, config = _configfile("rl-algorithms.yaml", tmp_path)
    plan = _plan("rl-algorithms.yaml", config)
    algorithms = {p.algorithm: (p.model, p.base) for p in plan.series.algorithm_models()}
    assert set(algorithms) == {"PPO", "GRPO", "Reinforce++", "RLOO", "ReMax", "DAPO"}
    assert algorithms["GRPO"] == ("grpo-step450", "qwen2.5-7b")  # a run stands for its last step
    assert [p.step for p in plan.series.runs["grpo"]] == [0, 150, 300, 450]
    roles = {b: spec["role"] for b, spec in config["benchmarks"].items()}
    assert roles == {"train": "train", "in-domain": "in_domain", "math500": "out_of_domain",
                     "minerva_math": "out_of_domain"}
    outputs = plan.analysis_outputs()
    assert "results/tables/algorithms.tex" in outputs
    assert {f"results/plots/training_steps_{b}.png" for b in roles} <= set(outputs)


# The paper's pairs (base, other, label) by Hugging Face id, and the benchmarks each is drawn on
# (Table 1; Figs. 2, 3, 4, 7, 10, 11; App. A.2).
MATH = {"gsm8k", "math500", "minerva_math", "olympiadbench", "aime24", "amc23"}
CODE = {"livecodebench", "humaneval_plus", "mbpp_plus"}
PAPER_PAIRS = [
    ("Qwen/Qwen2.5-7B", "hkust-nlp/Qwen-2.5-7B-SimpleRL-Zoo", "rl", MATH),
    ("Qwen/Qwen2.5-14B", "hkust-nlp/Qwen-2.5-14B-SimpleRL-Zoo", "rl", MATH),
    ("Qwen/Qwen2.5-32B", "hkust-nlp/Qwen-2.5-32B-SimpleRL-Zoo", "rl", MATH),
    ("meta-llama/Llama-3.1-8B", "hkust-nlp/Llama-3.1-8B-SimpleRL-Zoo", "rl",
     MATH - {"olympiadbench"} | {"olympiadbench_n1024"}),
    ("Qwen/Qwen2.5-Math-7B", "sail/Qwen2.5-Math-7B-Oat-Zero", "rl", MATH),
    ("Qwen/Qwen2.5-32B", "BytedTsinghua-SIA/DAPO-Qwen-32B", "rl", MATH),
    ("Qwen/Qwen2.5-Math-7B", "Qwen/Qwen2.5-Math-7B-Instruct", "instruct", MATH),
    ("Qwen/Qwen2.5-Math-7B", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "distill",
     {"minerva_math"}),
    ("Qwen/Qwen2.5-7B-Instruct-1M", "ganler/CodeR1-Zero-Qwen2.5-7B-12k-832", "rl", CODE),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-14B", "agentica-org/DeepCoder-14B-Preview", "rl",
     {"livecodebench_n64"}),
]


def test_paper_has_every_pair_of_the_paper_on_its_benchmarks():
    config = load_config(PROJECT_ROOT / "configs" / "paper.yaml")
    plan = _plan("paper.yaml")
    models = config["models"]
    found = {(models[c.base]["source"], models[c.other]["source"], c.label):
             set(plan.shared_benchmarks(name)) for name, c in plan.comparisons.items()}
    for base, other, label, benchmarks in PAPER_PAIRS:
        assert found.get((base, other, label)) == benchmarks, (base, other)
    # The two models of a pair are prompted alike (App. E: "the base models use the same
    # prompts as their corresponding RL-trained counterparts").
    for comp in plan.comparisons.values():
        if comp.label == "rl":
            assert models[comp.base]["template"] == models[comp.other]["template"], comp.name
    assert plan.perplexity_pairs == ["qwen2.5-7b-vs-qwen2.5-7b-simplerl"]
    assert (plan.perplexity["benchmark"], plan.perplexity["problems"],
            plan.perplexity["responses"]) == ("aime24", 2, 16)
    assert plan.perplexity["stronger"] in models


def test_paper_samples_as_many_responses_as_the_paper():
    config = load_config(PROJECT_ROOT / "configs" / "paper.yaml")
    assert {b: _n(config, b) for b in config["benchmarks"]} == {
        "gsm8k": 128, "math500": 128, "minerva_math": 128, "olympiadbench": 128,
        "olympiadbench_n1024": 1024, "aime24": 1024, "amc23": 1024, "livecodebench": 128,
        "livecodebench_n64": 64, "humaneval_plus": 128, "mbpp_plus": 128,
        "mathvista": 128, "mathvision": 128,
    }
    templates = {m["source"]: m["template"] for m in config["models"].values()}
    assert templates["BytedTsinghua-SIA/DAPO-Qwen-32B"] == "dapo"
    assert templates["hkust-nlp/Qwen-2.5-32B-SimpleRL-Zoo"] == "qwen-boxed"
    assert templates["sail/Qwen2.5-Math-7B-Oat-Zero"] == "qwen25-math-cot"
    assert templates["deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"] == "deepseek-r1-distill"
    assert templates["hkust-nlp/Llama-3.1-8B-SimpleRL-Zoo"] == "simplerl-abel"
    assert templates["ganler/CodeR1-Zero-Qwen2.5-7B-12k-832"] == "qwen25-instruct"
    lcb = config["benchmarks"]["livecodebench"]
    assert (lcb["release"], lcb["from"], lcb["to"]) == ("release_v5", "2024-08-01", "2025-01-31")


def test_a_32b_chunk_is_sampled_on_four_gpus_with_the_benchmarks_count(tmp_path):
    configfile = PROJECT_ROOT / "configs" / "paper.yaml"
    target = "results/samples/dapo-qwen-32b/aime24/seed0/shard0-of-6.jsonl.gz"
    result = snakemake(tmp_path, configfile, "-n", "-p", target, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "--samples 256" in result.stdout and "--tensor-parallel-size 4" in result.stdout
    assert "gpu=4" in result.stdout  # the job's resources


@pytest.mark.parametrize("name", ["local", "slurm"])
def test_the_shipped_profiles_are_valid(name, tmp_path):
    configfile = PROJECT_ROOT / "configs" / "paper.yaml"
    profile = PROJECT_ROOT / "profiles" / name
    # One verdict file is enough to plan sampling, merging and verifying under the profile.
    target = "results/verdicts/qwen2.5-7b/gsm8k/seed0.jsonl.gz"
    result = snakemake(tmp_path, configfile, "-n", "--quiet", "rules", "--profile", str(profile),
                       target, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert planned_jobs(result)["sample_shard"] > 0
