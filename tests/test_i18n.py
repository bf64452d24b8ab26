"""The Chinese edition's catalogues (no build): one per page, and every translation keeps its source's math, inline
code, role and link targets and numbers; the consistency check itself is tried on hand-made good and bad
translations. ``test_every_message_is_translated_and_none_is_fuzzy`` holds once the whole book is translated.
The checkers' catalogue (book/locale/zh_CN/LC_MESSAGES/checks.po) is held to the same checks, and keeps every
``{placeholder}`` of its templates; tests/test_language.py checks that it covers every checker message."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from conftest import ROOT

_spec = importlib.util.spec_from_file_location("i18n", ROOT / "scripts" / "i18n.py")
i18n = importlib.util.module_from_spec(_spec)
sys.modules["i18n"] = i18n
_spec.loader.exec_module(i18n)

CATALOGUES = sorted(i18n.LOCALES.rglob("*.po"))  # the pages'
EVERY_CATALOGUE = [*CATALOGUES, i18n.CHECKS]  # and the checkers'


def _name(path) -> str:
    return str(path.relative_to(i18n.LOCALES)) if path.is_relative_to(i18n.LOCALES) else str(path.relative_to(ROOT))


def test_every_page_has_a_catalogue_and_every_catalogue_a_page():
    pages = {f"{document}.po" for document in i18n.page_documents()}
    assert pages - {_name(path) for path in CATALOGUES} == set()
    assert {_name(path) for path in CATALOGUES} - pages == set()


@pytest.mark.parametrize("path", EVERY_CATALOGUE, ids=_name)
def test_catalogue_is_for_chinese_and_holds_messages(path):
    catalogue = i18n.load(path)
    assert (catalogue.locale.language, catalogue.locale.territory) == ("zh", "CN")
    assert i18n.messages(catalogue)


@pytest.mark.parametrize("path", EVERY_CATALOGUE, ids=_name)
def test_every_translation_keeps_math_code_targets_and_numbers(path):
    found = {
        message.id[:70]: i18n.problems(message.id, message.string)
        for message in i18n.messages(i18n.load(path))
        if message.string
    }
    assert {message: problems for message, problems in found.items() if problems} == {}


@pytest.mark.parametrize("path", EVERY_CATALOGUE, ids=_name)
def test_every_message_is_translated_and_none_is_fuzzy(path):
    catalogue = i18n.load(path)
    assert [m.id[:70] for m in i18n.messages(catalogue) if not m.string] == [], "untranslated"
    assert [m.id[:70] for m in i18n.messages(catalogue) if m.fuzzy] == [], "fuzzy: the English changed"


def test_every_checker_template_keeps_its_placeholders():
    found = {
        m.id[:70]: (i18n.placeholders(m.id), i18n.placeholders(m.string))
        for m in i18n.messages(i18n.load(i18n.CHECKS))
        if m.string
    }
    assert {message: pair for message, pair in found.items() if pair[0] != pair[1]} == {}


@pytest.mark.parametrize(
    "path", [p for p in CATALOGUES if _name(p) in {"intro.po", "how-to-use.po", "glossary.po"}], ids=_name
)
def test_the_front_matter_uses_the_glossary_terms(path):
    text = "".join(m.string for m in i18n.messages(i18n.load(path)))
    assert "梯度" in text and "学习率" in text
    assert "坡度" not in text and "Hessian 矩阵" not in text and "Jacobian 矩阵" not in text  # the glossary's words


GOOD = [
    (
        "The gradient of $f(x, y) = x^2 + y^2$ at $(1, 1)$ is $[2, 2]$.",
        "$f(x, y) = x^2 + y^2$ 在 $(1, 1)$ 处的梯度是 $[2, 2]$。",
    ),
    (
        "Call `run(optimizer, grad_fn, x0, steps)` for 50 steps.",
        "调用 `run(optimizer, grad_fn, x0, steps)`，运行 50 步。",
    ),
    ("See [Chapter 4](04_gradient_descent.ipynb), Section 2.", "见[第 4 章](04_gradient_descent.ipynb)第 2 节。"),
    (
        "The {term}`learning rate` is $\\eta$, the {term}`momentum <momentum>` is {math}`\\beta`.",
        "{term}`学习率 <learning rate>` 是 $\\eta$，{term}`动量 <momentum>` 是 {math}`\\beta`。",
    ),
    (
        "It converges when $0 < \\eta < 2/L$ (1 h 45 min, 3.5 times faster, 1,000 steps).",
        "当 $0 < \\eta < 2/L$ 时收敛（1 小时 45 分钟，快 3.5 倍，1000 步）。",
    ),
    (
        "Press <kbd>Tab</kbd>, then:\n\n$$\nx_{k+1} = x_k - \\eta g_k\n$$",
        "按 <kbd>Tab</kbd> 键，然后：\n\n$$\nx_{k+1} = x_k - \\eta g_k\n$$",
    ),
]

BAD = [
    ("The gradient is $[2, 2]$.", "梯度是 $[2,2]$。", "math"),  # math retyped
    ("The gradient is $[2, 2]$.", "梯度是 [2, 2]。", "math numbers"),  # math lost its delimiters
    ("Call `sgd(lr)`.", "调用 `sgd(学习率)`。", "code"),  # inline code translated
    ("Call `sgd(lr)`.", "调用 sgd(lr)。", "code"),  # inline code lost its backticks
    ("See [Chapter 4](04_gradient_descent.ipynb).", "见[第 4 章](05_sgd.ipynb)。", "links"),  # wrong target
    ("Run 50 steps.", "运行 500 步。", "numbers"),  # a number changed
    ("Run 50 steps with 2 seeds.", "用两个种子运行 50 步。", "numbers"),  # a number spelled out
    ("The {term}`learning rate` is small.", "{term}`学习率` 很小。", "roles"),  # a term's target translated
    ("Here {math}`\\beta = 0.9`.", "这里 {math}`\\beta = 0.99`。", "roles"),  # math in a role changed
    ("At $x_0$ and $x_1$.", "在 $x_0$ 处。", "math"),  # an expression dropped
]


@pytest.mark.parametrize("source, translation", GOOD)
def test_consistency_check_accepts_a_faithful_translation(source, translation):
    assert i18n.problems(source, translation) == []


@pytest.mark.parametrize("source, translation, kind", BAD)
def test_consistency_check_names_what_a_bad_translation_changed(source, translation, kind):
    found = i18n.problems(source, translation)
    assert [problem.split(":")[0] for problem in found] == kind.split(), found


@pytest.mark.parametrize(
    "msgid, needed",
    [
        ("$\\eta$", False),
        ("`d`, `x.size`", False),
        ("$x$, $w$, $\\theta$", False),
        ("1 h 45 min", True),
        ("the derivative", True),
        ("[2. Gradients](chapters/02_gradients.ipynb)", True),
        ("$x$ or $y$", True),
    ],
)
def test_only_messages_with_words_are_for_translators(msgid, needed):
    assert i18n.needs_translation(msgid) is needed


def test_merge_keeps_translations_marks_changed_messages_fuzzy_and_drops_removed_ones():
    from babel.messages.catalog import Catalog

    old = Catalog(locale="zh_CN")
    old.add("The gradient points uphill.", "梯度指向上坡方向。")
    old.add("A sentence that was deleted.", "一个被删除的句子。")
    old.add("Take $50$ steps of gradient descent.", "做 $50$ 步梯度下降。")
    template = Catalog()
    template.add("The gradient points uphill.")
    template.add("Take $60$ steps of gradient descent.")
    template.add("A new paragraph.")
    template.add("$\\nabla f$")
    created = old.creation_date
    catalogue = i18n.merge(template, old)
    assert catalogue.creation_date == created  # no new date in the header: untouched pages' files stay as they were
    merged = {m.id: m for m in i18n.messages(catalogue)}
    assert set(merged) == {"The gradient points uphill.", "Take $60$ steps of gradient descent.", "A new paragraph."}
    assert merged["The gradient points uphill."].string == "梯度指向上坡方向。"
    assert not merged["The gradient points uphill."].fuzzy
    changed = merged["Take $60$ steps of gradient descent."]
    assert changed.fuzzy and changed.string == "做 $50$ 步梯度下降。"  # the old translation, to be revised
    assert not merged["A new paragraph."].string and not merged["A new paragraph."].fuzzy
    assert i18n.problems(changed.id, changed.string)  # the check also sees what the revision must fix


def test_search_words_are_the_glossarys_chinese_terms():
    words = i18n.search_words((ROOT / "glossary.md").read_text())
    assert {"梯度", "学习率", "动量", "权重衰减", "随机梯度下降", "学习率预热"} <= set(words)
    assert all(" " not in word and not word.isascii() for word in words)


def test_language_switch_links_the_same_page_of_the_other_edition():
    sys.path.insert(0, str(ROOT / "_ext"))
    from language_switch import switch_href

    assert switch_href("intro", None) == "zh/intro.html"
    assert switch_href("chapters/04_gradient_descent", "en") == "../zh/chapters/04_gradient_descent.html"
    assert switch_href("intro", "zh_CN") == "../intro.html"
    assert switch_href("chapters/04_gradient_descent", "zh_CN") == "../../chapters/04_gradient_descent.html"
