"""Pictures' colour: deep greyscale scaled to 8 bits, colour profiles converted to sRGB.

The PDF prints plain RGB pictures as sRGB, so a picture saved in another colour
space must be converted, not passed on with its numbers. The profile used here is
built in the test (Adobe RGB (1998) primaries), and the expected colours are
worked out from the published matrices, independently of littleCMS.
"""

from __future__ import annotations

import struct

import pytest
from PIL import Image

from chapterbook.render import images


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _icc_matrix_profile(description: str, colorants: list[tuple[float, float, float]], gamma: float) -> bytes:
    """A minimal ICC v2 RGB display profile: three D50 colorants and one gamma."""
    xyz = lambda v: b"XYZ \0\0\0\0" + b"".join(_s15(c) for c in v)  # noqa: E731
    text = description.encode("ascii")
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text) + 1) + text + b"\0" + b"\0" * 12 + b"\0" * 67
    curv = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(colorants[0])),
        (b"gXYZ", xyz(colorants[1])),
        (b"bXYZ", xyz(colorants[2])),
        (b"rTRC", curv),
        (b"gTRC", curv),
        (b"bTRC", curv),
        (b"cprt", b"text\0\0\0\0none\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (
        struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ " + b"\0" * 12 + b"acsp"
        + b"\0" * 24 + struct.pack(">I", 0) + _s15(0.9642) + _s15(1.0) + _s15(0.8249) + b"\0" * 48
    )  # fmt: skip
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


# Adobe RGB (1998): its colorants adapted to D50 as in Adobe's own profile, gamma 563/256.
ADOBE_D50 = [(0.6097, 0.3111, 0.0195), (0.2053, 0.6257, 0.0609), (0.1492, 0.0632, 0.7446)]
ADOBE_GAMMA = 563 / 256
ADOBE_TO_XYZ = [(0.5767309, 0.1855540, 0.1881852), (0.2973769, 0.6273491, 0.0752741), (0.0270343, 0.0706872, 0.9911085)]
XYZ_TO_SRGB = [(3.2404542, -1.5371385, -0.4985314), (-0.9692660, 1.8760108, 0.0415560), (0.0556434, -0.2040259, 1.0572252)]


def _adobe_to_srgb(rgb: tuple[int, int, int]) -> tuple[int, ...]:
    linear = [(v / 255) ** ADOBE_GAMMA for v in rgb]
    xyz = [sum(m * c for m, c in zip(row, linear)) for row in ADOBE_TO_XYZ]
    out = [min(1.0, max(0.0, sum(m * c for m, c in zip(row, xyz)))) for row in XYZ_TO_SRGB]
    encode = lambda c: 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055  # noqa: E731
    return tuple(round(encode(c) * 255) for c in out)


def _decoded(path, size=(64, 48)) -> Image.Image:
    return images.decode(path, size)


@pytest.mark.parametrize("colour", [(120, 160, 90), (200, 120, 60), (60, 90, 170), (128, 128, 128)])
def test_a_picture_in_adobe_rgb_is_converted_to_srgb(tmp_path, colour):
    src = tmp_path / "adobe.png"
    Image.new("RGB", (64, 48), colour).save(src, icc_profile=_icc_matrix_profile("Wide RGB for tests", ADOBE_D50, ADOBE_GAMMA))
    got = _decoded(src).getpixel((10, 10))
    want = _adobe_to_srgb(colour)
    assert all(abs(g - w) <= 2 for g, w in zip(got, want)), (got, want)


def test_the_conversion_reaches_the_cached_jpeg_and_changes_the_colour(tmp_path):
    src = tmp_path / "adobe.png"
    Image.new("RGBA", (300, 200), (120, 160, 90, 255)).save(src, icc_profile=_icc_matrix_profile("Wide RGB for tests", ADOBE_D50, ADOBE_GAMMA))
    placed = images.prepare(src, (150, 100), tmp_path / "cache")
    with Image.open(placed.file) as out:
        r, g, b = out.getpixel((75, 50))
    assert abs(r - 98) <= 3 and abs(g - 161) <= 3 and abs(b - 85) <= 3  # not the (120, 160, 90) it was saved with


def test_srgb_pictures_and_unreadable_profiles_keep_their_numbers(tmp_path):
    tagged = tmp_path / "srgb.png"
    srgb_like = _icc_matrix_profile("sRGB IEC61966-2.1", [(0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141)], 2.2)
    Image.new("RGB", (64, 48), (120, 160, 90)).save(tagged, icc_profile=srgb_like)
    assert _decoded(tagged).getpixel((5, 5)) == (120, 160, 90)
    junk = tmp_path / "junk.png"
    Image.new("RGB", (64, 48), (120, 160, 90)).save(junk, icc_profile=b"this is not a colour profile" * 8)
    assert _decoded(junk).getpixel((5, 5)) == (120, 160, 90)


def _grey_ramp(mode: str, top: float) -> Image.Image:
    """A left-to-right ramp from black to `top` in `mode`."""
    img = Image.new(mode, (256, 8))
    img.putdata([x / 255 * top for x in range(256)] * 8)
    return img


@pytest.mark.parametrize(
    ("mode", "top", "suffix"),
    [("I;16", 65535, "png"), ("I", 65535, "tif"), ("F", 1.0, "tif"), ("F", 255.0, "tif")],
)
def test_deep_greyscale_is_scaled_to_eight_bits_not_clipped(tmp_path, mode, top, suffix):
    src = tmp_path / f"scan.{suffix}"
    _grey_ramp(mode, top).save(src)
    with Image.open(src) as check:
        assert check.mode == mode  # the file really is that deep
    out = _decoded(src, (256, 8))
    assert out.mode == "RGB"
    for x in (0, 64, 128, 192, 255):
        r, g, b = out.getpixel((x, 4))
        assert r == g == b and abs(r - x) <= 1, (mode, x, r)
