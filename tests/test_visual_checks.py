"""Visual problems downstream of prepare: graded by answer type, sampled with their images on the
text sampling path (chunks, resume, shards, sidecars), and planned only for image models."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reasoning_boundary import shards
from reasoning_boundary.benchmarks import load_benchmark
from reasoning_boundary.config_check import validated
from reasoning_boundary.images import open_image, store_images
from reasoning_boundary.plan import Plan, PlanError
from reasoning_boundary.prompts import get_template
from reasoning_boundary.records import RecordError, Sample, read_problems, read_samples, write_jsonl
from reasoning_boundary.verify.answer_types import normalize
from reasoning_boundary.verify.math_check import verify_math
from workflow_helpers import PROJECT_ROOT, load_config


@pytest.mark.parametrize(("answer_type", "precision", "answer", "expected"), [
    ("integer", None, "12.0", "12"),
    ("integer", None, "1,200", "1200"),
    ("integer", None, "2.7", "2.7"),  # not truncated to 2, as MathVista's scorer would
    ("integer", None, "\\frac{24}{2}", "\\frac{24}{2}"),  # left to math-verify
    ("float", 1, "1.25", "1.2"),  # Python's round, as MathVista's scorer
    ("float", 2, "0.8", "0.8"),
    ("float", 1, "$28.27$", "28.3"),
    ("list", None, "(2014,2016)", "[2014, 2016]"),
    ("list", None, "[3.0, -4]", "[3, -4]"),
    ("text", None, "\\text{(C)}", "c"),
    ("text", None, " Red. ", "red"),
    (None, None, "1.25", "1.25"),
])
def test_answers_take_the_form_of_their_type(answer_type, precision, answer, expected):
    problem = {"id": "p", "kind": "math", "answer_type": answer_type, "precision": precision}
    assert normalize(problem, answer) == expected


def test_visual_verdicts_follow_the_answer_types():
    problems = {
        "float": {"id": "float", "kind": "math", "answer": "1.2", "answer_type": "float",
                  "precision": 1},
        "integer": {"id": "integer", "kind": "math", "answer": "12", "answer_type": "integer"},
        "list": {"id": "list", "kind": "math", "answer": "[2014, 2016]", "answer_type": "list"},
        "text": {"id": "text", "kind": "math", "answer": "C", "answer_type": "text"},
        "untyped": {"id": "untyped", "kind": "math", "answer": "0.5"},
    }
    cases = [
        ("float", "\\boxed{1.25}", True), ("float", "\\boxed{1.3}", False),
        ("float", "\\boxed{\\frac{6}{5}}", True),
        ("integer", "\\boxed{12.0}", True), ("integer", "\\boxed{\\frac{24}{2}}", True),
        ("integer", "\\boxed{12.5}", False),
        ("list", "\\boxed{(2014,2016)}", True), ("list", "\\boxed{[2016, 2014]}", False),
        ("text", "\\boxed{\\text{(c)}}", True), ("text", "\\boxed{D}", False),
        ("untyped", "\\boxed{\\frac{1}{2}}", True), ("untyped", "\\boxed{0.25}", False),
    ]
    samples = [Sample(problem_id=pid, sample_index=i, seed=0, response=response, num_tokens=3,
                      finish_reason="stop") for i, (pid, response, _) in enumerate(cases)]
    verdicts = verify_math(problems, samples, workers=1, progress=False)
    assert [(v["problem_id"], v["correct"]) for v in verdicts] == [
        (pid, correct) for pid, _, correct in cases]
    assert [v["status"] for v in verdicts if not v["correct"]] == ["failed"] * 5
    assert verdicts[0]["extracted"] == "1.25"  # the verdict records what the model wrote


# ---- sampling ---------------------------------------------------------------------------------
pytest.importorskip("vllm")  # SamplingParams objects are built with vLLM's own class
from reasoning_boundary.sampling import (  # noqa: E402
    SampleTask,
    SamplingSettings,
    engine_prompt,
    multimodal_options,
    sample_meta,
    sample_tasks,
)

SETTINGS = SamplingSettings(samples=2, max_tokens=8)


@dataclass
class _Output:
    outputs: list
    prompt_token_ids: list[int]


@dataclass
class _Completion:
    index: int
    text: str
    token_ids: list[int]
    finish_reason: str = "stop"


@dataclass
class ImageEngine:
    """Stands in for vllm.LLM where the point is our bookkeeping: it answers with a digest of
    the pixels it was given, so a sample shows which image reached the engine."""

    fail_after_calls: int | None = None
    prompts: list = field(default_factory=list)

    def generate(self, prompts, params, use_tqdm=False):
        import hashlib

        if self.fail_after_calls is not None and len(self.prompts) >= self.fail_after_calls:
            raise RuntimeError("simulated crash")
        self.prompts.append(prompts)
        results = []
        for prompt, p in zip(prompts, params, strict=True):
            text, image = (prompt, None) if isinstance(prompt, str) else (
                prompt["prompt"], prompt["multi_modal_data"]["image"])
            pixels = hashlib.sha256(image.tobytes()).hexdigest()[:12] if image else "none"
            completions = [_Completion(i, f"{pixels} {p.seed} {i}", [1, 2]) for i in range(p.n)]
            results.append(_Output(completions, [0] * (len(text) + (100 if image else 0))))
        return results


@pytest.fixture
def prepared(tmp_path, monkeypatch):
    """Six synthetic-visual problems prepared as prepare does, in a scratch working directory."""
    monkeypatch.chdir(tmp_path)
    spec = {"source": "synthetic-visual", "synthetic": {"n_problems": 6, "seed": 2,
                                                        "image_size": 64}}
    problems = store_images(load_benchmark("shapes", spec, tmp_path),
                            "results/benchmarks/shapes/images")
    write_jsonl("results/benchmarks/shapes.jsonl", problems)
    return read_problems("results/benchmarks/shapes.jsonl")


def _task(problems, out, seed=5):
    return SampleTask(problems, get_template("smolvlm"), SETTINGS, seed, Path(out))


def test_images_travel_the_sampling_path_with_text_problems_beside_them(prepared):
    text = load_benchmark("arith", {"source": "synthetic", "synthetic": {"n_problems": 2}}, ".")
    engine = ImageEngine()
    counts = sample_tasks(lambda: engine, [_task(prepared, "v.jsonl.gz"),
                                           _task(text, "t.jsonl.gz")], model="m",
                          progress=False)
    assert counts == [12, 4]
    [batch] = engine.prompts  # one llm.generate call for both
    visual, plain = batch[:6], batch[6:]
    assert all(isinstance(p, str) for p in plain)
    for problem, prompt in zip(prepared, visual, strict=True):
        assert prompt["prompt"].count("<image>") == 1
        image = prompt["multi_modal_data"]["image"]
        assert image.tobytes() == open_image(problem["images"][0], problem["id"]).tobytes()
    samples = read_samples("v.jsonl.gz")
    assert len({s["response"].split()[0] for s in samples}) == 6  # six images, six digests
    assert all(s["prompt_tokens"] > 100 for s in samples)
    assert not any("prompt_tokens" in s for s in read_samples("t.jsonl.gz"))  # text as before
    meta = sample_meta_for(prepared)
    assert meta["images"] == {p["images"][0]["path"]: p["images"][0]["sha256"] for p in prepared}
    assert meta["example_prompt"].startswith("<|im_start|>User:<image>")
    assert multimodal_options(prepared) == {"limit_mm_per_prompt": {"image": 1, "video": 0}}
    assert multimodal_options(text) == {}


def sample_meta_for(problems):
    from reasoning_boundary.engine import EngineSettings

    return sample_meta(EngineSettings(model="m"), _task(problems, "x"), 12)


def test_a_killed_visual_job_resumes_and_shards_merge_to_the_same_file(prepared):
    with pytest.raises(RuntimeError, match="simulated crash"):
        sample_tasks(lambda: ImageEngine(fail_after_calls=1), [_task(prepared, "r.jsonl.gz")],
                     model="m", chunk_problems=2, progress=False)
    resumed = ImageEngine()
    sample_tasks(lambda: resumed, [_task(prepared, "r.jsonl.gz")], model="m", chunk_problems=2,
                 progress=False)
    assert [len(call) for call in resumed.prompts] == [2, 2]  # the first chunk was kept
    sample_tasks(lambda: ImageEngine(), [_task(prepared, "whole.jsonl.gz")], model="m",
                 progress=False)
    assert Path("r.jsonl.gz").read_bytes() == Path("whole.jsonl.gz").read_bytes()
    parts = [shards.select_shard(prepared, i, 2) for i in range(2)]
    metas = []
    for i, part in enumerate(parts):
        sample_tasks(lambda: ImageEngine(), [_task(part, f"s{i}.jsonl.gz")], model="m",
                     progress=False)
        metas.append(sample_meta_for(part))
    merged = shards.merge_records([read_samples(f"s{i}.jsonl.gz") for i in range(2)])
    assert merged == read_samples("whole.jsonl.gz")
    assert shards.merge_meta(metas)["images"] == sample_meta_for(prepared)["images"]


def test_a_changed_image_is_refused_and_invalidates_chunks(prepared):
    from reasoning_boundary.sampling import _chunk_fingerprint

    image, template = prepared[0]["images"][0], get_template("smolvlm")
    before = _chunk_fingerprint(prepared, template, SETTINGS, 0, "m")
    changed = [{**prepared[0], "images": [{**image, "sha256": "f" * 64}]}, *prepared[1:]]
    assert _chunk_fingerprint(changed, template, SETTINGS, 0, "m") != before
    Path(image["path"]).write_bytes(Path(prepared[1]["images"][0]["path"]).read_bytes())
    with pytest.raises(RecordError, match=r"problem 'shapes/0000': image .* has sha256 .*"
                                          r"Prepare the benchmark again"):
        engine_prompt(template, prepared[0])
    Path(image["path"]).unlink()
    with pytest.raises(RecordError, match="cannot be read"):
        engine_prompt(template, prepared[0])


def test_a_problem_file_with_malformed_images_is_refused(tmp_path):
    bad = tmp_path / "b.jsonl"
    bad.write_text(json.dumps({"id": "1", "kind": "math", "images": ["a.png"]}) + "\n")
    with pytest.raises(RecordError, match=r"record 1: problem '1' has images"):
        read_problems(bad)
    bad.write_text(json.dumps({"id": "1", "kind": "math", "answer_type": "fraction"}) + "\n")
    with pytest.raises(RecordError, match="answer_type 'fraction'"):
        read_problems(bad)


# ---- planning ---------------------------------------------------------------------------------
def _config(**model_keys):
    return {
        "models": {"text": {"source": "Qwen/Qwen2.5-7B", "template": "qwen-boxed", **model_keys},
                   "vlm": {"source": "Qwen/Qwen2.5-VL-7B-Instruct", "template": "easyr1"}},
        "benchmarks": {"arith": {"source": "synthetic", "synthetic": {"n_problems": 2}},
                       "shapes": {"source": "synthetic-visual", "synthetic": {"n_problems": 2}},
                       "vista": {"source": "hf", "dataset": "AI4Math/MathVista",
                                 "preset": "mathvista"}},
        "device": "cpu",
    }


def test_text_models_are_not_run_on_image_benchmarks():
    plan = Plan(validated(_config()))
    assert plan.model_benchmarks("text") == ["arith"]
    assert plan.model_benchmarks("vlm") == ["arith", "shapes", "vista"]
    with pytest.raises(PlanError, match=r"models.text.benchmarks names shapes, whose problems "
                                        r"have images, but template 'qwen-boxed' shows no"):
        Plan(validated(_config(benchmarks=["arith", "shapes"])))
    config = {**_config(), "comparisons": [{"base": "text", "other": "vlm", "label": "rl"}],
              "perplexity": {}}
    assert Plan(validated(config)).perplexity["benchmark"] == "arith"
    with pytest.raises(PlanError, match="perplexity.benchmark 'vista' has images"):
        Plan(validated({**config, "perplexity": {"benchmark": "vista"}}))


def test_paper_config_runs_the_visual_pair_on_both_visual_benchmarks():
    plan = Plan(validated(load_config(PROJECT_ROOT / "configs" / "paper.yaml")))
    visual = {"mathvista", "mathvision"}
    pair = [c for c in plan.comparisons.values() if c.base == "qwen2.5-vl-7b"]
    assert [(c.other, c.label) for c in pair] == [("qwen2.5-vl-7b-easyr1", "rl")]
    for model in ("qwen2.5-vl-7b", "qwen2.5-vl-7b-easyr1"):
        assert set(plan.model_benchmarks(model)) == visual
        assert plan.models[model]["template"] == "easyr1"
    for model in set(plan.models) - {"qwen2.5-vl-7b", "qwen2.5-vl-7b-easyr1"}:
        assert not visual & set(plan.model_benchmarks(model))
    assert {plan.benchmarks[b]["split"] for b in visual} == {"testmini"}
    assert not any(plan.benchmarks[b].get("multiple_choice") for b in visual)
    assert all(len(plan.seeds) * plan.samples_per_seed(b) == 128 for b in visual)
