"""A stand-in for ``vllm.LLM`` in tests of the logic around sampling (chunking, resume, merge).

It exists only where the point of a test is our bookkeeping, not the model: its responses
depend on nothing but the prompt, the request seed and the sample index, as vLLM's do with
per-request seeds. The real engine runs in the end-to-end tests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass
class FakeCompletion:
    index: int
    text: str
    token_ids: list[int]
    finish_reason: str = "stop"


@dataclass
class FakeRequestOutput:
    outputs: list[FakeCompletion]


@dataclass
class FakeEngine:
    fail_after_calls: int | None = None
    calls: list[int] = field(default_factory=list)

    def generate(self, prompts, params, use_tqdm=False):
        if self.fail_after_calls is not None and len(self.calls) >= self.fail_after_calls:
            raise RuntimeError("simulated crash of the sampling job")
        self.calls.append(len(prompts))
        results = []
        for prompt, p in zip(prompts, params, strict=True):
            completions = []
            for index in range(p.n):
                digest = hashlib.sha256(f"{prompt}|{p.seed}|{index}".encode()).hexdigest()
                completions.append(FakeCompletion(index, f"answer {digest[:12]}", [1] * 5))
            results.append(FakeRequestOutput(list(reversed(completions))))
        return results
