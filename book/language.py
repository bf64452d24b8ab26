"""Which language the learner reads (English unless told otherwise), and what a checker's message says in it.

The language is, in this order: the last ``use_language(...)``, the environment variable ``BOOK_LANGUAGE``
(``zh_CN``), else English. The English text is the only source: a translation is looked up in the catalogue
``book/locale/zh_CN/LC_MESSAGES/checks.po`` (its ``msgid`` is the English), and anything it lacks stays in English.

>>> Message("For {label} expected {e}.", label=Message("x = 1"), e="2").said("en")
'For x = 1 expected 2.'
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["ENGLISH", "LANGUAGES", "VARIABLE", "use_language", "current_language", "translate", "Message"]

ENGLISH = "en"
LANGUAGES = (ENGLISH, "zh_CN")
VARIABLE = "BOOK_LANGUAGE"
LOCALE = Path(__file__).resolve().parent / "locale"

_CHOSEN: list[str | None] = [None]
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_HAN_GAP = re.compile(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])")  # "对于 {label}" with a Chinese label


def _known(language: str | None) -> str | None:
    """``language`` as one of ``LANGUAGES`` (``zh-CN``, ``zh`` and ``zh_cn`` are ``zh_CN``), or None."""
    if not language:
        return None
    name = language.strip().replace("-", "_").lower()
    return next((known for known in LANGUAGES if known.lower() == name or known.lower().split("_")[0] == name), None)


def use_language(language: str | None) -> None:
    """Make the checkers speak ``language`` (``"zh_CN"`` or ``"en"``); None goes back to ``BOOK_LANGUAGE``."""
    if language is not None and _known(language) is None:
        raise ValueError(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")
    _CHOSEN[0] = _known(language)


def current_language() -> str:
    """The language the learner reads: ``use_language``'s, else ``BOOK_LANGUAGE``'s, else English."""
    return _CHOSEN[0] or _known(os.environ.get(VARIABLE)) or ENGLISH


def catalogue_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "checks.po"


def _unquoted(line: str) -> str:
    body = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), body)


def read_catalogue(path: Path) -> dict[str, str]:
    """msgid → msgstr of a gettext catalogue, without its header and its empty or fuzzy translations."""
    found: dict[str, str] = {}
    entry: dict[str, str] = {}
    fuzzy, key = False, ""

    def close() -> None:
        if entry.get("msgid") and entry.get("msgstr") and not fuzzy:
            found[entry["msgid"]] = entry["msgstr"]

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            close()
            entry, fuzzy, key = {}, True, ""
        elif line.startswith("msgid "):
            if "msgstr" in entry:
                close()
                entry, fuzzy = {}, False
            key, entry["msgid"] = "msgid", _unquoted(line)
        elif line.startswith("msgstr "):
            key, entry["msgstr"] = "msgstr", _unquoted(line)
        elif line.startswith('"') and key:
            entry[key] += _unquoted(line)
        elif not line or line.startswith("#"):
            key = ""
    close()
    return found


class _Catalogue:
    """One language's translations: exact ones, and templates (``{...}`` placeholders) matched against a text."""

    def __init__(self, translations: Mapping[str, str]) -> None:
        self.exact = dict(translations)
        self.templates = []
        for source, target in translations.items():
            names = _PLACEHOLDER.findall(source)
            if names and _PLACEHOLDER.sub("", source).strip():
                literal = [re.escape(part) for part in _PLACEHOLDER.split(source)]
                pattern = "".join(part + ("(.*?)" if i < len(names) else "") for i, part in enumerate(literal))
                self.templates.append((re.compile(pattern, re.DOTALL), names, target))
        # the most specific first: the template with the most fixed text decides what its placeholders hold
        self.templates.sort(key=lambda item: -len(_PLACEHOLDER.sub("", item[0].pattern)))

    def translate(self, text: str) -> str | None:
        if text in self.exact:
            return self.exact[text]
        for pattern, names, target in self.templates:
            match = pattern.fullmatch(text)
            if match:
                values = {}
                for name, value in zip(names, match.groups()):
                    values.setdefault(name, value)
                return _PLACEHOLDER.sub(lambda m: _translated(values[m[0]], self) if m[0] in values else m[0], target)
        return None


def _translated(text: str, catalogue: _Catalogue) -> str:
    """``text`` translated, its surrounding spaces kept; as it is if the catalogue has no translation."""
    core = text.strip()
    found = catalogue.translate(core) if core else None
    return text if found is None else text[: len(text) - len(text.lstrip())] + found + text[len(text.rstrip()) :]


@functools.cache
def _catalogue(language: str) -> _Catalogue | None:
    path = catalogue_path(language)
    try:
        return _Catalogue(read_catalogue(path))
    except (OSError, ValueError):  # no catalogue, or one that cannot be read: the checkers speak English
        return None


def translate(text: str, language: str | None = None) -> str:
    """``text`` in ``language`` (the current one by default): its translation, a template's filled in with the
    parts it matched (themselves translated), or ``text`` itself when the catalogue has neither."""
    language = _known(language) or current_language()
    if language == ENGLISH or not text:
        return text
    return _translate(text, language)


@functools.lru_cache(maxsize=4096)
def _translate(text: str, language: str) -> str:
    catalogue = _catalogue(language)
    return text if catalogue is None else _translated(text, catalogue)


class Message:
    """A text to say in the learner's language: an English ``template`` with ``{name}`` placeholders, and its
    values (strings as they are, or messages translated in turn); ``str()`` says it in the current language."""

    __slots__ = ("template", "values")

    def __init__(self, template: str, **values: Any) -> None:
        self.template, self.values = template, values

    def said(self, language: str | None = None) -> str:
        """The message in ``language`` (the current one by default); English where a translation is missing."""
        words = {
            name: value.said(language) if isinstance(value, Message) else str(value)
            for name, value in self.values.items()
        }
        if (_known(language) or current_language()) == ENGLISH:
            template = self.template
        else:
            template = translate(self.template, language)
            if words and sorted(_PLACEHOLDER.findall(template)) != sorted(_PLACEHOLDER.findall(self.template)):
                template = self.template  # a translation that lost or renamed a placeholder: English, not wrong
        text = _PLACEHOLDER.sub(lambda m: words.get(m[0][1:-1], m[0]), template) if words else template
        return text if template is self.template else _HAN_GAP.sub("", text)

    def __str__(self) -> str:
        return self.said()

    def __repr__(self) -> str:
        return f"Message({self.template!r}, **{self.values!r})"
