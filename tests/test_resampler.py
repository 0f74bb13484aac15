"""Pictures are resampled on worker threads while the book is laid out (images.Resampler).

What must hold: the fonts are read while pictures are still being resampled (that
is the point), a page never draws a picture before it is finished, a picture that
fails is reported even if no page waited for it, and leaving early stops the
workers instead of letting them write on after the render returned.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image

from chapterbook.errors import RenderError
from chapterbook.render import images, pdf
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import make_story, write_image

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _truncated(path: Path) -> Path:
    """A JPEG cut in half: its header reads fine, only decoding finds the damage."""
    Image.effect_noise((800, 600), 60).convert("RGB").save(path, quality=90)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert images.image_size(path) == (800, 600)
    return path


def test_fonts_are_read_while_the_pictures_are_still_being_resampled(tmp_path, monkeypatch):
    story = load_story(make_story(tmp_path / "story"))
    picture_started, fonts_read = threading.Event(), threading.Event()
    seen = {}
    real_resample, real_book_font = images.resample, pdf.book_font

    def resample(placed, **kw):
        picture_started.set()
        # Held until the fonts are read: a render that waited for its pictures first would time out here.
        seen["fonts read before the picture was finished"] = fonts_read.wait(timeout=30)
        real_resample(placed, **kw)

    def book_font(*a, **k):
        # A render that read the fonts before queueing its pictures would time out here.
        seen["picture started before the fonts were read"] = picture_started.wait(timeout=30)
        family = real_book_font(*a, **k)
        fonts_read.set()
        return family

    monkeypatch.setattr(images, "resample", resample)
    monkeypatch.setattr(pdf, "book_font", book_font)
    result = render_book(story, tmp_path / "out" / "book.pdf", tmp_path / "out" / "cache")
    assert seen == {"picture started before the fonts were read": True, "fonts read before the picture was finished": True}
    assert result.images[0].file.exists() and result.pdf.exists()


def test_a_page_waits_for_its_picture(tmp_path, monkeypatch):
    story = load_story(make_story(tmp_path / "story"))
    real_resample = images.resample
    gate = threading.Event()

    def slow(placed, **kw):
        gate.wait(timeout=2)  # nobody opens it: the page must simply wait the two seconds out
        real_resample(placed, **kw)

    monkeypatch.setattr(images, "resample", slow)
    slow_pdf = render_book(story, tmp_path / "slow" / "book.pdf", tmp_path / "slow" / "cache").pdf
    monkeypatch.setattr(images, "resample", real_resample)
    quick_pdf = render_book(story, tmp_path / "quick" / "book.pdf", tmp_path / "quick" / "cache").pdf
    assert slow_pdf.read_bytes() == quick_pdf.read_bytes()  # the picture is in it, whole


def test_a_picture_that_fails_unseen_still_stops_the_build(tmp_path):
    good = write_image(tmp_path / "good.png")
    bad = _truncated(tmp_path / "bad.jpg")
    with images.Resampler(tmp_path / "cache") as resampler:
        ok = resampler.submit(good, (300, 225))
        broken = resampler.submit(bad, (400, 300))  # header is fine: only decoding finds the damage
        assert ok.file.exists()
        with pytest.raises(RenderError, match="damaged"):
            resampler.finish()  # nobody asked for broken.file, and still the build fails
    assert not broken.path.exists()
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.suffix == ".tmp"] == []


def test_the_same_picture_at_the_same_size_is_resampled_once(tmp_path, monkeypatch):
    calls = []
    real_resample = images.resample
    monkeypatch.setattr(images, "resample", lambda placed, **kw: (calls.append(placed.source), real_resample(placed, **kw)))
    src = write_image(tmp_path / "p.png")
    with images.Resampler(tmp_path / "cache") as resampler:
        a = resampler.submit(src, (300, 225))
        b = resampler.submit(src, (300, 225))
        c = resampler.submit(src, (200, 150))
        resampler.finish()
    assert a == b and a.file == b.file and c.file != a.file
    assert calls == [src, src]  # two sizes, two resamplings


def test_leaving_early_cancels_what_has_not_started(tmp_path, monkeypatch):
    started = []
    release = threading.Event()
    real_resample = images.resample

    def held(placed, **kw):
        started.append(placed.source.name)
        release.wait(timeout=30)
        real_resample(placed, **kw)

    monkeypatch.setattr(images, "resample", held)
    sources = [write_image(tmp_path / f"p{i}.png", (400 + i, 300)) for i in range(4)]
    with pytest.raises(KeyboardInterrupt):
        with images.Resampler(tmp_path / "cache", max_workers=1) as resampler:
            placed = [resampler.submit(s, (200, 150)) for s in sources]
            threading.Timer(0.5, release.set).start()
            raise KeyboardInterrupt  # e.g. the author pressed Ctrl-C during layout
    # The worker had taken the first picture; leaving waited for it and dropped the rest.
    assert started == ["p0.png"]
    assert placed[0].path.exists() and not any(p.path.exists() for p in placed[1:])
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.suffix == ".tmp"] == []


def test_an_upright_copy_is_not_made_but_exif_orientation_still_turns_the_pixels(tmp_path):
    # Stored 400 x 200, red on the left half and blue on the right, tagged "rotate 90° clockwise to show".
    src = tmp_path / "rot.jpg"
    img = Image.new("RGB", (400, 200), (255, 0, 0))
    img.paste((0, 0, 255), (200, 0, 400, 200))
    exif = img.getexif()
    exif[0x0112] = 6
    img.save(src, exif=exif, quality=95)
    placed = images.prepare(src, (100, 200), tmp_path / "cache")
    with Image.open(placed.file) as out:
        assert out.size == (100, 200)
        top, bottom = out.getpixel((50, 20)), out.getpixel((50, 180))
    assert top[0] > 200 and top[2] < 60  # the left (red) half is now on top
    assert bottom[2] > 200 and bottom[0] < 60
