"""Pull the final answer out of a model's math response.

The order follows the conventions of the paper's evaluation code (Qwen2.5-Math style): the
last ``\\boxed{...}`` (or ``\\fbox{...}``) wins; without one, the last "the answer is X", then
the last "final answer is X", then a DAPO-style ``Answer: X`` on the last line, and, if asked
(``last_number``, as the paper's grader does by default), the last number of the response. Only
the answer string is returned; deciding whether it is right is math_check's job.
:func:`extract_answers` reads a problem with several answers, boxed together or one box each.
"""

from __future__ import annotations

import re

_BOX_COMMANDS = ("\\boxed", "\\fbox")
_ANSWER_LINE = re.compile(r"^[\W_]*(?:final\s+)?answer[\s*_]*:[\s*_]*(.+)$", re.IGNORECASE)
# A sentence that goes on after the answer ("The answer is 3. So ...") ends at ". ".
_SENTENCE_END = re.compile(r"\.(?:\s|$)")
# "18 dollars", "42 because ...": a plain number followed by words; the words would otherwise
# parse as a product of symbols (18*d*o*l*l*a*r*s) and fail a correct answer.
_NUMBER_THEN_WORDS = re.compile(r"^(-?\d[\d,]*(?:\.\d+)?)\s+[A-Za-z]{3,}(?:\s+[A-Za-z]+)*$")
# A number as the last-number fallback reads it: thousands in groups of three (",", "\,",
# "{,}"), a decimal part, an exponent ("8.7e8", as Minerva's golds are written).
_NUMBER = re.compile(r"-?\d{1,3}(?:(?:,|\\,|\{,\})\d{3})+(?![\d])(?:\.\d+)?"
                     r"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+(?![\w]))?")
_SEPARATORS = re.compile(r",|\\,|\{,\}")
# Math delimiters and markdown emphasis around an answer carry no meaning for the grader.
_WRAPPERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"), ("**", "**"), ("*", "*"))


def extract_answer(response: str, last_number: bool = False) -> str | None:
    """Return the final answer stated in ``response``, or None if it states none.

    With ``last_number``, a response that states no answer in any of the recognised forms is
    taken to answer with its last number ("So, Fatima has 6 books." answers 6).
    """
    if not response:
        return None
    boxed = _last_boxed(response)
    if boxed is not None:
        return boxed
    lowered = response.lower()
    if len(lowered) != len(response):  # lower() changed some lengths: positions would not match
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in response)
    for phrase in ("the answer is", "final answer is"):
        # "the answer is" also matches inside "the final answer is", as it should: the last
        # such phrase is the model's conclusion whichever wording it used.
        at = lowered.rfind(phrase)
        answer = _after(response[at + len(phrase):]) if at >= 0 else None
        if answer is not None:
            return answer
    match = _ANSWER_LINE.match(response.rstrip().rsplit("\n", 1)[-1].strip())
    if match:
        return _clean(match.group(1))
    numbers = _NUMBER.findall(response) if last_number else []
    return _SEPARATORS.sub("", numbers[-1]) if numbers else None


def extract_answers(response: str, parts: int, last_number: bool = False) -> str | None:
    """The final answer of a problem with ``parts`` answers, as one comma-separated string.

    Models box several answers together (``\\boxed{69, 84}``) or one box each
    (``\\boxed{69}, \\boxed{84}``); the second form is read as the last boxes joined, as
    OlympiadBench's own judger joins every box.
    """
    answer = extract_answer(response, last_number)
    if parts <= 1 or answer is None or len(split_top_level(answer)) >= parts:
        return answer
    boxes = _all_boxed(response)
    for count in range(2, len(boxes) + 1):
        joined = ", ".join(boxes[-count:])
        if len(split_top_level(joined)) >= parts:
            return joined
    return answer


def split_top_level(text: str, separators: tuple[str, ...] = (",",)) -> list[str]:
    """``text`` split at separators outside brackets and braces ("(1,2), 3" -> 2 parts)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        if char == "\\" and text.startswith(("\\{", "\\}"), i):
            depth += 1 if text[i + 1] == "{" else -1
            i += 2
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0:
            hit = next((sep for sep in separators if text.startswith(sep, i)), None)
            if hit is not None:
                parts.append(text[start:i].strip())
                i += len(hit)
                start = i
                continue
        i += 1
    parts.append(text[start:].strip())
    return [part for part in parts if part]


def _all_boxed(text: str) -> list[str]:
    found = []
    for match in re.finditer(r"\\(?:boxed|fbox)(?![A-Za-z])", text):
        content = _box_content(text, match.end())
        if content:
            found.append(content)
    return found


def _last_boxed(text: str) -> str | None:
    """Content of the last complete, non-empty box; a truncated last box falls back to earlier."""
    end = len(text)
    while True:
        # One backward scan for "box" finds both commands; responses run to many kilobytes.
        at = text.rfind("box", 0, end)
        if at < 0:
            return None
        end = at
        for command in _BOX_COMMANDS:
            start = at - command.index("box")
            if start >= 0 and text.startswith(command, start):
                content = _box_content(text, start + len(command))
                if content:
                    return content


def _box_content(text: str, pos: int) -> str | None:
    n = len(text)
    if pos < n and text[pos].isalpha():
        return None  # another command that merely starts with \boxed, e.g. \boxedx
    while pos < n and text[pos] in " \t":
        pos += 1
    if pos >= n:
        return None
    if text[pos] != "{":
        # "\boxed 5": the argument is the next token, ended by whitespace or a math delimiter.
        match = re.match(r"[^\s$]+", text[pos:pos + 200])
        return _clean(match.group(0)) if match else None
    depth = 0
    for i in range(pos, n):
        char = text[i]
        # Escaped braces (\{ \}) come in pairs in well-formed LaTeX, so counting them is safe.
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return _clean(text[pos + 1:i])
    return None  # unbalanced: the response was cut off inside the box


def _after(rest: str) -> str | None:
    # "The answer is:" may put the answer itself on the next line.
    rest = rest.lstrip(" \t:\r\n").split("\n", 1)[0]
    for left, right in _WRAPPERS[:4]:
        # "The answer is $x=2$ since ...": the math span is the answer, whatever follows.
        close = _unescaped(rest, right, len(left)) if rest.startswith(left) else -1
        if close > 0:
            return _clean(rest[len(left):close])
    return _clean(_SENTENCE_END.split(rest, 1)[0])


def _unescaped(text: str, token: str, start: int) -> int:
    """Index of the first ``token`` at or after ``start`` that is not escaped (``\\$`` is a
    dollar sign inside math, not its end), or -1."""
    at = text.find(token, start)
    while at > 0 and text[at - 1] == "\\" and token == "$":
        at = text.find(token, at + 1)
    return at


def _clean(answer: str) -> str | None:
    """Strip sentence punctuation and math/markdown delimiters around an answer."""
    answer = answer.strip()
    changed = True
    while changed and answer:
        changed = False
        stripped = answer.rstrip(" .,;").strip()
        if stripped != answer:
            answer, changed = stripped, True
        for left, right in _WRAPPERS:
            if len(answer) > len(left) + len(right) and answer.startswith(left) \
                    and answer.endswith(right) and not (right == "$" and answer[-2] == "\\"):
                answer, changed = answer[len(left):-len(right)].strip(), True
                break
    number = _NUMBER_THEN_WORDS.match(answer)
    return (number.group(1) if number else answer) or None
