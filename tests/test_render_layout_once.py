"""A first build whose estimate is far from every step of the gutter table is laid out once, with no trial layout.

The trial layout only counts pages and finds runt chapters; skipping it must not change
the book. Each case renders the same story twice in fresh folders, once with the trial
forced (as every first build did before) and once as chosen, and compares the PDFs byte
for byte: a short book (one layout), a sample with a runt chapter (laid out again, set
closer), and a book whose estimate is on the wrong side of a step (laid out again at the
wider gutter).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chapterbook import print_rules
from chapterbook.render import pagecount, pdf
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import PARAGRAPH, make_story

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
MAGNET = Path(__file__).resolve().parent.parent / "stories" / "magnet-mystery"


def _both_ways(story_yaml: Path, tmp_path: Path, monkeypatch) -> tuple[pdf.RenderResult, list[bool], pdf.RenderResult, list[bool]]:
    """(result and layouts (trial or not) as chosen, the same with a trial layout forced first)."""
    kinds: list[bool] = []
    real_build = pdf.BookDoc.build
    monkeypatch.setattr(pdf.BookDoc, "build", lambda self, flowables: kinds.append(self.trial) or real_build(self, flowables))
    chosen = render_book(load_story(story_yaml), tmp_path / "chosen.pdf", tmp_path / "cache-chosen")
    chosen_kinds = list(kinds)
    kinds.clear()
    monkeypatch.setattr(pdf, "gutter_settled", lambda estimate: False)
    forced = render_book(load_story(story_yaml), tmp_path / "forced.pdf", tmp_path / "cache-forced")
    return chosen, chosen_kinds, forced, list(kinds)


def test_a_short_book_is_laid_out_once_and_is_the_same_book(tmp_path, monkeypatch):
    story = make_story(tmp_path / "story")
    chosen, kinds, forced, forced_kinds = _both_ways(story, tmp_path, monkeypatch)
    assert kinds == [False] and chosen.layouts == 1  # no trial
    assert forced_kinds == [True, False] and forced.layouts == 2
    assert chosen.pdf.read_bytes() == forced.pdf.read_bytes()


def test_a_runt_chapter_found_without_a_trial_gives_the_same_book(tmp_path, monkeypatch):
    book = tmp_path / "magnet"
    shutil.copytree(MAGNET, book, ignore=shutil.ignore_patterns("output"))
    chosen, kinds, forced, forced_kinds = _both_ways(book / "story.yaml", tmp_path, monkeypatch)
    assert kinds == [False, False]  # laid out, a runt found, laid out again with that chapter set closer
    assert forced_kinds == [True, False]
    assert chosen.pdf.read_bytes() == forced.pdf.read_bytes()


def test_a_layout_dropped_for_another_is_never_written(tmp_path, monkeypatch):
    """The magnet sample is laid out twice (a runt chapter found in the first); only the second is written."""
    from reportlab.pdfgen.canvas import Canvas

    book = tmp_path / "magnet"
    shutil.copytree(MAGNET, book, ignore=shutil.ignore_patterns("output"))
    written: list[int] = []
    real_save = Canvas.save
    monkeypatch.setattr(Canvas, "save", lambda self: written.append(self.getPageNumber()) or real_save(self))
    result = render_book(load_story(book / "story.yaml"), tmp_path / "book.pdf", tmp_path / "cache")
    assert result.layouts == 2 and len(written) == 1  # one PDF written, not one per layout


def test_an_estimate_on_the_wrong_side_of_a_step_gives_the_same_book(tmp_path, monkeypatch):
    # A step of the gutter table at 30 pages, and an estimate of 12: "settled", but the book has more.
    table = ((30, 0.375, 0.625), *print_rules.GUTTER_TABLE[1:])
    monkeypatch.setattr(print_rules, "GUTTER_TABLE", table)
    monkeypatch.setattr(pdf, "estimate_pages", lambda story, geo: 12)
    assert pagecount.gutter_settled(12) and not pagecount.gutter_settled(28)
    story = make_story(tmp_path / "story", chapters=["\n\n".join([PARAGRAPH] * 40)] * 3)
    chosen, kinds, forced, forced_kinds = _both_ways(story, tmp_path, monkeypatch)
    assert chosen.pages > 30 and chosen.inside_in == print_rules.GUTTER_TABLE[1][2]
    assert kinds == [False, False] and forced_kinds == [True, False]
    assert chosen.pdf.read_bytes() == forced.pdf.read_bytes()


@pytest.mark.parametrize(("estimate", "settled"), [(24, True), (38, True), (126, True), (140, False), (160, False), (230, True), (448, False)])
def test_the_trial_is_kept_only_near_a_step(estimate, settled):
    assert pagecount.gutter_settled(estimate) is settled


def test_the_layout_does_not_wait_for_a_picture_being_resampled(tmp_path, monkeypatch):
    """A page only names its pictures; they are read when the PDF is written (rl_fast._JpegWhenWritten)."""
    import threading

    from chapterbook.render import document, images

    story = load_story(make_story(tmp_path / "story"))  # a picture in chapter 1
    laid_out = threading.Event()
    real_read = document.read_pictures
    monkeypatch.setattr(document, "read_pictures", lambda canv: laid_out.set() or real_read(canv))
    real_resample = images.resample

    def after_the_layout(placed, **kwargs):
        assert laid_out.wait(60), "the layout waited for this picture"
        return real_resample(placed, **kwargs)

    monkeypatch.setattr(images, "resample", after_the_layout)
    cold = render_book(story, tmp_path / "cold.pdf", tmp_path / "cache")
    assert cold.images and all(p.file.is_file() for p in cold.images)
    monkeypatch.undo()
    # Each picture waited for where its page is drawn, as before: the same PDF.
    monkeypatch.setattr(images.Placed, "file_when_written", property(lambda placed: placed.file))
    again = render_book(load_story(tmp_path / "story" / "story.yaml"), tmp_path / "again.pdf", tmp_path / "cache-2")
    assert cold.pdf.read_bytes() == again.pdf.read_bytes()
