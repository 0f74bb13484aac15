"""A picture's size and EXIF orientation come from its header: no pixel is decoded to learn them.

Pillow's PNG getexif() decodes the whole picture when the eXIf chunk does not come
before the pixel data; images.image_size reads the chunks instead (issue #20).
"""

from __future__ import annotations

import zlib

import pytest
from PIL import Image, ImageFile

from chapterbook.render import images


def _chunk(ctype: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + ctype + data + zlib.crc32(ctype + data).to_bytes(4, "big")


def _exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()  # TIFF bytes, as a PNG's eXIf chunk holds them


def _png_with_exif_after_pixels(path, size, orientation: int):
    Image.new("RGB", size, (200, 30, 30)).save(path)
    data = path.read_bytes()
    iend = data.rindex(b"IEND") - 4  # the IEND chunk's length field
    path.write_bytes(data[:iend] + _chunk(b"eXIf", _exif(orientation)) + data[iend:])
    return path


@pytest.fixture
def no_decoding(monkeypatch):
    """Any pixel decoding fails the test."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("pixels were decoded to read a header")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def test_a_png_whose_exif_follows_the_pixels_is_turned_without_decoding(tmp_path, no_decoding):
    src = _png_with_exif_after_pixels(tmp_path / "late.png", (300, 120), 6)
    assert images.image_size(src) == (120, 300)


def test_a_png_with_exif_before_the_pixels_and_one_without(tmp_path, no_decoding):
    early = tmp_path / "early.png"
    Image.new("RGBA", (300, 120)).save(early, exif=_exif(8))
    plain = tmp_path / "plain.png"
    Image.new("P", (300, 120)).save(plain)
    assert images.image_size(early) == (120, 300)
    assert images.image_size(plain) == (300, 120)


def test_the_png_reading_agrees_with_pillow_and_damaged_exif_is_upright(tmp_path):
    src = _png_with_exif_after_pixels(tmp_path / "late.png", (300, 120), 5)
    with Image.open(src) as img:
        assert img.getexif()[0x0112] == 5  # Pillow (decoding) finds the same chunk
    bad = tmp_path / "bad.png"
    Image.new("RGB", (300, 120)).save(bad)
    data = bad.read_bytes()
    iend = data.rindex(b"IEND") - 4
    bad.write_bytes(data[:iend] + _chunk(b"eXIf", b"not exif at all") + data[iend:])
    assert images.image_size(bad) == (300, 120)


def test_a_probe_is_remembered_until_the_file_changes(tmp_path, monkeypatch):
    src = tmp_path / "p.png"
    Image.new("RGB", (300, 120)).save(src)
    calls = []
    real = images._probe
    monkeypatch.setattr(images, "_probe", lambda *a: calls.append(a) or real(*a))
    assert images.image_size(src) == images.image_size(src) == (300, 120)
    assert len(calls) == 1
    tmp = tmp_path / "new.png"
    Image.new("RGB", (90, 400)).save(tmp)
    tmp.replace(src)  # a new file at the same path, as an editor's save makes it
    assert images.image_size(src) == (90, 400)
    assert len(calls) == 2
