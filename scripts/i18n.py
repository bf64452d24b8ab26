"""The Chinese edition: its message catalogues and its build.

    python scripts/i18n.py update   extract the English prose of every page (Sphinx's gettext builder through Jupyter
                                    Book, code and outputs excluded) and merge it into locales/zh_CN/LC_MESSAGES/,
                                    one catalogue per page: translations kept, changed messages marked fuzzy (the old
                                    translation kept as a start), new ones empty, removed ones dropped
    python scripts/i18n.py build    build the Chinese edition (-W -n, the English build's executed notebooks: nothing
                                    runs again) into _build/zh/html and publish it as _build/html/zh/ (run it after
                                    the English build; `make book` runs both)
    python scripts/i18n.py check    list every catalogue's untranslated, fuzzy and inconsistent messages
    python scripts/i18n.py update-checks   only the checkers' catalogue (no build, a second)

The checkers' messages (book/checks.py, book/exercises/) have a catalogue of their own, read by the library at run
time: book/locale/zh_CN/LC_MESSAGES/checks.po (in the package, so an installed ``book`` has it; locales/ holds one
catalogue per page, which ``update`` and the Chinese build keep so). ``update`` extracts them from the source too
(:func:`checker_messages`), and a translation also keeps every ``{placeholder}`` of its template.

A translated message must keep its source's math, inline code, numbers and link or role targets exactly
(:func:`problems`); ``tests/test_i18n.py`` applies the same checks.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import re
import shutil
import sys
import time
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "zh_CN"
LOCALES = ROOT / "locales" / LANGUAGE / "LC_MESSAGES"
BUILD = ROOT / "_build"
CHECKS = ROOT / "book" / "locale" / LANGUAGE / "LC_MESSAGES" / "checks.po"  # not a page's: the library's
TEMPLATES = BUILD / "gettext"
SUBDIR = "zh"  # the Chinese edition's folder in the site
FRAMES = "_frames"
ZH_CONFIG = {  # the Chinese edition's differences from _config.yml
    "language": LANGUAGE,
    "html_title": "面向 AI 的微积分：梯度与优化",
    "project": "面向 AI 的微积分：梯度与优化",
    "togglebutton_hint": "点击显示",  # sphinx-togglebutton translates its hints before the language is set
    "togglebutton_hint_hide": "点击隐藏",
}

# What a translation must carry over unchanged, in the order of these patterns: display and inline math, MyST roles
# with their targets ({math}`...`, {term}`梯度 <gradient>` keeps "gradient"), inline code, link targets, numbers.
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.DOTALL)
_ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
_CODE = re.compile(r"``[^`]+``|`[^`]+`")
_LINK = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>]+)>")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")
_ROLE_TARGET = re.compile(r"<([^<>]+)>\s*$")
_NUMBERED = re.compile(r"\d+\. ")  # "1. The algorithm": Markdown's list marker, kept in a translation as "1\. 算法"
_TEXT_ROLES = {"term", "ref", "doc", "numref", "download", "abbr"}  # roles whose shown text may be translated


def protected(text: str) -> dict[str, list[str]]:
    """The parts of a message a translation must keep: math, role targets, inline code, link targets, numbers."""
    math = _MATH.findall(text)
    rest = _MATH.sub(" ", text)
    roles = []
    for name, content in _ROLE.findall(rest):
        if name in _TEXT_ROLES:
            target = _ROLE_TARGET.search(content)
            roles.append(f"{{{name}}}{target[1] if target else content}")
        else:
            roles.append(f"{{{name}}}{content}")
    rest = _ROLE.sub(" ", rest)
    code = _CODE.findall(rest)
    rest = _CODE.sub(" ", rest)
    links = [a or b for a, b in _LINK.findall(rest)]
    rest = _LINK.sub(" ", rest)
    return {
        "math": sorted(math),
        "roles": sorted(roles),
        "code": sorted(code),
        "links": sorted(links),
        "numbers": sorted(n.replace(",", "") for n in _NUMBER.findall(rest)),
    }


def problems(msgid: str, msgstr: str) -> list[str]:
    """What a translation ``msgstr`` changed of what ``msgid`` protects, one sentence each; [] if nothing."""
    source, target = protected(msgid), protected(msgstr)
    found = [
        f"{kind}: {source[kind]} in English, {target[kind]} in the translation"
        for kind in source
        if source[kind] != target[kind]
    ]
    if _NUMBERED.match(msgid) and _NUMBERED.match(msgstr):
        found.append(f"a numbered heading's translation must start 'N\\. ', not 'N. ' (a list): {msgstr[:20]!r}")
    return found


def needs_translation(msgid: str) -> bool:
    """Whether a message has words to translate: not only math, code, link targets, numbers and punctuation."""
    rest = _LINK.sub(" ", _CODE.sub(" ", _ROLE.sub(" ", _MATH.sub(" ", msgid))))
    return re.search(r"[^\W\d_]{2,}", rest) is not None


def catalogue_path(template: Path) -> Path:
    """The catalogue of a page's template: ``_build/gettext/chapters/x.pot`` -> ``locales/.../chapters/x.po``."""
    return LOCALES / template.relative_to(TEMPLATES).with_suffix(".po")


def page_documents() -> list[str]:
    """Every page of the book, as Sphinx names it (``chapters/04_gradient_descent``), from the table of contents."""
    toc = (ROOT / "_toc.yml").read_text()
    return re.findall(r"(?:root|file):\s*(\S+)", toc)


def extract() -> None:
    """Write one .pot per page into _build/gettext with Sphinx's gettext builder (notebooks from the cache)."""
    for stale in TEMPLATES.rglob("*.pot"):
        stale.unlink()
    _sphinx("gettext", TEMPLATES, BUILD / ".doctrees-gettext", {}, warnings_fail=False)


def _sphinx(
    builder: str, outdir: Path, doctrees: Path, overrides: dict, warnings_fail: bool, build_dir: Path = BUILD
) -> None:
    """Run Sphinx as `jupyter-book build` does, reading the executed notebooks from the English build's cache."""
    sys.path.insert(0, str(ROOT))
    from jupyter_book.sphinx import build_sphinx

    overrides = {
        "external_toc_path": (ROOT / "_toc.yml").as_posix(),
        "latex_individualpages": False,
        "nitpicky": True,
        "nb_execution_cache_path": str(build_dir / ".jupyter_cache"),
        **overrides,
    }
    result = build_sphinx(
        ROOT,
        outdir,
        doctreedir=doctrees,
        noconfig=True,
        path_config=str(ROOT / "_config.yml"),
        confoverrides=overrides,
        builder=builder,
        warningiserror=warnings_fail,
        keep_going=True,
    )
    if result:
        raise SystemExit(f"the {builder} build failed ({result})")


_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def placeholders(text: str) -> list[str]:
    """The ``{...}`` placeholders of a checker's message template, sorted: a translation keeps them all."""
    return sorted(_PLACEHOLDER.findall(text))


def _template(node: ast.AST, constants: dict[str, str]) -> str | None:
    """A string the source writes: a literal, a module constant, or an f-string as a template whose placeholders
    are its expressions' source (``f"x = {x:g}"`` -> ``"x = {x:g}"``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else _placeholder(part) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(
        node.op, ast.Add
    ):  # _IGNORED_STEP + " Pass it on: ...", label + "..."
        left, right = (
            _template(side, constants) or (f"{{{side.id}}}" if isinstance(side, ast.Name) else None)
            for side in (node.left, node.right)
        )
        return None if left is None or right is None else left + right
    return None


def _phrases(node: ast.JoinedStr) -> list[str]:
    """The text written inside an f-string's placeholders (``{' all with one target' if same else ''}``), stripped."""
    return [
        leaf.value.strip()
        for part in node.values
        if isinstance(part, ast.FormattedValue)
        for leaf in ast.walk(part.value)
        if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str)
    ]


def _placeholder(part: ast.FormattedValue) -> str:
    conversion = "" if part.conversion == -1 else "!" + chr(part.conversion)
    spec = (
        ":" + "".join(v.value for v in part.format_spec.values if isinstance(v, ast.Constant))
        if part.format_spec
        else ""
    )
    return "{" + ast.unparse(part.value) + conversion + spec + "}"


def _strings_returned(function: ast.FunctionDef, constants: dict[str, str]) -> list[str]:
    """The strings a function returns, and the phrases it assigns to build them (``ran = f"needed {steps} steps"``)."""
    found = []
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.IfExp):
            found += [
                t for t in (_template(v, constants) for v in (node.value.body, node.value.orelse)) if t is not None
            ]
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.JoinedStr):
            found.append(_template(node.value, constants))
        if isinstance(node, ast.Return) and node.value is not None:
            values = node.value.values if isinstance(node.value, ast.BoolOp) else [node.value]
            if isinstance(node.value, ast.IfExp):
                values = [node.value.body, node.value.orelse]
            found += [t for t in (_template(v, constants) for v in values) if t is not None]
    return found


def checker_messages() -> list[str]:
    """Every message a checker can show, from the source (no import): ``Message(...)`` templates in book/checks.py,
    and in book/exercises/ the mistakes' hints, the hints, the cases' labels, the parts' names and noun, the
    sentences of ``describe`` functions, what ``wrong`` is given, the strings those messages are built from and
    the strings of the modules' tables; those with words to translate, and the labels' templates (whose values may
    have words), each once, in source order."""
    found: list[str] = []
    templates: set[str] = set()
    for path in [ROOT / "book" / "checks.py", *sorted((ROOT / "book" / "exercises").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        }
        functions = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        if path.name != "checks.py":  # names kept in tables, for labels: (grad, 2.0, "∇f(x) = 2x (the bowl)")
            found += [
                leaf.value
                for node in tree.body
                if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Tuple, ast.List, ast.Constant))
                for leaf in ast.walk(node.value)
                if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str)
            ]
        for node in ast.walk(tree):
            if path.name != "checks.py" and isinstance(node, (ast.Tuple, ast.List)):  # tables: (mistake, "hint")
                found += [t for t in (_template(e, constants) for e in node.elts if isinstance(e, ast.Constant)) if t]
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and "label" in t.id.lower() for t in node.targets
            ):
                found += [t for t in [_template(node.value, constants)] if t is not None]
                if isinstance(node.value, ast.JoinedStr):
                    templates.add(_template(node.value, constants))
                    found += _phrases(node.value)
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            keywords = {k.arg: k.value for k in node.keywords}
            wanted = []
            if name in functions:  # a helper's label or hint argument: _model_case(..., f"V = {V}, ...")
                parameters = [a.arg for a in functions[name].args.args]
                for parameter, argument in [*zip(parameters, node.args), *keywords.items()]:
                    if parameter in ("label", "hint"):
                        wanted.append(argument)
                        if isinstance(argument, ast.JoinedStr):
                            templates.add(_template(argument, constants))
                            found += _phrases(argument)
            if name == "Message" and node.args:
                wanted.append(node.args[0])
            if name in ("Mistake", "Case") and len(node.args) > 1:
                wanted.append(node.args[1])
            if name == "Case" and len(node.args) > 1 and isinstance(node.args[1], ast.JoinedStr):
                templates.add(_template(node.args[1], constants))  # its values may have words: "(the bowl)"
            if name == "wrong" and node.args:
                wanted.append(node.args[0])
                if isinstance(node.args[0], ast.JoinedStr):  # the phrases it is built from: _described(...)
                    for part in node.args[0].values:
                        if (
                            isinstance(part, ast.FormattedValue)
                            and isinstance(part.value, ast.Call)
                            and isinstance(part.value.func, ast.Name)
                            and part.value.func.id in functions
                        ):
                            found += _strings_returned(functions[part.value.func.id], constants)
            wanted += [keywords[k] for k in ("hint", "label", "parts_noun") if k in keywords]
            if isinstance(keywords.get("parts"), ast.Dict):
                wanted += keywords["parts"].keys
            if isinstance(keywords.get("describe"), ast.Name) and keywords["describe"].id in functions:
                found += _strings_returned(functions[keywords["describe"].id], constants)
            found += [t for t in (_template(n, constants) for n in wanted) if t is not None]
    return [m for m in dict.fromkeys(found) if has_words(m) or m in templates]


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_WORD = re.compile(r"(?<![\w.])[A-Za-z][A-Za-z']+(?![\w'])")


def has_words(message: str) -> bool:
    """Whether a checker's message has English words to translate: not only math, numbers, placeholders, quoted
    text and code (a name followed by ``=``, ``(``, ``.`` or ``[``, or given after ``=``: ``f = exp, x =
    np.zeros(2)``)."""
    rest = _QUOTED.sub(" ", _PLACEHOLDER.sub(" ", message))
    for match in _WORD.finditer(rest):
        before, after = rest[: match.start()].rstrip(), rest[match.end() :].lstrip()
        if not (after[:1] in ("=", "(", ".", "[") or before.endswith("=")):
            return True
    return False


def update_checks() -> tuple[int, int, int]:
    """Bring the checkers' catalogue up to their source (translations kept, changed messages fuzzy, new ones empty)."""
    template = Catalog()
    for message in checker_messages():
        template.add(message)
    existing = load(CHECKS) if CHECKS.exists() else None
    catalogue = merge(template, existing, keep_all=True)  # a label's template may hold no word itself
    CHECKS.parent.mkdir(parents=True, exist_ok=True)
    with CHECKS.open("wb") as f:
        write_po(f, catalogue, width=0, omit_header=False, ignore_obsolete=True, include_previous=True)
    return statistics(catalogue)


def catalogues() -> list[Path]:
    """Every catalogue: one per page, and the checkers'."""
    return [*sorted(LOCALES.rglob("*.po")), CHECKS]


def merge(template: Catalog, existing: Catalog | None, keep_all: bool = False) -> Catalog:
    """``existing`` brought up to ``template``: kept, fuzzy (changed) and new messages; removed ones and (unless
    ``keep_all``) those with nothing to translate (math, code, numbers only) dropped."""
    catalogue = existing or Catalog(locale=LANGUAGE, project=ZH_CONFIG["project"], fuzzy=False)
    for message in [m for m in template if m.id and not keep_all and not needs_translation(m.id)]:
        template.delete(message.id, message.context)  # shown as in English: nothing to translate
    # an unchanged page leaves its catalogue byte for byte as it was (no new date): no conflicts between translators
    catalogue.update(
        template, no_fuzzy_matching=False, update_header_comment=False, update_creation_date=existing is None
    )
    catalogue.obsolete.clear()
    catalogue.fuzzy = False  # the header entry, not a message
    return catalogue


def update() -> dict[str, tuple[int, int, int]]:
    """Extract and merge every page's catalogue; return ``{catalogue: (messages, translated, fuzzy)}``."""
    extract()
    counts = {}
    templates = sorted(TEMPLATES.rglob("*.pot"))
    for template_path in templates:
        if template_path.parent.name == "_static":
            continue
        path = catalogue_path(template_path)
        with template_path.open("rb") as f:
            template = read_po(f)
        existing = None
        if path.exists():
            with path.open("rb") as f:
                existing = read_po(f, locale=LANGUAGE)
        catalogue = merge(template, existing)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalogue, width=0, omit_header=False, ignore_obsolete=True, include_previous=True)
        counts[str(path.relative_to(LOCALES))] = statistics(catalogue)
    wanted = {catalogue_path(t) for t in templates}
    for stale in set(LOCALES.rglob("*.po")) - wanted:
        stale.unlink()
        print(f"removed {stale.relative_to(ROOT)}: the page is gone")
    counts[str(CHECKS.relative_to(ROOT))] = update_checks()
    return counts


def messages(catalogue: Catalog) -> list:
    """The catalogue's messages, without its header entry."""
    return [m for m in catalogue if m.id]


def statistics(catalogue: Catalog) -> tuple[int, int, int]:
    """(messages, translated and not fuzzy, fuzzy)."""
    all_ = messages(catalogue)
    return len(all_), sum(bool(m.string) and not m.fuzzy for m in all_), sum(m.fuzzy for m in all_)


def load(path: Path) -> Catalog:
    """Read one catalogue."""
    with path.open("rb") as f:
        return read_po(f, locale=LANGUAGE)


def check() -> int:
    """Print every catalogue's counts and every inconsistent translation; return the number of unfinished messages."""
    unfinished = 0
    for path in catalogues():
        catalogue = load(path)
        total, done, fuzzy = statistics(catalogue)
        unfinished += total - done
        name = path.relative_to(LOCALES) if path.is_relative_to(LOCALES) else path.relative_to(ROOT)
        print(f"{str(name):40} {total:4} messages, {done:4} translated, {fuzzy:3} fuzzy")
        for message in messages(catalogue):
            if message.string:
                for problem in problems(message.id, message.string):
                    print(f"    {message.id[:60]!r}: {problem}")
    return unfinished


def search_words(glossary: str) -> list[str]:
    """The Chinese terms of the glossary (each definition starts with them), for the search index's word splitter."""
    terms = re.findall(r"^  (\S.*?) · ", glossary, flags=re.MULTILINE)
    return sorted({word for term in terms for word in re.findall(r"[\u4e00-\u9fff]{2,}", term)})


GLUE_ROLE = re.compile(r"\{glue:text\}`([^`:]+)(?::([^`]*))?`")
GLUE_MIME = "application/papermill.record/text/plain"


def glued_values(notebook: Path) -> dict[str, object]:
    """name → value of every ``glue(name, value, display=False)`` in the notebook's stored outputs (nbval keeps them
    equal to a fresh run's)."""
    import nbformat

    values = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:
                values[name] = ast.literal_eval(output["data"][GLUE_MIME])
    return values


def with_glued_values(text: str, values: dict[str, object]) -> str:
    """``text`` with each {glue:text}`key:spec` replaced by the key's value formatted as myst-nb would show it.

    >>> with_glued_values("about {glue:text}`rate:.2f` per step, {glue:text}`name`", {"rate": 0.12345, "name": "SGD"})
    'about 0.12 per step, SGD'
    """

    def value(match: re.Match) -> str:
        key, spec = match.group(1), match.group(2)
        return format(values[key], spec) if spec else str(values[key])

    return GLUE_ROLE.sub(value, text)


def glue_resolved_locales(target: Path) -> Path:
    """A copy of the catalogues with glued values written into the translations, for the Chinese build.

    Sphinx parses a translated paragraph as a document of its own, where myst-nb cannot see the notebook's glue data;
    the English paragraph's roles resolve as usual. The values are the notebooks' stored ones, which nbval checks.
    """
    shutil.rmtree(target, ignore_errors=True)
    for po in LOCALES.rglob("*.po"):
        relative = po.relative_to(LOCALES)
        notebook = (ROOT / relative).with_suffix(".ipynb")
        destination = target / LANGUAGE / "LC_MESSAGES" / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not notebook.exists() or "{glue:text}" not in po.read_text(encoding="utf-8"):
            shutil.copy2(po, destination)
            continue
        values = glued_values(notebook)
        with open(po, "rb") as source:
            catalogue = read_po(source)
        for message in catalogue:
            if message.id and message.string:
                message.string = with_glued_values(message.string, values)
        with open(destination, "wb") as out:
            write_po(out, catalogue, width=0, omit_header=False, ignore_obsolete=True, include_previous=True)
    return target


def build(build_dir: Path = BUILD) -> float:
    """Build the Chinese edition (-W -n) from the English build's cache in ``build_dir`` (nothing is executed
    again) into ``build_dir/zh/html``, publish it as ``build_dir/html/zh``; return the seconds it took."""
    if importlib.util.find_spec("jieba") is None:  # without it Sphinx silently indexes no Chinese word at all
        raise SystemExit("the Chinese edition's search needs jieba: pip install -r requirements.txt -c constraints.txt")
    start = time.perf_counter()
    zh = build_dir / "zh"
    words = zh / "search-words.txt"  # jieba's own dictionary lacks terms such as 学习率; this adds them
    words.parent.mkdir(parents=True, exist_ok=True)
    words.write_text("".join(f"{word} 100000\n" for word in search_words((ROOT / "glossary.md").read_text())))
    locales = glue_resolved_locales(zh / "locales")
    config = {**ZH_CONFIG, "html_search_options": {"dict": str(words)}, "locale_dirs": [str(locales)]}
    _sphinx("html", zh / "html", zh / ".doctrees", config, warnings_fail=True, build_dir=build_dir)
    publish(zh / "html", build_dir / "html" / SUBDIR, build_dir / "html" / FRAMES)
    return time.perf_counter() - start


def publish(built: Path, published: Path, frames: Path) -> None:
    """Copy the built edition to ``published``, its slider frames into the English site's ``frames`` folder."""
    shutil.rmtree(published, ignore_errors=True)
    shutil.copytree(built, published, ignore=shutil.ignore_patterns(FRAMES, ".buildinfo"))
    frames.mkdir(parents=True, exist_ok=True)
    for frame in (built / FRAMES).glob("*.png"):
        if not (frames / frame.name).exists():
            shutil.copy2(frame, frames / frame.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["update", "update-checks", "build", "check"])
    parser.add_argument(
        "--path-output",
        type=Path,
        default=ROOT,
        help="build: the folder holding _build, as jupyter-book's --path-output (default: the book)",
    )
    args = parser.parse_args()
    if args.command == "update":
        for name, (total, done, fuzzy) in update().items():
            print(f"{name:40} {total:4} messages, {done:4} translated, {fuzzy:3} fuzzy")
    elif args.command == "update-checks":
        total, done, fuzzy = update_checks()
        print(f"{str(CHECKS.relative_to(ROOT)):40} {total:4} messages, {done:4} translated, {fuzzy:3} fuzzy")
    elif args.command == "build":
        build_dir = args.path_output.resolve() / "_build"
        seconds = build(build_dir)
        print(f"The Chinese edition is built in {seconds:.0f} s: open file://{build_dir}/html/{SUBDIR}/intro.html")
    else:
        check()


if __name__ == "__main__":
    main()
