"""A long book's gutter is chosen before its pictures are resampled, and it is laid out at most twice (issue #20)."""

from __future__ import annotations

import pytest

from chapterbook.render import images, pdf
from chapterbook.render.layout import PageGeometry, gutter_inches
from chapterbook.render.pagecount import estimate_pages
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import make_story, write_image

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
LINE = "Mila pushed the heavy cart up the ramp and watched it roll back down again."


def _long_story(root, chapters=10, paragraphs=250):
    write_image(root / "images" / "cart.png", (2000, 1500))
    texts = ["\n\n".join([LINE] * paragraphs) + "\n\n[illustration: cart]"] + ["\n\n".join([LINE] * paragraphs)] * (chapters - 1)
    illustrations = "    illustrations:\n      - {id: cart, brief: The cart., image: images/cart.png, placement: half}\n"
    return load_story(make_story(root, chapters=texts, illustrations=illustrations))


def test_a_long_books_first_build_plans_its_pictures_at_the_printed_width_only(tmp_path, monkeypatch):
    story = _long_story(tmp_path / "long")
    builds, resampled = [], []
    real_build, real_resample = pdf.BookDoc.build, images.resample
    monkeypatch.setattr(pdf.BookDoc, "build", lambda self, flowables: builds.append(self.trial) or real_build(self, flowables))
    monkeypatch.setattr(images, "resample", lambda placed, **k: resampled.append(placed.px) or real_resample(placed, **k))
    result = render_book(story, tmp_path / "book.pdf", tmp_path / "cache")
    assert result.pages >= 151 and result.gutter_in == 0.5
    assert builds == [True, False]  # a trial, then the book: not a third time
    assert len(resampled) == 1  # one picture, resampled once, at the width it is printed at


@pytest.mark.parametrize("paragraphs", [20, 250])
def test_the_estimate_lands_in_the_right_gutter_band(tmp_path, paragraphs):
    story = _long_story(tmp_path / "b", paragraphs=paragraphs)
    estimate = estimate_pages(story, PageGeometry.for_layout(story.spec.layout))
    pages = render_book(story, tmp_path / "book.pdf", tmp_path / "cache").pages
    assert gutter_inches(estimate) == gutter_inches(pages), (estimate, pages)
    assert abs(estimate - pages) <= 0.25 * pages, (estimate, pages)


def test_pictures_queued_at_a_wrong_width_are_dropped_before_they_start(tmp_path, monkeypatch):
    """When the estimate is wrong, the trial corrects the gutter, and pictures not started are not resampled."""
    story = _long_story(tmp_path / "long")
    monkeypatch.setattr(pdf, "estimate_pages", lambda story, geo: 30)  # a bad guess: the narrow gutter
    started = []
    real = images.resample
    monkeypatch.setattr(images, "resample", lambda placed, **k: started.append(placed.px) or real(placed, **k))
    with images.Resampler(tmp_path / "c", max_workers=1) as r:
        gate = r._pool.submit(lambda: __import__("time").sleep(0.3))  # holds the only worker
        write_image(tmp_path / "p.png", (1600, 1200))
        placed = r.submit(tmp_path / "p.png", (400, 300))
        assert r.drop_pending() == 1
        gate.result()
        again = r.submit(tmp_path / "p.png", (400, 300))  # planned again: queued afresh, not the cancelled job
        assert again.file.is_file()
        r.finish()
    assert started == [(400, 300)] and placed.job.cancelled()
    result = render_book(story, tmp_path / "book.pdf", tmp_path / "cache")
    assert result.gutter_in == 0.5
