"""Visual benchmarks: MathVista and MathVision in their releases' exact formats, the paper's
free-form filter, synthetic-visual, images stored once by prepare, and the image templates."""

from __future__ import annotations

import hashlib
import io
import json
import math
from pathlib import Path

import pytest

from reasoning_boundary.benchmarks import BenchmarkError, load_benchmark
from reasoning_boundary.benchmarks.visual_synthetic import TASKS, generate_visual
from reasoning_boundary.cli import main
from reasoning_boundary.prompts import TEMPLATES, render_prompt
from reasoning_boundary.records import read_problems

HINT_FLOAT = ("Hint: Please answer the question requiring a floating-point number with one "
              "decimal place and provide the final value, e.g., 1.2, 1.3, 1.4, at the end.\n"
              "Question: ")
HINT_INT = ("Hint: Please answer the question requiring an integer answer and provide the final "
            "value, e.g., 1, 2, 3, at the end.\nQuestion: ")
HINT_LIST = ("Hint: Please answer the question requiring a Python list as an answer and provide "
             "the final list, e.g., [1, 2, 3], [1.2, 1.3, 1.4], at the end.\nQuestion: ")
HINT_CHOICE = ("Hint: Please answer the question and provide the correct option letter, e.g., "
               "A, B, C, D, at the end.\nQuestion: ")


def _image(colour: str, fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def _mathvista_rows() -> list[dict]:
    """Five testmini-like rows: three free-form (float, integer with a unit, list), two
    multiple-choice, with every field of the release (AI4Math/MathVista dataset_info)."""
    def row(pid, question, qtype, atype, answer, precision=None, unit=None, choices=None,
            query=None, colour="red"):
        return {
            "pid": pid, "question": question, "image": f"images/{pid}.jpg",
            "decoded_image": {"bytes": _image(colour, "JPEG"), "path": f"{pid}.jpg"},
            "choices": choices, "unit": unit, "precision": precision, "answer": answer,
            "question_type": qtype, "answer_type": atype,
            "metadata": {"category": "math-targeted-vqa", "context": "geometry diagram",
                         "grade": "high school", "img_height": 30, "img_width": 40,
                         "language": "english", "skills": ["algebraic reasoning"],
                         "source": "Geometry3K", "split": "testmini", "task": "geometry"},
            "query": query,
        }
    return [
        row("1", "By what distance is the spring compressed?", "free_form", "float", "1.2",
            precision=1.0, query=HINT_FLOAT + "By what distance is the spring compressed?"),
        row("2", "Find the angle.", "multi_choice", "text", "135°",
            choices=["145°", "135°", "120°", "100°"], colour="blue",
            query=HINT_CHOICE + "Find the angle.\nChoices:\n(A) 145°\n(B) 135°\n(C) 120°\n"
                                "(D) 100°"),
        row("3", "What is the age gap between these two people?", "free_form", "integer", "7",
            unit="years", colour="green",
            query=HINT_INT + "What is the age gap between these two people? (Unit: years)"),
        row("4", "Is the bar taller?", "multi_choice", "text", "Yes", choices=["Yes", "No"],
            colour="white", query=HINT_CHOICE + "Is the bar taller?\nChoices:\n(A) Yes\n(B) No"),
        row("5", "Which years have a value above 10?", "free_form", "list", "[2014, 2016]",
            colour="black", query=HINT_LIST + "Which years have a value above 10?"),
    ]


def _write_mathvista_parquet(path: Path, rows: list[dict]) -> None:
    """As the release's parquet: decoded_image an HF Image feature (struct<bytes, path>)."""
    import datasets

    features = datasets.Features({
        "pid": datasets.Value("string"), "question": datasets.Value("string"),
        "image": datasets.Value("string"), "decoded_image": datasets.Image(),
        "choices": datasets.Sequence(datasets.Value("string")),
        "unit": datasets.Value("string"), "precision": datasets.Value("float64"),
        "answer": datasets.Value("string"), "question_type": datasets.Value("string"),
        "answer_type": datasets.Value("string"),
        "metadata": {"category": datasets.Value("string"), "context": datasets.Value("string"),
                     "grade": datasets.Value("string"), "img_height": datasets.Value("int64"),
                     "img_width": datasets.Value("int64"), "language": datasets.Value("string"),
                     "skills": datasets.Sequence(datasets.Value("string")),
                     "source": datasets.Value("string"), "split": datasets.Value("string"),
                     "task": datasets.Value("string")},
        "query": datasets.Value("string"),
    })
    datasets.Dataset.from_list(rows, features=features).to_parquet(str(path))


def _prepare(tmp_path: Path, name: str, spec: dict, monkeypatch) -> list[dict]:
    monkeypatch.chdir(tmp_path)
    out = f"results/benchmarks/{name}.jsonl"
    assert main(["prepare", "--name", name, "--spec", json.dumps(spec), "--out", out]) == 0
    return read_problems(out)


def test_mathvista_keeps_only_free_form_questions_each_with_its_image(tmp_path, monkeypatch,
                                                                      caplog):
    rows = _mathvista_rows()
    _write_mathvista_parquet(tmp_path / "testmini.parquet", rows)
    spec = {"source": "local", "path": "testmini.parquet", "preset": "mathvista"}
    with caplog.at_level("INFO", logger="reasoning_boundary"):
        problems = _prepare(tmp_path, "mathvista", spec, monkeypatch)
    assert "mathvista: 3 of 5 rows kept, 2 multiple-choice rows left out" in caplog.text
    by_pid = {r["pid"]: r for r in rows}
    # 5 rows, 2 multiple-choice: 3 kept, in file order
    assert [p["id"] for p in problems] == ["1", "3", "5"]
    for problem in problems:
        row = by_pid[problem["id"]]
        assert problem["kind"] == "math"
        assert problem["question"] == row["query"]  # the release's own prompt: hint and unit
        assert problem["answer"] == row["answer"]
        assert problem["answer_type"] == row["answer_type"]
        [image] = problem["images"]
        stored = Path(image["path"])
        assert stored.parent == Path("results/benchmarks/mathvista/images")
        original = row["decoded_image"]["bytes"]
        # the release's JPEG, byte for byte, named and checked by its sha256
        assert stored.read_bytes() == original
        assert image["sha256"] == hashlib.sha256(original).hexdigest()
        assert stored.name.startswith(image["sha256"][:16]) and stored.suffix == ".jpg"
        assert (image["width"], image["height"]) == (40, 30)
        assert problem["meta"]["metadata"]["source"] == "Geometry3K"
        assert "decoded_image" not in problem["meta"]
    assert [(p["answer_type"], p["precision"]) for p in problems] == [
        ("float", 1), ("integer", None), ("list", None)]
    assert len(list(Path("results/benchmarks/mathvista/images").iterdir())) == 3
    sidecar = json.loads(Path("results/benchmarks/mathvista.jsonl.prov.json").read_text())
    assert sidecar["images"] == {p["images"][0]["path"]: p["images"][0]["sha256"]
                                 for p in problems}


def test_mathvista_from_the_hub_loader_and_with_multiple_choice_kept(tmp_path, monkeypatch):
    import datasets

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "cache")
    rows = _mathvista_rows()
    _write_mathvista_parquet(tmp_path / "testmini.parquet", rows)
    spec = {"source": "hf", "dataset": "testmini.parquet", "split": "testmini",
            "preset": "mathvista"}
    free = load_benchmark("mathvista", spec, tmp_path)
    assert [p["id"] for p in free] == ["1", "3", "5"]
    # datasets decodes Image columns into pixels; the loader keeps the release's bytes
    assert free[0]["images"] == [rows[0]["decoded_image"]["bytes"]]
    everything = load_benchmark("mathvista", {**spec, "multiple_choice": True}, tmp_path)
    assert [p["id"] for p in everything] == ["1", "2", "3", "4", "5"]
    choice = {p["id"]: p for p in everything}
    # a kept multiple-choice question is answered with the letter its query lists
    assert (choice["2"]["answer"], choice["2"]["answer_type"]) == ("B", "text")
    assert choice["2"]["meta"]["answer_text"] == "135°"
    assert choice["4"]["answer"] == "A"


def _mathvision_rows() -> list[dict]:
    """MathLLMs/MathVision testmini-like rows (GitHub data/testmini.jsonl layout, images/ beside
    it): four free-form answers of every shape the split has, one multiple-choice."""
    options = ["1", "2", "3", "4", "5"]
    return [
        {"id": "4", "question": "How many different digits can you find in this picture?\n"
         "<image1>", "options": [], "answer": "6", "solution": None, "level": 1,
         "subject": "counting", "image": "images/4.jpg"},
        {"id": "5", "question": "Which number is missing?\n<image1>", "options": options,
         "answer": "C", "solution": None, "level": 2, "subject": "arithmetic",
         "image": "images/5.jpg"},
        {"id": "59", "question": "Which face is opposite the face marked X?\n<image1>",
         "options": [], "answer": "C", "solution": None, "level": 3,
         "subject": "solid geometry", "image": "images/59.jpg"},
        {"id": "2955", "question": "Where is the point?\n<image1>", "options": [],
         "answer": "(3,-4)", "solution": "...", "level": 5, "subject": "analytic geometry",
         "image": "images/2955.jpg"},
        {"id": "250", "question": "How long is the side?\n<image1>", "options": [],
         "answer": "4.8", "solution": None, "level": 4, "subject": "metric geometry - length",
         "image": "images/250.jpg"},
    ]


def test_mathvision_filter_answer_types_and_images_beside_the_file(tmp_path, monkeypatch):
    rows = _mathvision_rows()
    (tmp_path / "images").mkdir()
    colours = ["red", "blue", "green", "yellow", "purple"]
    for row, colour in zip(rows, colours, strict=True):
        (tmp_path / row["image"]).write_bytes(_image(colour, "JPEG"))
    (tmp_path / "testmini.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = {"source": "local", "path": "testmini.jsonl", "preset": "mathvision"}
    problems = _prepare(tmp_path, "mathvision", spec, monkeypatch)
    # 5 rows, 1 with options: 4 kept
    assert [p["id"] for p in problems] == ["4", "59", "2955", "250"]
    assert [p["answer_type"] for p in problems] == ["integer", "text", "list", None]
    for problem in problems:
        row = next(r for r in rows if r["id"] == problem["id"])
        assert problem["question"] == row["question"]
        assert Path(problem["images"][0]["path"]).read_bytes() == \
            (tmp_path / row["image"]).read_bytes()
        assert problem["meta"]["image"] == row["image"]
    kept = load_benchmark("mathvision", {**spec, "multiple_choice": True}, tmp_path)
    choice = next(p for p in kept if p["id"] == "5")
    assert choice["question"].endswith("Options:\n(A) 1\n(B) 2\n(C) 3\n(D) 4\n(E) 5")
    assert (choice["answer"], choice["answer_type"]) == ("C", "text")


def test_visual_mistakes_are_explained(tmp_path):
    (tmp_path / "gsm.jsonl").write_text(json.dumps({"question": "q", "answer": "#### 1"}) + "\n")
    with pytest.raises(BenchmarkError, match="multiple_choice applies to presets mathvista"):
        load_benchmark("g", {"source": "local", "path": "gsm.jsonl", "preset": "gsm8k",
                             "multiple_choice": True}, tmp_path)
    with pytest.raises(BenchmarkError, match="image_size applies to source synthetic-visual"):
        load_benchmark("s", {"source": "synthetic",
                             "synthetic": {"n_problems": 2, "image_size": 64}}, tmp_path)
    rows = _mathvision_rows()[:1]
    (tmp_path / "mv.jsonl").write_text(json.dumps(rows[0]) + "\n")
    with pytest.raises(BenchmarkError, match=r"image file .*images/4.jpg' does not exist"):
        load_benchmark("mv", {"source": "local", "path": "mv.jsonl", "preset": "mathvision"},
                       tmp_path)
    (tmp_path / "bad.jsonl").write_text(json.dumps({"pid": "1", "answer": "2"}) + "\n")
    with pytest.raises(BenchmarkError, match="no question field 'query'.*mathvista release"):
        load_benchmark("bad", {"source": "local", "path": "bad.jsonl", "preset": "mathvista"},
                       tmp_path)


def _recompute(task: str, values: dict) -> str:
    if task == "expression":
        a, b = values["a"], values["b"]
        return str({"+": a + b, "-": a - b, "x": a * b}[values["op"]])
    if task == "rectangle_area":
        return str(values["width"] * values["height"])
    if task == "triangle_perimeter":
        return str(sum(values["sides"]))
    if task == "circle_area":
        return f"{math.pi * values['radius'] ** 2:.1f}"
    if task == "count_dots":
        return str(values["dots"])
    if task == "sort_numbers":
        return "[" + ", ".join(map(str, sorted(values["numbers"]))) + "]"
    return values["circle"]


def test_synthetic_visual_numbers_are_only_in_the_image():
    from PIL import Image

    problems = generate_visual(28, seed=3, prefix="shapes", image_size=120)
    assert generate_visual(28, seed=3, prefix="shapes", image_size=120) == problems
    assert generate_visual(28, seed=4, prefix="shapes", image_size=120) != problems
    assert {p["meta"]["task"] for p in problems} == set(TASKS)
    assert {p["answer_type"] for p in problems} == {"integer", "float", "list", "text"}
    for problem in problems:
        assert not any(c.isdigit() for c in problem["question"]), problem["question"]
        assert problem["answer"] == _recompute(problem["meta"]["task"], problem["meta"]["values"])
        with Image.open(io.BytesIO(problem["images"][0])) as image:
            assert (image.format, image.size) == ("PNG", (120, 120))
            # something is drawn: the image is not blank
            assert len(image.convert("L").getcolors(maxcolors=1 << 16)) > 1
    assert next(p for p in problems if p["answer_type"] == "float")["precision"] == 1


def test_synthetic_visual_prepared_twice_keeps_the_same_files(tmp_path, monkeypatch):
    spec = {"source": "synthetic-visual", "synthetic": {"n_problems": 28, "seed": 3}}
    first = _prepare(tmp_path, "shapes", spec, monkeypatch)
    folder = Path("results/benchmarks/shapes/images")
    (folder / "stale.png").write_bytes(b"left over")
    again = _prepare(tmp_path, "shapes", spec, monkeypatch)
    assert again == first
    # each distinct image once: two of these colour questions draw the same picture
    distinct = {p["images"][0]["sha256"]: p["images"][0]["path"] for p in first}
    assert len(distinct) < len(first)
    assert sorted(p.name for p in folder.iterdir()) == sorted(Path(p).name
                                                              for p in distinct.values())
    for sha256, path in distinct.items():
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha256
    assert all(p["images"][0]["width"] == 224 for p in first)  # the default size


PROBLEM = {"id": "v/1", "kind": "math", "question": "What is x?", "answer": "2",
           "images": [{"path": "a.png", "sha256": "0" * 64, "width": 8, "height": 8}]}


def test_qwen25_vl_template_is_the_model_chat_format():
    # Qwen2.5-VL-Instruct's chat template for [image, text], as vLLM's example writes it.
    assert render_prompt(TEMPLATES["qwen25-vl"], PROBLEM) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>What is x?\n"
        "Please reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n"
        "<|im_start|>assistant\n")
    text_only = {**PROBLEM, "images": []}
    assert render_prompt(TEMPLATES["qwen25-vl"], text_only) == \
        render_prompt(TEMPLATES["qwen-boxed"], text_only)


def test_easyr1_template_is_the_papers_figure_26():
    assert render_prompt(TEMPLATES["easyr1"], PROBLEM) == (
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
        "assistant. You FIRST think about the reasoning process as an internal monologue and "
        "then provide the final answer. The reasoning process MUST BE enclosed within <think> "
        "</think> tags. The final answer MUST BE put in \\boxed{}.<|im_end|>\n"
        "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>\nWhat is x?<|im_end|>\n"
        "<|im_start|>assistant\n")


def test_smolvlm_template_and_one_placeholder_per_image():
    assert render_prompt(TEMPLATES["smolvlm"], PROBLEM) == (
        "<|im_start|>User:<image>What is x?\nPlease reason step by step, and put your final "
        "answer within \\boxed{}.<end_of_utterance>\nAssistant:")
    # as its chat template renders a text-only turn: "User: " with a space
    assert render_prompt(TEMPLATES["smolvlm"], {**PROBLEM, "images": []}).startswith(
        "<|im_start|>User: What is x?")
    two = {**PROBLEM, "images": PROBLEM["images"] * 2}
    for name, placeholder in (("qwen25-vl", "<|image_pad|>"), ("easyr1", "<|image_pad|>"),
                              ("smolvlm", "<image>")):
        assert render_prompt(TEMPLATES[name], two).count(placeholder) == 2
    # a question's own text is never taken for a placeholder
    literal = {**PROBLEM, "question": "Is {images} a word?"}
    assert "Is {images} a word?" in render_prompt(TEMPLATES["smolvlm"], literal)


def test_a_text_template_refuses_a_problem_with_images():
    with pytest.raises(ValueError, match="template 'qwen-boxed' cannot show images; use a "
                                         "vision-language template"):
        render_prompt(TEMPLATES["qwen-boxed"], PROBLEM)
