"""A build of one format leaves the other formats' files alone, and build.json still tells the truth about them.

Building the ebook after the print book must not delete book.pdf and cover.pdf: a build removes only the
stale files of the formats it was asked for (and files no format makes any more); build.json says which
build each kept file came from; the up-to-date check still knows each format's last build; and a kept file
made from an earlier version of the story is named in one plain line at the end of the output.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from fault_support import whole

EARLIER = "from an earlier version of the story"
UNCHANGED = "nothing changed since the last build"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Book:
    """A private copy of the sample book, built through the real command into `out`."""

    def __init__(self, cli, story: Path, out: Path):
        self.cli, self.story, self.out = cli, story, out

    @property
    def folder(self) -> Path:
        return self.out / "beach-ride-quest"

    def __call__(self, fmt: str, *extra: str, code: int = 0):
        """`chapterbook build STORY --format FMT --output OUT EXTRA...`; returns the command's result."""
        result = self.cli("build", str(self.story), "--format", fmt, "--output", str(self.out), *extra)
        assert result.code == code, result.text
        return result


@pytest.fixture
def book(cli, sample_copy, tmp_path) -> Book:
    return Book(cli, sample_copy("beach-ride-quest"), tmp_path / "out")


def _edit_chapter(story: Path) -> None:
    chapter = story.parent / "chapters" / "02-the-cart-that-would-not-budge.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nCassie laughed, and the cart rolled on.\n", encoding="utf-8")


def _files(record: dict) -> dict[str, dict]:
    return {entry["file"]: entry for entry in record["outputs"].values()}


def test_an_ebook_build_keeps_the_print_files_byte_for_byte(book):
    book("pdf")
    folder = book.folder
    printed = {name: _sha(folder / name) for name in ("book.pdf", "cover.pdf")}
    pdf_record = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    result = book("epub")
    assert {name: _sha(folder / name) for name in printed if (folder / name).exists()} == printed
    record = whole(folder)  # build.json lists every file beside it, each with its hash
    files = _files(record)
    assert set(files) == {"book.pdf", "cover.pdf", "book.epub"}
    assert [files[name]["format"] for name in ("book.pdf", "cover.pdf", "book.epub")] == ["pdf", "pdf", "epub"]
    assert record["formats"] == ["epub"]  # the top level is this build, as before
    # The print files' build, as that build recorded it: its spec hash and inputs (and no time anywhere).
    assert record["kept"] == [{key: pdf_record[key] for key in ("argv", "inputs", "spec_sha256", "templates", "versions")} | {"formats": ["pdf"]}]
    assert EARLIER not in result.text


def test_a_print_build_keeps_the_ebook(book):
    book("epub")
    folder = book.folder
    ebook = _sha(folder / "book.epub")
    book("pdf")
    assert (folder / "book.epub").exists(), "the print build deleted the ebook"
    assert _sha(folder / "book.epub") == ebook
    record = whole(folder)
    assert set(_files(record)) == {"book.pdf", "cover.pdf", "book.epub"}
    assert [group["formats"] for group in record["kept"]] == [["epub"]]


def test_the_print_book_is_still_up_to_date_after_an_ebook_build(book):
    book("pdf")
    printed = _sha(book.folder / "book.pdf")
    book("epub")
    again = book("pdf")
    assert UNCHANGED in again.out, again.text
    assert "up to date: " in again.out and "book.pdf" in again.out
    assert (book.folder / "book.epub").exists()
    assert UNCHANGED in book("epub").out  # and the ebook's own build is remembered too
    _edit_chapter(book.story)
    rebuilt = book("pdf")
    assert UNCHANGED not in rebuilt.out
    assert "wrote " in rebuilt.out and _sha(book.folder / "book.pdf") != printed
    assert UNCHANGED not in book("epub").out  # the ebook is older than the story now
    whole(book.folder)


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript not installed")
def test_a_built_formats_stale_files_still_go(book):
    book("pdf", "--pdfx")
    folder = book.folder
    book("epub")
    assert {"book-pdfx.pdf", "cover-pdfx.pdf", "book.pdf", "cover.pdf"} <= {p.name for p in folder.iterdir()}
    book("pdf")  # without --pdfx: the PDF/X copies are of the old book.pdf, so they go; the ebook stays
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert names == ["book.epub", "book.pdf", "build.json", "cover.pdf"]
    whole(folder)


def test_a_file_no_format_makes_any_more_goes_and_an_unrecorded_one_too(book):
    book("pdf")
    folder = book.folder
    # What an older chapterbook made and recorded under a name no format makes now (a renamed file) ...
    (folder / "preview.htm").write_text("<p>an old preview</p>", encoding="utf-8")
    record = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    record["outputs"]["old-preview"] = {"file": "preview.htm", "sha256": _sha(folder / "preview.htm")}
    (folder / "build.json").write_text(json.dumps(record), encoding="utf-8")
    # ... and a file of a build's name that no build.json accounts for: build.json could not say where it came from.
    (folder / "manuscript.md").write_text("# not from any build", encoding="utf-8")
    (folder / "notes.txt").write_text("the author's own notes", encoding="utf-8")  # not a build's name: left alone
    book("epub")
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert names == ["book.epub", "book.pdf", "build.json", "cover.pdf", "notes.txt"]


def test_a_kept_file_from_an_earlier_story_is_named_once_at_the_end(book):
    book("pdf")
    assert EARLIER not in book("epub").text
    _edit_chapter(book.story)
    result = book("epub")
    lines = result.out.strip().splitlines()
    assert lines[-1] == "book.pdf and cover.pdf are from an earlier version of the story: build with --format pdf to update them"
    assert result.text.count(EARLIER) == 1
    assert "Traceback" not in result.text and result.code == 0
    replayed = book("epub")  # up to date: what the build said is said again, this line too
    assert UNCHANGED in replayed.out
    assert replayed.out.strip().splitlines()[-1] == lines[-1]
    assert EARLIER not in book("pdf").text  # the print files are from this story now, and so is the ebook
    assert EARLIER not in book("epub").text
    # A default build after the ebook: the ebook is kept, from the story as it is, so nothing to say ...
    assert EARLIER not in book("md,html,pdf").text
    # ... until the story changes again.
    (book.story).write_text(book.story.read_text(encoding="utf-8").replace("Beach Ride Quest", "Beach Ride Adventure", 1), encoding="utf-8")
    line = book("md").out.strip().splitlines()[-1]
    assert line == "preview.html, book.pdf, cover.pdf and book.epub are from an earlier version of the story: build with --format html,pdf,epub to update them"


def test_a_move_cut_short_keeps_the_other_formats_and_is_finished_by_the_next_run(book, monkeypatch):
    import chapterbook.output as output

    book("pdf")
    folder = book.folder
    printed = {name: _sha(folder / name) for name in ("book.pdf", "cover.pdf")}
    real = output.os.replace

    def killed_before_the_record(src, dst):  # the ebook is in, the old build.json gone, the new one not yet moved
        if Path(src).name == "build.json" and Path(src).parent.name.startswith(output.STAGE_PREFIX):
            raise OSError(5, "Input/output error", str(src))
        return real(src, dst)

    monkeypatch.setattr(output.os, "replace", killed_before_the_record)
    assert "build.json" in book("epub", code=1).err  # the error names the file it could not move
    monkeypatch.setattr(output.os, "replace", real)
    assert [p.name for p in folder.glob(output.STAGE_PREFIX + "*")], "the cut-short move's journal should be left"
    assert not (folder / "build.json").exists() and (folder / "book.epub").exists()
    assert {name: _sha(folder / name) for name in printed} == printed
    book("md")  # finishes the ebook build's move first, then builds the manuscript
    record = whole(folder)
    assert set(_files(record)) == {"book.pdf", "cover.pdf", "book.epub", "manuscript.md"}
    assert {name: _sha(folder / name) for name in printed} == printed
    assert [group["formats"] for group in record["kept"]] == [["epub"], ["pdf"]]


def test_watch_leaves_the_built_formats_alone(book):
    from chapterbook.watch.changes import changed, signature
    from chapterbook.watch.session import Session

    book.out = book.story.parent / "output"  # inside the story's folder, where watch must not take a build for an edit
    book("pdf")
    book("epub")
    folder = book.folder
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    session = Session(book.story, folder.parent, pdf=True)
    try:
        first = session.rebuild()
        assert UNCHANGED in book("pdf").out  # watch wrote nothing the up-to-date check looks at
        seen = signature(book.story.parent, (folder.parent,))
        _edit_chapter(book.story)
        second = session.rebuild()
    finally:
        session.close()
    assert not first.failed and not second.failed, second.problems
    assert first.pages > 0 and "Cassie laughed, and the cart rolled on." in (second.preview or "")
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".") and p.name != ".cache"]
    assert UNCHANGED not in book("pdf").out  # the story changed while watching: the print files are rebuilt
    assert (folder / "book.epub").read_bytes() == before["book.epub"]
    # A build while watching is not a change of the story, even with the output folder inside the story's.
    assert [Path(p).name for p in changed(seen, signature(book.story.parent, (folder.parent,)))] == ["02-the-cart-that-would-not-budge.md"]
