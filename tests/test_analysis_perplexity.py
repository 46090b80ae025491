"""Perplexity of a base model on responses, checked against transformers' own loss."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from analysis_helpers import build_tiny_model
from reasoning_boundary.analysis.perplexity import (
    load_model,
    perplexity_table,
    response_nlls,
    select_responses,
)
from reasoning_boundary.prompts import get_template, render_prompt
from reasoning_boundary.records import write_json, write_jsonl

torch = pytest.importorskip("torch")

PROBLEMS = [{"id": f"q{i}", "kind": "math", "question": f"What is {i} plus 4?", "answer": "x"}
            for i in range(3)]
RESPONSES = ["The answer is \\boxed{7}.", "reason step by step: 3 plus 4", "7", ""]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.getbasetemp() / "tiny-llama")


def _reference_nll(model, tokenizer, prompt: str, response: str) -> float:
    """Mean NLL of the response tokens from the model's own shifted cross-entropy loss."""
    p = tokenizer(prompt, add_special_tokens=True)["input_ids"]
    r = tokenizer(response, add_special_tokens=False)["input_ids"]
    ids = torch.tensor([p + r])
    labels = torch.tensor([[-100] * len(p) + r])
    with torch.inference_mode():
        return float(model(input_ids=ids, labels=labels).loss)


def test_nll_matches_a_direct_computation_batched_and_padded(tiny_model: Path):
    model, tokenizer = load_model(str(tiny_model))
    prompt = render_prompt(get_template("chatml"), PROBLEMS[0])
    got = response_nlls(model, tokenizer, prompt, RESPONSES)
    for (nll, count), response in zip(got, RESPONSES, strict=True):
        if not response:
            assert count == 0 and math.isnan(nll)
            continue
        assert count == len(tokenizer(response, add_special_tokens=False)["input_ids"])
        assert nll == pytest.approx(_reference_nll(model, tokenizer, prompt, response), rel=1e-5)


def test_select_responses_pools_seeds_in_order():
    samples = [{"problem_id": p, "sample_index": i, "seed": s, "response": f"{p}{s}{i}"}
               for s in (1, 0) for p in ("a", "b") for i in range(3)]
    picked = select_responses(samples, ["b", "a"], 4)
    assert [x["response"] for x in picked] == ["b00", "b01", "b02", "b10",
                                               "a00", "a01", "a02", "a10"]


def test_perplexity_table_scores_every_source_with_the_base_model(tiny_model: Path,
                                                                  tmp_path: Path):
    write_jsonl(tmp_path / "bench.jsonl", PROBLEMS)
    meta = tmp_path / "base.json"
    write_json(meta, {"model": str(tiny_model), "template": "chatml", "sampling": {"seed": 0}})
    paths = {}
    for name in ("base", "rl"):
        paths[name] = tmp_path / f"{name}.jsonl.gz"
        write_jsonl(paths[name], [
            {"problem_id": p["id"], "sample_index": i, "seed": 0, "response": r,
             "num_tokens": 3, "finish_reason": "stop"}
            for p in PROBLEMS for i, r in enumerate(RESPONSES[:3])
        ])
    table = perplexity_table(meta, tmp_path / "bench.jsonl",
                             [("other", "rl", [str(paths["rl"])]),
                              ("base", "base", [str(paths["base"])])],
                             problems=2, responses=2, comparison="base-vs-rl")
    assert len(table) == 2 * 2 * 2
    assert set(table["problem_id"]) == {"q0", "q1"} and set(table["base"]) == {"base"}
    assert (table["perplexity"] > 1).all()
    assert table["perplexity"].to_numpy() == pytest.approx(table["nll"].map(math.exp))
    assert json.loads(meta.read_text())["template"] == "chatml"
