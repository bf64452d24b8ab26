"""`make bench`: build times, test time, live slider latency, page weight and the autodiff ratio.

Writes benchmarks/RESULTS.md with the date and the machine. Not part of the tests: the numbers depend on the
machine and on what else runs on it.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "_ext"))

import bench_adam  # noqa: E402
import bench_autodiff  # noqa: E402
import bench_capstone  # noqa: E402
import bench_optim  # noqa: E402
import bench_site  # noqa: E402
import bench_sliders  # noqa: E402
import library_cache  # noqa: E402


def timed(command: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, **kwargs)
    return time.perf_counter() - start


def build_times() -> dict[str, float]:
    """A clean build (empty cache), a cached rebuild, and a rebuild after a library change that only Chapter 1
    imports (its entry in the library digests forgotten, as such a change does), into a scratch folder so _build/ is
    left alone."""
    jupyter_book = str(Path(sys.executable).parent / "jupyter-book")
    with tempfile.TemporaryDirectory() as scratch:
        command = [jupyter_book, "build", "-W", "-n", "--keep-going", ".", "--path-output", scratch]
        clean = timed(command)
        chinese = timed([sys.executable, "scripts/i18n.py", "build", "--path-output", scratch])
        cached = timed(command)
        digests = Path(scratch) / "_build" / ".jupyter_cache" / library_cache.DIGESTS
        known = json.loads(digests.read_text())
        known[str(ROOT / "chapters" / "01_derivatives.ipynb")] = "changed"
        digests.write_text(json.dumps(known))
        one_chapter = timed(command)
    return {
        "clean build, English (s)": clean,
        "Chinese edition from the English cache (s)": chinese,
        "cached rebuild (s)": cached,
        "rebuild after a change to Chapter 1's library (s)": one_chapter,
    }


def test_time() -> dict[str, float]:
    """The whole test suite as `make test` runs it."""
    return {
        "pytest -n 2 (site build cached) (s)": timed(
            [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadfile", "-q"]
        )
    }


def slider_latency() -> str:
    """Median and p95 of one-notch live slider updates of every ``explore`` figure, as a Markdown table
    (``--untrained`` leaves out the two figures that need a chapter's trained model, ``--skip-chapter=N`` a chapter)."""
    return bench_sliders.table(
        bench_sliders.run(trained="--untrained" not in sys.argv, skip=bench_sliders.skipped(sys.argv))
    )


def page_weight() -> dict[str, float]:
    """Bytes of each built chapter page, of the images it loads, and its number of slider frames (after `make book`)."""
    figures = {}
    for page in sorted((ROOT / "_build" / "html" / "chapters").glob("*.html")):
        html = page.read_text()
        images = {src for src in re.findall(r'<img[^>]+src="(\.\./_images/[^"]+)"', html)}
        frames = sum(
            len(json.loads(block)["frames"])
            for block in re.findall(r'<script type="application/json" class="explore-data">(.*?)</script>', html, re.S)
        )
        figures[f"{page.stem}: HTML (MB)"] = page.stat().st_size / 1e6
        figures[f"{page.stem}: static figure files (MB)"] = (
            sum((page.parent / src).stat().st_size for src in images) / 1e6
        )
        figures[f"{page.stem}: slider frames (separate files)"] = frames
    return figures


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Python "
        f"{platform.python_version()}"
    )


SECTIONS = {
    "sliders": ("Live slider latency: one-notch updates of every explore figure", slider_latency),
    "pages": ("Static page weight (built site)", page_weight),
    "autodiff": ("Autodiff: gradient of a 2-layer MLP loss (batch 256, 256 hidden)", bench_autodiff.run),
    "gd": (
        "Gradient descent: 1 000 starts × 500 steps on Rosenbrock, one batched run vs a loop",
        bench_optim.run_benchmark,
    ),
    "adam": (
        "Adam on Rosenbrock, many starts batched: book.optim's run, the same steps in bare numpy, optax under jax.jit",
        bench_adam.run_benchmark,
    ),
    "capstone": (
        "Capstone GPT: a training step in book.autodiff vs the same model in jax under jit",
        bench_capstone.run_benchmark,
    ),
    "site": (
        "The built site: slider frame swaps in chromium and the largest page (after `make book`)",
        lambda: bench_site.frame_swaps() | bench_site.page_budget(),
    ),
    "build": ("Build", build_times),
    "tests": ("Tests", test_time),
}
"""Key (for ``--only``) -> (section title, the function that measures it)."""

NOTES = {"adam": bench_adam.note, "capstone": bench_capstone.note, "sliders": bench_sliders.note}
"""Key -> a function of the section's figures that writes the paragraph under its table."""

HEADER = (
    "# Benchmarks\n\nEach table says when and on what it was measured. `make bench` measures them all; "
    "`python benchmarks/run.py --only gd adam` measures only the sections named and keeps the others.\n"
)


def section(key: str) -> str:
    """One section of RESULTS.md, measured now: title, date, load, table and note."""
    title, measure = SECTIONS[key]
    load = os.getloadavg()
    figures = measure()
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {title}",
        "",
        f"Measured {when} on {machine()}, load average {load[0]:.1f} (1 min) when it started.",
        "",
    ]
    if isinstance(figures, str):  # a section that writes its own table
        lines.append(figures)
    else:
        lines += ["| measure | value |", "|---|---|", *(f"| {name} | {value:.3g} |" for name, value in figures.items())]
    if key in NOTES:
        lines += ["", NOTES[key](figures)]
    return "\n".join(lines) + "\n"


def sections_of(text: str) -> dict[str, str]:
    """The sections of an existing RESULTS.md by title, each with its text up to the next section."""
    parts = text.split("\n## ")[1:]
    return {part.split("\n", 1)[0]: "## " + part.rstrip("\n") + "\n" for part in parts}


def main() -> None:
    """Measure every section (or those after ``--only``) and write benchmarks/RESULTS.md."""
    after = sys.argv[sys.argv.index("--only") + 1 :] if "--only" in sys.argv else []
    named = [word for word in after if not word.startswith("--")]
    unknown = [key for key in named if key not in SECTIONS]
    if unknown:
        raise SystemExit(f"--only takes section names among {', '.join(SECTIONS)}, got {', '.join(unknown)}")
    keys = [key for key in named or SECTIONS if not (key == "tests" and "--no-tests" in sys.argv)]
    path = ROOT / "benchmarks" / "RESULTS.md"
    kept = sections_of(path.read_text()) if "--only" in sys.argv and path.exists() else {}
    fresh = {SECTIONS[key][0]: section(key) for key in keys}
    titles = list(kept) + [title for title in fresh if title not in kept]
    text = HEADER + "".join("\n" + fresh.get(title, kept.get(title, "")) for title in titles)
    path.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
