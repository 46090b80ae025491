"""Verification stage: grade samples into verdicts."""

from reasoning_boundary.verify.code_check import verify_code
from reasoning_boundary.verify.code_extract import extract_code
from reasoning_boundary.verify.math_check import verify_math
from reasoning_boundary.verify.math_extract import extract_answer

__all__ = ["extract_answer", "extract_code", "verify_code", "verify_math"]
