"""Results worked out from a book's content, kept between runs and looked up by that content.

A rebuild after one chapter changed should not parse the unchanged YAML again, judge
the unchanged pictures' colour again, measure the unchanged diagrams again or count
the syllables of the unchanged chapters again. :class:`Memo` holds such results, each
under a SHA-256 of everything it was worked out from (the text, the file's bytes, the
rules), so a change to any input is a different key and is worked out afresh: a stale
result can never be returned. What chapterbook's own code and installed packages are
also counts (:func:`chapterbook.uptodate.code_fingerprint`): after an upgrade the whole
memo is dropped.

One file per book, ``output/<book>/.cache/front.memo``: a CRC-32, then the marshalled
entries (marshal is not meant for damaged data, so nothing is unmarshalled unless the
checksum matches). Values are stored marshalled, and each lookup unmarshals a fresh
copy, so a caller may change what it gets. Only the entries a run used are written
back, so the file holds the book as it is now and does not grow with every edit.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import threading
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

FILE = "front.memo"
HASHES = "front-hashes.json"  # the files' hashes by stat (output.HashMemo), so unchanged pictures are not read
FORMAT = "front-memo-1"  # bumped whenever what is stored changes


def content_key(*parts: Any) -> str:
    """A SHA-256 (hex) of `parts` (JSON-able values: text, numbers, lists), the same for the same parts in every run."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()


class Memo:
    """Values by (kind, content key), optionally kept in `file` between runs; safe to use from several threads.

    `made[kind]` counts the values worked out (not found) in this run, for tests and benches.
    """

    def __init__(self, file: Path | None = None, *, read_only: bool = False):
        self.file = file
        self.read_only = read_only  # validate's: it uses what the last build worked out and writes nothing
        self._known: dict[str, bytes] = {}
        self._used: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self.made: Counter[str] = Counter()
        self._hashes: Any = None  # output.HashMemo beside `file`, made on first use
        if file is not None:
            self._known = _read(file)

    @property
    def folder(self) -> Path | None:
        """The book's cache folder (output/<book>/.cache) this memo is kept in; None for a memo kept in memory only."""
        return self.file.parent if self.file is not None and not self.read_only else None

    def sha256(self, path: Path) -> str:
        """The SHA-256 of the file at `path`, remembered by its stat between runs (output.HashMemo's rule)."""
        from chapterbook.output import HashMemo, sha256_file

        if self.file is None:
            return sha256_file(path)
        with self._lock:
            if self._hashes is None:
                self._hashes = HashMemo(self.file.parent / HASHES)
        return str(self._hashes.sha256(path))

    def get(self, kind: str, key: str) -> Any:
        """The value kept for `key`, or None when there is none (store None as a value only inside a container)."""
        name = f"{kind}:{key}"
        with self._lock:
            blob = self._known.get(name)
            if blob is None:
                return None
            self._used[name] = blob
        return marshal.loads(blob)

    def keep(self, kind: str, key: str) -> bool:
        """Whether a value is kept for `key`; if so it stays in the file (as after get), without being read."""
        name = f"{kind}:{key}"
        with self._lock:
            blob = self._known.get(name)
            if blob is not None:
                self._used[name] = blob
        return blob is not None

    def put(self, kind: str, key: str, value: Any) -> None:
        """Keep `value` (marshal's types: None, bool, numbers, str, bytes, lists, tuples, dicts, sets) for `key`."""
        try:
            blob = marshal.dumps(value)
        except ValueError:  # a value marshal cannot hold: it is simply worked out again next time
            return
        name = f"{kind}:{key}"
        with self._lock:
            self._known[name] = self._used[name] = blob
            self.made[kind] += 1

    def cached(self, kind: str, key: str, make: Callable[[], Any]) -> Any:
        """The value kept for `key`, or `make()`'s (kept for next time); `make` must not return None."""
        found = self.get(kind, key)
        if found is not None:
            return found
        value = make()
        self.put(kind, key, value)
        return value

    def save(self) -> None:
        """Write the entries used in this run to the file (atomically); nothing when there is no file or nothing changed."""
        if self.file is None or self.read_only:
            return
        from chapterbook.output import atomic_write

        with self._lock:
            used = dict(self._used)
            hashes = self._hashes
        if hashes is not None:
            try:
                hashes.save()
            except OSError:
                pass
        if used == self._known and self.made.total() == 0:
            return
        body = marshal.dumps((FORMAT, _code(), sorted(used.items())))
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.file, zlib.crc32(body).to_bytes(4, "big") + body)
        except OSError:
            pass  # a cache that cannot be written costs time next run, nothing else


def _code() -> str:
    from chapterbook.uptodate import code_fingerprint

    return code_fingerprint()


def _read(file: Path) -> dict[str, bytes]:
    """The entries in `file`; none when it is missing, damaged, of another format or written by other code."""
    try:
        blob = file.read_bytes()
    except OSError:
        return {}
    body = blob[4:]
    if len(blob) < 5 or zlib.crc32(body).to_bytes(4, "big") != blob[:4]:
        return {}
    try:
        fmt, code, items = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return {}
    if fmt != FORMAT or code != _code():
        return {}
    return {str(name): bytes(value) for name, value in items}


def for_output(out_dir: Path, *, read_only: bool = False) -> Memo:
    """The memo kept in the book's output folder `out_dir` (created when first saved; never, `read_only`)."""
    return Memo(out_dir / ".cache" / FILE, read_only=read_only)
