"""Illustration files: checked, oriented, flattened and resampled to exactly 300 ppi, cached by content.

A picture's header is checked (format, size, decompression bombs) before the
book is laid out; decoding and resampling then run in worker processes
(:mod:`chapterbook.render.resample`, queued by :class:`Resampler`) while the caller
goes on, and a picture that turns out to be damaged stops the build with a clear
message (the caller writes its PDF atomically, so nothing half-written is left).
The resampled result is a baseline JPEG that ReportLab embeds as is (no
re-encoding), which is what makes warm rebuilds cheap.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import re
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from chapterbook import progress
from chapterbook.errors import Location, RenderError
from chapterbook.output import HashMemo, atomic_write, sha256_file
from chapterbook.print_rules import PPI, fit, ppi_at  # noqa: F401  (fit, ppi_at: beside PPI, so validate's checks need no Pillow)
from chapterbook.render import resample as pixels
from chapterbook.render.resample import MAX_WORKERS, workers

# A 8.5x11 in page at 300 ppi is 8.4 Mpx; 60 Mpx leaves room for generous
# originals while refusing decompression bombs long before they are decoded.
MAX_PIXELS = 60_000_000
# Bumped whenever the resampling pipeline changes (render/resample.py), so old cache entries are not reused.
PIPELINE = f"v6-srgb-lanczos-gap{pixels.REDUCING_GAP:g}-q{pixels.QUALITY}-444"  # v3: transparent pictures of grey books flattened in grey; v4: their JPEGs decoded to luma; v5: 300-450 ppi kept (print_rules.kept_as_is); v6: Lanczos with reducing_gap
FORMATS = {"PNG", "JPEG", "WEBP", "TIFF", "MPO"}
PREPARING = "Preparing pictures"  # the progress stage of resampling, with counts


@dataclass(frozen=True)
class Placed:
    """An image for the PDF: a cached JPEG and the size it must be drawn at.

    Its size is known from the source's header alone, so a book can be laid out
    while the picture is still being resampled (see :class:`Resampler`); `file`
    waits for it.
    """

    path: Path  # where the resampled JPEG is cached
    source: Path
    px: tuple[int, int]
    source_px: tuple[int, int]
    job: Future | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def file(self) -> Path:
        """The resampled JPEG, once it exists: waits for its resampling, and raises its RenderError."""
        if self.job is not None:
            self.job.result()
        return self.path

    @property
    def file_when_written(self) -> Path | Callable[[], Path]:
        """The resampled JPEG when it is there (raising its RenderError when it failed), else a function that waits for it.

        For a PDF page, which only names its pictures: their bytes are read when the PDF is
        written (rl_fast.draw_image_file), so the layout need not wait here.
        """
        if self.job is None or self.job.done():
            return self.file
        return lambda: self.file

    @property
    def size_pt(self) -> tuple[float, float]:
        """Drawn size in points: exactly the pixels at 300 ppi."""
        return (self.px[0] * 72.0 / PPI, self.px[1] * 72.0 / PPI)

    @property
    def source_ppi(self) -> float:
        """The resolution the original would have had at this placed size."""
        return ppi_at(self.source_px, self.px)


def _fail(message: str, source: Path, where: Location | None, field: str, hint: str) -> RenderError:
    return RenderError(f"{message}: {source.name}", where=where, path=field, hint=hint)


# What image_size found, by (path, inode, size, mtime_ns): a build asks for the same picture once per layout
# attempt and again for the preview. A changed file has a new stat, so it is read again.
_PROBED: dict[tuple[str, int, int, int], tuple[int, int]] = {}


def image_size(source: Path, where: Location | None = None, field: str = "") -> tuple[int, int]:
    """Width and height in pixels after EXIF orientation, read from the header only.

    Refuses files that are not images, are not a supported format, or claim
    more pixels than :data:`MAX_PIXELS` (decompression bombs).
    """
    try:
        st = os.stat(source)
        key = (os.fspath(source), st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        key = None
    if key is not None and key in _PROBED:
        return _PROBED[key]
    size = _probe(source, where, field)
    if key is not None:
        _PROBED[key] = size
    return size


def _png_orientation(img: Image.Image) -> int:
    """A PNG's EXIF orientation, from its eXIf chunk wherever it is, without decoding a pixel.

    Pillow's PNG getexif() decodes the whole image when no eXIf chunk precedes the
    pixel data (it reads on past them): for a 4,000 px picture that is most of a
    warm build's time. Here the chunks after the pixels are skipped over by their
    lengths instead.
    """
    exif = img.info.get("exif")
    if exif is None:
        fp = img.fp  # type: ignore[attr-defined]  # an opened file (ImageFile) has its stream here
        pos = fp.tell()
        try:
            fp.seek(8)  # the signature; then length, type, data, CRC per chunk
            while True:
                head = fp.read(8)
                if len(head) < 8:
                    break
                length, ctype = int.from_bytes(head[:4], "big"), head[4:]
                if ctype == b"eXIf":
                    exif = fp.read(length)
                    break
                if ctype == b"IEND":
                    break
                fp.seek(length + 4, os.SEEK_CUR)
        finally:
            fp.seek(pos)
    if not exif:
        return 1
    data = Image.Exif()
    try:
        data.load(exif)  # with or without the "Exif\0\0" prefix
    except Exception:  # noqa: BLE001 - unreadable EXIF: upright, as Pillow's own reading treats it
        return 1
    return data.get(0x0112, 1)


def _probe(source: Path, where: Location | None, field: str) -> tuple[int, int]:
    try:
        with warnings.catch_warnings():
            # Pillow warns (and our pytest config turns warnings into errors) before its
            # own, higher, bomb limit; our limit below is the one that decides.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(source) as img:
                fmt, (w, h) = img.format, img.size
                if w * h > MAX_PIXELS:
                    raise _too_big(source, where, field, (w, h))
                if fmt == "PNG":
                    orientation = _png_orientation(img)
                else:
                    orientation = img.getexif().get(0x0112, 1) if fmt in ("JPEG", "MPO", "TIFF", "WEBP") else 1
    except Image.DecompressionBombError as exc:
        # Pillow's own (higher) limit fired first; it only tells the pixel count.
        m = re.search(r"\((\d+) pixels\)", str(exc))
        raise _too_big(source, where, field, None, int(m.group(1)) if m else None) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _fail(
            "the image cannot be read: the file is damaged or is not a picture",
            source,
            where,
            field,
            "open it in an image editor and save it again as PNG or JPEG",
        ) from None
    if fmt not in FORMATS:
        raise _fail(f"{fmt} images are not supported", source, where, field, "save it as PNG, JPEG, WebP or TIFF")
    if w * h > MAX_PIXELS:
        raise _too_big(source, where, field, (w, h))
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def _too_big(source: Path, where: Location | None, field: str, size: tuple[int, int] | None, total: int | None = None) -> RenderError:
    dims = f" ({size[0]} x {size[1]} pixels)" if size else (f" ({total / 1e6:.0f} million pixels)" if total else "")
    return _fail(
        f"the image is far too large to be a book illustration{dims}; it is refused so it cannot exhaust memory",
        source,
        where,
        field,
        f"save it at most {MAX_PIXELS // 1_000_000} million pixels (for a full 8.5x11 in page 2550 x 3300 is enough)",
    )


def plan(
    source: Path,
    px: tuple[int, int],
    cache_dir: Path,
    *,
    crop: bool = False,
    where: Location | None = None,
    field: str = "",
    hashes: HashMemo | None = None,
    source_px: tuple[int, int] | None = None,
    grey: bool = False,
    exact: bool = False,
) -> Placed:
    """Check the source's header and name its cache entry by content; nothing is decoded.

    Refuses what :func:`image_size` refuses. `hashes` remembers the sources'
    content hashes between builds. `source_px`: what image_size already said.
    `exact`: the picture must be exactly `px` (for screens), not 300-450 ppi there (resample.make); one
    with transparency is then kept as a PNG with it (its file ends in .png: resample.screen_png).
    """
    source_px = source_px or image_size(source, where, field)
    content = hashes.sha256(source) if hashes is not None else sha256_file(source)
    flags = (b"|grey" if grey else b"") + (b"|exact" if exact else b"")
    digest = hashlib.sha256(f"{content}|{px[0]}x{px[1]}|crop={crop}|{PIPELINE}".encode() + flags)
    suffix = ".png" if exact and pixels.has_alpha_file(source) else ".jpg"
    return Placed(cache_dir / f"{digest.hexdigest()[:32]}{suffix}", source, px, source_px)


CACHED = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")  # the cache's own pictures (see plan); nothing else is pruned


def _still_cached(path: Path) -> bool:
    """Whether the cache has this picture; a hit is marked (its time set to now) so :func:`prune` keeps it."""
    try:
        os.utime(path)
        return True
    except FileNotFoundError:
        return False
    except OSError:  # a read-only cache still serves what it has
        return path.exists()


def prune(cache_dir: Path, unused_since: float) -> int:
    """Remove the cache's pictures that no build has used since the time `unused_since`; returns how many.

    Every hit and every new picture sets its file's time, so after a build the
    pictures older than its start are ones it did not need: earlier versions of
    an illustration, sizes from an earlier layout.
    """
    removed = 0
    for file in cache_dir.glob("*.*"):
        if not CACHED.match(file.name):
            continue
        with contextlib.suppress(OSError):
            if file.stat().st_mtime < unused_since:
                file.unlink()
                removed += 1
    return removed


def resample(
    placed: Placed,
    *,
    crop: bool = False,
    where: Location | None = None,
    field: str = "",
    grey: bool = False,
    pool: Executor | None = None,
    exact: bool = False,
) -> None:
    """Make the cached JPEG of a planned image, unless the cache has it already; raises RenderError.

    The pixels are worked on in `pool` (a worker process; see resample.pool) or, without
    one, here. `grey` (a black-and-white interior) stores it in greyscale, with a JPEG
    comment saying whether the original had colour (chapterbook.render.ink reads it back)."""
    if _still_cached(placed.path):
        return
    job = (os.fspath(placed.source), placed.px, crop, grey, None, exact, placed.path.suffix == ".png")  # a PNG keeps its alpha (plan)
    with _ONE_BIG_AT_A_TIME if _decoded_pixels(placed) > BIG_PICTURE_PX else contextlib.nullcontext():
        data = _run(pixels.make, job, pool, placed.source, where, field)
    atomic_write(placed.path, data)


# A picture that decodes to more pixels than this is resampled while no other such picture is: two
# 4,800 px RGBA PNGs at once held 200 MB in the workers, which put a 450-page build's memory above
# WeasyPrint's. Smaller pictures still go side by side with it (and the layout goes on meanwhile).
BIG_PICTURE_PX = 8_000_000
_ONE_BIG_AT_A_TIME = threading.Lock()


def _decoded_pixels(placed: Placed) -> int:
    """About how many pixels resampling `placed` decodes: a JPEG is decoded at 1/2, 1/4 or 1/8 scale when that covers its size."""
    (sw, sh), (w, h) = placed.source_px, placed.px
    scale = 1
    if _is_jpeg(placed.source):
        while scale < 8 and sw // (2 * scale) >= w and sh // (2 * scale) >= h:
            scale *= 2
    return (sw // scale) * (sh // scale)


def _run(work, args: tuple, pool: Executor | None, source: Path, where: Location | None, field: str):
    """`work(*args)` in `pool` or here; its result, with a picture that cannot be decoded reported at file:line."""
    try:
        return work(*args) if pool is None else pool.submit(work, *args).result()
    except pixels.Unreadable:
        raise _fail(
            "the image cannot be read: the file is damaged (it may be cut short)",
            source,
            where,
            field,
            "open it in an image editor and save it again, or remove 'image:' to use a placeholder",
        ) from None
    except BrokenProcessPool:
        # The worker died on this picture (a decoder crash on a malformed file, or killed for memory).
        pixels.pool_broken()
        raise _fail(
            "the image could not be decoded: the program reading it stopped (the file may be damaged, or too large for this computer's memory)",
            source,
            where,
            field,
            "open it in an image editor and save it again as PNG or JPEG, or remove 'image:' to use a placeholder",
        ) from None


def colours(sources: list[Path]) -> dict[Path, bool]:
    """Whether each picture has visible colour (resample.has_colour), judged side by side in the worker processes.

    Pictures that cannot be decoded are left out (they are reported where they are
    measured). The caller keeps the answers (validate's checks: story.memo, by content).
    """
    jobs: dict[Path, Future | None] = {}
    pool = None
    for source in dict.fromkeys(sources):
        if _is_jpeg(source):
            jobs[source] = None  # judged here, on a 1/8-scale decode: a few milliseconds (see _is_jpeg)
        else:
            pool = pool or pixels.pool()
            jobs[source] = pool.submit(pixels.has_colour_file, os.fspath(source)) if pool is not None else None
    out: dict[Path, bool] = {}
    for source, job in jobs.items():
        try:
            out[source] = job.result() if job is not None else pixels.has_colour_file(os.fspath(source))
        except pixels.Unreadable:
            continue
        except BrokenProcessPool:
            pixels.pool_broken()
            continue
    return out


def prepare(
    source: Path,
    px: tuple[int, int],
    cache_dir: Path,
    *,
    crop: bool = False,
    where: Location | None = None,
    field: str = "",
    hashes: HashMemo | None = None,
) -> Placed:
    """The image resampled to exactly `px` pixels (a cached JPEG), decoding only when not cached.

    `crop` fills `px` by cropping the centre (cover art); otherwise the caller
    has already given a size with the source's shape (see :func:`fit`).
    """
    placed = plan(source, px, cache_dir, crop=crop, where=where, field=field, hashes=hashes)
    if not _still_cached(placed.path):  # the workers are started only for work, and not for a JPEG (see _is_jpeg)
        resample(placed, crop=crop, where=where, field=field, pool=None if _is_jpeg(source) else pixels.pool())
    return placed


# The worker processes are started once this many pictures (other than JPEGs) need resampling.
MIN_FOR_PROCESSES = 4


def _is_jpeg(source: Path) -> bool:
    """Whether the file is a JPEG, by its first bytes (the start-of-image marker).

    A JPEG is resampled on a thread of the caller's process: libjpeg decodes it at reduced
    scale in long calls that release the interpreter lock, so its memory stays modest and a
    worker process would only add its start and copies (measured on the bench's 16 JPEGs:
    0.3 s more CPU than threads). Other formats (PNG above all) go to the worker processes:
    they are decoded whole, in many short calls between which a thread waits for the lock
    while the layout holds it, and a 4,800 px RGBA PNG takes 90 MB while it is flattened.
    """
    try:
        with open(source, "rb") as f:
            return f.read(3) == b"\xff\xd8\xff"
    except OSError:
        return False


class Resampler:
    """Resamples pictures on worker threads and processes while the caller goes on laying out the book.

    :meth:`submit` checks a picture's header at once (a damaged file or a
    decompression bomb is refused right there) and returns its :class:`Placed`,
    whose `file` waits for the resampled JPEG. Each picture is a job on a thread (one
    per core), so jobs can be counted, waited for and cancelled, while reading the
    fonts and building the pages in the caller's thread overlaps with the pictures.
    A JPEG is worked on by the thread itself; any other picture the thread hands to
    a worker process (resample.pool) and waits for (see :func:`_is_jpeg` for why).
    `processes=False` keeps every picture on the threads; the output is the same byte for byte.
    Use as a context manager: leaving it cancels what has not started and waits
    for the rest, so nothing writes into the cache after the render has returned.
    """

    def __init__(self, cache_dir: Path, max_workers: int | None = None, grey: bool = False, processes: bool = True, exact: bool = False):
        """`processes`: whether pictures other than JPEGs go to the worker processes (see :func:`_is_jpeg`).
        `exact`: every picture exactly the size asked for (screens), not kept at 300-450 ppi (print)."""
        self.cache_dir = cache_dir
        self.grey = grey  # a black-and-white interior: pictures stored in greyscale
        self.exact = exact
        self.hashes = HashMemo(cache_dir / "sources.json")
        self._use_processes = processes
        self.min_for_processes = MIN_FOR_PROCESSES
        self._for_processes = 0
        self.processes: Executor | None = None  # the worker pool, once a picture needs one; None: the threads do the work
        self._pool = ThreadPoolExecutor(max_workers=max_workers or workers(MAX_WORKERS), thread_name_prefix="resample")
        self._jobs: dict[Path, Future] = {}
        self._done = 0
        self._lock = threading.Lock()

    def submit(
        self,
        source: Path,
        px: tuple[int, int],
        *,
        crop: bool = False,
        where: Location | None = None,
        field: str = "",
        source_px: tuple[int, int] | None = None,
    ) -> Placed:
        placed = plan(
            source, px, self.cache_dir, crop=crop, where=where, field=field, hashes=self.hashes, source_px=source_px, grey=self.grey, exact=self.exact
        )
        job = self._jobs.get(placed.path)  # the same picture at the same size twice: resampled once
        if job is None:
            if _still_cached(placed.path):
                return placed
            pool = None
            if self._use_processes and not _is_jpeg(source) and self._count_for_processes():
                if self.processes is None:
                    self.processes = pixels.pool()  # started here, in the caller's thread, and only for work (None on one core)
                pool = self.processes
            job = self._jobs[placed.path] = self._pool.submit(
                resample, placed, crop=crop, where=where, field=field, grey=self.grey, pool=pool, exact=self.exact
            )
            progress.report(PREPARING, self._done, len(self._jobs))
            job.add_done_callback(self._one_done)
        return dataclasses.replace(placed, job=job)

    def _count_for_processes(self) -> bool:
        """Count one more picture for the worker processes; whether there are enough now to start them.

        The workers and their server take about 60 MB and 0.15 s to start: for a short book's
        two or three PNGs that is more than it saves (a 38-page book peaked at 1.15x WeasyPrint's
        memory with them, 0.86x without), so the first few stay on the threads.
        """
        self._for_processes += 1
        return self._for_processes >= self.min_for_processes

    def _one_done(self, job: Future) -> None:
        if job.cancelled():  # dropped (drop_pending), not done
            return
        with self._lock:  # called on the worker threads
            self._done += 1
            done, total = self._done, len(self._jobs)
        progress.report(PREPARING, done, total)

    def drop_pending(self) -> int:
        """Cancel the pictures not started yet (planned at a size the layout no longer wants); returns how many.

        Those already being resampled finish; they may still be wanted, and their
        cache entries are pruned later if not.
        """
        with self._lock:
            dropped = [path for path, job in self._jobs.items() if job.cancel()]
            for path in dropped:
                del self._jobs[path]
            self._done = sum(1 for job in self._jobs.values() if job.done())
        return len(dropped)

    def finish(self) -> None:
        """Wait for every picture; raises the first failure in the order they were submitted."""
        for job in self._jobs.values():
            job.result()
        self.hashes.save()

    def __enter__(self) -> Resampler:
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def decode(source: Path, px: tuple[int, int], where: Location | None = None, field: str = "") -> Image.Image:
    """The picture upright, on white, in 8-bit sRGB, decoded here for a size of about `px` (resample.decode); raises RenderError."""
    return _run(pixels.decode, (source, px), None, source, where, field)
