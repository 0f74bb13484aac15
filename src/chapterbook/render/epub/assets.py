"""What an ebook carries besides its text: pictures for screens, diagrams as SVG, the cover, the font.

Each is made from the same sources as the print book (the print pipeline's pictures,
the same diagram drawing, the same cover) and cached by content under
output/<book>/.cache/epub, so a rebuild of an unchanged book does none of it again.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from chapterbook.errors import RenderError
from chapterbook.output import atomic_write, sha256_file

SCREEN_MAX_PX = 1600  # long side of a picture in the ebook: sharp on a tablet, small in the file
DIAGRAM_PT = (432.0, 288.0)  # diagrams drawn 6 x 4 in for screens: the SVG scales, the proportions are the print ones
COVER_HEIGHT_PX = 2560  # the cover image height the ebook stores ask for (1600 x 2560 at 6 x 9.6)


def cached(cache: Path, key: str, suffix: str, make) -> bytes:
    """The bytes cached under `key`, made by `make()` (and cached) when missing."""
    file = cache / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}{suffix}"
    if file.is_file():
        return file.read_bytes()
    data: bytes = make()
    cache.mkdir(parents=True, exist_ok=True)
    atomic_write(file, data)
    return data


def _need(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise RenderError(f"making the ebook needs the '{tool}' program", hint=f"install it: apt-get install {package}")
    return found


def diagram_svg(
    diagram,
    font_files: dict[str, Path],
    cache: Path,
    width_pt: float,
    height_pt: float,
    palette=None,
    *,
    picture: bytes | None = None,
    grey: bool = False,
    sha256: Callable[[Path], str] = sha256_file,
) -> bytes:
    """The diagram as SVG, drawn by the same code as the print book's (through a one-page PDF and poppler).

    Text in the SVG is glyph outlines, so it looks the same in every reader without the font.
    `picture` (a screen picture's JPEG or PNG bytes): a labelled_parts diagram's own picture, drawn inside the
    SVG with the callouts over it, so the names and their lines come from the print drawing
    (diagrams.parts), not from a second copy of its geometry. `grey`: every colour turned into
    its grey (:func:`grey_svg`), as a black-and-white interior prints it.
    Keyed by the diagram, the palette, the picture and the font's content: a warm build neither
    parses the font nor draws anything (the ebook and the preview share these). `sha256`: how the
    font's hash is found (story.memo.sha256 remembers it by the file's stat, so it is not read again).
    """
    regular = font_files["regular"]
    colours = palette.model_dump(mode="json") if palette is not None else None
    art = hashlib.sha256(picture).hexdigest() if picture is not None else None
    key = json.dumps([diagram.model_dump(mode="json"), colours, sha256(regular), width_pt, height_pt, art, grey, "svg-3"])

    def make() -> bytes:
        from reportlab.pdfgen.canvas import Canvas

        from chapterbook.render.diagrams import draw_diagram
        from chapterbook.render.fonts import register_face

        tool = _need("pdftocairo", "poppler-utils")
        with tempfile.TemporaryDirectory(prefix="chapterbook-svg-") as tmp:
            placed = _screen_placed(picture, Path(tmp) / "picture") if picture is not None else None
            pdf = Path(tmp) / "d.pdf"
            c = Canvas(str(pdf), pagesize=(width_pt, height_pt), invariant=1)
            draw_diagram(c, diagram, 0, 0, width_pt, height_pt, register_face(regular), 12, palette, placed)
            c.showPage()
            c.save()
            svg = Path(tmp) / "d.svg"
            # poppler's cairo keeps a JPEG as the same JPEG bytes (a data: URI inside the SVG), not a PNG of it.
            import subprocess  # here: a build whose diagrams are all cached runs no tool

            subprocess.run([tool, "-svg", str(pdf), str(svg)], check=True, capture_output=True, timeout=60)
            return grey_svg(svg.read_bytes()) if grey else svg.read_bytes()

    return cached(cache, key, ".svg", make)


def _screen_placed(picture: bytes, stem: Path):
    """A screen picture (JPEG or PNG bytes) written beside `stem` with its type's suffix, as the images.Placed the diagram drawing takes."""
    from PIL import Image

    from chapterbook.manuscript import screen_type
    from chapterbook.render.images import Placed

    path = stem.with_suffix(screen_type(picture)[0])  # a PNG keeps its transparency there too (rl_fast.draw_image_file)
    path.write_bytes(picture)
    with Image.open(path) as img:
        size = img.size
    return Placed(path=path, source=path, px=size, source_px=size)


# A pattern, compiled (and kept by re) when a grey diagram is first made, not by every build that imports this.
_RGB = rb"rgb\(\s*([0-9.]+)%\s*,\s*([0-9.]+)%\s*,\s*([0-9.]+)%\s*\)"


def grey_svg(svg: bytes) -> bytes:
    """`svg` (poppler's, colours as rgb(r%, g%, b%)) with every colour replaced by its grey.

    The grey is the colour's luma (ITU-R 601: 0.299 R + 0.587 G + 0.114 B), the weights Pillow
    uses when the print pipeline turns a black-and-white book's pictures grey, so the diagrams
    and the pictures of one page darken alike. Pictures inside the SVG are left as given: the
    caller passes grey ones.
    """

    def grey(m: re.Match) -> bytes:
        r, g, b = (float(v) for v in m.groups())
        level = f"{0.299 * r + 0.587 * g + 0.114 * b:.4f}%".encode("ascii")
        return b"rgb(" + level + b"," + level + b"," + level + b")"

    return re.sub(_RGB, grey, svg)


def cover_jpeg(cover_pdf: Path, trim_w_in: float, cache: Path) -> bytes:
    """The front panel of the wrap cover as a JPEG COVER_HEIGHT_PX tall, cut at the trim (no bleed, no spine)."""
    data = cover_pdf.read_bytes()
    key = hashlib.sha256(data).hexdigest() + f"|{trim_w_in}|{COVER_HEIGHT_PX}|cover-1"

    def make() -> bytes:
        from PIL import Image
        from pypdf import PdfReader

        page = PdfReader(io.BytesIO(data)).pages[0]
        trim = page.trimbox
        trim_h_pt = float(trim.top) - float(trim.bottom)
        dpi = COVER_HEIGHT_PX / (trim_h_pt / 72)
        media_h_pt = float(page.mediabox.top) - float(page.mediabox.bottom)
        # The front is the right-hand trim width of the trim box (the spine and back are to its left).
        x_pt = float(trim.right) - trim_w_in * 72
        y_pt = media_h_pt - float(trim.top)  # pdftoppm counts from the top
        tool = _need("pdftoppm", "poppler-utils")
        px = lambda pt: round(pt * dpi / 72)  # noqa: E731
        import subprocess  # here: a build whose cover image is cached runs no tool

        done = subprocess.run(
            [tool, "-jpeg", "-jpegopt", "quality=90", "-r", f"{dpi:.4f}", "-x", str(px(x_pt)), "-y", str(px(y_pt)),
             "-W", str(px(trim_w_in * 72)), "-H", str(COVER_HEIGHT_PX), "-singlefile", str(cover_pdf)],  # no output name: stdout
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        # Re-encode without poppler's own metadata so the bytes depend on the picture alone.
        out = io.BytesIO()
        Image.open(io.BytesIO(done.stdout)).convert("RGB").save(out, "JPEG", quality=90, optimize=True)
        return out.getvalue()

    return cached(cache, key, ".jpg", make)


def subset_font(font: Path, text: str, cache: Path, sha256: Callable[[Path], str] = sha256_file) -> bytes:
    """`font` cut down to the characters of `text` (and the basics), so the ebook carries kilobytes, not megabytes.

    The SIL Open Font License allows embedding and subsetting Andika; a custom font's
    licence is the author's to check (docs/printing.md says so). `sha256` finds the font's
    hash (story.memo.sha256 by the file's stat: reading and hashing Andika's four faces was
    5 ms of every warm ebook build).
    """
    chars = "".join(sorted(set(text) | set(" .,;:!?'\"()-–—…“”‘’0123456789")))
    key = sha256(font) + "|" + chars + "|subset-1"

    def make() -> bytes:
        from fontTools import subset

        options = subset.Options()
        options.layout_features = ["*"]  # keep kerning and ligatures
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.recalc_timestamp = False  # the font's own dates, not today's: the ebook stays byte-identical
        # SIL's own tables (Andika has them) fontTools cannot subset: it drops them anyway, but says so on the terminal.
        options.drop_tables += ["Silt", "Silf", "Sill", "Glat", "Gloc", "Feat"]
        loaded = subset.load_font(io.BytesIO(font.read_bytes()), options, dontLoadGlyphNames=True)
        sub = subset.Subsetter(options)
        sub.populate(text=chars)
        sub.subset(loaded)
        out = io.BytesIO()
        subset.save_font(loaded, out, options)
        return out.getvalue()

    return cached(cache, key, ".ttf", make)
