"""A black-and-white book's JPEGs are decoded straight to grey (libjpeg's luma channel, no chroma).

What must hold: the grey picture is the one the RGB decode would have given, within
rounding; the colour verdict (and so the warning naming colour pictures) is unchanged;
pictures whose grey is not their luma (a colour profile other than sRGB, CMYK, an Adobe
JPEG storing RGB) still go through the RGB decode.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageChops, ImageCms, ImageDraw

from chapterbook.render import resample
from chapterbook.render.ink import WAS_COLOUR

PX = (600, 450)


def _photo(size=(1200, 900)) -> Image.Image:
    """A picture with smooth gradients, saturated shapes and fine detail, like a painted illustration."""
    img = Image.merge(
        "RGB", [Image.linear_gradient("L").resize(size), Image.radial_gradient("L").resize(size), Image.linear_gradient("L").rotate(90).resize(size)]
    )
    draw = ImageDraw.Draw(img)
    draw.ellipse((100, 100, 700, 600), fill=(230, 40, 30), outline=(0, 0, 0), width=6)
    draw.rectangle((750, 200, 1100, 800), fill=(20, 60, 220))
    for x in range(0, size[0], 9):
        draw.line((x, 0, x, 80), fill=(250, 250, 0))
    return img


def _via_rgb(path: Path) -> tuple[Image.Image, bool]:
    """What the grey path gave before: decoded in RGB, made grey, colour judged on the RGB decode."""
    rgb = resample.decode(path, PX)
    return rgb.convert("L"), resample.has_colour(rgb)


def _close(a: Image.Image, b: Image.Image, near: int = 4) -> None:
    """Within rounding: on average a tenth of a level apart, and hardly a pixel more than `near` levels (RGB clips
    saturated colours that luma keeps; after resampling and JPEG encoding the two differ a little more)."""
    assert a.mode == b.mode == "L" and a.size == b.size
    hist = ImageChops.difference(a, b).histogram()
    n = a.width * a.height
    assert sum(hist[near:]) <= 0.001 * n, hist[:16]
    assert sum(level * count for level, count in enumerate(hist)) / n < 0.1, hist[:16]


def test_a_colour_jpeg_decodes_to_the_grey_of_its_rgb_decode_and_keeps_its_colour_verdict(tmp_path):
    path = tmp_path / "art.jpg"
    _photo().save(path, quality=90)
    grey, coloured = resample._decode_grey(path, PX, None)
    _, _, luma = resample._opened(path, PX, grey=True)
    assert luma  # the luma path was taken
    expected, expected_colour = _via_rgb(path)
    _close(grey, expected)
    assert coloured is expected_colour is True


def test_a_grey_jpeg_from_a_story_is_judged_grey(tmp_path):
    path = tmp_path / "pencil.jpg"
    _photo().convert("L").convert("RGB").save(path, quality=90)  # three channels, no colour
    grey, coloured = resample._decode_grey(path, PX, None)
    assert coloured is False
    _close(grey, _via_rgb(path)[0])


def test_the_cached_picture_from_the_luma_path_matches_the_rgb_path_and_says_it_was_colour(tmp_path, monkeypatch):
    path = tmp_path / "art.jpg"
    _photo().save(path, quality=92)
    made = resample.make(str(path), (500, 375), False, True)
    monkeypatch.setattr(resample, "_luma_only", lambda jpeg: False)  # the RGB path, as before
    before = resample.make(str(path), (500, 375), False, True)
    monkeypatch.undo()
    with Image.open(io.BytesIO(made)) as a, Image.open(io.BytesIO(before)) as b:
        assert a.info["comment"] == b.info["comment"] == WAS_COLOUR
        a.load()
        b.load()
        _close(a, b, near=6)


def test_what_luma_cannot_stand_for_still_goes_through_rgb(tmp_path):
    base = _photo((400, 300))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()  # a profile that is not sRGB
    cases = {
        "plain.jpg": ({}, True),
        "srgb.jpg": ({"icc_profile": srgb}, True),
        "other-profile.jpg": ({"icc_profile": lab}, False),
    }
    for name, (extra, _) in cases.items():
        base.save(tmp_path / name, quality=90, **extra)
    base.convert("CMYK").save(tmp_path / "cmyk.jpg", quality=90)
    cases["cmyk.jpg"] = ({}, False)
    base.convert("L").save(tmp_path / "grey.jpg", quality=90)  # one channel already: nothing to skip
    cases["grey.jpg"] = ({}, False)
    for name, (_, luma) in cases.items():
        _, _, took = resample._opened(tmp_path / name, (200, 150), grey=True)
        assert took is luma, name
        assert resample._opened(tmp_path / name, (200, 150))[2] is False, name  # only when grey is asked for
    with Image.open(tmp_path / "plain.jpg") as img:
        img.info["adobe_transform"] = 0  # an Adobe JPEG that stores RGB, not YCbCr: its first channel is red
        assert not resample._luma_only(img)
        img.info["adobe_transform"] = 1
        assert resample._luma_only(img)


def test_a_colour_jpeg_in_a_black_and_white_book_still_gets_its_warning(tmp_path, cli):
    from render_fixtures import make_story

    root = tmp_path / "story"
    path = make_story(root)
    _photo().save(root / "images" / "cart.jpg", quality=90)
    path.write_text(path.read_text().replace("image: images/cart.png", "image: images/cart.jpg"))
    result = cli("build", "story.yaml", "--format", "pdf", "--output", str(tmp_path / "out"), cwd=root)
    assert result.code == 0, result.err
    assert "picture 'cart.jpg' is in colour; this black-and-white interior (paper: white) prints it in grey" in result.err
