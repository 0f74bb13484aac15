"""Pictures already at 300-450 ppi are kept as they are; a JPEG the PDF can carry is embedded without decoding.

print_rules.kept_as_is is the rule (Adobe's PDF/X presets downsample only above 450 ppi);
render/jpeg_embed.py checks a JPEG by its markers; render/resample.make applies both.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageCms, ImageDraw

from chapterbook.print_rules import MAX_KEPT_PPI, PPI, kept_as_is
from chapterbook.render import images
from chapterbook.render.jpeg_embed import embeddable_jpeg
from chapterbook.render.resample import make

PX = (1101, 826)  # a half picture of the 6x9 bench book, at 300 ppi
KEPT = (1300, 975)  # 354 ppi there


def _art(size: tuple[int, int]) -> Image.Image:
    """A picture with colour, edges and an 'F' whose stem is on the left and bar at the top (so a turn shows)."""
    w, h = size
    im = Image.new("RGB", size, (250, 240, 220))
    d = ImageDraw.Draw(im)
    for x in range(0, w, max(1, w // 24)):
        d.rectangle([x, 0, x + max(1, w // 96), h], fill=(40, 90, 200))
    d.rectangle([w // 10, h // 10, w // 10 + w // 8, h - h // 10], fill=(200, 30, 30))
    d.rectangle([w // 10, h // 10, w // 2, h // 10 + h // 8], fill=(200, 30, 30))
    return im


def _jpeg(path: Path, size=KEPT, mode="RGB", **save) -> Path:
    _art(size).convert(mode).save(path, quality=90, **save)
    return path


def _exif(**tags: object) -> bytes:
    exif = Image.Exif()
    for tag, value in tags.items():
        exif[{"orientation": 0x0112, "make": 0x010F}[tag]] = value
    return exif.tobytes()


def _decoded(data: bytes | Path) -> Image.Image:
    with Image.open(io.BytesIO(data) if isinstance(data, bytes) else data) as img:
        img.load()
        return img.copy()


def test_the_rule_keeps_300_to_450_ppi_on_both_axes():
    assert MAX_KEPT_PPI == 1.5 * PPI == 450
    assert kept_as_is(PX, PX) and kept_as_is((1651, 1239), PX)  # 300 and 450 ppi
    assert not kept_as_is((1100, 826), PX)  # under 300 ppi across: resampled up
    assert not kept_as_is((1652, 1239), PX)  # over 450 ppi across: resampled down
    assert not kept_as_is((1300, 2000), PX)  # one axis far over: not this picture's shape


def test_a_jpeg_the_pdf_can_carry_is_embedded_as_it_is_without_its_metadata(tmp_path):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    src = _jpeg(tmp_path / "a.jpg", exif=_exif(make="SecretCam", orientation=1), comment=b"drawn at home", icc_profile=srgb)
    data = make(str(src), PX, crop=False, grey=False)
    assert data == embeddable_jpeg(src, PX, grey=False)
    assert b"SecretCam" not in data and b"drawn at home" not in data and b"ICC_PROFILE" not in data
    original = src.read_bytes()
    assert data[-len(original) // 2 :] == original[-len(original) // 2 :]  # the compressed scan, byte for byte
    assert _decoded(data).tobytes() == _decoded(src).tobytes()  # the same pixels: nothing decoded or encoded again
    # An APP0 that is not JFIF's (here a short one, which ReportLab's JPEG reader fails on) is left out too.
    odd = tmp_path / "odd.jpg"
    odd.write_bytes(original[:2] + b"\xff\xe0\x00\x06JFXX" + original[2:])
    kept = embeddable_jpeg(odd, PX, grey=False)
    assert kept is not None and b"JFXX" not in kept and b"JFIF\x00" in kept

    from reportlab.pdfbase.pdfutils import readJPEGInfo

    assert readJPEGInfo(io.BytesIO(kept))[:3] == (*KEPT, 3)
    grey = _jpeg(tmp_path / "grey.jpg", mode="L")
    assert make(str(grey), PX, crop=False, grey=True) == grey.read_bytes()  # a plain grey JPEG in a grey book


@pytest.mark.parametrize(
    "name, save, grey, px",
    [
        ("progressive", {"progressive": True}, False, PX),
        ("cmyk", {"mode": "CMYK"}, False, PX),
        ("turned", {"exif": _exif(orientation=3)}, False, PX),
        ("colour in a grey book", {}, True, PX),
        ("grey in a colour book", {"mode": "L"}, False, PX),
        ("over 450 ppi", {}, False, (800, 600)),
        ("under 300 ppi", {}, False, (1400, 1050)),
    ],
)
def test_other_jpegs_are_decoded_and_still_come_out_right(tmp_path, name, save, grey, px):
    mode = save.pop("mode", "RGB")
    src = _jpeg(tmp_path / "p.jpg", mode=mode, **save)
    assert embeddable_jpeg(src, px, grey) is None
    out = _decoded(make(str(src), px, crop=False, grey=grey))
    assert out.mode == ("L" if grey else "RGB")
    assert out.size == (KEPT if kept_as_is(KEPT, px) else px)
    want = _art(KEPT).convert(out.mode)  # upright: a turned picture is turned back (orientation 3 is 180 degrees)
    if name == "turned":
        want = want.rotate(180)
    small = out.resize((130, 97), Image.Resampling.BOX), want.resize((130, 97), Image.Resampling.BOX)
    diff = [abs(a - b) for a, b in zip(small[0].convert("L").tobytes(), small[1].convert("L").tobytes())]
    assert sum(diff) / len(diff) < 6  # the same picture, the right way up (a turned one would differ by far more)


def test_a_damaged_or_unusual_jpeg_is_left_to_the_decoder(tmp_path):
    src = _jpeg(tmp_path / "a.jpg")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(src.read_bytes()[: len(src.read_bytes()) // 2])
    assert embeddable_jpeg(cut, PX, grey=False) is None  # the decoder says it is damaged, at the spec's line
    wide = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()  # any profile other than sRGB
    assert embeddable_jpeg(_jpeg(tmp_path / "lab.jpg", icc_profile=wide), PX, grey=False) is None
    named_rgb = tmp_path / "rgb.jpg"  # channels named R, G, B: decoders disagree on what they hold
    data = bytearray(src.read_bytes())
    sof = data.index(b"\xff\xc0")
    for i, name in enumerate(b"RGB"):
        data[sof + 10 + 3 * i] = name
    named_rgb.write_bytes(bytes(data))
    assert embeddable_jpeg(named_rgb, PX, grey=False) is None


def test_pictures_between_300_and_450_ppi_keep_their_pixels_and_others_are_resampled(tmp_path):
    for size, want in [(KEPT, KEPT), ((2400, 1800), PX), ((500, 375), PX)]:
        png = tmp_path / f"{size[0]}.png"
        _art(size).save(png)
        assert _decoded(make(str(png), PX, crop=False, grey=False)).size == want
    # A JPEG decodes at 1/2, 1/4 or 1/8 scale first: 2400 x 1800 at half scale is 1200 x 900, 327 ppi, and kept.
    assert _decoded(make(str(_jpeg(tmp_path / "big.jpg", size=(2400, 1800))), PX, crop=False, grey=True)).size == (1200, 900)
    # Cover art is cropped to its box, so it is always resampled to it.
    assert _decoded(make(str(_jpeg(tmp_path / "c.jpg")), (1000, 900), crop=True, grey=False)).size == (1000, 900)


def test_a_turned_jpeg_is_decoded_at_reduced_scale_for_its_upright_size(tmp_path):
    # Stored 1800 x 2400 and turned a quarter by EXIF: upright 2400 x 1800. Asked for the stored shape, the
    # decoder found no smaller scale that covers it, decoded it whole and resampled it; now it decodes at half.
    src = tmp_path / "turned.jpg"
    _art((2400, 1800)).transpose(Image.Transpose.ROTATE_90).save(src, quality=90, exif=_exif(orientation=6))
    assert images.image_size(src) == (2400, 1800)
    out = _decoded(make(str(src), PX, crop=False, grey=False))
    assert out.size == (1200, 900)
    assert out.getpixel((130, 600))[0] > 150 and out.getpixel((1100, 120))[2] > 150  # the F's red stem on the left


def test_the_pdf_carries_the_jpeg_itself(tmp_path):
    from chapterbook.render.pdf import render_book
    from chapterbook.spec.load import load_story
    from render_fixtures import make_story

    story = make_story(tmp_path / "book", layout="layout:\n  paper: color\n")
    src = tmp_path / "book" / "images" / "cart.jpg"
    _jpeg(src, exif=_exif(make="SecretCam"))
    text = (tmp_path / "book" / "story.yaml").read_text().replace("images/cart.png", "images/cart.jpg")
    (tmp_path / "book" / "story.yaml").write_text(text)
    result = render_book(load_story(story), tmp_path / "out" / "book.pdf", tmp_path / "out" / ".cache")
    subprocess.run(["pdfimages", "-j", str(result.pdf), str(tmp_path / "img")], check=True)
    (embedded,) = tmp_path.glob("img-*.jpg")
    assert embedded.read_bytes() == embeddable_jpeg(src, result.images[0].px, grey=False)
    assert b"SecretCam" not in result.pdf.read_bytes()


def test_a_picture_for_screens_is_exactly_its_size(tmp_path):
    # A screen picture's size is a limit (the ebook's 1600 px), not a resolution: never kept larger.
    src = _jpeg(tmp_path / "a.jpg")
    assert embeddable_jpeg(src, PX, grey=False, exact=True) is None
    assert _decoded(make(str(src), PX, crop=False, grey=False, exact=True)).size == PX
    assert make(str(src), KEPT, crop=False, grey=False, exact=True) == embeddable_jpeg(src, KEPT, grey=False)  # already that size
    with images.Resampler(tmp_path / "cache", exact=True) as screens, images.Resampler(tmp_path / "cache") as prints:
        small, large = screens.submit(src, PX), prints.submit(src, PX)
        assert small.path != large.path  # cached apart
        assert _decoded(small.file).size == PX and _decoded(large.file).size == KEPT
