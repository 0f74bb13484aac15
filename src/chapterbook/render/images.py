"""Illustration files: checked, oriented, flattened and resampled to exactly 300 ppi, cached by content.

A picture's header is checked (format, size, decompression bombs) before the
book is laid out; decoding and resampling then run on worker threads
(:class:`Resampler`) while the caller goes on, and a picture that turns out to be
damaged stops the build with a clear message (the caller writes its PDF
atomically, so nothing half-written is left). The resampled result is a
baseline JPEG that ReportLab embeds as is (no re-encoding), which is what
makes warm rebuilds cheap.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import os
import re
import threading
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from chapterbook import progress
from chapterbook.errors import Location, RenderError
from chapterbook.output import HashMemo, atomic_path, sha256_file
from chapterbook.print_rules import PPI  # pictures are resampled to exactly this

# A 8.5x11 in page at 300 ppi is 8.4 Mpx; 60 Mpx leaves room for generous
# originals while refusing decompression bombs long before they are decoded.
MAX_PIXELS = 60_000_000
# Bumped whenever the resampling pipeline changes, so old cache entries are not reused.
PIPELINE = "v2-srgb-lanczos-q92-444"
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
    def size_pt(self) -> tuple[float, float]:
        """Drawn size in points: exactly the pixels at 300 ppi."""
        return (self.px[0] * 72.0 / PPI, self.px[1] * 72.0 / PPI)

    @property
    def source_ppi(self) -> float:
        """The resolution the original would have had at this placed size."""
        return ppi_at(self.source_px, self.px)


def ppi_at(source_px: tuple[int, int], px: tuple[int, int]) -> float:
    """The resolution a picture of `source_px` pixels has when printed at `px` pixels of 300 ppi."""
    return min(source_px[0] / px[0], source_px[1] / px[1]) * PPI


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


def fit(source_px: tuple[int, int], box_pt: tuple[float, float]) -> tuple[int, int]:
    """Pixel size at 300 ppi of the largest rectangle with the source's shape inside `box_pt`."""
    sw, sh = source_px
    bw, bh = box_pt[0] / 72.0 * PPI, box_pt[1] / 72.0 * PPI
    scale = min(bw / sw, bh / sh)
    return max(1, int(sw * scale)), max(1, int(sh * scale))


# At most this many images are resampled at once: each holds its decoded original
# (up to MAX_PIXELS x 4 bytes), so more threads would buy little and cost memory.
MAX_WORKERS = 4


def workers(jobs: int) -> int:
    """Threads for resampling `jobs` images: one per available core, at most MAX_WORKERS.

    Pillow releases the interpreter lock while it decodes, resamples and encodes,
    so the threads really run side by side.
    """
    try:
        cores = len(os.sched_getaffinity(0))  # the cores this process may use (containers, taskset)
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(jobs, cores, MAX_WORKERS))


def _reuse_image_memory(blocks: int = 12 * MAX_WORKERS) -> None:
    """Let Pillow keep freed image memory for the next image instead of returning it at once.

    By default every decode, convert and resize maps fresh memory and the first write to
    each page faults; for 16 illustrations that was 66,000 page faults against 9,000 with
    reuse (measured, bench/README.md), and on a virtual machine each fault is expensive.
    Pillow's blocks are 16 MB at most; the limit is about what the workers' images
    need at their peak anyway. A larger limit set by the caller is left alone.
    """
    if Image.core.get_blocks_max() < blocks:
        Image.core.set_blocks_max(blocks)


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
) -> Placed:
    """Check the source's header and name its cache entry by content; nothing is decoded.

    Refuses what :func:`image_size` refuses. `hashes` remembers the sources'
    content hashes between builds. `source_px`: what image_size already said.
    """
    source_px = source_px or image_size(source, where, field)
    content = hashes.sha256(source) if hashes is not None else sha256_file(source)
    digest = hashlib.sha256(f"{content}|{px[0]}x{px[1]}|crop={crop}|{PIPELINE}".encode() + (b"|grey" if grey else b""))
    return Placed(cache_dir / f"{digest.hexdigest()[:32]}.jpg", source, px, source_px)


CACHED = re.compile(r"^[0-9a-f]{32}\.jpg$")  # the cache's own pictures (see plan); nothing else is pruned


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
    for file in cache_dir.glob("*.jpg"):
        if not CACHED.match(file.name):
            continue
        with contextlib.suppress(OSError):
            if file.stat().st_mtime < unused_since:
                file.unlink()
                removed += 1
    return removed


def resample(placed: Placed, *, crop: bool = False, where: Location | None = None, field: str = "", grey: bool = False) -> None:
    """Make the cached JPEG of a planned image, unless the cache has it already.

    `grey` (a black-and-white interior) stores it in greyscale, with a JPEG comment
    saying whether the original had colour (chapterbook.render.ink reads it back)."""
    if _still_cached(placed.path):
        return
    _reuse_image_memory()
    image = _decode(placed.source, placed.px, where, field)
    extra = {}
    if grey:
        from chapterbook.render.ink import WAS_COLOUR, has_colour

        # Judged and turned grey before resampling: Lanczos then works on one channel instead of three
        # (greyscale is a weighted sum of the channels, so the order changes nothing but rounding).
        extra["comment"] = WAS_COLOUR if has_colour(image) else b""
        image = image.convert("L")
    image = ImageOps.fit(image, placed.px, Image.Resampling.LANCZOS) if crop else image.resize(placed.px, Image.Resampling.LANCZOS)
    with atomic_path(placed.path) as tmp:
        image.save(tmp, "JPEG", quality=92, subsampling=0, dpi=(PPI, PPI), **extra)


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
    resample(placed, crop=crop, where=where, field=field)
    return placed


class Resampler:
    """Resamples pictures on worker threads while the caller goes on laying out the book.

    :meth:`submit` checks a picture's header at once (a damaged file or a
    decompression bomb is refused right there) and returns its :class:`Placed`,
    whose `file` waits for the resampled JPEG. Pillow releases the interpreter lock
    while it decodes, resamples and encodes, so reading the fonts and building the
    pages in the caller's thread overlaps with the pictures. Use as a context
    manager: leaving it cancels what has not started and waits for the rest, so no
    thread writes into the cache after the render has returned.
    """

    def __init__(self, cache_dir: Path, max_workers: int | None = None, grey: bool = False):
        self.cache_dir = cache_dir
        self.grey = grey  # a black-and-white interior: pictures stored in greyscale
        self.hashes = HashMemo(cache_dir / "sources.json")
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
        placed = plan(source, px, self.cache_dir, crop=crop, where=where, field=field, hashes=self.hashes, source_px=source_px, grey=self.grey)
        job = self._jobs.get(placed.path)  # the same picture at the same size twice: resampled once
        if job is None:
            if _still_cached(placed.path):
                return placed
            job = self._jobs[placed.path] = self._pool.submit(resample, placed, crop=crop, where=where, field=field, grey=self.grey)
            progress.report(PREPARING, self._done, len(self._jobs))
            job.add_done_callback(self._one_done)
        return dataclasses.replace(placed, job=job)

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
    """The picture upright, on white, in 8-bit sRGB, decoded for a size of about `px` (JPEG decodes smaller when it can)."""
    return _decode(source, px, where, field)


def _decode(source: Path, px: tuple[int, int], where: Location | None, field: str) -> Image.Image:
    """Fully decode the image upright, on white, in 8-bit sRGB."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(source) as opened:
                img: Image.Image = opened
                if img.format == "JPEG":
                    # Lets libjpeg decode at 1/2, 1/4… scale when that still covers the target: much faster.
                    img.draft("RGB", (px[0], px[1]))
                img.load()
                icc = img.info.get("icc_profile")
                # In place: an upright picture (the usual case) is not copied. Neither is one that is
                # already RGB below; each copy of a 2400 x 1800 original is 13 MB of fresh memory.
                ImageOps.exif_transpose(img, in_place=True)
                img = _eight_bits(img)
                if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
                    rgba = img.convert("RGBA")
                    img = Image.new("RGB", rgba.size, (255, 255, 255))  # white stays white in any RGB profile
                    img.paste(rgba, mask=rgba.getchannel("A"))
                elif img.mode not in ("RGB", "CMYK", "L"):
                    img = img.convert("RGB")
                return _to_srgb(img, icc)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _fail(
            "the image cannot be read: the file is damaged (it may be cut short)",
            source,
            where,
            field,
            "open it in an image editor and save it again, or remove 'image:' to use a placeholder",
        ) from None


def _eight_bits(img: Image.Image) -> Image.Image:
    """16-bit and 32-bit greyscale (scanned pencil art, say) scaled to 8 bits.

    Pillow's own conversion to RGB clips these at 255 instead of scaling them, so a
    16-bit scan came out almost white and a floating-point one black.
    """
    if img.mode.startswith("I;16"):
        img = img.convert("I")
    if img.mode not in ("I", "F"):
        return img
    hi = img.getextrema()[1]
    assert isinstance(hi, (int, float))  # one band (I or F): a (low, high) pair of numbers
    if img.mode == "F" and hi <= 1.0:
        scale = 255.0  # floating point from 0 to 1
    elif hi <= 255:
        scale = 1.0
    elif hi <= 65535:
        scale = 1 / 257  # 16 bits in a wider mode: 65535 -> 255
    else:
        scale = 255.0 / hi
    return img.point(lambda v: v * scale).convert("L")  # a linear map: Pillow applies it in its own mode


def _to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB in sRGB, which is what the PDF's plain RGB pictures are printed as.

    A picture saved with another colour profile (Adobe RGB and Display P3 from
    drawing apps, a CMYK profile) is converted with it, as Photoshop's "Convert to
    Profile" does by default (relative colorimetric, black point compensation);
    otherwise its numbers would be printed as if they were sRGB, duller or shifted.
    A profile that cannot be read is ignored, as a browser does.
    """
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if not ImageCms.getProfileDescription(source).strip().lower().startswith("srgb"):
                converted = ImageCms.profileToProfile(
                    img,
                    source,
                    _srgb(),
                    renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                    outputMode="RGB",
                    flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
                )
                if converted is not None:  # None only when asked to convert in place, which this does not
                    return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass
    return img if img.mode == "RGB" else img.convert("RGB")


@functools.lru_cache(maxsize=1)
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
