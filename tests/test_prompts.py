"""Prompt templates of the paper's model families and the benchmarks' own code prompts, rendered
exactly, and what of a response is graded."""

from __future__ import annotations

import pytest

from reasoning_boundary.prompts import (
    CODE_PROMPTS,
    TEMPLATES,
    get_template,
    graded_text,
    render_prompt,
    stop_strings,
    stop_token_ids,
)

MATH = {"id": "m", "kind": "math", "question": "What is $1+1$?"}
STDIN = {"id": "abc001", "kind": "code", "prompt": "Print A+B.", "entry_point": None,
         "meta": {"starter_code": ""}, "prompt_format": "livecodebench"}
FUNCTIONAL = {"id": "lc1", "kind": "code", "prompt": "Return the sum of nums.",
              "entry_point": "total", "prompt_format": "livecodebench",
              "meta": {"starter_code": "class Solution:\n    def total(self, nums: List[int])"
                                       " -> int:\n        "}}
EVALPLUS = {"id": "HumanEval/53", "kind": "code", "entry_point": "add",
            "prompt": 'def add(x: int, y: int):\n    """Add two numbers x and y"""\n',
            "prompt_format": "evalplus", "meta": {}}

LCB_TASK = ("You will be given a question (problem specification) and will generate a correct "
            "Python program that matches the specification and passes all tests.")
LCB_STDIN = ("Read the inputs from stdin solve the problem and write the answer to stdout (do not "
             "directly test on the sample inputs). Enclose your code within delimiters as follows."
             " Ensure that when the python program runs, it reads the inputs, runs the algorithm "
             "and writes output to STDOUT.")


def test_math_templates_of_every_family_render_the_papers_prompts():
    # limit-of-RLVR utils.py "qwen-boxed" and "qwen25-math-cot", as printed there with repr().
    assert render_prompt(TEMPLATES["qwen-boxed"], MATH) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
        "What is $1+1$?\nPlease reason step by step, and put your final answer within "
        "\\boxed{}.<|im_end|>\n<|im_start|>assistant\n")
    assert render_prompt(TEMPLATES["qwen25-math-cot"], MATH) == (
        "<|im_start|>system\nPlease reason step by step, and put your final answer within "
        "\\boxed{}.<|im_end|>\n<|im_start|>user\nWhat is $1+1$?<|im_end|>\n"
        "<|im_start|>assistant\n")
    # simpleRL-reason utils.py "abel", a completion prompt.
    assert render_prompt(TEMPLATES["simplerl-abel"], MATH) == \
        "Question:\nWhat is $1+1$?\nAnswer:\nLet's think step by step.\n"
    assert stop_strings(TEMPLATES["simplerl-abel"], "math")[:2] == ["Question:", "Answer:"]
    # DeepSeek-R1-Distill: no system prompt, the directive in the user turn, "<think>\n" opened.
    assert render_prompt(TEMPLATES["deepseek-r1-distill"], MATH) == (
        "\uff5cUser\uff5c".join(["<", ">"]) + "What is $1+1$?\nPlease reason step by step, and put "
        "your final answer within \\boxed{}.<\uff5cAssistant\uff5c><think>\n")
    assert not render_prompt(TEMPLATES["llama3-chat"], MATH).startswith("<|begin_of_text|>")


def test_livecodebench_prompts_stdin_and_starter_code():
    # LiveCodeBench CodeQwenInstruct (lcb_runner/prompts/code_generation.py) + the paper's
    # "```python" (Fig. 24).
    assert render_prompt(TEMPLATES["qwen25-instruct"], STDIN) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n\n"
        f"{LCB_TASK} You will NOT return anything except for the program.\n\n"
        f"Question: Print A+B.\n\n{LCB_STDIN}\n```python\n# YOUR CODE HERE\n```\n\n"
        "<|im_end|>\n<|im_start|>assistant\n```python")
    functional = render_prompt(TEMPLATES["qwen25-instruct"], FUNCTIONAL)
    assert ("You will use the following starter code to write the solution to the problem and "
            "enclose your code within delimiters.\n```python\nclass Solution:\n    def total(self, "
            "nums: List[int]) -> int:\n        \n```\n\n<|im_end|>\n") in functional
    assert "Read the inputs from stdin" not in functional
    # A reasoning model: LiveCodeBench's DeepSeekR1 body, no "```python" prefix in its thinking.
    r1 = render_prompt(TEMPLATES["deepseek-r1-distill"], STDIN)
    assert r1.startswith(f"<\uff5cUser\uff5c>{LCB_TASK}\n\nQuestion: Print A+B.")
    assert r1.endswith("# YOUR CODE HERE\n```\n\n<\uff5cAssistant\uff5c><think>\n")
    assert "NOT return" not in r1


def test_evalplus_chat_prompt_and_completion():
    # evalplus make_raw_chat_prompt through Qwen's ChatML (the paper's Fig. 25).
    assert render_prompt(TEMPLATES["qwen25-instruct"], EVALPLUS) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
        "Please provide a self-contained Python script that solves the following problem in a "
        "markdown code block:\n```\ndef add(x: int, y: int):\n    \"\"\"Add two numbers x and "
        "y\"\"\"\n```\n<|im_end|>\n<|im_start|>assistant\nBelow is a Python script with a "
        "self-contained function that solves the problem and passes corresponding tests:\n"
        "```python\n")
    assert render_prompt(TEMPLATES["plain"], EVALPLUS) == EVALPLUS["prompt"]  # a completion
    # Code-R1's training format instead of the benchmark's prompt.
    code_r1 = render_prompt(TEMPLATES["code-r1"], FUNCTIONAL)
    assert "<think>...</think> and <answer>...</answer>" in code_r1
    assert code_r1.endswith(
        "<|im_start|>user\nSolve the programming task below in a Python markdown code block.\n"
        "Return the sum of nums.\nAlso feel free to reuse/extend the following starter code:\n"
        "```python\nclass Solution:\n    def total(self, nums: List[int]) -> int:\n```"
        "<|im_end|>\n<|im_start|>assistant\n")


def test_graded_text_restores_the_code_prefix_and_cuts_the_reasoning():
    instruct = TEMPLATES["qwen25-instruct"]
    assert graded_text(instruct, STDIN, "\nprint(1)\n```") == ("```python\nprint(1)\n```", False)
    assert graded_text(instruct, MATH, "\\boxed{2}") == ("\\boxed{2}", False)
    r1 = TEMPLATES["deepseek-r1-distill"]
    assert graded_text(r1, MATH, "so \\boxed{3}?</think>The answer is \\boxed{2}.") == \
        ("The answer is \\boxed{2}.", False)
    assert graded_text(r1, MATH, "still thinking \\boxed{3}") == ("", True)


def test_every_benchmark_prompt_and_template_is_known():
    assert set(CODE_PROMPTS) == {"evalplus", "livecodebench"}
    with pytest.raises(ValueError, match="choose one of"):
        get_template("qwen-boxxed")
    with pytest.raises(ValueError, match="unknown prompt_format"):
        render_prompt(TEMPLATES["chatml"], {**STDIN, "prompt_format": "apps"})


def test_special_token_stops_become_token_ids():
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    vocab = {"[UNK]": 0, "hello": 1, "<|endoftext|>": 2, "<|im_end|>": 3}
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer(WordLevel(vocab, unk_token="[UNK]")),
        eos_token="<|endoftext|>", additional_special_tokens=["<|im_end|>"])
    stops = stop_strings(TEMPLATES["qwen-boxed"], "math")
    assert stops == ["<|im_end|>", "<|endoftext|>"]
    assert stop_token_ids(tokenizer, stops) == [3, 2]
    assert stop_token_ids(tokenizer, ["Question:"]) == []  # plain text stays a stop string
