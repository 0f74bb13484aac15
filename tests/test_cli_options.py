"""The command line's shared options: one spelling each, checked at once (exit 2), exit codes in every --help."""

from __future__ import annotations

import argparse

import pytest

from chapterbook.cli import COMMANDS
from chapterbook.cli.options import number, one_line, parse_chapters
from chapterbook.errors import UsageError


@pytest.mark.parametrize(
    "text, count, expected",
    [("3", 5, [3]), ("2-4", 5, [2, 3, 4]), ("4-2", 5, [2, 3, 4]), ("1, 3,5-5", 5, [1, 3, 5]), ("2,1-3", 3, [2, 1, 3])],
)
def test_chapter_lists(text, count, expected):
    assert parse_chapters(text).expand(count) == expected


@pytest.mark.parametrize("text", ["", ",", "one", "-3", "1-2-3", "1.5", "2-", "1;2"])
def test_chapter_lists_that_are_not(text):
    with pytest.raises(argparse.ArgumentTypeError):
        parse_chapters(text)


def test_a_range_past_the_end_of_the_book_is_refused_before_it_is_expanded():
    with pytest.raises(UsageError, match="the book has 3 chapters; there is no chapter 2-9000"):
        parse_chapters("2-9000").expand(3)
    with pytest.raises(UsageError, match="there is no chapter 1-99999999999999, 0\n"):
        parse_chapters("1-99999999999999,0").expand(3)  # refused at once: expanding it would fill the memory
    with pytest.raises(UsageError, match="give one chapter"):
        parse_chapters("1,2").single()


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "1e999", "abc", "0", "-1", "11"])
def test_numbers_out_of_bounds_or_not_numbers_are_refused(text):
    with pytest.raises(argparse.ArgumentTypeError):
        number(float, above=0, high=10)(text)


def test_numbers_in_bounds_and_none_words():
    assert number(float, above=0, high=10)("2.5") == 2.5
    assert number(int, low=0)("0") == 0
    assert number(float, low=0, none_words=True)("none") is None
    with pytest.raises(argparse.ArgumentTypeError, match="whole number"):
        number(int, low=0)("1.5")


@pytest.mark.parametrize("text", ["Two\nLines", "Tab\there", "nul\x00", "line\u2028sep", "   ", "x" * 201])
def test_one_line_text_refuses_what_would_break_a_yaml_line(text):
    with pytest.raises(argparse.ArgumentTypeError):
        one_line()(text)


def test_new_with_a_title_of_two_lines_is_a_usage_error_and_writes_nothing(cli, tmp_path):
    result = cli("new", "book", "--title", "My Book\nspec_version: 99", cwd=tmp_path)
    assert result.code == 2 and "one line" in result.err and "Traceback" not in result.text
    assert not (tmp_path / "book").exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_lists_the_exit_codes(cli, command):
    result = cli(command, "--help")
    assert result.code == 0
    assert result.out.count("exit codes:") == 1, result.out
    assert "the command was used wrongly" in result.out
    if command != "watch":  # watch ends with Ctrl-C as its normal way out: 0
        assert "130  stopped with Ctrl-C" in result.out and "143  stopped by SIGTERM" in result.out, result.out


def test_output_and_chapters_are_spelled_one_way(cli):
    for command in ("build", "draft", "compare"):
        assert "-o DIR, --output DIR" in cli(command, "--help").out, command
    for command in ("draft", "compare"):
        text = cli(command, "--help").out
        assert "--chapters LIST" in text and "--chapter " not in text, command  # the old spelling works, unlisted


def test_draft_chapters_beyond_the_book_fail_at_once(cli, sample_copy, monkeypatch):
    spec = sample_copy("magnet-mystery")  # two chapters
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there: no request may be sent
    huge = cli("draft", str(spec), "--model", "m", "--chapters", "1-99999999")
    assert huge.code == 2 and "there is no chapter 1-99999999" in huge.err
    past = cli("draft", str(spec), "--model", "m", "--chapters", "2-5000")
    assert past.code == 2 and "there is no chapter 2-5000" in past.err


def test_compare_keeps_the_old_chapter_spelling(cli, sample_copy, tmp_path):
    spec = sample_copy("magnet-mystery")
    pasted = tmp_path / "pasted.md"
    pasted.write_text("Priya held the magnet near the fridge. It stuck fast.\n", encoding="utf-8")
    old = cli("compare", str(spec), "--drafts", str(pasted), "--chapter", "9", "-o", str(tmp_path / "out"))
    new = cli("compare", str(spec), "--drafts", str(pasted), "--chapters", "9", "-o", str(tmp_path / "out"))
    assert old.code == new.code == 2
    assert "there is no chapter 9" in old.err and old.err == new.err


def test_start_up_runs_without_the_cycle_collector_and_leaves_what_it_made_out_of_later_collections(monkeypatch):
    import gc

    from chapterbook.cli import options

    was = gc.isenabled()
    try:
        gc.enable()
        gc.unfreeze()
        with options.collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() and gc.get_freeze_count() == 0, "back as it was; nothing frozen in a process that goes on (tests)"
        monkeypatch.setattr(options, "_freeze", True)  # as chapterbook.__main__.run says
        with options.collector_paused():
            made = [[n] for n in range(1000)]  # objects the collector tracks
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(made), "what start-up made is left out of later collections"
        gc.unfreeze()
        gc.disable()
        with options.collector_paused():
            pass
        assert not gc.isenabled(), "a collector someone turned off stays off"
    finally:
        gc.unfreeze()
        (gc.enable if was else gc.disable)()
