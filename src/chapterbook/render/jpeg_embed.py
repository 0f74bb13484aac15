"""JPEGs a PDF can carry as they are: checked and stripped of metadata by their markers, never decoded.

A baseline JPEG that is already what the print PDF wants (the book's colour space,
upright, between 300 and 450 ppi at its printed size: print_rules.kept_as_is) needs
no decoding, resampling or re-encoding: the PDF embeds its compressed data
(DCTDecode), as Acrobat's PDF/X presets and WeasyPrint do. Only its metadata is
left out (EXIF with a camera's GPS position, thumbnails, XMP, comments), which a
PDF does not read and a printed book should not carry. Imports only Pillow, as
:mod:`chapterbook.render.resample` (which calls it) does.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, ImageCms

from chapterbook.print_rules import kept_as_is

# Markers kept ahead of the scan: quantisation and Huffman tables, the frame, restart interval,
# JFIF (APP0) and Adobe's (APP14, which says how a decoder reads the colour channels).
_KEPT = {0xDB, 0xC4, 0xC0, 0xC1, 0xDD, 0xE0, 0xEE}
_BASELINE = {0xC0, 0xC1}  # Huffman-coded sequential frames; any other SOFn (progressive, lossless, arithmetic) is decoded
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # markers without a length (TEM, RST0-7)


def embeddable_jpeg(source: Path, px: tuple[int, int], grey: bool, exact: bool = False) -> bytes | None:
    """The JPEG at `source` without its metadata, when a PDF can embed it as it is at the size of `px`; else None.

    That is a complete baseline JPEG with 8 bits per channel, upright (no EXIF or XMP
    orientation), without a colour profile other than sRGB, in the book's ink: three
    YCbCr channels for a colour interior, one grey channel for a black-and-white one
    (`grey`), and between 300 and 450 ppi at the printed size (`exact`: exactly `px`). Anything else, or anything
    unexpected in its markers, gives None and the picture is decoded as before.
    """
    try:
        with open(source, "rb") as f:
            if f.read(2) != b"\xff\xd8":
                return None  # not a JPEG: not read any further
            data = b"\xff\xd8" + f.read()
    except OSError:
        return None
    stripped = _stripped(data, 1 if grey else 3)
    if stripped is None:
        return None
    body, size = stripped
    if not (size == px if exact else kept_as_is(size, px)):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:  # the headers only, parsed as the decoding path would read them
                if img.format != "JPEG" or img.size != size or img.info.get("progressive"):
                    return None
                if img.getexif().get(0x0112, 1) != 1 or img.info.get("adobe_transform", 1) != 1:
                    return None  # turned (EXIF or XMP), or an Adobe JPEG storing RGB or CMYK rather than YCbCr
                icc = img.info.get("icc_profile")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    if icc and (grey or not _is_srgb(icc)):
        return None  # colours that need converting (a grey profile is applied on the decoding path too)
    return body


def _stripped(data: bytes, channels: int) -> tuple[bytes, tuple[int, int]] | None:
    """(the JPEG without its metadata segments, its width and height), when it is whole, baseline and has `channels`; else None."""
    if not data.startswith(b"\xff\xd8") or not data.endswith(b"\xff\xd9"):
        return None  # not a JPEG, or cut short: the decoding path reports a damaged file
    out, pos, size = [b"\xff\xd8"], 2, None
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker in _STANDALONE or marker == 0xD8:
            return None
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if end > len(data):
            return None
        if marker == 0xDA:  # start of scan: the compressed data (and any later scans) follow as they are
            if size is None:
                return None
            out.append(data[pos:])
            return b"".join(out), size
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if marker not in _BASELINE or size is not None or data[pos + 4] != 8 or data[pos + 9] != channels:
                return None
            ids = bytes(data[pos + 10 + 3 * i] for i in range(channels))
            if channels == 3 and ids == b"RGB":
                return None  # channels named R, G, B: libjpeg reads them as RGB, a PDF reader as YCbCr
            size = (int.from_bytes(data[pos + 7 : pos + 9], "big"), int.from_bytes(data[pos + 5 : pos + 7], "big"))
            if 0 in size:
                return None
        elif marker in (0xC8, 0xCC):
            return None  # arithmetic coding's conditioning, or a reserved marker
        if marker in _KEPT and (marker != 0xE0 or (data[pos + 4 : pos + 9] == b"JFIF\x00" and end - pos >= 18)):
            out.append(data[pos:end])  # an APP0 only when it is JFIF's own: ReportLab reads its density, and fails on a short one
        pos = end
    return None


def _is_srgb(icc: bytes) -> bool:
    """Whether a colour profile is sRGB, by its description (as resample._to_srgb tells); an unreadable one is not trusted here."""
    try:
        return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip().lower().startswith("srgb")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return False
