"""The data contracts every stage shares: record types, file layout, tables, readers, writers.

One module owns the field names, the allowed values, where each file lives and how it is read
and written, so that a file written by one stage is read the same way by every other stage, by
the rules and by the command line.

* Problem (``results/benchmarks/{benchmark}.jsonl``): ``id``, ``kind`` (``math`` | ``code``),
  ``question`` and ``answer`` (math), ``prompt``, ``entry_point`` and ``tests`` (code), ``meta``;
  a visual problem also has ``images`` (:class:`ProblemImage`, files under
  ``results/benchmarks/{benchmark}/images/``) and may have ``answer_type`` and ``precision``.
* Sample (``results/samples/{model}/{benchmark}/seed{seed}.jsonl.gz``): ``problem_id``,
  ``sample_index``, ``seed``, ``response``, ``num_tokens``, ``finish_reason``, and for a problem
  with images ``prompt_tokens`` (the prompt's length after the image placeholders were
  expanded); beside it the sidecar ``seed{seed}.json`` (:class:`SampleMeta`).
* Verdict (``results/verdicts/{model}/{benchmark}/seed{seed}.jsonl.gz``): ``problem_id``,
  ``sample_index``, ``seed``, ``correct``, ``status``, ``extracted``.
* Tables (``results/tables/*.csv``): one :class:`TableSpec` each, in :data:`TABLES`.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict, get_args

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

ProblemKind = Literal["math", "code"]
VerdictStatus = Literal["passed", "failed", "no_answer", "timeout", "error"]
# How a code problem's tests are given (Problem.tests["format"]):
#   humaneval  {"code": "<defines check(candidate)>"}
#   evalplus   {"base_input", "plus_input", "atol", "canonical_solution", "contract"?, ...}
#   functional {"inputs": [repr, ...], "outputs": [repr, ...], "fn_name"?, "atol"?}
#   stdio      {"inputs": [str, ...], "outputs": [str, ...]}
#   functional and stdio may carry "prelude": code run before the candidate's program (the
#   imports LiveCodeBench's grader puts in front of every program).
TestFormat = Literal["humaneval", "evalplus", "functional", "stdio"]
# What the other model of a comparison is.
ComparisonLabel = Literal["rl", "distill", "instruct", "demo"]

PROBLEM_KINDS: tuple[str, ...] = get_args(ProblemKind)
VERDICT_STATUSES: tuple[str, ...] = get_args(VerdictStatus)
TEST_FORMATS: tuple[str, ...] = get_args(TestFormat)
COMPARISON_LABELS: tuple[str, ...] = get_args(ComparisonLabel)
LABEL_TEXT: dict[str, str] = {
    "rl": "RL-trained",
    "distill": "distilled",
    "instruct": "instruction-tuned",
    "demo": "demonstration, not an RL result",
}

# ---- where every file lives (the rules format these templates too) ---------------------------
BENCHMARK_FILE = "results/benchmarks/{benchmark}.jsonl"
# A visual benchmark's images, stored once by prepare (content-addressed file names).
BENCHMARK_IMAGES_DIR = "results/benchmarks/{benchmark}/images"
BENCHMARK_SHARD_FILE = "results/benchmarks/shards/{benchmark}/shard{shard}-of-{nshards}.jsonl"
SAMPLE_STEM = "results/samples/{model}/{benchmark}/seed{seed}"
SAMPLE_SHARD_STEM = SAMPLE_STEM + "/shard{shard}-of-{nshards}"
SAMPLES, SAMPLE_META = ".jsonl.gz", ".json"  # suffixes of a sample stem
VERDICTS_FILE = "results/verdicts/{model}/{benchmark}/seed{seed}.jsonl.gz"
TABLE_FILE = "results/tables/{table}.csv"
REPORT_SUMMARY_FILE = "results/report/summary.html"
TRAINING_SUMMARY_FILE = "results/report/training_summary.html"
CONVERTED_MODEL_DIR = "resources/models/{slug}"
# A training run's checkpoints (one Snakemake directory output per run, a folder per saved step)
# and its resumable trainer state, kept outside the output so a failed job's cleanup spares it.
CHECKPOINTS_DIR = "results/checkpoints/{run}"
CHECKPOINT_DIR = CHECKPOINTS_DIR + "/step-{step}"
TRAIN_STATE_DIR = "results/training/{run}"
CHECKPOINT_PROVENANCE = "training.json"
# Figures are stems: each is written as .png and .svg.
FIGURE_FORMATS = (".png", ".svg")
PASS_AT_K_FIGURE = "results/plots/pass_at_k_{benchmark}"
COVERAGE_FIGURE = "results/plots/coverage_{benchmark}"
PAIR_FIGURE = "results/plots/{comparison}/pass_at_k_{benchmark}"
HISTOGRAM_FIGURE = "results/plots/{comparison}/histogram_{benchmark}"
PERPLEXITY_FIGURE = "results/plots/{comparison}/perplexity"
TRAINING_STEPS_FIGURE = "results/plots/training_steps_{benchmark}"
TRAINING_STEPS_TABLE = TABLE_FILE.format(table="training_steps")
ALGORITHMS_TABLE = TABLE_FILE.format(table="algorithms")


class Problem(TypedDict, total=False):
    id: str
    kind: ProblemKind
    question: str | None
    answer: str | None
    prompt: str | None
    entry_point: str | None
    tests: dict[str, Any] | None  # {"format": TestFormat, ...}, see TestFormat
    meta: dict[str, Any]
    # Visual problems (MathVista, MathVision, synthetic-visual) are kind "math" with images:
    # the template shows each image where its placeholder goes, the math checker grades them.
    images: list[ProblemImage]
    answer_type: AnswerType | None  # how the checker compares; absent: math-verify alone
    precision: int | None  # answer_type "float": decimals the answer is rounded to

    # ---- paper matrix: structured golds and benchmark prompts ----
    # Math: how to compare when the gold string alone cannot say it (OlympiadBench). All keys
    # optional: "answers" (list[str], every answer a response must give, in any order unless
    # "ordered" is true), "unit" (str a response may append), "tolerance" (float, absolute,
    # for numerical answers), "type" (the release's answer type: Numerical, Expression,
    # Interval, Tuple, ...). ``answer`` stays the gold as one string (answers joined by ", ").
    answer_meta: dict[str, Any] | None
    # Code: the benchmark's own prompt format (a key of prompts.CODE_PROMPTS: "evalplus",
    # "livecodebench"); absent or None: the template's generic code instruction.
    prompt_format: str | None

# ---- visual problems -------------------------------------------------------------------------
# How a math answer is compared (Problem.answer_type, MathVista's types; verify/answer_types.py):
# integer as a number, float rounded to Problem.precision, list element-wise, text ignoring case.
AnswerType = Literal["integer", "float", "list", "text"]
ANSWER_TYPES: tuple[str, ...] = get_args(AnswerType)


class ProblemImage(TypedDict):
    """One image of a problem, in the order the question refers to them."""

    path: str  # relative to the working directory: BENCHMARK_IMAGES_DIR/<sha256[:16]>.<ext>
    sha256: str  # of the file's bytes, checked again when the image is sampled
    width: int
    height: int


class Sample(TypedDict):
    problem_id: str
    sample_index: int
    seed: int
    response: str
    num_tokens: int
    finish_reason: str


class Verdict(TypedDict):
    problem_id: str
    sample_index: int
    seed: int
    correct: bool
    status: VerdictStatus
    extracted: str | None


class SampleMeta(TypedDict, total=False):
    """The sidecar of a sample file: everything that decided its responses."""

    model: str  # the folder or hub id vLLM loaded
    model_source: str  # the source as configured
    template: str
    template_text: dict[str, Any]
    example_prompt: str | None
    stop: dict[str, list[str]]  # per problem kind
    images: dict[str, str]  # path -> sha256 of the images shown (visual benchmarks only)
    sampling: dict[str, Any]  # temperature, top_p, max_tokens, samples, seed
    engine: dict[str, Any]
    versions: dict[str, str]
    problems: int
    samples: int
    shards: int  # merged files only
    per_shard: dict[str, list[Any]]  # merged files only: fields that differ between shards


class RecordError(ValueError):
    """A record file that cannot be read: the message names the file, the line and the fix."""


# ---- JSON lines ------------------------------------------------------------------------------
def _open_text(path: Path, mode: str):
    if str(path).endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def read_jsonl(path: str | os.PathLike) -> Iterator[dict[str, Any]]:
    """Yield the records of a JSON-lines file (gzip if the name ends in .gz).

    A malformed line or a truncated gzip stream raises :class:`RecordError` naming the file and
    the line, instead of a bare decoder error.
    """
    path = Path(path)
    line_no = 0
    try:
        with _open_text(path, "r") as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as err:
                    raise RecordError(
                        f"{path}, line {line_no}: not valid JSON "
                        f"({err.msg} at column {err.colno}). "
                        "Fix or remove that line, or regenerate the file."
                    ) from err
                if not isinstance(record, dict):
                    raise RecordError(
                        f"{path}, line {line_no}: expected a JSON object, "
                        f"got {type(record).__name__}."
                    )
                yield record
    except (EOFError, gzip.BadGzipFile, OSError) as err:
        if isinstance(err, FileNotFoundError):
            raise RecordError(f"{path}: no such file.") from err
        raise RecordError(
            f"{path}: the compressed file is truncated or damaged after line {line_no} ({err}). "
            "Delete it and rerun the stage that makes it."
        ) from err


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Give a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    An interrupted writer therefore never leaves a file under the final name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates 0600; a finished output gets the permissions of an ordinary file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_jsonl(path: str | os.PathLike, records: Iterable[dict[str, Any]]) -> int:
    """Write records as JSON lines, atomically; gzip if the name ends in .gz. Returns the count.

    Gzip output carries no timestamp or file name, so equal records give byte-identical files.
    """
    path = Path(path)
    count = 0
    with atomic_path(path) as tmp:
        if str(path).endswith(".gz"):
            raw = open(tmp, "wb")
            handle = io.TextIOWrapper(
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0), encoding="utf-8"
            )
        else:
            raw = None
            handle = open(tmp, "w", encoding="utf-8")
        try:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
        finally:
            handle.close()
            if raw is not None:
                raw.close()
    return count


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write one JSON document atomically (sidecars, summaries)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write a text file atomically (Markdown, LaTeX, HTML)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


# ---- typed readers ---------------------------------------------------------------------------
def read_problems(path: str | os.PathLike) -> list[Problem]:
    """Read a prepared benchmark file and check the fields every stage relies on."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for line_no, record in enumerate(read_jsonl(path), start=1):
        for key in ("id", "kind"):
            if key not in record:
                raise RecordError(f"{path}, record {line_no}: missing field '{key}'.")
        if record["kind"] not in PROBLEM_KINDS:
            raise RecordError(
                f"{path}, record {line_no}: kind '{record['kind']}' is not one of {PROBLEM_KINDS}."
            )
        tests = record.get("tests")
        if record["kind"] == "code" and (not isinstance(tests, dict)
                                         or tests.get("format") not in TEST_FORMATS):
            found = tests.get("format") if isinstance(tests, dict) else tests
            raise RecordError(
                f"{path}, record {line_no}: code problem '{record['id']}' has tests of format "
                f"{found!r}; expected one of {', '.join(TEST_FORMATS)}. Prepare the benchmark "
                "again.")
        if record["id"] in seen:
            raise RecordError(f"{path}, record {line_no}: duplicate problem id '{record['id']}'.")
        _check_visual_fields(record, path, line_no)
        seen.add(record["id"])
        problems.append(record)  # type: ignore[arg-type]
    return problems


def _check_visual_fields(record: dict[str, Any], path: str | os.PathLike, line_no: int) -> None:
    images = record.get("images")
    if images is not None and (not isinstance(images, list) or not all(
            isinstance(i, dict) and {"path", "sha256"} <= i.keys() for i in images)):
        raise RecordError(
            f"{path}, record {line_no}: problem '{record['id']}' has images {images!r}; expected "
            "a list of {path, sha256, width, height}. Prepare the benchmark again.")
    answer_type = record.get("answer_type")
    if answer_type is not None and answer_type not in ANSWER_TYPES:
        raise RecordError(
            f"{path}, record {line_no}: problem '{record['id']}' has answer_type "
            f"{answer_type!r}; expected one of {', '.join(ANSWER_TYPES)}.")


def read_sample_meta(path: str | os.PathLike) -> SampleMeta:
    """The sidecar of a sample file, checked for the fields later stages use."""
    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordError(f"{path}: no such sample sidecar; rerun sampling.") from None
    except json.JSONDecodeError as err:
        raise RecordError(f"{path}: not valid JSON ({err.msg} at line {err.lineno}). Delete "
                          "it and its sample file and rerun sampling.") from None
    missing = [key for key in ("model", "template", "sampling") if key not in meta]
    if not isinstance(meta, dict) or missing:
        raise RecordError(f"{path}: not a sample sidecar (missing {', '.join(missing)}). "
                          "Delete it and its sample file and rerun sampling.")
    return meta  # type: ignore[return-value]


def read_samples(path: str | os.PathLike) -> list[Sample]:
    return _read_typed(path, Sample.__annotations__)  # type: ignore[return-value]


def read_verdicts(path: str | os.PathLike) -> list[Verdict]:
    verdicts = _read_typed(path, Verdict.__annotations__)
    for line_no, verdict in enumerate(verdicts, start=1):
        if verdict["status"] not in VERDICT_STATUSES:
            raise _bad_status(path, line_no, verdict["status"])
    return verdicts  # type: ignore[return-value]


def _bad_status(path: str | os.PathLike, record: int, status: Any) -> RecordError:
    return RecordError(
        f"{path}, record {record}: status {status!r} is not one of "
        f"{', '.join(VERDICT_STATUSES)}. Delete the file and rerun verification.")


def _read_typed(path: str | os.PathLike, fields: dict[str, Any]) -> list[dict[str, Any]]:
    records = []
    for line_no, record in enumerate(read_jsonl(path), start=1):
        missing = [key for key in fields if key not in record]
        if missing:
            raise RecordError(
                f"{path}, record {line_no}: missing field(s) {', '.join(missing)}; "
                f"expected {', '.join(fields)}."
            )
        records.append(record)
    return records


def read_verdict_table(path: str | os.PathLike) -> pa.Table:
    """The verdicts of a file as a pyarrow table (problem_id, sample_index, seed, correct,
    status), for stages that need columns rather than records.

    pyarrow's JSON reader parses the whole file in C, an order of magnitude faster than a
    record at a time; the checks are those of :func:`read_verdicts`. Whatever pyarrow cannot
    parse is read again line by line, so the error names the line, as everywhere else.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.json as pj

    schema = pa.schema([("problem_id", pa.string()), ("sample_index", pa.int64()),
                        ("seed", pa.int64()), ("correct", pa.bool_()), ("status", pa.string())])
    try:
        table = pj.read_json(path, parse_options=pj.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="ignore"))
    except (pa.ArrowException, OSError, EOFError):
        read_verdicts(path)  # raises the RecordError that names the line
        raise
    for name in schema.names:  # with an explicit schema a missing field reads as null
        column = table.column(name)
        if column.null_count:
            first = pc.index(pc.is_null(column), True).as_py() + 1
            raise RecordError(
                f"{path}, record {first}: missing field(s) {name}; expected "
                f"{', '.join(Verdict.__annotations__)}.")
    bad = pc.invert(pc.is_in(table.column("status"), value_set=pa.array(VERDICT_STATUSES)))
    if pc.any(bad).as_py():
        first = pc.index(bad, True).as_py()
        raise _bad_status(path, first + 1, table.column("status")[first].as_py())
    return table


def sort_key(record: dict[str, Any]) -> tuple[int, str, int]:
    """Canonical order of samples and verdicts: seed, problem, sample index."""
    return (int(record["seed"]), str(record["problem_id"]), int(record["sample_index"]))


# ---- tables ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TableSpec:
    """One CSV table: its columns in order, the ones read as text, and its reader and writer."""

    name: str
    columns: tuple[str, ...]
    text: tuple[str, ...] = ()  # read as strings: ids, names, and "none"-able k values

    def frame(self, rows: Iterable[dict[str, Any]] | None = None) -> pd.DataFrame:
        """A frame with exactly this table's columns (empty without rows)."""
        import pandas as pd

        return pd.DataFrame(list(rows or []), columns=list(self.columns))

    def write(self, frame: pd.DataFrame, path: str | os.PathLike) -> None:
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise RecordError(f"table {self.name}: missing column(s) {', '.join(missing)}")
        with atomic_path(path) as tmp:
            frame[list(self.columns)].to_csv(tmp, index=False, float_format="%.6g")

    def read(self, path: str | os.PathLike) -> pd.DataFrame:
        import pandas as pd

        frame = pd.read_csv(path, dtype={c: str for c in self.text}, keep_default_na=False,
                            na_values=[""])
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise RecordError(
                f"{path}: not a {self.name} table (missing column(s) {', '.join(missing)}). "
                "Delete it and rerun the stage that makes it.")
        for column in self.text:
            frame[column] = frame[column].fillna("")
        return frame


_PAIR = ("comparison", "label", "base", "other", "benchmark")
_SERIES = ("n_problems", "k_max", "pass1", "pass1_ci_low", "pass1_ci_high", "pass_kmax",
           "pass_kmax_ci_low", "pass_kmax_ci_high")
TABLES: dict[str, TableSpec] = {spec.name: spec for spec in (
    TableSpec("per_problem", ("model", "benchmark", "problem_id", "n", "c"),
              text=("model", "benchmark", "problem_id")),
    TableSpec("pass_at_k", ("model", "benchmark", "k", "pass_at_k", "n_problems", "n_samples",
                            "ci_low", "ci_high"), text=("model", "benchmark")),
    TableSpec("comparisons", (
        *_PAIR, "n_problems", "n_base", "n_other", "k_max", "pass1_base", "pass1_other",
        "pass_kmax_base", "pass_kmax_other", "delta_se", "delta_se_k", "delta_se_ci_low",
        "delta_se_ci_high", "crossover_k", "crossover_ci_low", "crossover_ci_high",
        "area_between", "area_ci_low", "area_ci_high",
    ), text=(*_PAIR, "crossover_k", "crossover_ci_low", "crossover_ci_high")),
    TableSpec("coverage", (*_PAIR, "category", "n_problems", "share", "problem_ids"),
              text=(*_PAIR, "category", "problem_ids")),
    TableSpec("accuracy_histogram", ("model", "benchmark", "bin", "bin_low", "bin_high",
                                     "n_problems", "share"), text=("model", "benchmark")),
    TableSpec("response_stats", (
        "model", "benchmark", "n_responses", "tokens_mean", "tokens_median", "tokens_p90",
        "tokens_max", "chars_mean", "truncated_rate", "no_answer_rate", "correct_rate",
        "finish_reasons",
    ), text=("model", "benchmark", "finish_reasons")),
    # A run's checkpoints (its base at step 0) and the algorithm models against their base:
    # pass@1 and pass@k_max (k_max = the samples per problem) with the pass_at_k table's bands.
    TableSpec("training_steps", ("run", "step", "model", "algorithm", "base", "benchmark", "role",
                                 *_SERIES), text=("run", "model", "algorithm", "base",
                                                  "benchmark", "role")),
    TableSpec("algorithms", ("algorithm", "model", "base", "run", "step", "benchmark", "role",
                             *_SERIES, "delta_se", "delta_se_k", "delta_se_ci_low",
                             "delta_se_ci_high"),
              text=("algorithm", "model", "base", "run", "step", "benchmark", "role")),
    TableSpec("perplexity", ("comparison", "base", "role", "source", "problem_id", "seed",
                             "sample_index", "response_tokens", "nll", "perplexity"),
              text=("comparison", "base", "role", "source", "problem_id")),
)}


def table_spec(table: str) -> TableSpec:
    """The spec of a table file name: ``coverage_math500`` is a ``coverage`` table."""
    if table in TABLES:
        return TABLES[table]
    for name in ("coverage", "perplexity"):  # per benchmark, per comparison
        if table.startswith(name + "_"):
            return TABLES[name]
    raise RecordError(f"unknown table '{table}'; known: {', '.join(TABLES)}")
