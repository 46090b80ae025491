"""Planning of checkpoint series: run/step/base cross-checks and unfilled placeholders."""

from __future__ import annotations

import pytest

from reasoning_boundary.config_check import validated
from reasoning_boundary.plan import Plan, PlanError
from reasoning_boundary.series_plan import Series

BASE = {"source": "Qwen/Qwen2.5-7B", "template": "qwen-boxed"}


def _models(**extra: dict) -> dict:
    return {"base": BASE, **{name: {**BASE, **spec} for name, spec in extra.items()}}


def test_a_run_starts_at_its_base_and_the_table_takes_its_last_step():
    series = Series(_models(g150={"run": "g", "step": 150, "base": "base", "algorithm": "grpo"},
                            g300={"run": "g", "step": 300, "base": "base", "algorithm": "grpo"},
                            ppo={"base": "base", "algorithm": "ppo"}))
    assert [(p.step, p.model) for p in series.runs["g"]] == [(0, "base"), (150, "g150"),
                                                            (300, "g300")]
    assert [p.model for p in series.algorithm_models()] == ["g300", "ppo"]
    assert series.table_names() == ["training_steps", "algorithms"]


@pytest.mark.parametrize(("models", "message"), [
    (_models(rl={"base": "nope"}), "models.rl.base 'nope' is not another model"),
    (_models(rl={"run": "g"}), "models.rl has `run` but no `step`"),
    (_models(rl={"step": 3}), "models.rl has `step` but no `run`"),
    (_models(a={"run": "g", "step": 5}, b={"run": "g", "step": 5}),
     "models a and b are both step 5 of run 'g'"),
])
def test_inconsistent_series_keys_are_config_errors(models, message):
    with pytest.raises(ValueError, match=message.replace("`", ".")) as err:
        Series(models)  # a SeriesError (ValueError); Plan raises it as a PlanError
    assert "config:" in str(err.value)


def test_the_plan_refuses_placeholder_sources_naming_each():
    config = {"models": _models(ppo={"source": "FILL-IN: folder of the PPO checkpoint"}),
              "benchmarks": {"x": {"source": "local", "path": "FILL-IN: held-out data"}}}
    with pytest.raises(PlanError, match=r"models\.ppo\.source .*benchmarks\.x\.path"):
        Plan(validated(config))
