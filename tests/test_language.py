"""The checkers in the learner's language: English unless ``use_language``/``BOOK_LANGUAGE`` say otherwise, Chinese
from book/locale/zh_CN/LC_MESSAGES/checks.po, every message of the checkers translated there, never a crash or a
wrong sentence for a missing translation, and a check's HTML carrying both languages for the site's two editions."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from babel.messages.pofile import read_po

import book.checks
import book.language
from book.checks import Case, Mistake, Result, check_function, follow_up
from book.language import Message, current_language, translate, use_language

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("i18n", ROOT / "scripts" / "i18n.py")
i18n = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("i18n", i18n)
_spec.loader.exec_module(i18n)

CHAPTERS = sorted(p.stem for p in (ROOT / "book" / "exercises").glob("ch[0-9][0-9].py"))
CASES = [Case((1.0,), "x = 1"), Case((np.array([1.0, 2.0]),), "x = [1, 2]")]


def double(x):
    return 2 * x


def run(learner, **kwargs):
    return check_function(learner, double, CASES, **kwargs)


@pytest.fixture
def chinese(monkeypatch):
    monkeypatch.setenv("BOOK_LANGUAGE", "zh_CN")
    yield
    use_language(None)


# --- which language -------------------------------------------------------------------------------------------


def test_english_is_the_default_and_the_variable_and_the_call_choose_chinese(monkeypatch):
    monkeypatch.delenv("BOOK_LANGUAGE", raising=False)
    assert current_language() == "en"
    monkeypatch.setenv("BOOK_LANGUAGE", "zh-CN")
    assert current_language() == "zh_CN"
    use_language("en")  # the call wins over the variable
    try:
        assert current_language() == "en"
    finally:
        use_language(None)
    monkeypatch.setenv("BOOK_LANGUAGE", "klingon")  # unknown: English
    assert current_language() == "en"
    with pytest.raises(ValueError, match="zh_CN"):
        use_language("klingon")


def test_without_the_variable_messages_are_the_english_ones(monkeypatch):
    monkeypatch.delenv("BOOK_LANGUAGE", raising=False)
    result = run(lambda x: 3 * x, mistakes=[Mistake(lambda x: 3 * x, "tripled.")])
    assert result.message == "For x = 1 expected 2 but got 3 (off by 1). Hint: tripled."
    assert result.message == " ".join(result.text.said("en").split())


# --- Chinese ----------------------------------------------------------------------------------------------------


def test_a_wrong_answer_with_its_hint_in_chinese_keeps_the_numbers(chinese):
    from book.exercises import ch01

    result = ch01.forward_difference(lambda f, x, h: (f(x) - f(x - h)) / h)
    assert result.message == (
        "对于 f = sin, x = 0.5, h = 0.001，期望 0.877343，却得到 0.877822（相差 0.00048）。"
        "提示：你在 x − h 处求了 f 的值；前向差分是向前看的：(f(x + h) − f(x)) / h。"
    )


def test_not_attempted_correct_none_and_time_out_in_chinese(chinese, monkeypatch):
    from book.exercises import ch01

    def blank(f, x, h):
        raise NotImplementedError

    assert ch01.central_difference(blank).message == "尚未作答。"
    assert (
        ch01.central_difference(lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h)).message == "正确 ✔（共检查 23 个用例）"
    )
    assert run(lambda x: None).message == "对于 x = 1，你的函数返回了 None：是不是忘了写 return 语句？"
    monkeypatch.setattr(book.checks, "TIME_LIMIT", 0.05)
    assert run(lambda x: time.sleep(5)).message == (
        "对于 x = 1，你的函数运行了 0.05 s 仍未结束，这是一次检查允许的时间：是不是有死循环，或者 sleep？"
    )


def test_labels_parts_and_a_checkers_own_sentence_are_translated(chinese):
    from book.exercises import ch04, ch11

    step = ch04.gradient_step(lambda grad, x, lr: x + lr * grad(x))
    assert step.message.startswith(
        "对于 ∇f(x) = 2x（碗形函数）, x = [1, 1], lr = 0.1，期望 [0.8 0.8]，却得到 [1.2 1.2]"
    )
    race = ch04.fastest_lr(lambda: 0.01)  # an exploration judged by simulation: its sentence is a template
    assert race.message.startswith(
        "对于你的结论，lr = 0.01：梯度下降从 x0 = [-2.5, 1.5] 出发，要达到 ‖∇f‖ <= 1e-8，"
        "在 1,000 步内没有做到；检查器找到的最快学习率需要 98 步"
    ), race.message
    clipped = ch11.clip_gradients(lambda grads, max_norm: tuple(grads))  # a part of a tuple answer, named
    assert clipped.message.startswith(
        "对于 W 的裁剪后梯度（g_W = [[3]], g_b = [4]（全局范数 5）, max_norm = 1），期望 [[0.6]]"
    ), clipped.message


def test_follow_up_speaks_chinese_too(chinese, capsys):
    def unfinished():
        raise NotImplementedError

    with follow_up():
        unfinished()
    assert capsys.readouterr().out == "请先完成上面的 unfinished。\n"


def test_use_language_switches_a_running_session(monkeypatch):
    monkeypatch.delenv("BOOK_LANGUAGE", raising=False)
    use_language("zh_CN")
    try:
        assert run(lambda x: None).message.startswith("对于 x = 1")
    finally:
        use_language(None)
    assert run(lambda x: None).message.startswith("For x = 1")


# --- never a crash, never a wrong sentence ----------------------------------------------------------------------


def test_a_missing_catalogue_or_translation_leaves_the_english(chinese, monkeypatch, tmp_path):
    assert translate("A hint nobody translated.") == "A hint nobody translated."
    monkeypatch.setattr(book.language, "LOCALE", tmp_path)
    book.language._catalogue.cache_clear()
    book.language._translate.cache_clear()
    try:
        assert (
            run(lambda x: None).message == "For x = 1 your function returned None: did you forget the return statement?"
        )
    finally:
        book.language._catalogue.cache_clear()
        book.language._translate.cache_clear()


def test_a_translation_that_lost_a_placeholder_is_not_used(chinese, monkeypatch):
    catalogue = book.language._Catalogue({"For {label} it broke at {x}.": "对于 {label}，坏了。"})
    monkeypatch.setattr(book.language, "_catalogue", lambda language: catalogue)
    book.language._translate.cache_clear()
    try:
        assert Message("For {label} it broke at {x}.", label="x = 1", x="2").said() == "For x = 1 it broke at 2."
    finally:
        book.language._translate.cache_clear()


def test_the_catalogue_reader_agrees_with_babel():
    path = book.language.catalogue_path("zh_CN")
    with path.open("rb") as f:
        expected = {m.id: m.string for m in read_po(f) if m.id and m.string and not m.fuzzy}
    assert book.language.read_catalogue(path) == expected


def test_the_reader_skips_fuzzy_and_empty_translations(tmp_path):
    path = tmp_path / "checks.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_CN\\n"\n\n#, fuzzy\nmsgid "Old."\nmsgstr "旧的。"\n\n'
        'msgid "Empty."\nmsgstr ""\n\nmsgid "Two "\n"lines \\"quoted\\"."\nmsgstr "两行"\n"“引号”。"\n',
        encoding="utf-8",
    )
    assert book.language.read_catalogue(path) == {'Two lines "quoted".': "两行“引号”。"}


# --- every message has its translation -------------------------------------------------------------------------


def test_every_checker_message_in_the_source_has_a_chinese_translation():
    """A new hint, label or message cannot land untranslated: `python scripts/i18n.py update-checks`, then translate."""
    catalogue = {m.id: m for m in i18n.messages(i18n.load(i18n.CHECKS))}
    extracted = i18n.checker_messages()
    assert [m for m in extracted if m not in catalogue or not catalogue[m].string or catalogue[m].fuzzy] == []
    assert [m for m in catalogue if m not in extracted] == [], "stale: run python scripts/i18n.py update-checks"


def _shown_texts(chapter: str, monkeypatch) -> list[str]:
    """Every hint, mistake hint, case label and part name the chapter's checkers hand to check_function."""
    module = importlib.import_module(f"book.exercises.{chapter}")
    found = []

    def collect(learner, reference, cases, *, mistakes=(), hint="", parts=None, parts_noun="values", **kwargs):
        found.extend([case.label for case in cases] + [m.hint for m in mistakes] + [hint, parts_noun])
        found.extend(parts or ())
        return Result(False, "", "wrong")

    monkeypatch.setattr(module, "check_function", collect)
    for name, checker in vars(module).items():
        if callable(checker) and getattr(checker, "__module__", "") == module.__name__ and not name.startswith("_"):
            try:
                if list(inspect.signature(checker).parameters) == ["learner"]:
                    checker(lambda *args: None)
            except TypeError:
                continue
    return [text for text in dict.fromkeys(found) if text and i18n.has_words(text)]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_hint_label_and_part_of_every_exercise_is_translated(chapter, monkeypatch):
    texts = _shown_texts(chapter, monkeypatch)
    assert texts
    catalogue = book.language._catalogue("zh_CN")
    assert [text for text in texts if catalogue.translate(text) is None] == []


# --- the site's two editions --------------------------------------------------------------------------------------


def test_the_html_carries_both_languages_and_shows_the_learners(monkeypatch):
    monkeypatch.delenv("BOOK_LANGUAGE", raising=False)
    html = run(lambda x: None)._repr_html_()
    assert '<span lang="en">For x = 1 your function returned None: did you forget the return statement?</span>' in html
    assert '<span lang="zh-CN" hidden>对于 x = 1，你的函数返回了 None：是不是忘了写 return 语句？</span>' in html
    use_language("zh_CN")
    try:
        html = run(lambda x: None)._repr_html_()
    finally:
        use_language(None)
    assert '<span lang="en" hidden>For x = 1' in html and '<span lang="zh-CN">对于 x = 1' in html


def test_each_edition_shows_its_own_language_of_a_check():
    css = (ROOT / "_assets" / "book.css").read_text()
    assert 'html:lang(zh) .check-result > span[lang="en"]' in css
    assert 'html:not(:lang(zh)) .check-result > span[lang="zh-CN"]' in css
