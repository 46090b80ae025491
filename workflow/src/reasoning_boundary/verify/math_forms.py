"""Answer notations that math-verify misreads, rewritten before parsing (gold and answer alike).

Each rule was found on real golds of the paper's benchmarks (``bench/verify_math_golds.py``
prints them):

* scientific notation: Minerva writes 58 of its 272 golds as ``8.7e8``, which LaTeX parsing
  reads as 8.7·e·8, and math-verify finds ``8.7 \\times 10^{8}`` unequal to ``870000000``
  (a float times a power against an integer); both forms become the plain decimal
  ``870000000``, so all three agree;
* thousands grouped with thin spaces (``43\\,500``), read as 43·500 or 543 otherwise;
* ``\\max``/``\\min`` inside a subscript (OlympiadBench's ``m_{\\max}=n^2-n-1``), which stops the
  LaTeX parser;
* a text label in a subscript (Minerva's ``\\lambda_{\\text{red}}``), which math-verify's text
  handling cuts to ``\\lambda_{``;
* an answer stated as membership (MATH500's ``x \\in [-2,7]``): math-verify finds
  ``x \\in [-2,7]`` equal to ``x \\in [-2,8]``, so the set alone is compared;
* a whole answer in number words ("fifteen"), which math-verify reads as a product of letters;
* ``E`` or ``I`` with a subscript (Minerva's ``\\frac{1}{3} E_{1}+\\frac{2}{3} E_{2}``): read as
  Euler's number or the imaginary unit, the subscripted symbol is dropped (the gold parses as
  2/3) or mangled; they become the calligraphic symbols ``\\mathcal{E}_{1}``;
* a numeral with a base subscript (``204_5``): math-verify drops the subscript, so ``204_2``
  would pass; :func:`based_numeral` lets the checker compare digits and base;
* a unit the benchmark gives separately (OlympiadBench's ``unit``): :func:`strip_unit`.
"""

from __future__ import annotations

import re
from decimal import Decimal

_E_NOTATION = re.compile(r"(?<![\w\\.{])(\d+(?:\.\d+)?)\s*[eE]\s*([+-]?\d+)(?![\w.])")
_TIMES_TEN = re.compile(r"(?<![\w\\.{^])(\d+(?:\.\d+)?)\s*(?:\\times|\\cdot|\*| x )\s*"
                        r"10\s*\^\s*(?:\{\s*([+-]?\d+)\s*\}|([+-]?\d))(?![\d.])")
_THIN_THOUSANDS = re.compile(
    r"(?<![\d.,])(\d{1,3})((?:(?:\\,|\\;|\\:|\\ |\{,\}|,\\!|\\!)\d{3})+)(?![\d])")
_GROUP_SEPARATOR = re.compile(r"\\,|\\;|\\:|\\ |\{,\}|,\\!|\\!")
_SUBSCRIPT_OPERATOR = re.compile(
    r"_(?:\{\s*\\(max|min|sup|inf)\s*\}|\\(max|min|sup|inf)(?![A-Za-z]))")
_SUBSCRIPT_TEXT = re.compile(r"_\{\s*\\(?:text|mathrm)\s*\{\s*(\w+)\s*\}\s*\}")
# "x \in [-2,7]": the answer is the set (math-verify compares such relations by their left side).
_MEMBERSHIP = re.compile(r"^\s*[A-Za-z](?:_\{?\w+\}?)?\s*\\in\s*(?=[\[(\\{]|\\mathbb)")
_CONSTANT_WITH_SUBSCRIPT = re.compile(r"(?<![\\A-Za-z])([EI])(?=\s*_)")
_FLOAT_DIVISION = re.compile(r"(\d)\.(?=\s*/)")
_TEXT = re.compile(r"\\(?:text|textbf|mathrm|mbox)\{([^{}]*)\}")

_ONES = {word: value for value, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {word: 10 * (i + 2) for i, word in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}

_BASED = re.compile(r"^\s*(?:\\text\{)?([0-9A-Za-z]+)\}?\s*_\s*\{?\s*\(?\s*(\d+)\s*\)?\s*\}?\s*$")
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def rewrite_notation(text: str) -> str:
    """``text`` with the notations above in the forms math-verify reads right."""
    text = _E_NOTATION.sub(lambda m: _decimal(m.group(1), m.group(2)), text)
    text = _TIMES_TEN.sub(lambda m: _decimal(m.group(1), m.group(2) or m.group(3)), text)
    text = _THIN_THOUSANDS.sub(lambda m: m.group(1) + _GROUP_SEPARATOR.sub("", m.group(2)),
                               text)
    text = _SUBSCRIPT_OPERATOR.sub(lambda m: "_{" + (m.group(1) or m.group(2)) + "}", text)
    text = _SUBSCRIPT_TEXT.sub(r"_{\1}", text)  # Minerva's \lambda_{\text{red}}
    text = _MEMBERSHIP.sub("", text)
    text = _FLOAT_DIVISION.sub(r"\1", text)  # Minerva's "-1./3"
    text = _CONSTANT_WITH_SUBSCRIPT.sub(r"\\mathcal{\1}", text)
    text = text.replace("~", " ")  # a non-breaking space in LaTeX ("1.6~\\mathrm{cm}")
    number = words_to_number(text)
    return number if number is not None else text


def _decimal(mantissa: str, exponent: str) -> str:
    """mantissa · 10^exponent as a plain decimal ("8.7", "8" -> "870000000")."""
    power = int(exponent)
    if abs(power) > 400:  # keep the text short; such numbers stay as written
        return f"{mantissa}\\times10^{{{power}}}"
    value = Decimal(mantissa).scaleb(power)
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


_PLAIN = re.compile(r"^\s*([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|[+-]?\.\d+)\s*$")


def plain_number(text: str) -> Decimal | None:
    """The value of ``text`` if it is a plain decimal number once rewritten, else None."""
    match = _PLAIN.match(rewrite_notation(text))
    return Decimal(match.group(1).replace(",", "")) if match else None


def words_to_number(text: str) -> str | None:
    """"fifteen", "\\text{Twenty-one}", "one hundred and five" -> digits; None if not words."""
    plain = _TEXT.sub(r"\1", text).strip().strip(".").lower().replace("-", " ")
    words = plain.replace(" and ", " ").split()
    if not words or not all(w in _ONES or w in _TENS or w in _SCALES for w in words):
        return None
    if words[0] in _SCALES:
        return None  # "hundred" alone is not a number a model would answer with
    total = current = 0
    for word in words:
        if word in _ONES:
            current += _ONES[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current *= 100
        else:
            total += current * _SCALES[word]
            current = 0
    return str(total + current)


def based_numeral(text: str) -> tuple[str, int] | None:
    """(digits, base) of a numeral written with its base (``204_5``, ``A3_{16}``), else None.

    Base 10 subscripts are plain numbers; digits must be valid in the base.
    """
    match = _BASED.match(text)
    if not match:
        return None
    digits, base = match.group(1).upper(), int(match.group(2))
    if not 2 <= base <= 36 or base == 10 or any(_DIGITS.find(d) >= base or _DIGITS.find(d) < 0
                                               for d in digits):
        return None
    return digits, base


def numeral_value(digits: str, base: int) -> int:
    return int(digits, base)


def strip_unit(text: str, unit: str) -> str:
    """``text`` without a trailing ``unit`` (``166 \\text{ cm}^2`` with unit ``cm^2`` -> 166).

    Units are compared after removing math delimiters, text wrappers, spacing commands and
    braces, so ``\\mathrm{~km/h}``, ``\\text{ km/h}`` and ``km/h`` are one unit.
    """
    target = _squeeze(unit)
    plain = _TEXT.sub(r" \1", text).replace("~", " ")
    if not target or _squeeze(plain) == target or not _squeeze(plain).endswith(target):
        return text
    for cut in range(len(plain)):  # the longest tail that is the unit
        if _squeeze(plain[cut:]) == target:
            return plain[:cut].rstrip(" \\,;")
    return text


def _squeeze(text: str) -> str:
    text = text.replace("$", "")
    text = re.sub(r"\\(?:text|textbf|mathrm|mbox|operatorname)\s*", "", text)
    text = re.sub(r"\\[,;:! ]|~|\\quad|\\qquad", "", text)
    return re.sub(r"[{}\s]", "", text).replace("\\%", "%").replace("^\\circ", "°") \
        .replace("\\circ", "°")


# ---- how models write a gold (the self-verification of bench/verify_math_golds.py) ----------
_GROUPED = re.compile(r"(?<![\d.])\d{1,3}(?:(?:,|\{,\}|\\,|,\\!)\d{3})+(?![\d])")


def written_forms(gold: str, answers: list[str] | None = None) -> list[tuple[str, str]]:
    """(label, text) of the ways a model writes ``gold`` in its box: the gold as it stands,
    and, where a notation applies, the other common forms of the same value (scientific
    notation as a plain number and as ``a \\times 10^{b}``, a number's thousands without
    separators, a whole number without ``.0``, several ``answers`` in another order)."""
    forms = [("as written", gold)]
    if answers and len(answers) > 1:
        forms.append(("other order", ", ".join(reversed(answers))))
    science = _E_NOTATION.search(gold)
    if science:
        mantissa, power = science.group(1), science.group(2)
        forms.append(("plain number", gold.replace(science.group(0),
                                                    _decimal(mantissa, power))))
        forms.append(("times ten", gold.replace(science.group(0),
                                                 f"{mantissa} \\times 10^{{{int(power)}}}")))
    grouped = _GROUPED.search(gold)
    if grouped and re.fullmatch(r"\s*(?:\\\$)?\s*" + re.escape(grouped.group(0)) + r"(?:\.\d+)?\s*",
                                gold):
        forms.append(("no separators", _GROUPED.sub(
            lambda m: re.sub(r"\{,\}|\\,|,\\!|,", "", m.group(0)), gold)))
    whole = re.fullmatch(r"(-?\d+)\.0+", gold.strip())
    if whole:
        forms.append(("whole number", whole.group(1)))
    return forms
