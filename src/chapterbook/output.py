"""Where results go, and writing them so a failed run leaves nothing half-written.

Every file chapterbook produces goes through :func:`atomic_write` (or
:func:`atomic_path`): the content is written to a temporary file in the same
folder and renamed into place only when complete. A build writes several files
that belong together; it writes them into a :func:`staging` folder and moves
them in together (see :class:`Stage`).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: the picture workers import this module and need none of the spec
    from chapterbook.spec.load import Story

DEFAULT_OUTPUT_ROOT = Path("output")


def book_dir(story: Story, output_root: str | Path | None = None) -> Path:
    """output/<book>/ for a story (not created)."""
    return Path(output_root if output_root is not None else DEFAULT_OUTPUT_ROOT) / story.slug


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block is done, then deliver them.

    For work that must not stop half way: moving a build into place, clearing
    up after a failed one. A Python handler rather than a blocked signal mask,
    because the mask is per thread and a progress bar's thread would still take
    the signal. Handlers can only be set in the main thread; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda signum, frame: pending.append(signum)) for sig in held}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)  # None: set outside Python
        if pending:
            signal.raise_signal(pending[0])  # to the handler that was there before: as if it came just now


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


STAGE_PREFIX = ".staging-"
JOURNAL = ".moving-in.json"
CACHE = ".cache"  # a book's caches: never part of a build, kept across builds
CACHE_TMP_STALE_S = 600.0  # a cache temporary this old was left by a run that was killed


class Stage:
    """A build's files, written into a hidden folder inside output/<book>/ and moved in together.

    Use through :func:`staging`. Renderers write into :attr:`folder` as if it were
    the book's folder; :meth:`commit` then moves every file in, removes the stale
    files the build names (its formats' files it did not make this time; the other
    formats' files stay), and puts build.json in last.
    Until then output/<book>/ holds the last good build untouched; a build that
    fails or is stopped leaves it as it was. The folder is inside output/<book>/
    rather than beside it so the renames never cross a mount point.

    The move is held from Ctrl-C and SIGTERM (:func:`deferred`), and a journal in
    the staging folder lists what it does first, so that even a run killed
    outright (SIGKILL, power) mid-move is finished by the next build.
    """

    def __init__(self, book: Path, folder: Path):
        self.book = book
        self.folder = folder
        self.committed = False

    def commit(self, files: list[str], record: str, remove: set[str]) -> dict[str, Path]:
        """Move `files` and then `record` (build.json) into the book's folder; returns their new paths.

        `remove` names the files to go (chapterbook.build works them out: the stale files of the formats
        built, and any the last build.json listed that no format makes now); those in `files` stay, of course.
        With the files kept, `record` (which lists them too) describes exactly what is there.
        """
        for name in [*files, record]:  # before anything moves: a folder in a file's place stops the build
            if (self.book / name).is_dir() and not (self.book / name).is_symlink():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(self.book / name))
        journal = {"files": list(files), "record": record, "remove": sorted(remove - {*files, record})}
        with deferred():
            atomic_write(self.folder / JOURNAL, json.dumps(journal))
            self.committed = True  # from here the journal owns the folder: a failed move is finished by the next run
            _move_in(self.folder, self.book, journal)
        return {name: self.book / name for name in [*files, record]}


def _move_in(folder: Path, book: Path, journal: dict) -> None:
    """Carry out a journal: the old record goes first, so no build.json ever describes a mix; then the staging folder goes."""
    if any(Path(n).name != n or n.startswith(".") for n in [*journal["files"], journal["record"], *journal["remove"]]):
        raise ValueError(f"{folder / JOURNAL} names a file outside its folder")  # only chapterbook writes these
    with contextlib.suppress(FileNotFoundError):
        (book / journal["record"]).unlink()
    for name in journal["files"]:
        if (folder / name).exists():  # a resumed move finds some already moved
            os.replace(folder / name, book / name)
    for name in journal["remove"]:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            (book / name).unlink()
    if (folder / journal["record"]).exists():
        os.replace(folder / journal["record"], book / journal["record"])
    shutil.rmtree(folder, ignore_errors=True)


def _clear_leftovers(book: Path, caches: tuple[Path, ...] = ()) -> None:
    """Finish or remove what a killed run left in `book`: staging folders and temporary files (also in `caches`).

    Called with the book's lock held, so no other build is using them. A staging
    folder with a journal had passed and was being moved in: that is finished.
    """
    stale = time.time() - CACHE_TMP_STALE_S
    for cache in caches:
        for tmp in cache.rglob(".*.tmp") if cache.is_dir() else ():
            with contextlib.suppress(OSError):
                if tmp.stat().st_mtime < stale:  # a fresh one may be `watch` writing now (it takes no lock)
                    tmp.unlink()
    for entry in book.iterdir():
        if entry.name.startswith(STAGE_PREFIX) and entry.is_dir() and not entry.is_symlink():
            try:
                journal = json.loads((entry / JOURNAL).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                journal = None
            try:
                _move_in(entry, book, journal)
            except (TypeError, KeyError, ValueError):  # no journal, or not one of ours: never passed, so dropped
                shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file():
            entry.unlink()  # atomic_path's temporaries, from chapterbook versions that wrote in place


@contextlib.contextmanager
def staging(book: Path, caches: tuple[Path, ...] = ()) -> Iterator[Stage]:
    """A :class:`Stage` for output/<book>/, holding the book's lock; removed unless committed.

    The lock (flock on the folder) makes a second build of the same book wait
    instead of mixing files with the first; where locks are not supported it is skipped.
    Leftovers of a killed run are cleared first, in `book` and in the build's own `caches`.
    """
    book = Path(book)
    if book.exists() and not book.is_dir():  # mkdir would say "exists", which is no help
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(book))
    book.mkdir(parents=True, exist_ok=True)
    stage: Stage | None = None
    fd = None
    try:
        fd = _lock(book)
        _clear_leftovers(book, caches)
        with deferred():  # a stop between making the folder and knowing it would leave the folder behind
            stage = Stage(book, Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=book)))
        _share_cache(stage.folder, book)
        yield stage
    except OSError as exc:
        if stage is None:
            exc.filename = str(book)  # the lock or the staging folder: the book's folder is what the user knows
        else:
            _name_the_real_file(exc, stage.folder, book)
        raise
    finally:
        if stage is not None and not stage.committed:
            with deferred():
                shutil.rmtree(stage.folder, ignore_errors=True)
        if fd is not None:
            os.close(fd)  # releases the lock


def _share_cache(folder: Path, book: Path) -> None:
    """Make `folder`/.cache the book's own .cache, so a renderer that keeps its cache beside its output keeps it.

    Renderers are handed the staging folder as their output folder; without this, caches they
    put in "<out_dir>/.cache" (the ebook's) would be made afresh and thrown away by every build.
    Where links cannot be made (Windows without the right), the cache is just not kept.
    """
    (book / CACHE).mkdir(exist_ok=True)
    with contextlib.suppress(OSError, NotImplementedError):
        os.symlink(Path("..") / CACHE, folder / CACHE, target_is_directory=True)


def _lock(book: Path) -> int | None:
    """Lock the book's folder for this process (waiting for another build to finish); returns the fd to close."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock (nor folders opened as files); builds of one book must not overlap there
        return None
    fd = os.open(book, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        from chapterbook import progress

        progress.report("Waiting for another build of this book to finish")
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:
        pass  # a file system without locks
    return fd


def _name_the_real_file(exc: OSError, folder: Path, book: Path) -> None:
    """Point an error about a staged or temporary file at the file the user knows (output/<book>/book.pdf)."""
    name = exc.filename
    if not name:
        exc.filename = str(book)  # e.g. a full disk found while writing: the disk is the book folder's
        return
    path = Path(os.fsdecode(name))
    with contextlib.suppress(ValueError):
        rel = path.relative_to(folder)
        first = rel.parts[0] if rel.parts else ""
        if first == CACHE:
            exc.filename = str(book / rel)
            return
        if first.startswith("."):  # a temporary: .book.pdf.x1y2.tmp (atomic_path), .book-pdfx.pdf.x1y2 (pdfx)
            first = first[1:].removesuffix(".tmp").rsplit(".", 1)[0]
        exc.filename = str(book / first) if first else str(book)


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
        # The name each path given resolves to: a build asks for the same pictures from lint, the layout
        # memo, the page cache and the records (200+ times at 126 pages), and resolving stats every folder.
        self._resolved: dict[str, str] = {}

    @staticmethod
    def _key(st: os.stat_result) -> list[int]:
        return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]

    def sha256(self, path: Path) -> str:
        """The file's SHA-256 (hex), hashing it only when it is new or has changed."""
        given = os.fspath(path)
        name = self._resolved.get(given)
        if name is None:
            name = self._resolved[given] = str(Path(given).resolve())
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


def package_versions(
    names: tuple[str, ...] = ("chapterbook", "reportlab", "jinja2", "pillow", "pydantic", "markdown", "openai", "ruamel.yaml"),
) -> dict[str, str]:
    """Installed versions of the packages that shape the output."""
    import platform

    return {"python": platform.python_version(), **{name: _installed_version(name) for name in names}}


@functools.cache  # installed packages do not change while we run
def _installed_version(name: str) -> str:
    """The Version header of a package's METADATA.

    metadata.version() parses the whole file as an e-mail message, and some
    packages put a 100 KB README in it (openai does); that took longer than a
    cached draft run. The headers end at the first blank line.
    """
    from importlib import metadata  # here: importing it is a few ms (build_record keeps the answer in the memo)

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
    """Hashes of everything a build reads from the story folder, keyed by path (remembered by stat in story.memo)."""
    files: dict[str, Path] = {"story.yaml": story.path}
    for i, source in enumerate(story.texts):
        if source is not None and source.file != story.path:
            files[f"chapters[{i}]"] = source.file
    for extra_name, extra_path in (extra or {}).items():
        files[extra_name] = extra_path
    out = {}
    root = story.root.resolve()
    for name, path in files.items():
        try:
            rel = str(Path(path).resolve().relative_to(root))
        except ValueError:
            rel = name
        out[rel] = story.memo.sha256(Path(path))
    return dict(sorted(out.items()))


def build_record(story: Story, outputs: dict[str, Path], inputs: dict[str, str], versions: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    """What went into a build and what came out, for build.json (`versions`: package_versions(), when known)."""
    return {
        "book": story.spec.book.title,
        "story": str(story.path),
        "inputs": inputs,
        "outputs": {name: {"file": p.name, "sha256": sha256_file(p)} for name, p in sorted(outputs.items())},
        "versions": versions if versions is not None else package_versions(),
        "argv": sys.argv[1:],
        **extra,
    }
