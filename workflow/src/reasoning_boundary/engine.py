"""vLLM's offline engine for a job: its settings, its arguments per device, the GPUs it holds.

Sampling and perplexity start the engine the same way (``load_engine``), so a model's dtype,
context length, tensor-parallel size and CPU workarounds are decided once, here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import defaults

log = logging.getLogger("reasoning_boundary")


@dataclass
class EngineSettings:
    model: str
    dtype: str = defaults.DTYPE
    max_model_len: int | None = None
    tensor_parallel_size: int = defaults.TENSOR_PARALLEL_SIZE
    enforce_eager: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    device: str = "gpu"  # cpu | gpu: which of vLLM's defaults to keep (engine_arguments)
    gpu_memory_utilization: float | None = None  # GPUs only; None: vLLM's default (0.92)
    max_num_seqs: int | None = None  # None: vLLM's default for the device


def gpu_present() -> bool:
    """Whether ``nvidia-smi`` lists a GPU on this machine (``device: auto``)."""
    return gpu_count() > 0


def gpu_count() -> int:
    """GPUs this process may use: those in CUDA_VISIBLE_DEVICES where it is set, else every
    GPU ``nvidia-smi -L`` lists."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return len([d for d in visible.split(",") if d.strip() and not d.strip().startswith("-")])
    if not shutil.which("nvidia-smi"):
        return 0
    probe = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
    if probe.returncode != 0:
        return 0
    return sum(line.startswith("GPU ") for line in probe.stdout.splitlines())


_GPU_LOCKS = "/tmp/rb-gpu-locks"
_HELD_GPUS: list[int] = []  # lock fds of the GPUs this process claimed, open until it exits


def claim_gpus(count: int, poll: float = 5.0) -> list[int] | None:
    """Pin this job to ``count`` GPUs that no other job on this machine holds.

    Snakemake counts GPUs (``--resources gpu=N``, set from the machine for local runs) but does
    not say which a job gets, and vLLM takes GPU 0 unless told: so each job takes a lock per
    GPU (flock, released when the process ends) and sets CUDA_VISIBLE_DEVICES to the GPUs it
    holds. Where CUDA_VISIBLE_DEVICES is set already (SLURM sets it for a job's GPUs), or the
    machine has fewer GPUs than asked (vLLM then says so), nothing is changed.
    """
    import fcntl

    if count <= 0 or "CUDA_VISIBLE_DEVICES" in os.environ:
        return None
    total = gpu_count()
    if total < count:
        return None
    os.makedirs(_GPU_LOCKS, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(_GPU_LOCKS, 0o1777)  # every user's jobs share the machine's GPUs
    waited = 0.0
    while True:
        held: list[tuple[int, int]] = []
        for index in range(total):
            fd = os.open(f"{_GPU_LOCKS}/gpu{index}", os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW,
                         0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held.append((index, fd))
            except BlockingIOError:
                os.close(fd)
            if len(held) == count:
                _HELD_GPUS.extend(fd for _, fd in held)
                chosen = [index for index, _ in held]
                os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(map(str, chosen))
                log.info("GPUs claimed for this job: %s", os.environ["CUDA_VISIBLE_DEVICES"])
                return chosen
        for _, fd in held:
            os.close(fd)
        if waited % 60 < poll:
            log.info("waiting for %d free GPU(s) of %d (held by other jobs)", count, total)
        time.sleep(poll)
        waited += poll


def configure_cpu_backend(threads: int) -> None:
    """vLLM-CPU defaults measured here: a 4 GiB KV cache and every core the job is given.

    Without an explicit KV cache size vLLM asks for more memory than the first NUMA node reports
    and refuses to start; by default it also computes on one thread and idles the rest. Values
    already in the environment win, so users tune them without code changes. The engine core
    runs in the job's own process (as the worker does, see :func:`engine_arguments`): each
    extra process imports vLLM again, and the two cost 20-30 s of every CPU job's start here
    (bench/engine_start.py), for the same responses byte for byte.
    """
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "4")
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    cores = sorted(os.sched_getaffinity(0))[: max(1, threads)]
    os.environ.setdefault("VLLM_CPU_OMP_THREADS_BIND", ",".join(str(c) for c in cores))


def engine_arguments(engine: EngineSettings, seed: int) -> dict[str, Any]:
    """The ``vllm.LLM`` arguments for a job: vLLM's own defaults on GPUs, workarounds on CPUs.

    On a GPU chunked prefill and the token budget stay vLLM's (turning chunked prefill off is
    what vLLM warns "may cause the engine to crash or produce incorrect outputs" about), prefix
    caching is on (the n samples of a prompt share it), and the memory share, tensor-parallel
    size and batch size come from the model's config. ``options`` (``engine_options``) win.
    """
    kwargs: dict[str, Any] = {
        "model": engine.model,
        "dtype": engine.dtype,
        "seed": seed,
        "tensor_parallel_size": engine.tensor_parallel_size,
        "enforce_eager": engine.enforce_eager,
    }
    if engine.max_model_len:
        kwargs["max_model_len"] = engine.max_model_len
    if engine.max_num_seqs:
        kwargs["max_num_seqs"] = engine.max_num_seqs
    if engine.device == "cpu":
        # Chunked prefill of a seeded prompt crashed vLLM-CPU ("CPU Generator does not use
        # offset"); a budget larger than any prompt avoids chunking. With a known context
        # length no prompt needs chunking at all, and the start-up profiling pass (one forward
        # over the whole token budget) shrinks with the budget: on a CPU it took most of a
        # small job's start.
        kwargs["max_num_batched_tokens"] = engine.max_model_len or 16384
        if engine.max_model_len:
            kwargs["enable_chunked_prefill"] = False
        if engine.tensor_parallel_size == 1:
            # The model runs in this process: no worker process to start (see
            # configure_cpu_backend).
            kwargs["distributed_executor_backend"] = "uni"
    else:
        kwargs["enable_prefix_caching"] = True
        if engine.gpu_memory_utilization is not None:
            kwargs["gpu_memory_utilization"] = engine.gpu_memory_utilization
    kwargs.update(engine.options)
    return kwargs


def load_engine(engine: EngineSettings, seed: int, engine_class: Callable[..., Any] | None = None):
    """Start vLLM once for a job. Imported lazily: importing vLLM alone takes seconds.
    ``engine_class`` stands in for ``vllm.LLM`` (tests record the arguments)."""
    if engine_class is None:
        from vllm import LLM as engine_class
    return engine_class(**engine_arguments(engine, seed))


def engine_versions() -> dict[str, str]:
    """Versions that decide what a seed samples; ``vllm`` whichever build provides it."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("vllm", "vllm-cpu", "torch", "transformers"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    if "vllm" not in found and "vllm-cpu" in found:
        found["vllm"] = found["vllm-cpu"]
        found["vllm_build"] = "vllm-cpu"
    return found
