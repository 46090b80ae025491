"""reasoning-boundary: pass@k analysis of the reasoning boundary of language models."""

__version__ = "0.1.0"
