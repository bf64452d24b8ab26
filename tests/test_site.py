"""The built site, both editions (English at the root, Chinese in ``zh/``): a warning-free build, no CDN anywhere,
every page's HTML within its budget with slider frames as
separate files, and every chapter checked in headless chromium (math typeset, static sliders that move by keyboard
and mouse and show the frame of the values set, frames fetched only when a slider is used, no console errors, no
request leaving 127.0.0.1), a language switch between the editions on every page, and search in both.

Every test here builds the site (marker ``build``); those that drive chromium are also marked ``browser``, so
``pytest -m "not build and not browser"`` is the fast loop. ``BOOK_BUILD_OUTPUT=/some/dir`` builds into
``/some/dir/_build`` (jupyter-book's ``--path-output``) instead of this checkout's ``_build``.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import IN_CI, ROOT

BUILD_OUTPUT = Path(os.environ.get("BOOK_BUILD_OUTPUT", ROOT))
HTML = BUILD_OUTPUT / "_build" / "html"
PAGE_BUDGET = 1_000_000  # bytes of HTML per page; slider frames are separate files
ARTIFACTS = ROOT / "test-artifacts"
CDN = re.compile(r"cdn\.|unpkg|jsdelivr|cdnjs|googleapis")
CHROMIUM = shutil.which("chromium")
CHAPTER_PAGES = sorted(f"chapters/{p.stem}.html" for p in (ROOT / "chapters").glob("*.ipynb"))
EXERCISE_PAGES = sorted(f"exercises/{p.stem}.html" for p in (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
OTHER_PAGES = ["intro.html", "how-to-use.html", "glossary.html"]  # index.html only redirects to intro.html
ZH = "zh/"  # the Chinese edition: the same page paths below it (scripts/i18n.py)
ZH_CHAPTER_PAGES = [ZH + page for page in CHAPTER_PAGES]
ZH_PAGES = [ZH + page for page in OTHER_PAGES + CHAPTER_PAGES + EXERCISE_PAGES]
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
EXPLORE_DATA = re.compile(r'<script type="application/json" class="explore-data">(.*?)</script>', re.DOTALL)

pytestmark = pytest.mark.build


def _slider_minimum(chapter: str) -> int:
    """Sliders a chapter page must have: three in Chapter 1, none in the appendix (tables), two elsewhere."""
    return {"chapters/01": 3, "chapters/ap": 0}.get(chapter.removeprefix(ZH)[:11], 2)


@pytest.fixture(scope="module")
def site() -> Path:
    """Build the book exactly as `make book` does (warnings are errors), both editions, and return the HTML folder."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", "-W", "-n", "--keep-going", ".", "--path-output", str(BUILD_OUTPUT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    assert "build succeeded" in log
    assert not re.search(r"WARNING: (?!.*Kernel is running over TCP)", log), log[-4000:]
    # every page read its notebook's outputs from the cache, filled beforehand in parallel: none executed one by one
    assert "Executing notebook using" not in log, re.findall(r"\S+\.ipynb: Executing notebook", log)
    chinese = subprocess.run(
        [sys.executable, "scripts/i18n.py", "build", "--path-output", str(BUILD_OUTPUT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    log = chinese.stdout + chinese.stderr
    assert chinese.returncode == 0, log[-4000:]
    assert not re.search(r"WARNING: (?!.*Kernel is running over TCP)", log), log[-4000:]
    # the Chinese edition reads the English build's executed notebooks: nothing runs again
    assert "Executing notebook" not in log and "Executing" not in log, log[-4000:]
    return HTML


def test_build_has_every_page(site):
    for page in ("index.html", "intro.html", "how-to-use.html", *CHAPTER_PAGES, *EXERCISE_PAGES):
        assert (site / page).exists(), page


def test_chinese_edition_has_every_page_of_the_english_one_in_chinese(site):
    english = sorted(str(p.relative_to(site)) for p in site.rglob("*.html") if not p.is_relative_to(site / "zh"))
    assert [page for page in english if not (site / ZH / page).exists()] == []
    for page in ZH_PAGES[1:]:  # not index.html, a redirect to intro.html
        assert '<html lang="zh-CN"' in (site / page).read_text(), page
    assert "梯度" in (site / ZH / "intro.html").read_text()


def test_chinese_numbered_headings_are_translated(site):
    """A numbered heading ("1. The algorithm") is translated in the page and in its contents (its translation escapes
    the list marker, "1\\. 算法", or Sphinx would keep the English)."""
    page = (site / ZH / "chapters/04_gradient_descent.html").read_text()
    assert re.search(r"<h2>1\. 算法", page), re.findall(r"<h2>[^<]*", page)[:3]
    assert "1. The algorithm" not in page


def test_chinese_exercise_pages_show_the_checkers_lines_in_chinese(site):
    """A follow-up cell's printed line is translated in the Chinese edition; the English edition keeps it."""
    english = (site / "exercises/01_derivatives.html").read_text()
    chinese = (site / ZH / "exercises/01_derivatives.html").read_text()
    assert "Complete sigmoid_prime above first." in english
    assert "Complete sigmoid_prime above first." not in chinese
    assert "请先完成上面的 sigmoid_prime。" in chinese


def test_chinese_search_index_holds_chinese_words(site):
    """Sphinx indexes Chinese words only when jieba is installed; the glossary's terms are added to its dictionary."""
    index = (site / ZH / "searchindex.js").read_text()
    terms = json.loads(index.removeprefix("Search.setIndex(").removesuffix(")"))["terms"]
    assert {"梯度", "学习率", "动量"} <= set(terms)


@pytest.mark.parametrize("page", ["intro.html", "chapters/04_gradient_descent.html"])
def test_every_page_links_the_same_page_of_the_other_edition(site, page):
    up = "../" * page.count("/")
    switch = re.compile(r'<a class="btn btn-sm language-switch" href="([^"]+)" hreflang="([^"]+)"\s+lang="([^"]+)"')
    assert switch.findall((site / page).read_text()) == [(f"{up}zh/{page}", "zh-CN", "zh-CN")]
    assert switch.findall((site / ZH / page).read_text()) == [(f"{up}../{page}", "en", "en")]


def test_every_page_of_both_editions_has_one_language_switch(site):
    pages = [p for p in site.rglob("*.html") if "<article" in p.read_text()]
    assert [
        str(p.relative_to(site)) for p in pages if p.read_text().count('class="btn btn-sm language-switch"') != 1
    ] == []


def test_no_page_refers_to_a_cdn(site):
    offenders = {str(p.relative_to(site)): CDN.findall(p.read_text()) for p in site.rglob("*.html")}
    assert {page: hits for page, hits in offenders.items() if hits} == {}


def test_vendored_scripts_are_served_locally(site):
    page = (site / "chapters" / "01_derivatives.html").read_text()
    assert "_static/mathjax/tex-mml-chtml.js" in page
    assert (site / "_static" / "mathjax" / "tex-mml-chtml.js").exists()


def test_no_page_loads_widget_javascript(site):
    widget_js = re.compile(r"require(\.min)?\.js|embed-amd\.js|html-manager|widget-state\+json")
    offenders = {str(p.relative_to(site)): widget_js.findall(p.read_text()) for p in site.rglob("*.html")}
    assert {page: hits for page, hits in offenders.items() if hits} == {}
    assert not (site / "_static" / "requirejs").exists() and not (site / "_static" / "html-manager").exists()


def test_every_page_is_within_its_budget(site):
    sizes = {str(p.relative_to(site)): p.stat().st_size for p in site.rglob("*.html")}
    assert {page: size for page, size in sizes.items() if size > PAGE_BUDGET} == {}
    assert "data:image/png;base64" not in "".join((site / chapter).read_text() for chapter in CHAPTER_PAGES)


@pytest.mark.parametrize("chapter", CHAPTER_PAGES + ZH_CHAPTER_PAGES)
def test_slider_frames_are_files_next_to_the_page(site, chapter):
    """The Chinese pages link the English site's frame files: the site holds each frame once."""
    page = site / chapter
    frames = "../../_frames/" if chapter.startswith(ZH) else "../_frames/"
    blocks = [json.loads(block) for block in EXPLORE_DATA.findall(page.read_text())]
    assert len(blocks) == page.read_text().count('class="explore"')
    for data in blocks:
        assert len(data["frames"]) == functools.reduce(lambda n, values: n * len(values), data["values"], 1)
        assert all(url.startswith(frames) and url.endswith(".png") for url in data["frames"])
        assert [url for url in data["frames"] if not (page.parent / url).is_file()] == []


def test_every_frame_file_is_linked_by_a_page(site):
    linked = {name for page in site.rglob("*.html") for name in re.findall(r"_frames/(\w+\.png)", page.read_text())}
    assert sorted(path.name for path in (site / "_frames").iterdir() if path.name not in linked) == []
    assert not (site / ZH / "_frames").exists()


@pytest.mark.parametrize("chapter", CHAPTER_PAGES)
def test_chapter_page_has_static_sliders(site, chapter):
    assert (site / chapter).read_text().count('class="explore"') >= _slider_minimum(chapter)


@pytest.mark.parametrize("page", CHAPTER_PAGES + EXERCISE_PAGES)
def test_every_figure_has_alt_text(site, page):
    images = re.findall(r"<img\b[^>]*>", (site / page).read_text())
    assert [image[:100] for image in images if not re.search(r'alt="[^"]{10,}"', image)] == []


@pytest.mark.parametrize("exercises", EXERCISE_PAGES)
def test_exercise_page_has_feedback_and_solution_dropdowns(site, exercises):
    page = (site / exercises).read_text()
    assert page.count("solution dropdown") >= 5
    assert page.count("Not attempted yet.") >= 5


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        message = "chromium is not installed: run `make test` as root or `sudo apt-get install chromium`"
        if IN_CI:
            pytest.fail(f"browser tests must run in CI, but {message}")
        pytest.skip(f"BROWSER TESTS SKIPPED: {message}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.requests, page.errors = [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def _open(page, server, path):
    """Load a page and wait until MathJax has typeset it (a page without math does not load MathJax)."""
    page.goto(f"{server}/{path}", wait_until="networkidle")
    if page.locator("script[src*='mathjax']").count():
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")


def _assert_local_and_clean(page, server):
    foreign = [url for url in page.requests if not url.startswith(server) and not url.startswith("data:")]
    assert foreign == [], foreign
    assert page.errors == [], page.errors


@pytest.mark.browser
@pytest.mark.parametrize("chapter", CHAPTER_PAGES + ZH_CHAPTER_PAGES)
def test_math_is_typeset(page, server, chapter):
    _open(page, server, chapter)
    assert page.locator("mjx-container").count() > (
        20 if "11_capstone" in chapter else 40
    )  # the capstone runs, little math
    text = page.locator("article").inner_text()
    assert "\\frac" not in text and "$$" not in text and "\\lim" not in text
    _assert_local_and_clean(page, server)


def _frame_urls(figure) -> list[str]:
    """The absolute URLs of a figure's frames, in the order of its JSON block."""
    return figure.evaluate(
        "root => JSON.parse(root.querySelector('.explore-data').textContent).frames"
        ".map(url => new URL(url, document.baseURI).href)"
    )


def _expected_frame(figure) -> str:
    """The frame for the sliders' positions: row-major over the sliders, as ``Explorable.frame_index``."""
    data = json.loads(figure.locator("script.explore-data").text_content())
    sliders = figure.locator("input[type=range]")
    index = 0
    for j, values in enumerate(data["values"]):
        index = index * len(values) + int(sliders.nth(j).input_value())
    return data["frames"][index]


def _assert_shows_values_set(page, figure, where: str) -> None:
    """The image shows the frame of the sliders' values, and it has loaded."""
    img = figure.locator("img.explore-frame")
    expected = _expected_frame(figure)
    assert img.get_attribute("src") == expected, f"{where}: the image is not the frame of the values set"
    page.wait_for_function("im => im.complete && im.naturalWidth > 0", arg=img.element_handle())
    assert img.evaluate("im => im.src").endswith(re.sub(r"^(\.\./)+", "/", expected)), where


def _wait_until_requested(page, urls: set[str]) -> None:
    for _ in range(400):
        if urls <= set(page.requests):
            return
        page.wait_for_timeout(25)
    assert sorted(urls - set(page.requests)) == [], "frames never requested"


@pytest.mark.browser
@pytest.mark.parametrize("chapter", CHAPTER_PAGES + ZH_CHAPTER_PAGES)
def test_static_sliders_move_by_keyboard_and_mouse(page, server, chapter):
    _open(page, server, chapter)
    ARTIFACTS.mkdir(exist_ok=True)
    name = ("zh-" if chapter.startswith(ZH) else "") + Path(chapter).stem
    explorables = page.locator(".explore")
    assert explorables.count() >= _slider_minimum(chapter)
    for i in range(explorables.count()):
        figure = explorables.nth(i)
        figure.scroll_into_view_if_needed()
        img, sliders = figure.locator("img.explore-frame"), figure.locator("input[type=range]")
        page.wait_for_function("im => im.complete && im.naturalWidth > 300", arg=img.element_handle())
        _assert_shows_values_set(page, figure, f"figure {i} before any move")
        for j in range(sliders.count()):
            slider, shown = sliders.nth(j), figure.locator("output").nth(j)
            before_src, before_text = img.get_attribute("src"), shown.inner_text()
            slider.focus()
            key = "ArrowLeft" if slider.input_value() == slider.get_attribute("max") else "ArrowRight"
            page.keyboard.press(key)
            assert img.get_attribute("src") != before_src, f"figure {i} slider {j}: keyboard did not change the frame"
            _assert_shows_values_set(page, figure, f"figure {i} slider {j} after {key}")
            assert shown.inner_text() != before_text
            assert slider.get_attribute("aria-valuetext") == shown.inner_text()
            box = slider.bounding_box()
            after_key_src = img.get_attribute("src")
            page.mouse.click(box["x"] + 3, box["y"] + box["height"] / 2)  # the far left: the first value
            assert slider.input_value() == "0"
            _assert_shows_values_set(page, figure, f"figure {i} slider {j} after a click at its left end")
            if after_key_src != img.get_attribute("src"):
                continue
            page.mouse.click(box["x"] + box["width"] - 3, box["y"] + box["height"] / 2)
            assert img.get_attribute("src") != after_key_src, (
                f"figure {i} slider {j}: the mouse did not change the frame"
            )
            _assert_shows_values_set(page, figure, f"figure {i} slider {j} after a click at its right end")
        figure.screenshot(path=str(ARTIFACTS / f"{name}-explore-{i}.png"))
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)
    _assert_local_and_clean(page, server)


@pytest.mark.browser
@pytest.mark.parametrize("chapter", CHAPTER_PAGES + ZH_CHAPTER_PAGES)
def test_frames_load_only_when_their_slider_is_used(page, server, chapter):
    _open(page, server, chapter)
    explorables = page.locator(".explore")
    frames = [set(_frame_urls(explorables.nth(i))) for i in range(explorables.count())]
    shown = set(explorables.locator("img.explore-frame").evaluate_all("images => images.map(im => im.src)"))
    requested = {url for url in page.requests if "/_frames/" in url}
    assert requested <= shown, "frames fetched before any slider was used"
    for i, figure_frames in enumerate(frames):
        before = set(page.requests)
        slider = explorables.nth(i).locator("input[type=range]").first
        if i % 2 == 0:
            slider.focus()  # a keyboard user tabs to it
        else:
            slider.scroll_into_view_if_needed()
            slider.hover()  # a mouse user points at it
        _wait_until_requested(page, figure_frames)
        page.wait_for_load_state("networkidle")
        fetched = {url for url in set(page.requests) - before if "/_frames/" in url}
        assert fetched <= figure_frames | shown, f"figure {i}: using its slider fetched other figures' frames"
    _assert_local_and_clean(page, server)


@pytest.mark.browser
@pytest.mark.parametrize("exercises", EXERCISE_PAGES)
def test_exercise_page_shows_feedback_and_collapsed_solutions(page, server, exercises):
    _open(page, server, exercises)
    feedback = page.locator(".check-result")
    assert feedback.count() >= 5
    assert feedback.first.inner_text().strip().endswith("Not attempted yet.")
    solution = page.locator("div.solution.dropdown").first
    assert solution.count() == 1
    assert not solution.locator("pre").first.is_visible()  # collapsed until the reader opens it
    solution.locator("button.toggle-button").click()
    assert solution.locator("pre").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / f"exercises-{Path(exercises).stem}.png"))
    _assert_local_and_clean(page, server)


def _axe_cases() -> list[tuple[str, str]]:
    """Every English page in both themes; every Chinese page in the light theme (its colours are the English ones)."""
    english = [(path, mode) for path in OTHER_PAGES + CHAPTER_PAGES + EXERCISE_PAGES for mode in ("light", "dark")]
    return english + [(path, "light") for path in ZH_PAGES]


@pytest.mark.browser
@pytest.mark.parametrize("path, mode", _axe_cases())
def test_no_serious_or_critical_accessibility_violation(page, server, path, mode):
    """axe-core (vendored from npm, injected by the test, never served by the site) on every page."""
    page.add_init_script(f"localStorage.setItem('theme', '{mode}'); localStorage.setItem('mode', '{mode}');")
    _open(page, server, path)
    assert page.evaluate("() => document.documentElement.dataset.theme") == mode
    page.add_script_tag(content=AXE.read_text())
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    serious = [
        (v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
    _assert_local_and_clean(page, server)


def _article(html: str) -> str:
    """The page's own text, without the navigation and the previous/next links around it."""
    return html.split('<article class="bd-article">', 1)[1].split("</article>", 1)[0]


def test_every_chapter_links_its_exercises_and_every_exercise_page_its_chapter(site):
    """In the text itself, not only through the sidebar or the previous/next buttons."""
    for exercises in EXERCISE_PAGES:
        chapter = exercises.replace("exercises/", "chapters/")
        assert f'href="../{exercises}' in _article((site / chapter).read_text()), chapter
        assert f'href="../{chapter}' in _article((site / exercises).read_text()), exercises


@pytest.mark.browser
def test_searching_momentum_lists_the_momentum_chapter_first_and_the_glossary_among_the_hits(page, server):
    """Sphinx scores the glossary's index entry 100 and a page with the word in any title 15 (ties alphabetical);
    the site's scorer (_ext/search_scorer.js) puts the pages named by the query first, a chapter before its exercises.
    The results appear one at a time: read them once the search has finished. (An incremental build drops the
    glossary's index entries from the search index, so the glossary may be found as a page rather than as an entry.)"""
    page.goto(f"{server}/search.html?q=momentum", wait_until="networkidle")
    page.wait_for_function(
        "document.querySelector('#search-results p.search-summary')?.innerText.includes('found')", timeout=15000
    )
    hits = page.locator("#search-results ul.search li a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert hits[0].startswith("chapters/06_momentum.html"), hits[:5]
    assert any(href.startswith("glossary.html") for href in hits), hits
    _assert_local_and_clean(page, server)


@pytest.mark.browser
@pytest.mark.parametrize("path", ["intro.html", "chapters/06_momentum.html", "exercises/04_gradient_descent.html"])
def test_language_switch_goes_to_the_same_page_and_back(page, server, path):
    _open(page, server, path)
    page.locator("a.language-switch").click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{server}/{ZH}{path}"
    assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
    assert page.locator("a.language-switch").inner_text() == "English"
    page.screenshot(path=str(ARTIFACTS / f"zh-{Path(path).stem}.png"))
    page.locator("a.language-switch").click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{server}/{path}"
    assert page.locator("a.language-switch").inner_text() == "中文"
    _assert_local_and_clean(page, server)


@pytest.mark.browser
@pytest.mark.parametrize("query, page_expected", [("学习率", "glossary.html"), ("梯度", "glossary.html")])
def test_searching_a_chinese_term_in_the_chinese_edition(page, server, query, page_expected):
    """Sphinx splits Chinese with jieba; the glossary's terms are added to its dictionary (学习率 is not in it)."""
    page.goto(f"{server}/{ZH}search.html?q={query}", wait_until="networkidle")
    page.wait_for_selector("#search-results ul.search li a", timeout=15000)
    found = [a.get_attribute("href") for a in page.locator("#search-results ul.search li a").all()]
    assert any(href.startswith(page_expected) for href in found), found
    assert all(not href.startswith(("http", "/", "..")) for href in found), found  # pages of the Chinese edition
    _assert_local_and_clean(page, server)
