"""The pixel work on pictures, in worker processes: decode, make grey, resample, encode, judge colour.

Everything here takes and returns plain values (paths, sizes, flags, bytes), so it
can run in a worker process of :func:`pool` as well as in the caller's own; it
imports only Pillow, so a worker starts quickly. Worker
processes, not threads: part of decoding a PNG is Python code that holds the
interpreter lock, so threads left the second core idle, and a worker's decoded
originals (up to 240 MB for a 60 Mpx picture) are freed with it instead of
raising the main process's peak memory. :mod:`chapterbook.render.images` plans,
caches and reports; it turns :class:`Unreadable` into the author's message.
"""

from __future__ import annotations

import atexit
import functools
import io
import multiprocessing
import os
import site
import sys
import threading
import types
import warnings
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

from PIL import Image, ImageChops, ImageCms, ImageOps

from chapterbook.print_rules import PPI, kept_as_is
from chapterbook.render.jpeg_embed import embeddable_jpeg

# What the resampled JPEG looks like; images.PIPELINE names it in every cache key.
QUALITY, SUBSAMPLING = 92, 0  # 4:4:4: no colour detail lost to chroma subsampling
# A picture more than this many times its printed size is first averaged over whole blocks of pixels
# (Image.reduce) down to at least this many times it, then Lanczos-resampled: Pillow's documented setting
# for a result "indistinguishable from fair resampling". On a 4,677 px PNG printed 554 px wide (genbook's)
# 64 dB from plain Lanczos, and 0.50 against 1.26 billion instructions. Less than 6 times over, nothing changes.
REDUCING_GAP = 3.0
# A JPEG up to this size is read and decoded in one call (see _opened).
JPEG_READ_AT_ONCE = 32 << 20
# At most this many pictures are resampled at once: each holds its decoded original.
MAX_WORKERS = 4
# Blocks of Pillow's memory (up to 16 MB each) a worker keeps between pictures: what a
# typical picture needs (a 2400 x 1800 original is 17 MB as RGB), so most pictures take
# no fresh pages, while the largest give theirs back.
KEPT_BLOCKS = 4
# Comment stored in a greyscale picture whose original was in colour (render.ink reads it back).
WAS_COLOUR = b"chapterbook: converted from colour"
# A picture is in colour when more than this share of its pixels is clearly coloured (not a
# grey, sepia-free scan with a few noisy pixels).
COLOURED_SHARE = 0.02
SATURATION = 40  # of 255: below this a pixel reads as grey


class Unreadable(Exception):
    """The picture's pixels cannot be decoded (damaged, cut short): images says so at its file:line."""


def cores() -> int:
    """The cores this process may use (containers and taskset limit them), at least one."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def workers(jobs: int) -> int:
    """Workers for resampling `jobs` images: one per available core, at most MAX_WORKERS."""
    return max(1, min(jobs, cores(), MAX_WORKERS))


# --- the shared pool of worker processes --------------------------------------------------------

_IMPORTED_FROM = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # holds chapterbook/
_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def pool() -> Executor | None:
    """The process-wide pool of resampling processes, started on first use; None on one core.

    Started once and reused by every stage of a build (validate's colour check, the
    interior, the cover, the preview), so a build pays the start once. Its workers are
    forked from a small server process that has imported only Pillow and this module
    ('forkserver'): each starts in milliseconds and holds only its own pictures, and
    nothing is forked from a process that runs threads. With one core a worker
    process could only take turns with the caller, so the caller's threads do the work.
    """
    global _pool
    if cores() < 2 or os.environ.get("CHAPTERBOOK_RESAMPLE") == "threads":
        return None
    with _pool_lock:
        if _pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            n = workers(MAX_WORKERS)
            _pool = ProcessPoolExecutor(max_workers=n, mp_context=context, initializer=_worker_started)
            # Every worker is started now, not on demand from a resampling thread later. A started process
            # would run the caller's main script again (multiprocessing does, for functions defined in it),
            # which re-runs a script without an `if __name__ == "__main__":` guard, and for the `chapterbook`
            # command imports the whole command line in each worker. The workers need nothing from it, so
            # for these moments the main module is an empty one.
            main, path = sys.modules["__main__"], os.environ.get("PYTHONPATH")
            sys.modules["__main__"] = types.ModuleType("__main__")
            # The workers' server starts in the caller's folder of the moment with its environment, where a
            # relative PYTHONPATH (src) may no longer lead to this chapterbook, or lead to another one: it
            # is pointed at the folder this module was imported from (unless that is where installed
            # packages live, which the server finds anyway and which must not come before the standard library).
            if _IMPORTED_FROM not in {*site.getsitepackages(), site.getusersitepackages()}:
                os.environ["PYTHONPATH"] = os.pathsep.join([_IMPORTED_FROM, *([path] if path else [])])
            try:
                for _ in range(n):  # a pool starts one more worker per job while none is idle
                    _pool.submit(int)
            finally:
                sys.modules["__main__"] = main
                if path is None:
                    os.environ.pop("PYTHONPATH", None)
                else:
                    os.environ["PYTHONPATH"] = path
        return _pool


def pool_broken() -> None:
    """Forget a pool whose worker died (killed, or crashed on a malformed file): the next use starts another."""
    global _pool
    with _pool_lock:
        broken, _pool = _pool, None
    if broken is not None:
        broken.shutdown(wait=False, cancel_futures=True)


@atexit.register
def _stop_pool() -> None:
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)


def _worker_started() -> None:
    # Ctrl-C reaches the whole process group; the caller decides what stops, and stops the workers.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _reuse_image_memory()
    global _in_worker
    _in_worker = True


_in_worker = False  # set in the pool's workers: only they give memory back after each picture


def _release_image_memory() -> None:
    """Give back what Pillow kept of a finished picture's memory beyond :data:`KEPT_BLOCKS`.

    A worker keeps freed blocks for the next picture (:func:`_reuse_image_memory`), but
    without this it would hold its largest picture's memory until the pool stops:
    about 170 MB per worker after a 450-page book's 4,800 px PNGs, every worker's
    largest added together, however far apart they came.
    """
    if not _in_worker:
        return  # the caller's own process (its picture threads) keeps its memory for the next picture, as before
    Image.core.clear_cache(KEPT_BLOCKS)
    # Pillow's blocks are freed to the C allocator, which keeps them for the process (glibc raises its
    # threshold for giving large blocks back to the system after the first is freed); trim hands them back.
    if _malloc_trim is not None:
        _malloc_trim(0)


def _find_malloc_trim():
    """glibc's malloc_trim, or None (another C library: its memory is left as it is)."""
    try:
        import ctypes

        return ctypes.CDLL(None).malloc_trim  # the C library the interpreter runs on (find_library would run ldconfig)
    except (OSError, AttributeError):
        return None


_malloc_trim = _find_malloc_trim() if sys.platform.startswith("linux") else None


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


# --- the work ------------------------------------------------------------------------------------


def make(source: str, px: tuple[int, int], crop: bool, grey: bool, colour: bool | None = None, exact: bool = False, alpha: bool = False) -> bytes:
    """`source` as a JPEG to print at the size of `px` pixels at 300 ppi, as bytes for the caller to store.

    Resampled to exactly `px`, unless the picture (after a JPEG's reduced-scale decode)
    already has between 300 and 450 ppi there (print_rules.kept_as_is): then its pixels
    are kept, and a JPEG that needs nothing done to it is not even decoded (:func:`embeddable_jpeg`).
    `crop` fills `px` by cropping the centre (cover art), always resampled. `grey` (a
    black-and-white interior) makes it greyscale, with a comment saying whether the
    original had colour; `colour` is that answer when the caller knows it already (see
    :func:`has_colour_file`). `exact`: exactly `px` pixels whatever their resolution (a picture for
    screens, whose size is a limit, not a resolution). `alpha` (screens only): its transparency kept, as
    a PNG (:func:`screen_png`), so a screen's page shows through where paper would. Raises :class:`Unreadable`.
    """
    if alpha:
        return screen_png(Path(source), px, grey)
    if not crop:
        kept = embeddable_jpeg(Path(source), px, grey, exact)
        if kept is not None:
            return kept
    _reuse_image_memory()
    extra = {}
    if grey:
        # Judged and turned grey before resampling: Lanczos then works on one channel instead of three
        # (greyscale is a weighted sum of the channels, so the order changes nothing but rounding).
        image, coloured = _decode_grey(Path(source), px, colour)
        extra["comment"] = WAS_COLOUR if coloured else b""
    else:
        image = decode(Path(source), px)
    if crop:
        image = ImageOps.fit(image, px, Image.Resampling.LANCZOS)
    elif not (image.size == px if exact else kept_as_is(image.size, px)):
        image = image.resize(px, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    out = io.BytesIO()
    dpi = (round(PPI * image.width / px[0]), round(PPI * image.height / px[1]))  # 300 unless kept at its own (kept_as_is)
    image.save(out, "JPEG", quality=QUALITY, subsampling=SUBSAMPLING, dpi=dpi, **extra)
    del image
    _release_image_memory()
    return out.getvalue()


def screen_png(source: Path, px: tuple[int, int], grey: bool) -> bytes:
    """`source` resampled to exactly `px` as a PNG that keeps its transparency (RGBA, or LA when `grey`), for screens.

    Print sets a transparent picture on white (paper is white: :func:`decode`); a screen's page is the
    preview's cream or a reader's own colour (sepia, night), which a white box would cover. The colours
    go to sRGB as print's do, the alpha channel as it is; Pillow resizes RGBA and LA with the colours
    weighted by their alpha, so no dark fringe comes from the colour hidden under transparent pixels.
    Raises :class:`Unreadable`.
    """
    _reuse_image_memory()
    img, icc, _ = _opened(source, px)
    if has_alpha(img):
        rgba = img if img.mode == "RGBA" else img.convert("RGBA")
        del img
        image = _to_srgb(rgba.convert("RGB"), icc)
        image = image.convert("L") if grey else image
        image.putalpha(rgba.getchannel("A"))
        del rgba
    else:  # its header said transparent, its pixels are not (images.plan judged by the header): opaque, still a PNG
        image = _on_white_srgb(img, icc)
        image = image.convert("L") if grey else image
    if image.size != px:
        image = image.resize(px, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    out = io.BytesIO()
    image.save(out, "PNG")
    del image
    _release_image_memory()
    return out.getvalue()


def has_alpha_file(source: Path) -> bool:
    """Whether the picture at `source` has transparency, by its header alone (no pixels decoded); False when it cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(source) as img:
                return has_alpha(img)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False  # its decoding says what is wrong


def has_colour_file(source: str) -> bool:
    """Whether the picture at `source` has visible colour (render.ink.has_colour, on a small decode). Raises :class:`Unreadable`."""
    return has_colour(decode(Path(source), (96, 96)))


def has_colour(image: Image.Image) -> bool:
    """Whether a decoded picture has visible colour, judged on a small copy of it."""
    if image.mode in ("L", "1", "I", "F"):
        return False
    # Shrunk first, by whole pixel blocks: no full-size copy is made (a copy of each picture cost more
    # page faults than the rest of its resampling).
    factor = max(1, min(image.size) // 96)
    small = image.reduce(factor) if factor > 1 and image.mode in ("RGB", "RGBA", "CMYK", "LA") else image
    small = small.convert("RGB")
    small.thumbnail((96, 96))
    hsv = small.convert("HSV")
    saturated = hsv.getchannel("S").point(lambda s: 255 if s > SATURATION else 0)
    lit = hsv.getchannel("V").point(lambda v: 255 if v > 40 else 0)  # near-black pixels have no visible colour
    coloured = ImageChops.multiply(saturated, lit).histogram()[255]
    return coloured > COLOURED_SHARE * small.width * small.height


def decode(source: Path, px: tuple[int, int]) -> Image.Image:
    """The picture upright, on white, in 8-bit sRGB, decoded for a size of about `px` (JPEG decodes smaller when it can).

    Raises :class:`Unreadable`.
    """
    img, icc, _ = _opened(source, px)
    return _on_white_srgb(img, icc)


def _decode_grey(source: Path, px: tuple[int, int], colour: bool | None) -> tuple[Image.Image, bool]:
    """The picture as :func:`decode` gives it, in greyscale, and whether it had colour (`colour` when known).

    Without a colour profile, a greyscale picture stays one channel (not made RGB to be made
    grey again), and a transparent one is flattened on white in grey: a quarter of the memory
    of flattening it in RGB, for a 4,800 px PNG 35 MB less at the worker's peak. Flattening
    on white is linear in each channel, and so is greyscale, so the order changes nothing but rounding.
    """
    img, icc, luma = _opened(source, px, grey=True)
    if luma:
        # Decoded straight to grey (see _luma_only): the colour verdict comes from a small decode of its own.
        return img, has_colour_file(os.fspath(source)) if colour is None else colour
    alpha = has_alpha(img)
    if not icc and img.mode == "P" and not alpha:
        # A palette picture (flat digital art) made grey through its palette: no RGB copy at full size
        # (three times the picture's own memory), and the same levels as by way of RGB.
        return img.convert("L"), _palette_has_colour(img) if colour is None else colour
    if icc or not (alpha or img.mode == "L"):
        rgb = _on_white_srgb(img, icc)
        del img
        return rgb.convert("L"), has_colour(rgb) if colour is None else colour
    if not alpha:
        return img, False if colour is None else colour  # already grey, and no profile to apply
    rgba = img if img.mode == "RGBA" else img.convert("RGBA")
    del img  # each full-size image is let go as soon as the next is made: a 20 Mpx RGBA PNG is 81 MB
    if colour is None:
        small = rgba.reduce(max(1, min(rgba.size) // 96))  # judged on a reduced copy, flattened like the whole
        colour = has_colour(_on_white_srgb(small, None))
    mask, lum = rgba.getchannel("A"), rgba.convert("L")  # L from the colour channels alone, as LA's L is
    del rgba
    grey = Image.new("L", lum.size, 255)
    grey.paste(lum, mask=mask)
    return grey, colour


def _palette_has_colour(img: Image.Image) -> bool:
    """:func:`has_colour` for a palette picture, counted over all its pixels by palette entry instead of on a small copy."""
    palette = img.getpalette() or []
    coloured = 0
    for index, count in enumerate(img.histogram()):
        if count and 3 * index + 2 < len(palette):
            r, g, b = palette[3 * index : 3 * index + 3]
            hi, lo = max(r, g, b), min(r, g, b)
            if hi > 40 and hi and (hi - lo) * 255 / hi > SATURATION:  # HSV's value and saturation, as has_colour reads them
                coloured += count
    return coloured > COLOURED_SHARE * img.width * img.height


def _opened(source: Path, px: tuple[int, int], grey: bool = False) -> tuple[Image.Image, bytes | None, bool]:
    """The picture decoded (for about `px`), upright and in 8 bits, with its colour profile; raises :class:`Unreadable`.

    `grey`: a greyscale result is wanted, so a JPEG that allows it (:func:`_luma_only`) is
    decoded to its luma channel alone; the third value says it was (its colour is then unknown).
    Returned, not yielded: a caller holds the only reference to the decoded pixels and can let them go.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(source) as img:
                luma = False
                if img.format == "JPEG":
                    luma = grey and _luma_only(img)
                    # Lets libjpeg decode at 1/2, 1/4… scale when that still covers the target: much faster.
                    # The target is upright and the decode is not yet turned, so a turned picture asks for it turned.
                    turned = img.getexif().get(0x0112, 1) in (5, 6, 7, 8)
                    img.draft("L" if luma else "RGB", (px[1], px[0]) if turned else (px[0], px[1]))
                    # The whole file in one decoding call instead of one per 64 KB: each call gives up the
                    # interpreter lock and then waits to take it back from the layout, which runs Python beside it.
                    img.decodermaxblock = max(img.decodermaxblock, min(os.path.getsize(source), JPEG_READ_AT_ONCE))
                img.load()  # leaving the block closes the file only; the pixels stay
                icc = img.info.get("icc_profile")
                # In place: an upright picture (the usual case) is not copied. Neither is one that is
                # already RGB below; each copy of a 2400 x 1800 original is 13 MB of fresh memory.
                ImageOps.exif_transpose(img, in_place=True)
                return _eight_bits(img), icc, luma and img.mode == "L"
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise Unreadable(str(exc)) from None


def _luma_only(jpeg: Image.Image) -> bool:
    """Whether this JPEG's grey version is its luma channel (Y), so libjpeg can decode it to grey and skip chroma.

    JPEG's Y is the same weighted sum of sRGB's channels (ITU-R 601) that Pillow's convert("L")
    takes, so decoding Y alone gives the grey the RGB decode would, within rounding, about
    a quarter faster for a 2400 x 1800 picture (no chroma upsampling, colour conversion or
    three-channel resize). Only for YCbCr pictures in sRGB: a colour profile other than
    sRGB must be applied to the colours first (_to_srgb), CMYK has no luma channel, and an
    Adobe JPEG with transform 0 stores RGB, not YCbCr.
    """
    if jpeg.mode != "RGB" or jpeg.info.get("adobe_transform", 1) == 0:
        return False
    icc = jpeg.info.get("icc_profile")
    return not icc or _is_srgb(icc)


def _is_srgb(icc: bytes) -> bool:
    """Whether a colour profile is sRGB (by its description, as :func:`_to_srgb` tells); an unreadable one counts as sRGB, as there."""
    try:
        return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip().lower().startswith("srgb")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return True


def has_alpha(img: Image.Image) -> bool:
    """Whether a picture (opened, decoded or not) has an alpha channel or a transparent palette entry."""
    return img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)


def _on_white_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """`img` flattened on white (when it has transparency) and in sRGB."""
    if has_alpha(img):
        rgba = img if img.mode == "RGBA" else img.convert("RGBA")  # convert() would copy even an RGBA one
        img = Image.new("RGB", rgba.size, (255, 255, 255))  # white stays white in any RGB profile
        img.paste(rgba, mask=rgba.getchannel("A"))
    elif img.mode not in ("RGB", "CMYK", "L"):
        img = img.convert("RGB")
    return _to_srgb(img, icc)


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
