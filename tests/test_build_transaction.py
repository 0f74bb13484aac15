"""A build is one transaction: output/<book>/ holds the last whole build, never a mix, and build.json describes it."""

from __future__ import annotations

import json
import os
import time

import pytest

from chapterbook import build as build_module
from chapterbook.build import build
from chapterbook.errors import RenderError
from chapterbook.output import JOURNAL, STAGE_PREFIX, staging
from chapterbook.spec.load import load_story
from fault_support import whole
from render_fixtures import make_story


def test_a_rebuild_with_fewer_formats_keeps_their_files_and_removes_what_no_build_made(tmp_path):
    # Until issue 17's follow-up this removed manuscript.md, book.pdf and cover.pdf too; now the formats not
    # built stay (tests/test_output_keep.py), and build.json still lists every file in the folder.
    story = load_story(make_story(tmp_path / "story"))
    book = build(story, None, tmp_path / "out").out_dir
    assert {"book.pdf", "cover.pdf", "manuscript.md", "preview.html"} <= {entry["file"] for entry in whole(book)["outputs"].values()}
    (book / "book-pdfx.pdf").write_bytes(b"%PDF- an old PDF/X copy with the old text")  # no build.json lists it: it goes
    (book / "notes.txt").write_text("the author's own notes", encoding="utf-8")  # not a build's file: left alone
    result = build(story, ["html"], tmp_path / "out")
    assert result.committed
    names = sorted(p.name for p in book.iterdir() if not p.name.startswith("."))
    assert names == ["book.pdf", "build.json", "cover.pdf", "manuscript.md", "notes.txt", "preview.html"]
    assert set(json.loads((book / "build.json").read_text())["outputs"]) == {"preview", "manuscript", "pdf", "cover"}


def test_leftovers_of_a_killed_build_are_cleared_by_the_next(tmp_path):
    story = load_story(make_story(tmp_path / "story"))
    book = build(story, ["md"], tmp_path / "out").out_dir
    stale = book / f"{STAGE_PREFIX}killed"
    stale.mkdir()
    (stale / "manuscript.md").write_text("half a manuscript", encoding="utf-8")
    (book / ".book.pdf.x1y2z3.tmp").write_bytes(b"")  # what SIGTERM left before builds were staged
    cached = book / ".cache" / "images" / "fonts"
    cached.mkdir(parents=True, exist_ok=True)
    (cached / ".Andika.ttf.k3j4.tmp").write_bytes(b"half a font")  # a picture or font cache write cut short by SIGKILL
    an_hour_ago = time.time() - 3600
    os.utime(cached / ".Andika.ttf.k3j4.tmp", (an_hour_ago, an_hour_ago))
    (cached / ".Bold.ttf.n5m6.tmp").write_bytes(b"being written")  # fresh: `watch` may be writing it now
    build(story, ["md"], tmp_path / "out")
    whole(book)
    assert [p.name for p in (book / ".cache").rglob("*.tmp")] == [".Bold.ttf.n5m6.tmp"]
    assert "half a manuscript" not in (book / "manuscript.md").read_text(encoding="utf-8")


def test_a_move_cut_short_by_a_kill_is_finished_by_the_next_run(tmp_path):
    book = tmp_path / "out" / "book"
    book.mkdir(parents=True)
    (book / "manuscript.md").write_text("old", encoding="utf-8")
    (book / "book.pdf").write_text("old pdf", encoding="utf-8")
    (book / "build.json").write_text('{"outputs": {}}', encoding="utf-8")
    stage = book / f"{STAGE_PREFIX}passed"
    stage.mkdir()
    (stage / "build.json").write_text('{"outputs": {"manuscript": {"file": "manuscript.md"}}}', encoding="utf-8")
    # Killed after manuscript.md was moved in: the staging folder has the journal and build.json left.
    (book / "manuscript.md").write_text("new", encoding="utf-8")
    (stage / JOURNAL).write_text(json.dumps({"files": ["manuscript.md"], "record": "build.json", "remove": ["book.pdf"]}), encoding="utf-8")
    with staging(book):
        pass  # the next run: finishes the move before it starts its own
    assert sorted(p.name for p in book.iterdir() if p.name != ".cache") == ["build.json", "manuscript.md"]
    assert "manuscript" in json.loads((book / "build.json").read_text())["outputs"]
    assert (book / "manuscript.md").read_text(encoding="utf-8") == "new"


def test_a_journal_naming_files_outside_the_folder_is_dropped_not_followed(tmp_path):
    book = tmp_path / "book"
    stage = book / f"{STAGE_PREFIX}odd"
    stage.mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (stage / JOURNAL).write_text(json.dumps({"files": [], "record": "build.json", "remove": ["../victim.txt"]}), encoding="utf-8")
    with staging(book):
        pass
    assert victim.read_text(encoding="utf-8") == "keep me" and not stage.exists()


def test_a_build_that_fails_half_way_leaves_the_last_good_one(tmp_path, monkeypatch):
    root = tmp_path / "story"
    story = load_story(make_story(root))
    book = build(story, None, tmp_path / "out").out_dir
    before = whole(book)
    make_story(root, chapters=["A new first paragraph that the old build never had.\n\n" + "Cassie pushed the cart. " * 30])

    def broken(story, out_dir, cache_dir):
        raise RenderError("the picture could not be read")

    monkeypatch.setitem(build_module.FORMATS, "pdf", broken)  # md and html are already written (staged) by then
    with pytest.raises(RenderError):
        build(load_story(root / "story.yaml"), None, tmp_path / "out")
    assert whole(book) == before
    assert "A new first paragraph" not in (book / "manuscript.md").read_text(encoding="utf-8")


def test_a_strict_build_with_warnings_replaces_nothing(cli, sample_copy, tmp_path):
    spec = sample_copy("magnet-mystery")  # its openers have no pictures yet: placeholder warnings
    out = tmp_path / "out"
    assert cli("build", str(spec), "-f", "md", "-o", str(out)).code == 0
    before = whole(out / "magnet-mystery")
    result = cli("build", str(spec), "--strict", "-o", str(out))
    assert result.code == 1
    assert "count as errors" in result.err and "Traceback" not in result.text
    assert whole(out / "magnet-mystery") == before
    assert not (out / "magnet-mystery" / "book.pdf").exists()


def test_print_files_that_fail_preflight_are_not_moved_in(cli, sample_copy, tmp_path, monkeypatch):
    from chapterbook import preflight as preflight_module
    from chapterbook.errors import Severity

    spec = sample_copy("magnet-mystery")
    out = tmp_path / "out"
    assert cli("build", str(spec), "-o", str(out)).code == 0
    before = whole(out / "magnet-mystery")
    real = preflight_module.preflight

    def failing(pdf, **kwargs):
        report = real(pdf, **kwargs)
        report.findings.append(preflight_module.Finding("page-count", Severity.ERROR, "the book has too many pages", "split it"))
        return report

    monkeypatch.setattr(preflight_module, "preflight", failing)
    import chapterbook.preflight_cache as preflight_cache  # the build reads reports through this cache

    monkeypatch.setattr(preflight_cache, "preflight", failing)
    chapter = sorted((spec.parent / "chapters").glob("*.md"))[0]
    chapter.write_text("New words.\n\n" + chapter.read_text(encoding="utf-8"), encoding="utf-8")
    result = cli("build", str(spec), "-o", str(out))
    assert result.code == 1
    assert "preflight FAILED: book.pdf" in result.out and "wrote" not in result.out
    assert "did not pass their checks, so nothing was replaced" in result.err and "last good build" in result.err
    assert whole(out / "magnet-mystery") == before
