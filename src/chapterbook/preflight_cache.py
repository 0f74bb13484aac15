"""Preflight reports remembered by the PDF's content, so an identical PDF is not read through again.

Preflight parses every page's content stream with pypdf (pure Python): about half a
second per hundred pages. A rebuild that writes the same bytes as before (the
renderer is deterministic) gets the same findings, so the report is kept in the
output's ``.cache/preflight/`` under a key made of the PDF's SHA-256, the kind and
trim asked for, and the fingerprint of chapterbook's files and installed packages
(a changed rule or a new pypdf means a fresh check). Entries are JSON, never
pickles: an output folder may come from somebody else.

A PDF that changed (one chapter edited) is checked again, but each page whose
content, images and forms are as before is not parsed again: what scanning it found
is kept by the page's signature in ``pages-<kind>.json`` (see preflight.preflight).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from chapterbook.output import atomic_write, sha256_file
from chapterbook.preflight_findings import PreflightReport, report_from_json, report_to_json
from chapterbook.uptodate import code_fingerprint

VERSION = 1


def preflight_cached(pdf: Path, cache_dir: Path, *, kind: str, trim_in: tuple[float, float] | None, ours: bool = False) -> PreflightReport:
    """preflight(pdf, kind=kind, trim_in=trim_in), from `cache_dir` when this very PDF was checked before.

    `ours`: the build has just written `pdf`; it is read without pypdf when it has ReportLab's plain shape.
    """
    key = hashlib.sha256(f"{VERSION}|{code_fingerprint()}|{kind}|{trim_in}|{sha256_file(pdf)}".encode()).hexdigest()[:32]
    file = cache_dir / f"{kind}-{key}.json"
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError, AttributeError):
        return report_from_json(json.loads(file.read_text(encoding="utf-8")), Path(pdf))
    pages_file = cache_dir / f"pages-{kind}.json"
    stamp = f"{VERSION}|{code_fingerprint()}"
    seen: dict[str, dict] = {}
    with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
        stored = json.loads(pages_file.read_text(encoding="utf-8"))
        if stored.get("stamp") == stamp and isinstance(stored.get("pages"), dict):
            seen = stored["pages"]
    used: dict[str, dict] = {}
    report = preflight(pdf, kind=kind, trim_in=trim_in, pages_seen=_Recorder(seen, used), ours=ours)
    with contextlib.suppress(OSError):
        for old in cache_dir.glob(f"{kind}-*.json"):  # one entry per kind: the book's PDFs as they are now
            old.unlink()
        atomic_write(file, json.dumps(report_to_json(report)))
        atomic_write(pages_file, json.dumps({"stamp": stamp, "pages": used}))  # only this PDF's pages: the file stays the book's size
    return report


def preflight(pdf: Path, **options) -> PreflightReport:
    """chapterbook.preflight.preflight, loaded on first use: a PDF's reader is needed only for a PDF not checked before."""
    from chapterbook.preflight import preflight as check

    return check(pdf, **options)


class _Recorder(dict):
    """The pages seen before, which notes in `used` every page this PDF has (found again or scanned anew)."""

    def __init__(self, seen: dict[str, dict], used: dict[str, dict]):
        super().__init__(seen)
        self.used = used

    def __getitem__(self, key: str) -> dict:
        value = super().__getitem__(key)
        self.used[key] = value
        return value

    def __setitem__(self, key: str, value: dict) -> None:
        super().__setitem__(key, value)
        self.used[key] = value
