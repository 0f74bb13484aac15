"""The EPUB container: a zip that is the same bytes for the same book.

The OCF rules (EPUB 3.3, section 4): `mimetype` is the first entry, stored
uncompressed with no extra field, so a reader can sniff the type from byte 30.
Everything else is deflated. Every entry gets the same fixed time, permissions
and system, and entries are written in a fixed order, so a rebuild of an
unchanged book gives a byte-identical file (its hash in build.json stays put).

The zip is written here rather than through :mod:`zipfile`, which can only deflate
what it is given: the fonts (most of the deflating, about 8 ms of a warm ebook
build's 13) are the same from one build to the next, so their deflated bytes are
kept in the ebook's cache by content and copied in. The bytes are exactly those
zipfile writes for the same entries (a test holds them equal).
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

from chapterbook.errors import RenderError
from chapterbook.output import atomic_write

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no build time leaks in
CONTAINER_XML = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""
STORED, DEFLATED = 0, 8  # zip compression methods
LEVEL = 9
KEEP_DEFLATED = 8192  # entries at least this big keep their deflated bytes in the cache (fonts, diagrams)
VERSION = 20  # "needed to extract" and "made by": 2.0, deflate (what zipfile writes for these entries)
UNIX, MODE = 3, 0o100644 << 16  # made on "unix", a plain file rw-r--r--, whatever machine built it
LIMIT = (1 << 31) - 1  # past this a zip needs ZIP64 fields; no ebook comes near it


def _dos_time(when: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = when
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day


def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)  # a raw deflate stream, as zip entries hold
    return packer.compress(data) + packer.flush()


def _deflated(data: bytes, cache: Path | None) -> bytes:
    """`data` deflated at LEVEL; a big entry's bytes are kept in `cache` under its content's hash."""
    if cache is None or len(data) < KEEP_DEFLATED:
        return _deflate(data)
    file = cache / f"{hashlib.sha256(data).hexdigest()[:32]}.deflate"
    try:
        kept = file.read_bytes()
        if zlib.decompress(kept, -15) == data:  # checked (a tenth of the deflating): a damaged entry is made again
            return kept
    except (OSError, zlib.error):
        pass
    packed = _deflate(data)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        atomic_write(file, packed)
    except OSError:
        pass  # a cache that cannot be written costs the deflating next time, nothing else
    return packed


def write_container(target: Path, files: dict[str, bytes], cache: Path | None = None) -> None:
    """Write the EPUB zip to `target`: mimetype, container.xml, then `files` (path under EPUB/ -> bytes) in order.

    `cache`: where big entries' deflated bytes are kept between builds (the ebook's cache folder).
    """
    entries = [("mimetype", b"application/epub+zip", STORED), ("META-INF/container.xml", CONTAINER_XML.encode("utf-8"), DEFLATED)]
    # Pictures are compressed already; deflating them again costs time for nothing.
    entries += [(f"EPUB/{name}", files[name], STORED if name.endswith((".jpg", ".png")) else DEFLATED) for name in sorted(files)]
    dos_time, dos_date = _dos_time(FIXED_TIME)
    body: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for name, data, method in entries:
        raw = name.encode("ascii") if name.isascii() else name.encode("utf-8")
        flags = 0 if name.isascii() else 0x800  # bit 11: the name is UTF-8
        packed = _deflated(data, cache) if method == DEFLATED else data
        crc = zlib.crc32(data)
        if max(len(data), len(packed), offset) > LIMIT:
            raise RenderError("the ebook would be larger than 2 GB", hint="use smaller pictures")
        sizes = (crc, len(packed), len(data), len(raw), 0)
        header = struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", VERSION, 0, flags, method, dos_time, dos_date, *sizes)
        body += [header, raw, packed]
        directory.append(
            struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", VERSION, UNIX, VERSION, 0, flags, method, dos_time, dos_date, *sizes, 0, 0, 0, MODE, offset) + raw
        )
        offset += len(header) + len(raw) + len(packed)
    central = b"".join(directory)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), offset, 0)
    with open(target, "wb") as out:
        out.writelines([*body, central, end])
