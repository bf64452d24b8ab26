"""The site's budgets: how long a slider takes to show its next frame in chromium, against one animation frame.

A reader drags a static slider; the page swaps the figure's ``src`` to a frame it has already fetched. The swap is
within budget when the new frame is decoded and ready to paint within one animation frame (16.7 ms at 60 Hz). Run
by ``make bench`` on the built site (``make book`` first); needs Debian's chromium.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import statistics
import threading
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
ANIMATION_FRAME_MS = 1000 / 60

_SWAP = """async (steps) => {
  const times = [];
  for (const figure of document.querySelectorAll('.explore')) {
    const input = figure.querySelector('input[type=range]');
    const img = figure.querySelector('img.explore-frame');
    input.dispatchEvent(new Event('focus'));  // the page prefetches the figure's frames on first use
    await new Promise((done) => setTimeout(done, 300));
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      input.value = String((Number(input.value) + 1) % (Number(input.max) + 1));
      input.dispatchEvent(new Event('input'));
      await img.decode();
      times.push(performance.now() - start);
    }
  }
  return times;
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def frame_swaps(pages: list[str] | None = None, steps: int = 10) -> dict[str, float]:
    """Median and p95 (ms) of slider frame swaps over every explorable of ``pages`` (default: every chapter)."""
    chromium = shutil.which("chromium")
    if chromium is None or not HTML.is_dir():
        return {}
    from playwright.sync_api import sync_playwright

    pages = pages or sorted(f"chapters/{p.name}" for p in (HTML / "chapters").glob("*.html"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(HTML)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    times: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            for path in pages:
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/{path}", wait_until="networkidle")
                times += page.evaluate(_SWAP, steps)
            browser.close()
    finally:
        server.shutdown()
    if not times:
        return {}
    return {
        "slider frame swaps measured": len(times),
        "frame swap median (ms)": statistics.median(times),
        "frame swap p95 (ms)": float(np.percentile(times, 95)),
        "one animation frame at 60 Hz (ms)": ANIMATION_FRAME_MS,
    }


def page_budget() -> dict[str, float]:
    """The largest page's HTML in MB against the 1 MB budget."""
    sizes = [page.stat().st_size for page in HTML.rglob("*.html")] if HTML.is_dir() else []
    return {"largest page HTML (MB)": max(sizes) / 1e6, "page budget (MB)": 1.0} if sizes else {}


if __name__ == "__main__":
    print(frame_swaps() | page_budget())
