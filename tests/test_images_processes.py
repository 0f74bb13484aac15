"""Pictures are resampled in worker processes (render/resample.py), with the same results as on threads.

What must hold: the pixel work really leaves the main process (that is what frees
the interpreter lock and the main process's memory), the output is the same byte
for byte whichever way it was made and on a rebuild from the cache, a picture that
cannot be decoded still stops the build at its file:line with nothing half-written,
a worker that dies is a plain message and the next build starts new workers, and a
build that makes the print PDF judges each picture's colour once, in the renderer.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from chapterbook.errors import Location, RenderError
from chapterbook.render import images, resample
from chapterbook.render.ink import WAS_COLOUR

pytestmark = pytest.mark.skipif(resample.cores() < 2, reason="worker processes are used only with two cores or more")


def _pictures(root: Path) -> list[Path]:
    """One of each kind an author sends: palette PNG with transparency, RGBA, 16-bit grey, CMYK and grey JPEG, tiny, EXIF-rotated."""
    root.mkdir(parents=True, exist_ok=True)
    base = Image.new("RGB", (900, 600), (240, 200, 90))
    ImageDraw.Draw(base).ellipse((100, 100, 700, 500), fill=(30, 90, 200), outline=(0, 0, 0), width=8)
    out = []
    p = base.quantize(32)
    p.info["transparency"] = 0
    p.save(root / "palette.png", transparency=0)
    rgba = base.copy()
    rgba.putalpha(Image.linear_gradient("L").resize(base.size))
    rgba.save(root / "rgba.png")
    Image.linear_gradient("L").resize((700, 500)).convert("I;16").save(root / "grey16.png")
    base.convert("CMYK").save(root / "cmyk.jpg", quality=90)
    base.convert("L").save(root / "grey.jpg", quality=90)
    base.resize((40, 30)).save(root / "tiny.png")
    exif = base.getexif()
    exif[0x0112] = 6
    base.save(root / "rotated.jpg", exif=exif, quality=90)
    for name in ("palette.png", "rgba.png", "grey16.png", "cmyk.jpg", "grey.jpg", "tiny.png", "rotated.jpg"):
        out.append(root / name)
    return out


def _resample_all(sources: list[Path], cache: Path, *, grey: bool, processes: bool) -> dict[str, bytes]:
    with images.Resampler(cache, grey=grey, processes=processes) as resampler:
        placed = []
        for src in sources:
            w, h = images.image_size(src)
            placed.append(resampler.submit(src, (max(1, w // 3), max(1, h // 3))))
        assert (resampler.processes is not None) == processes
        resampler.finish()
    return {p.source.name: p.file.read_bytes() for p in placed}


@pytest.mark.parametrize("grey", [False, True])
def test_processes_and_threads_make_the_same_bytes(tmp_path, grey):
    sources = _pictures(tmp_path / "src")
    by_processes = _resample_all(sources, tmp_path / "p", grey=grey, processes=True)
    by_threads = _resample_all(sources, tmp_path / "t", grey=grey, processes=False)
    assert by_processes == by_threads
    assert len(set(by_processes.values())) == len(sources)  # really seven different pictures
    if grey:
        comments = {}
        for name, data in by_processes.items():
            with Image.open(io.BytesIO(data)) as img:
                assert img.mode == "L"
                comments[name] = img.info.get("comment", b"") == WAS_COLOUR
        assert comments == {
            "palette.png": True,
            "rgba.png": True,
            "grey16.png": False,
            "cmyk.jpg": True,
            "grey.jpg": False,
            "tiny.png": True,
            "rotated.jpg": True,
        }


def test_the_main_process_decodes_no_png(tmp_path, monkeypatch):
    """PNGs are decoded in the workers (decoding one here fails the test); JPEGs on the main process's threads."""
    sources = _pictures(tmp_path / "src")
    real = resample._opened
    decoded_here = []

    def opened(source, px):
        if source.suffix == ".png":
            pytest.fail("a PNG decoded in the main process")
        decoded_here.append(source.name)
        return real(source, px)

    monkeypatch.setattr(resample, "_opened", opened)
    assert resample.pool().submit(os.getpid).result() != os.getpid()
    for grey in (False, True):
        decoded_here.clear()
        made = _resample_all(sources, tmp_path / f"cache-{grey}", grey=grey, processes=True)
        assert all(data.startswith(b"\xff\xd8") for data in made.values())
        assert sorted(decoded_here) == ["cmyk.jpg", "grey.jpg", "rotated.jpg"]


def test_a_damaged_picture_in_a_worker_is_reported_at_its_line_and_nothing_is_left(tmp_path):
    bad = tmp_path / "bad.png"
    Image.effect_noise((800, 600), 60).convert("RGB").save(bad)
    bad.write_bytes(bad.read_bytes()[:5000])  # the header reads fine; decoding finds the damage
    where = Location(tmp_path / "story.yaml", 12, 9)
    with pytest.raises(RenderError, match="damaged") as caught:
        with images.Resampler(tmp_path / "cache") as resampler:
            resampler.submit(bad, (400, 300), where=where, field="chapters[0].illustrations[0].image")
            assert resampler.processes is not None
            resampler.finish()
    assert caught.value.where == where and "bad.png" in str(caught.value)
    assert list((tmp_path / "cache").glob("*.jpg")) == [] and list((tmp_path / "cache").glob("*.tmp")) == []


def test_a_worker_that_dies_is_a_plain_message_and_the_next_picture_gets_a_new_one(tmp_path):
    src = _pictures(tmp_path / "src")[0]
    with pytest.raises(RenderError, match="could not be decoded: the program reading it stopped"):
        images._run(os._exit, (3,), resample.pool(), src, None, "image")  # what a crashing decoder looks like
    placed = images.prepare(src, (300, 200), tmp_path / "cache")  # a fresh pool of workers
    assert placed.file.is_file()


def test_a_build_of_the_print_pdf_judges_colour_once_and_still_warns(tmp_path, cli, monkeypatch):
    from render_fixtures import make_story

    root = tmp_path / "story"
    make_story(root)  # paper white: a black-and-white interior; images/cart.png is in colour
    asked = []
    real = images.colours
    monkeypatch.setattr(images, "colours", lambda sources: asked.append(len(sources)) or real(sources))
    built = cli("build", "story.yaml", "--format", "pdf", "--output", str(tmp_path / "out"), cwd=root)
    assert built.code == 0, built.err
    assert "is in colour" in built.err and asked == []  # the renderer judged it while resampling
    checked = cli("validate", "story.yaml", cwd=root)
    assert "is in colour" in checked.err and asked  # validate renders nothing, so it judges for itself
