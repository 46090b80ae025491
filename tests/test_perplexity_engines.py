"""The pipeline's perplexity (vLLM's prompt log-probs, the default engine) against transformers,
the reference, on the same responses of the bundled model: within 1e-3 nats per token.

The vLLM side is the tiny run's own perplexity table (tests/configs/tiny.yaml), so no extra
engine start is paid; the same files are scored again here with transformers in float32.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reasoning_boundary.analysis.perplexity import TransformersScorer, load_model, perplexity_table
from reasoning_boundary.cli.arguments import labelled
from reasoning_boundary.config_check import validated
from reasoning_boundary.plan import Plan
from reasoning_boundary.records import TABLE_FILE, TABLES
from workflow_helpers import PROJECT_ROOT, load_config

pytestmark = pytest.mark.slow

TOLERANCE = 1e-3  # nats per token
KEY = ["role", "source", "problem_id", "seed", "sample_index"]


def test_vllm_perplexity_agrees_with_transformers(tiny_local_run: Path) -> None:
    run = Path(tiny_local_run)
    plan = Plan(validated(load_config(PROJECT_ROOT / "tests/configs/tiny.yaml")))
    assert plan.perplexity is not None and plan.perplexity["engine"] == "vllm"
    for comparison in plan.comparisons:
        name = f"perplexity_{comparison}"
        log = (run / f"logs/analysis/{name}.log").read_text()
        assert "perplexity (vllm):" in log, log[-2000:]  # the table is vLLM's
        piped = TABLES["perplexity"].read(run / TABLE_FILE.format(table=name))
        inputs = plan.perplexity_inputs(comparison)
        meta = run / inputs["meta"]
        scorer = TransformersScorer(*load_model(str(run / json.loads(meta.read_text())["model"])))
        grouped: dict[tuple[str, str], list[str]] = {}
        for role, model, path in labelled(plan.labelled_perplexity_sources(comparison),
                                          ("ROLE", "MODEL", "SAMPLES"), "sources"):
            grouped.setdefault((role, model), []).append(str(run / path))
        reference = perplexity_table(meta, run / inputs["benchmark"],
                                     [(r, m, p) for (r, m), p in grouped.items()],
                                     plan.perplexity["problems"], plan.perplexity["responses"],
                                     comparison=comparison, scorer=scorer)
        both = piped.merge(reference, on=KEY, suffixes=("_vllm", "_hf"), validate="one_to_one")
        assert len(both) == len(piped) == len(reference) > 0
        assert (both["response_tokens_vllm"] == both["response_tokens_hf"]).all()
        scored = both[both["response_tokens_hf"] > 0]
        assert len(scored) > 0
        worst = (scored["nll_vllm"] - scored["nll_hf"]).abs().max()
        assert worst <= TOLERANCE, both[["nll_vllm", "nll_hf"]]
