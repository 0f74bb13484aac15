"""A build with nothing changed renders nothing, yet checks its outputs are there and whole (issue #20).

chapterbook.uptodate keeps, per output folder, what the last successful build read
and wrote; the command checks it before it even parses the spec.
"""

from __future__ import annotations

import os

import pytest

import chapterbook.build
from chapterbook import uptodate
from chapterbook.commands import build as build_command
from chapterbook.output import book_dir
from chapterbook.spec.load import load_story
from render_fixtures import make_story, write_image


@pytest.fixture
def counted(monkeypatch):
    """How many times the real build ran."""
    calls = []
    real = chapterbook.build.build
    monkeypatch.setattr(chapterbook.build, "build", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def _build(cli, story, out, fmt="md,html"):
    result = cli("build", str(story), "--format", fmt, "--output", str(out))
    assert result.code == 0, result.text
    return result


def test_a_second_build_with_nothing_changed_writes_nothing(cli, tmp_path, counted):
    story = make_story(tmp_path / "book")
    out = tmp_path / "out"
    _build(cli, story, out)
    folder = out / "book"
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir() if p.is_file()}
    again = _build(cli, story, out)
    assert len(counted) == 1, "the second build rendered again"
    assert "nothing changed since the last build" in again.out
    assert "up to date: " in again.out and "manuscript.md" in again.out
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir() if p.is_file()} == before


def test_a_touched_input_is_still_unchanged_but_an_edited_one_is_rebuilt(cli, tmp_path, counted):
    story = make_story(tmp_path / "book")
    out = tmp_path / "out"
    _build(cli, story, out)
    st = story.stat()
    os.utime(story, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    _build(cli, story, out)
    assert len(counted) == 1
    story.write_text(story.read_text(encoding="utf-8").replace("Chapter 1 title", "A new title"), encoding="utf-8")
    _build(cli, story, out)
    assert len(counted) == 2
    assert "A new title" in (out / "book" / "manuscript.md").read_text(encoding="utf-8")


def test_a_damaged_or_missing_output_is_made_again(cli, tmp_path, counted):
    story = make_story(tmp_path / "book")
    out = tmp_path / "out"
    _build(cli, story, out)
    manuscript = out / "book" / "manuscript.md"
    whole = manuscript.read_bytes()
    manuscript.write_bytes(whole[: len(whole) // 2])  # cut short, as a full disk would leave it
    _build(cli, story, out)
    assert len(counted) == 2 and manuscript.read_bytes() == whole
    (out / "book" / "preview.html").unlink()
    _build(cli, story, out)
    assert len(counted) == 3 and (out / "book" / "preview.html").is_file()


def test_a_new_picture_other_formats_or_story_templates_mean_a_build(cli, tmp_path, counted):
    story = make_story(tmp_path / "book")
    out = tmp_path / "out"
    _build(cli, story, out)
    _build(cli, story, out)
    assert len(counted) == 1
    write_image(tmp_path / "book" / "images" / "cart.png", size=(900, 500))  # the illustrator's new version
    _build(cli, story, out)
    assert len(counted) == 2
    _build(cli, story, out, fmt="md")
    assert len(counted) == 3
    (tmp_path / "book" / "templates").mkdir()  # the story's own templates folder: the preview may change
    _build(cli, story, out, fmt="md")
    assert len(counted) == 4
    _build(cli, story, out, fmt="md")
    assert len(counted) == 4


def test_a_pdf_build_replays_its_preflight_and_damage_to_the_pdf_is_caught(cli, tmp_path, counted):
    story = make_story(tmp_path / "book")
    out = tmp_path / "out"
    first = _build(cli, story, out, fmt="pdf")
    pdf = out / "book" / "book.pdf"
    whole = pdf.read_bytes()
    again = _build(cli, story, out, fmt="pdf")
    assert len(counted) == 1
    verdicts = [line for line in first.out.splitlines() if line.startswith("preflight")]
    assert verdicts and verdicts == [line for line in again.out.splitlines() if line.startswith("preflight")]
    pdf.write_bytes(whole.replace(b"%%EOF", b"%%EOX"))  # same size, one byte different
    _build(cli, story, out, fmt="pdf")
    assert len(counted) == 2 and pdf.read_bytes() == whole


def test_the_output_folder_and_format_names_agree_with_the_build():
    assert build_command.FORMAT_NAMES == tuple(chapterbook.build.FORMATS)


@pytest.mark.parametrize("name", ["story.yaml", "other.yaml"])
def test_the_output_folder_is_the_builds(tmp_path, name):
    path = make_story(tmp_path / "my-book")
    if name != "story.yaml":
        path = path.rename(path.with_name(name))
    story = load_story(path)
    for root in (None, tmp_path / "out"):
        assert uptodate.out_dir_for(path, root) == book_dir(story, root)
    if name == "story.yaml":  # the story named by its folder
        assert uptodate.out_dir_for(tmp_path / "my-book", None) == book_dir(load_story(tmp_path / "my-book"), None)
