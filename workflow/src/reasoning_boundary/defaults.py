"""Every default of the pipeline, written once.

The config schema (``workflow/schemas/config.schema.yaml``) states the same values as its
``default:`` entries, because Snakemake's validation fills them into the config; a test asserts
that the two agree. The command line, the library and the report read these constants, never a
literal of their own.
"""

from __future__ import annotations

# Sampling as in the paper: temperature 0.6, top-p 0.95, up to 16384 new tokens.
TEMPERATURE = 0.6
TOP_P = 0.95
MAX_TOKENS = 16384
SAMPLING = {"temperature": TEMPERATURE, "top_p": TOP_P, "max_tokens": MAX_TOKENS}

SEEDS = [0]
SAMPLES_PER_SEED = 16
SAMPLE_JOB = "seed"
SHARDS = 1
# Problems per resumable chunk of a sampling job (memory stays flat, a killed job resumes).
CHUNK_PROBLEMS = 64
DEVICE = "auto"
THREADS = {"sample": 2, "verify": 2, "train": 2}
DTYPE = "auto"
TENSOR_PARALLEL_SIZE = 1

# Seconds one check may take: a math-verify comparison, or a HumanEval check(candidate).
CHECK_TIMEOUT = 10.0
# Code tests (verify/code_check.py cites the sources): LiveCodeBench's 6 s per test; evalplus'
# floor under 4 x the canonical solution's time per input (4.0 since evalplus commit af49138,
# "to minimize false positives"; v0.3.1 had 1.0); at most this per sample; the canonical
# solution's run that sets expected outputs and times (evalplus has no limit).
TEST_TIMEOUT = 6.0
MIN_TEST_TIMEOUT = 4.0
SAMPLE_TIMEOUT = 600.0
CANONICAL_TIMEOUT = 600.0
# The code sandbox's isolation: auto = the strongest layer this machine allows.
ISOLATION = "auto"
VERIFY = {"timeout": CHECK_TIMEOUT, "test_timeout": TEST_TIMEOUT,
          "min_test_timeout": MIN_TEST_TIMEOUT, "sample_timeout": SAMPLE_TIMEOUT,
          "isolation": ISOLATION}
# Seconds between two progress lines in a job's log.
PROGRESS_SECONDS = 30.0

# Bootstrap over problems for the pass@k bands and the pair statistics' intervals.
RESAMPLES = 1000
BOOTSTRAP_SEED = 0
LEVEL = 0.95
BOOTSTRAP = {"resamples": RESAMPLES, "seed": BOOTSTRAP_SEED, "level": LEVEL}

# The paper scores 16 responses on each of 2 AIME24 problems; vLLM scores them (transformers
# is the reference implementation).
PERPLEXITY = {"problems": 2, "responses": 16, "engine": "vllm"}
PERPLEXITY_ENGINES = ("vllm", "transformers")

PLOT_DPI = 150

# Host memory (MB) and wall time (minutes) of one sampling job, by device.
SAMPLE_MEM_MB = {"gpu": 32000, "cpu": 8000}  # vLLM-CPU: the model plus a 4 GiB KV cache
SAMPLE_RUNTIME = {"gpu": 720, "cpu": 240}

# A benchmark's part in a training study: the training problems themselves, held-out problems
# of the training domain, or another domain. Series figures and the algorithms table split by it.
BENCHMARK_ROLES = ("train", "in_domain", "out_of_domain")
BENCHMARK_ROLE = "in_domain"
# A benchmark's split: `train` marks training data. For `source: hf` it is also the split loaded.
BENCHMARK_SPLIT = "test"

# Visual benchmarks (MathVista, MathVision): the paper removes multiple-choice questions.
VISUAL_MULTIPLE_CHOICE = False
# Side in pixels of a synthetic-visual image.
SYNTHETIC_IMAGE_SIZE = 224

# Training (models.<name>.train): settings of one run, and its LoRA adapter when `lora` is given.
# The learning rate is the RL papers' 1e-6; completions short enough for a CPU.
TRAIN = {"learning_rate": 1e-6, "prompts_per_step": 4, "num_generations": 8,
         "max_completion_length": 128, "temperature": 1.0, "beta": 0.0, "seed": 0}
LORA = {"r": 16, "alpha": 32, "dropout": 0.0}
# The distillation teacher that needs no model: the synthetic generator's worked solutions.
WORKED_SOLUTIONS = "worked-solutions"
