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
        resampler.min_for_processes = 1  # from the first PNG (a book starts the workers at its fourth)
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

    def opened(source, px, *args, **kwargs):
        if source.suffix == ".png":
            pytest.fail("a PNG decoded in the main process")
        decoded_here.append(source.name)
        return real(source, px, *args, **kwargs)

    monkeypatch.setattr(resample, "_opened", opened)
    assert resample.pool().submit(os.getpid).result() != os.getpid()
    for grey in (False, True):
        decoded_here.clear()
        made = _resample_all(sources, tmp_path / f"cache-{grey}", grey=grey, processes=True)
        assert all(data.startswith(b"\xff\xd8") for data in made.values())
        # A grey book decodes a colour JPEG to grey (its luma alone) and once more at 1/8 scale for its colour verdict.
        twice = ["rotated.jpg"] if grey else []
        assert sorted(decoded_here) == sorted(["cmyk.jpg", "grey.jpg", "rotated.jpg", *twice])


def test_a_damaged_picture_in_a_worker_is_reported_at_its_line_and_nothing_is_left(tmp_path):
    bad = tmp_path / "bad.png"
    Image.effect_noise((800, 600), 60).convert("RGB").save(bad)
    bad.write_bytes(bad.read_bytes()[:5000])  # the header reads fine; decoding finds the damage
    where = Location(tmp_path / "story.yaml", 12, 9)
    with pytest.raises(RenderError, match="damaged") as caught:
        with images.Resampler(tmp_path / "cache") as resampler:
            resampler.min_for_processes = 1
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


def _rgb(path: Path) -> Image.Image:
    with Image.open(path) as img:
        return img.convert("RGB")


def test_a_palette_picture_is_judged_for_colour_as_its_rgb_copy_is(tmp_path):
    """A grey book's palette pictures go grey through their palette: same levels, same colour verdict."""
    flat = Image.new("RGB", (600, 400), (250, 250, 250))
    ImageDraw.Draw(flat).rectangle((0, 0, 20, 20), fill=(220, 30, 30))  # under 2% of the pixels: not "in colour"
    cases = {
        "grey": Image.linear_gradient("L").resize((600, 400)).convert("RGB"),
        "speck": flat,
        "art": _rgb(_pictures(tmp_path / "src")[1]),
    }
    for name, rgb in cases.items():
        path = tmp_path / f"{name}.png"
        rgb.quantize(32).save(path)
        via_rgb = resample.decode(path, (100, 100))
        grey, coloured = resample._decode_grey(path, (100, 100), None)
        assert coloured == resample.has_colour(via_rgb), name
        assert grey.tobytes() == via_rgb.convert("L").tobytes(), name
    assert [resample._decode_grey(tmp_path / f"{n}.png", (1, 1), None)[1] for n in cases] == [False, False, True]


def test_a_jpeg_counts_as_the_pixels_it_is_decoded_at(tmp_path):
    jpeg, png = tmp_path / "a.jpg", tmp_path / "a.png"
    Image.new("RGB", (4000, 3000)).save(jpeg)
    Image.new("RGB", (4000, 3000)).save(png)

    def placed(src: Path, px: tuple[int, int]) -> images.Placed:
        return images.Placed(tmp_path / "x.jpg", src, px, (4000, 3000))

    assert images._decoded_pixels(placed(jpeg, (1000, 750))) == 1000 * 750  # libjpeg decodes at 1/4
    assert images._decoded_pixels(placed(jpeg, (1500, 1125))) == 2000 * 1500  # 1/2 still covers it
    assert images._decoded_pixels(placed(jpeg, (300, 225))) == 500 * 375  # 1/8 at most
    assert images._decoded_pixels(placed(png, (1000, 750))) == 4000 * 3000  # a PNG is decoded whole
    assert images._decoded_pixels(placed(png, (1000, 750))) > images.BIG_PICTURE_PX > images._decoded_pixels(placed(jpeg, (1500, 1125)))


def test_a_short_books_few_pngs_stay_on_the_threads(tmp_path):
    """The workers are started only once enough pictures need them (images.MIN_FOR_PROCESSES)."""
    sources = [_png(tmp_path / f"p{i}.png", (300 + i, 200)) for i in range(images.MIN_FOR_PROCESSES)]
    with images.Resampler(tmp_path / "cache") as resampler:
        for src in sources[:-1]:
            resampler.submit(src, (150, 100))
        assert resampler.processes is None  # three PNGs: no workers
        resampler.submit(sources[-1], (150, 100))
        assert resampler.processes is not None  # the fourth starts them
        resampler.finish()
    assert len(list((tmp_path / "cache").glob("*.jpg"))) == len(sources)


def _png(path: Path, size: tuple[int, int]) -> Path:
    Image.new("RGB", size, (200, 90, 40)).save(path)
    return path
