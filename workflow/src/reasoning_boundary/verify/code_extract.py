"""Pull the program to test out of a model response.

A stdin program (LiveCodeBench's stdin problems: no entry point, the task in prose) is the
block as it stands and runs as a script, ``if __name__ == "__main__":`` included.

Order of preference: a closed fenced Python block that defines the entry point (the last
such block: models tend to refine), else the last closed Python block, else an unclosed one
(truncated generation) cut to its longest parseable prefix, else the last complete function
in plain text, else the whole response when it parses. A block that does not define the
entry point is read as a completion of the prompt (base models continue the signature), so
the prompt is put in front; a block that does define it still gets the prompt in front when
the prompt is valid Python, because the prompt carries imports and helper functions (e.g.
HumanEval/32's ``poly``) that the solution uses without repeating them.
"""

from __future__ import annotations

import ast
import re
import warnings

_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)(```|\Z)", re.S)
_PY_TAGS = {"", "python", "py", "python3", "py3"}
_TOP_CODE = re.compile(r"(?:async\s+def|def|class|import|from|@)\b")


def extract_code(
    response: str, entry_point: str | None = None, prompt: str | None = None,
    prelude: str | None = None,
) -> str | None:
    """The program to run for ``response``, or None when it holds no usable code.

    ``prelude`` goes in front of the program (LiveCodeBench's grader imports typing, collections,
    sys, ... before every program, so a LeetCode answer may use ``List`` without importing it).
    """
    if prompt is not None and not (prompt.strip() and _parses(prompt)):
        prompt = None  # prose (LiveCodeBench): nothing to complete or to put in front
    blocks = [(m.group(2), m.group(3) == "```") for m in _FENCE.finditer(response)
              if m.group(1).lower() in _PY_TAGS]
    closed = [code for code, is_closed in blocks if is_closed and code.strip()]
    if closed:
        defining = [code for code in closed if _defines(code, entry_point)]
        code = (defining or closed)[-1]
    elif blocks:
        code = _parseable_prefix(blocks[-1][0]) or ""
    else:
        code = _from_plain_text(response, entry_point, prompt)
    if not code or not code.strip():
        return None
    return (prelude or "") + _assemble(code, entry_point, prompt)


def _defines(code: str, name: str | None) -> bool:
    if not name:
        return False
    return re.search(rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\(", code,
                     re.M) is not None


def _parses(code: str) -> bool:
    try:
        with warnings.catch_warnings():  # invalid escapes etc. in model code are not our news
            warnings.simplefilter("ignore")
            ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _parseable_prefix(code: str) -> str | None:
    """The longest prefix, cut where a top-level line starts, that parses.

    Cutting only at unindented lines keeps this to a few parses even for long responses,
    and trailing prose (which starts unindented) is exactly what needs cutting.
    """
    lines = code.splitlines(keepends=True)
    cuts = [i for i, line in enumerate(lines) if line[:1] not in ("", " ", "\t", "\n")]
    for end in [len(lines), *reversed(cuts)]:
        candidate = "".join(lines[:end])
        if candidate.strip() and _parses(candidate):
            return candidate
    return None


def _from_plain_text(response: str, entry_point: str | None, prompt: str | None) -> str | None:
    if entry_point and not _defines(response, entry_point) and prompt:
        first = next((line for line in response.splitlines() if line.strip()), "")
        if first[:1] in (" ", "\t") or _parses(prompt + response):
            return response  # completion style: the prompt goes in front in _assemble
    if _parses(response):
        return response
    segments = _code_segments(response)
    defining = [s for s in segments if _defines(s, entry_point)]
    for segment in reversed(defining or segments):
        code = _parseable_prefix(segment)
        if code and (not entry_point or _defines(code, entry_point) or not defining):
            return code
    return None


def _code_segments(text: str) -> list[str]:
    """Runs of lines that start with def/class/import/decorator and their indented bodies."""
    segments: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines(keepends=True):
        top = line[:1] not in (" ", "\t", "\n", "")
        if top and _TOP_CODE.match(line):
            if current is None:
                current = []
                segments.append(current)
            current.append(line)
        elif current is not None and (not top or not line.strip()):
            current.append(line)
        else:
            current = None
    return ["".join(lines) for lines in segments]


def _assemble(code: str, entry_point: str | None, prompt: str | None) -> str:
    if entry_point and prompt and not _defines(code, entry_point):
        # A completion: keep the body's indentation; drop what follows the function if the
        # model ran on into prose.
        joined = prompt + code
        if _parses(joined):
            return joined
        body = _parseable_prefix(code.rstrip() + "\n")
        if body is not None and _parses(prompt + body):
            return prompt + body
        tail = _parseable_suffix_cut(prompt, code)
        return tail if tail is not None else joined
    if prompt and entry_point:  # a stdin/stdout program has nothing to take from a prompt
        return prompt.rstrip() + "\n\n" + code.strip("\n") + "\n"
    return code.strip("\n") + "\n"


def _parseable_suffix_cut(prompt: str, code: str) -> str | None:
    """prompt + the longest line prefix of code that parses (body lines are indented)."""
    lines = code.splitlines(keepends=True)
    for end in range(len(lines), 0, -1):
        if not lines[end - 1].strip():
            continue
        candidate = prompt + "".join(lines[:end])
        if _parses(candidate):
            return candidate
        if len(lines) - end > 200:  # bound the work on very long junk
            break
    return None
