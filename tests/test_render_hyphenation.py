"""layout.hyphenate: words are broken with pyphen's patterns for the book's language, and only then."""

from __future__ import annotations

import re
import subprocess

from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import make_story

LONG = " ".join(["Extraordinarily unbelievable gravitational accelerations characteristically astonished everybody."] * 12)


def _lines(tmp_path, name: str, layout: str = "", extra: str = ""):
    story = load_story(make_story(tmp_path / name, chapters=[LONG], illustrations="", layout=layout, extra_yaml=extra))
    result = render_book(story, tmp_path / f"{name}.pdf", tmp_path / f"cache-{name}")
    text = subprocess.run(["pdftotext", "-layout", str(result.pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in text.splitlines() if line.strip()], result


def test_hyphenation_is_off_by_default_and_on_when_asked(tmp_path):
    plain, _ = _lines(tmp_path, "plain")
    hyphenated, result = _lines(tmp_path, "hyph", layout="layout: {hyphenate: true}\n")
    broken = lambda lines: [line for line in lines if re.search(r"[a-z]-$", line)]  # noqa: E731
    assert broken(plain) == []
    assert len(broken(hyphenated)) >= 3, hyphenated[:20]
    assert not [w for w in result.warnings if w.code == "hyphenation"]


def test_a_language_without_patterns_is_a_warning_not_a_crash(tmp_path):
    story_yaml = make_story(tmp_path / "xq", chapters=[LONG], illustrations="", layout="layout: {hyphenate: true}\n")
    story_yaml.write_text(story_yaml.read_text().replace("  title: The Beach Cart\n", "  title: The Beach Cart\n  language: xq\n"))
    result = render_book(load_story(story_yaml), tmp_path / "xq.pdf", tmp_path / "cache-xq")
    (warning,) = [w for w in result.warnings if w.code == "hyphenation"]
    assert "no hyphenation patterns for the book's language 'xq'" in warning.message
    assert result.pages >= 24  # built all the same, unhyphenated
