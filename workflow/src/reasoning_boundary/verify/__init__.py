"""Verification stage: grade samples into verdicts.

``dispatch.verify_samples`` is the entry point; ``math_check`` (math-verify in a
``deadline_pool``) and ``code_check`` (programs run in the ``sandbox`` package) are the checkers.
"""

from .dispatch import check_samples, verify_samples

__all__ = ["check_samples", "verify_samples"]
