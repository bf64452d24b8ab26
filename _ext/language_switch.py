"""Sphinx extension for the book's two editions: the English one at the site's root and the Chinese one in ``zh/``.

1. Every page gets a language switch in its header: a real link (with ``lang`` and ``hreflang``) to the same page in
   the other edition, by a relative URL, so it works from ``file://`` too; the page's head names the other edition
   as an alternate.
2. In the Chinese edition, the captions of the table of contents' parts are translated too, and so are the exercises'
   titles (``{exercise} Forward difference``), which sphinx-exercise leaves out of the messages: they are marked
   as messages here, so the gettext build extracts them into each page's catalogue.
3. Display math and glossary terms are not messages to translate: math is shared, and a term stays the target the
   chapters' ``{term}`` roles link to (the Chinese term is the first word of its definition).
4. In the Chinese edition, the slider frames are the English edition's files (``zh/`` sits one level below), so the
   site holds each frame once.
5. In the Chinese edition, a line a checker printed under a cell ("Complete f above first.") is shown in Chinese, from
   the checkers' own catalogue (``book.language``): the notebooks ran once, in English. A check's result needs
   nothing here, its HTML carries both languages.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.locale import init as init_locale
from sphinx.util.i18n import docname_to_domain
from sphinx_exercise.nodes import exercise_subtitle

from book.language import translate

FRAMES_DIR = "_frames"
SUBDIR = {"zh_CN": "zh"}  # the folder of each translated edition below the English site
LINK = {  # what the switch shows on a page of the edition named by the key: (label, lang, title)
    "en": ("中文", "zh-CN", "本页的中文版"),
    "zh_CN": ("English", "en", "This page in English"),
}
TEMPLATE = "language-switch.html"
BUTTONS = "article-header-buttons.html"


def edition(language: str | None) -> str:
    """The edition a build writes: ``"en"`` or a translated edition's language."""
    return language if language in SUBDIR else "en"


def switch_href(pagename: str, language: str | None) -> str:
    """The relative URL from ``pagename`` of the ``language`` edition to the same page of the other edition."""
    up = "../" * pagename.count("/")
    if edition(language) == "en":
        return f"{up}{SUBDIR['zh_CN']}/{pagename}.html"
    return f"{up}../{pagename}.html"


def _untranslatable(app, doctree) -> None:
    terms = [term for glossary in doctree.findall(addnodes.glossary) for term in glossary.findall(nodes.term)]
    for node in [*doctree.findall(nodes.math_block), *terms]:
        node["translatable"] = False


def _translate_captions(app, doctree) -> None:
    """The table of contents' part captions and the exercises' titles in a translated edition (both are made after
    Sphinx's own translation pass, so they would stay in English); every build notes the exercises' titles for
    :func:`_extract_exercise_titles`."""
    subtitles = list(doctree.findall(exercise_subtitle))
    doctree["exercise_titles"] = [(subtitle.astext(), subtitle.parent.parent.line or 1) for subtitle in subtitles]
    if edition(app.config.language) == "en":
        return
    domain = docname_to_domain(app.env.docname, app.config.gettext_compact)
    dirs = [str(Path(app.srcdir) / directory) for directory in app.config.locale_dirs]
    catalogue, found = init_locale(dirs, app.config.language, domain)
    if not found:
        return
    for toctree in doctree.findall(addnodes.toctree):
        if toctree.get("caption"):
            toctree["caption"] = catalogue.gettext(toctree["caption"])
    for subtitle in subtitles:
        translated = catalogue.gettext(subtitle.astext())
        if translated != subtitle.astext():
            subtitle.children = [nodes.Text(translated)]


def _extract_exercise_titles(app, doctree, docname) -> None:
    """For the gettext builder, the exercises' titles as messages: sphinx-exercise folds each into an untranslatable
    title while resolving, so they are added back as paragraphs of the page (this builder writes no page)."""
    if app.builder.name != "gettext":
        return
    source = app.env.doc2path(docname)
    for text, line in doctree.get("exercise_titles", []):
        paragraph = nodes.paragraph(text, text)
        paragraph.source, paragraph.line = str(source), line
        paragraph.uid = ""  # the catalogue keeps only nodes that have one (a UID transform gives them while reading)
        doctree += paragraph


def _translate_checker_lines(app, doctree) -> None:
    """Every printed output line of a cell that is a checker's message, in the edition's language."""
    if edition(app.config.language) == "en":
        return
    for block in doctree.findall(nodes.literal_block):
        if "output" not in block["classes"]:
            continue
        text = block.astext()
        translated = "\n".join(translate(line, app.config.language) for line in text.split("\n"))
        if translated != text:
            block.children = [nodes.Text(translated)]
            block.rawsource = translated


def _add_switch(app, pagename, templatename, context, doctree) -> None:
    language = edition(app.config.language)
    label, lang, title = LINK[language]
    href = switch_href(pagename, language)
    context["language_switch"] = {"href": href, "label": label, "lang": lang, "title": title}
    context["metatags"] = context.get("metatags", "") + f'\n<link rel="alternate" hreflang="{lang}" href="{href}" />'


def _share_frames(app, pagename, templatename, context, doctree) -> None:
    """In a translated edition, point the frame URLs one level up, at the English edition's ``_frames``."""
    if edition(app.config.language) != "en" and "body" in context and "explore-data" in context["body"]:
        here = context["pathto"](FRAMES_DIR, 1) + "/"
        context["body"] = context["body"].replace(f'"{here}', f'"../{here}')


def _configure(app, config) -> None:
    config.templates_path = [*config.templates_path, str(Path(__file__).parent / "templates")]
    options = dict(config.html_theme_options or {})
    end = options.get("article_header_end", [BUTTONS])
    end = [end] if isinstance(end, str) else list(end)
    # the template shows the switch and then the theme's buttons, in one row
    options["article_header_end"] = [TEMPLATE if item == BUTTONS else item for item in end]
    config.html_theme_options = options


def setup(app):
    app.connect("config-inited", _configure)
    app.connect("doctree-read", _untranslatable)
    app.connect("doctree-read", _translate_captions)
    app.connect("doctree-read", _translate_checker_lines)
    app.connect("doctree-resolved", _extract_exercise_titles)
    app.connect("html-page-context", _add_switch)
    app.connect("html-page-context", _share_frames, priority=900)  # after _ext/offline.py has linked the frames
    return {"parallel_read_safe": True, "parallel_write_safe": True}
