"""The EPUB container: a zip that is the same bytes for the same book.

The OCF rules (EPUB 3.3, section 4): `mimetype` is the first entry, stored
uncompressed with no extra field, so a reader can sniff the type from byte 30.
Everything else is deflated. Every entry gets the same fixed time, permissions
and system, and entries are written in a fixed order, so a rebuild of an
unchanged book gives a byte-identical file (its hash in build.json stays put).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no build time leaks in
CONTAINER_XML = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""


def _entry(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = compress
    info.create_system = 3  # unix, whatever machine built it
    info.external_attr = 0o100644 << 16
    return info


def write_container(target: Path, files: dict[str, bytes]) -> None:
    """Write the EPUB zip to `target`: mimetype, container.xml, then `files` (path under EPUB/ -> bytes) in order."""
    with zipfile.ZipFile(target, "w") as z:
        z.writestr(_entry("mimetype", zipfile.ZIP_STORED), b"application/epub+zip")
        z.writestr(_entry("META-INF/container.xml", zipfile.ZIP_DEFLATED), CONTAINER_XML.encode("utf-8"), compresslevel=9)
        for name in sorted(files):
            # Pictures and fonts are compressed already; deflating them again costs time for nothing.
            kind = zipfile.ZIP_STORED if name.endswith((".jpg", ".png")) else zipfile.ZIP_DEFLATED
            z.writestr(_entry(f"EPUB/{name}", kind), files[name], compresslevel=9)
