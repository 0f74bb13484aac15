"""Where results go, and writing them so a failed run leaves nothing half-written.

Every file chapterbook produces goes through :func:`atomic_write` (or
:func:`atomic_path`): the content is written to a temporary file in the same
folder and renamed into place only when complete.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import platform
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from chapterbook.spec.load import Story

DEFAULT_OUTPUT_ROOT = Path("output")


def book_dir(story: Story, output_root: str | Path | None = None) -> Path:
    """output/<book>/ for a story (not created)."""
    return Path(output_root if output_root is not None else DEFAULT_OUTPUT_ROOT) / story.slug


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it; put it straight back
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to `target`; rename it onto `target` on success.

    For writers that want a file name (ReportLab, Pillow). On any exception
    the temporary file is removed and `target` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    # mkstemp makes the file private (0600); a finished book should get the permissions any new
    # file of the user's gets (0644 with the usual umask), so it can be shared or served.
    os.fchmod(fd, 0o666 & ~_umask())
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def atomic_write(target: str | Path, data: str | bytes) -> Path:
    """Write text (UTF-8) or bytes to `target` atomically; returns the path."""
    target = Path(target)
    with atomic_path(target) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
    return target


def write_json(target: str | Path, obj: Any) -> Path:
    """Write JSON with sorted keys and a trailing newline, atomically."""
    return atomic_write(target, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n")


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class HashMemo:
    """SHA-256 of files, remembered in a small JSON file by what `stat` says about each file.

    Caches are keyed by content, but hashing every illustration on every rebuild was a
    tenth of a warm build's instructions (counted under valgrind, where the CPU's SHA
    instructions are not used; in real time it is less). Like git's index, an entry is trusted while the
    file's device, inode, size, modification and change times are all as they were.
    Writing to a file always sets its change time (which no tool can set back), so
    edited content is never mistaken for the old. A file changed less than
    :data:`RACY_SECONDS` before it was hashed is not remembered: a second write
    within the file system's clock tick could leave its times unchanged.
    Safe to use from several threads.
    """

    RACY_SECONDS = 2.0

    def __init__(self, file: Path):
        self.file = file
        try:
            self._known: dict[str, list] = json.loads(file.read_text(encoding="utf-8"))
            if not isinstance(self._known, dict):
                self._known = {}
        except (OSError, ValueError):
            self._known = {}
        self._changed = False
        self._lock = threading.Lock()

    @staticmethod
    def _key(st: os.stat_result) -> list[int]:
        return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]

    def sha256(self, path: Path) -> str:
        """The file's SHA-256 (hex), hashing it only when it is new or has changed."""
        name = str(Path(path).resolve())
        before = os.stat(name)
        key = self._key(before)
        with self._lock:
            known = self._known.get(name)
        if isinstance(known, list) and known[:-1] == key:
            return known[-1]
        digest = sha256_file(name)
        newest = max(before.st_mtime_ns, before.st_ctime_ns) / 1e9
        if self._key(os.stat(name)) == key and time.time() - newest > self.RACY_SECONDS:
            with self._lock:
                self._known[name] = [*key, digest]
                self._changed = True
        return digest

    def save(self) -> None:
        """Write what was learned (atomically); nothing when nothing changed."""
        with self._lock:
            if not self._changed:
                return
            text = json.dumps(self._known, sort_keys=True)
            self._changed = False
        atomic_write(self.file, text)


def sha256_text(text: str | bytes) -> str:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def package_versions(names: tuple[str, ...] = ("chapterbook", "reportlab", "jinja2", "pillow", "pydantic", "markdown", "openai", "ruamel.yaml")) -> dict[str, str]:
    """Installed versions of the packages that shape the output."""
    return {"python": platform.python_version(), **{name: _installed_version(name) for name in names}}


@functools.lru_cache(maxsize=None)  # installed packages do not change while we run


def _installed_version(name: str) -> str:
    """The Version header of a package's METADATA.

    metadata.version() parses the whole file as an e-mail message, and some
    packages put a 100 KB README in it (openai does); that took longer than a
    cached draft run. The headers end at the first blank line.
    """
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return "not installed"
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    for line in text.splitlines():
        if not line.strip():
            break
        if line.startswith("Version:"):
            return line.partition(":")[2].strip()
    return dist.version  # unusual metadata: let importlib parse it


def input_hashes(story: Story, extra: dict[str, Path] | None = None) -> dict[str, str]:
    """Hashes of everything a build reads from the story folder, keyed by path."""
    files: dict[str, Path] = {"story.yaml": story.path}
    for i, source in enumerate(story.texts):
        if source is not None and source.file != story.path:
            files[f"chapters[{i}]"] = source.file
    for extra_name, extra_path in (extra or {}).items():
        files[extra_name] = extra_path
    out = {}
    for name, path in files.items():
        try:
            rel = str(Path(path).resolve().relative_to(story.root.resolve()))
        except ValueError:
            rel = name
        out[rel] = sha256_file(path)
    return dict(sorted(out.items()))


def build_record(story: Story, outputs: dict[str, Path], inputs: dict[str, str], **extra: Any) -> dict[str, Any]:
    """What went into a build and what came out, for build.json."""
    return {
        "book": story.spec.book.title,
        "story": str(story.path),
        "inputs": inputs,
        "outputs": {name: {"file": p.name, "sha256": sha256_file(p)} for name, p in sorted(outputs.items())},
        "versions": package_versions(),
        "argv": sys.argv[1:],
        **extra,
    }
