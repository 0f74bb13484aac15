"""The manuscript (Markdown) and the HTML preview, rendered through Jinja templates.

Both come from the same :func:`chapterbook.book.book_view`, so what an editor
reads in the manuscript is what the PDF prints.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from markupsafe import Markup

from chapterbook import templating
from chapterbook.book import book_view
from chapterbook.errors import RenderError
from chapterbook.output import atomic_write, sha256_file
from chapterbook.render.ink import colour_interior
from chapterbook.spec.load import Story

MANUSCRIPT_TEMPLATE = "markdown/manuscript.md.j2"
PREVIEW_TEMPLATE = "html/preview.html.j2"
STYLESHEET = "html/preview.css"
PICTURE_HEIGHTS = "html/picture-heights.css"  # how tall a picture may be on a screen: the preview's rule and the ebook's
SCREEN_PICTURES = 2  # what the memo's screen pictures are; 2: one with transparency kept, as a PNG
PREVIEW_MAX_PX = 900  # a preview opens from disk with no other files, so its pictures are inlined, this size at most


def context(story: Story) -> dict:
    view = book_view(story)
    return {"view": view, "book": story.spec.book, "spec": story.spec, "chapters": view.chapters}


def render_manuscript(story: Story) -> str:
    """The whole book as one Markdown manuscript."""
    return templating.render(MANUSCRIPT_TEMPLATE, context(story), story.root)


def render_preview(story: Story, cache_dir: Path | None = None) -> str:
    """The whole book as one self-contained HTML page: CSS, pictures, diagrams (SVG) and the book's font inlined.

    `cache_dir` is the build's picture cache (output/<book>/.cache/images); the diagrams and
    the font subsets are cached beside it, in the ebook's cache, which makes the same ones.
    """
    env = templating.environment(story.root)
    # The stylesheet is ours (or the author's own template), not story text: insert it verbatim.
    css = Markup(screen_stylesheet(env, STYLESHEET))
    with contextlib.ExitStack() as stack:
        if cache_dir is None:
            cache_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chapterbook-preview-"))) / "images"
        assets_cache = cache_dir.parent / "epub"
        faces = _faces(story)
        # The preview shows the printed book: a black-and-white interior's pictures and diagrams in grey.
        grey = not colour_interior(story.spec)
        screen = screen_pictures(story, PREVIEW_MAX_PX, cache_dir, grey=grey)
        pictures = {key: _data_uri(screen_type(data)[1], data) for key, data in screen.items()}
        pictures.update(preview_diagrams(story, faces, assets_cache, screen, grey=grey))
        # `quotes`: the preview shows “ ” ‘ ’ where the print does (the manuscript keeps what was typed).
        # The font is cut to the characters the page shows, so it is rendered first with a mark where the font goes.
        extra = {"css": css, "images": pictures, "quotes": story.spec.typographers_quotes, "font_css": Markup(_FONT_MARK)}
        page = templating.render(PREVIEW_TEMPLATE, {**context(story), **extra}, story.root)
        return page.replace(_FONT_MARK, font_face_css(faces, shown_text(page), assets_cache, story.memo.sha256) if faces else "", 1)


def screen_stylesheet(env, name: str) -> str:
    """The stylesheet `name` followed by PICTURE_HEIGHTS, each the story's own copy when it has one.

    The preview's and the ebook's: one rule for how tall a picture may be on a screen, whichever of them shows it.
    """
    loader = env.loader
    return loader.get_source(env, name)[0] + "\n" + loader.get_source(env, PICTURE_HEIGHTS)[0]


_FONT_MARK = "/* chapterbook: the book's font */"
FACE_STYLES = {"regular": ("normal", "normal"), "bold": ("normal", "bold"), "italic": ("italic", "normal"), "bolditalic": ("italic", "bold")}


def _faces(story: Story) -> dict[str, Path]:
    """The book font's files by style; none when the font cannot be read (the PDF build and `validate` say why)."""
    from chapterbook.render.fonts import face_files

    try:
        return face_files(story)
    except RenderError:
        return {}


def shown_text(page: str) -> str:
    """The characters an HTML page shows (tags, styles and scripts left out, entities resolved)."""
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def font_face_css(faces: dict[str, Path], text: str, cache: Path, sha256: Callable[[Path], str] = sha256_file) -> str:
    """@font-face rules for the book font's faces, each a subset covering `text`, as data: URIs.

    A face the font does not have (a story's own .ttf has one) is left to the browser to
    slant or embolden, as the PDF does with one file. `sha256`: how a font's hash is found
    (assets.subset_font).
    """
    from base64 import b64encode  # here, as subprocess below: not imported by a build that makes no preview

    from chapterbook.render.epub.assets import subset_font

    rules = []
    for style, path in faces.items():
        font_style, weight = FACE_STYLES[style]
        data = b64encode(subset_font(path, text, cache, sha256)).decode("ascii")
        rules.append(
            f'@font-face {{ font-family: "BookFont"; font-style: {font_style}; font-weight: {weight}; src: url(data:font/ttf;base64,{data}) format("truetype"); }}'
        )
    return "\n".join(rules)


def preview_diagrams(story: Story, faces: dict[str, Path], cache: Path, screen: dict[str, bytes] | None = None, grey: bool = False) -> dict[str, str]:
    """Illustration id -> SVG data: URI for each diagram the preview draws, as print draws it.

    A diagram whose illustration has a picture (in `screen`, its bytes by id) is left to the
    picture, except labelled parts of that picture (diagrams.on_picture): the SVG then carries the
    picture with its callouts over it. `grey` for a black-and-white interior.
    As <img> sources, not inline <svg>: poppler's SVGs name their glyphs and clips alike, and
    ids repeated in one page would mix up the drawings.
    """
    from subprocess import SubprocessError

    from chapterbook.render.epub.assets import DIAGRAM_PT, diagram_svg
    from chapterbook.spec.kinds import on_picture  # the spec's rule, without the drawing code (ReportLab)

    screen = screen or {}
    out: dict[str, str] = {}
    if not faces:
        return out
    for chapter in story.spec.chapters:
        for ill in chapter.illustrations:
            if ill.diagram is None or (ill.id in screen and not on_picture(ill.diagram)):
                continue
            try:
                svg = diagram_svg(
                    ill.diagram, faces, cache, *DIAGRAM_PT, story.spec.layout.palette, picture=screen.get(ill.id), grey=grey, sha256=story.memo.sha256
                )
            except (RenderError, OSError, SubprocessError):
                continue  # the picture or the placeholder shows instead; the PDF build reports what is wrong
            out[ill.id] = _data_uri("image/svg+xml", svg)
    return out


def _data_uri(media_type: str, data: bytes) -> str:
    from base64 import b64encode

    return f"data:{media_type};base64," + b64encode(data).decode("ascii")


def screen_type(data: bytes) -> tuple[str, str]:
    """(file suffix, media type) of a screen picture's bytes: a PNG when it kept its transparency, else a JPEG."""
    return (".png", "image/png") if data.startswith(b"\x89PNG") else (".jpg", "image/jpeg")


def screen_pictures(story: Story, max_px: int, cache_dir: Path | None = None, grey: bool = False) -> dict[str, bytes]:
    """Illustration id (or `portrait-<scientist>`) -> JPEG or PNG bytes at most `max_px` on a side, for screens.

    For the preview and the ebook. Pictures go through the print pipeline (render.images:
    upright, 8-bit sRGB from any colour profile, Lanczos) on its worker threads; one with
    transparency stays a PNG with it (the page's colour shows through, where print sets it on
    white paper), the others are JPEGs (:func:`screen_type` tells which)
    and are cached by content in `cache_dir` beside the print sizes, so a rebuild does not
    redo them. `grey` stores them in greyscale, as a black-and-white interior prints them
    (the print pipeline's own conversion). An image that cannot be read is left out (the placeholder with the brief
    shows instead); the PDF build and `validate` report it properly.
    Which cached file holds each picture is kept in story.memo by the picture's content, so a
    rebuild of unchanged pictures reads the files without opening a picture or importing Pillow.
    """
    sources: dict[str, str] = {ill.id: ill.image for chapter in story.spec.chapters for ill in chapter.illustrations if ill.image}
    sources.update({f"portrait-{s.id}": s.portrait for s in story.spec.scientists if s.portrait})
    out: dict[str, bytes] = {}
    wanted: dict[str, tuple[Path, str | None]] = {}  # the pictures not found through the memo, and their memo keys
    for key, name in sources.items():
        path = story.file(name).path
        if path is None or not path.is_file():
            continue
        memo_key = _screen_key(story, path, max_px, grey) if cache_dir is not None and story.memo.file is not None else None
        kept = story.memo.get("screen-picture", memo_key) if memo_key is not None else None
        if kept is not None and cache_dir is not None:
            try:
                os.utime(cache_dir / kept)  # used now: images.prune keeps it (as images.Resampler marks a hit)
                out[key] = (cache_dir / kept).read_bytes()
                continue
            except OSError:
                pass  # gone from the cache: made again below
        wanted[key] = (path, memo_key)
    if wanted:
        out.update(_resampled(story, wanted, max_px, cache_dir, grey))
    return {key: out[key] for key in sources if key in out}  # in the spec's order, as before


def _screen_key(story: Story, path: Path, max_px: int, grey: bool) -> str | None:
    """The memo key of `path`'s screen picture (the source's hash comes from the memo, by the file's stat)."""
    from chapterbook.spec.memo import content_key

    try:
        return content_key("screen", SCREEN_PICTURES, story.memo.sha256(path), max_px, grey)
    except OSError:
        return None


def _resampled(story: Story, wanted: dict[str, tuple[Path, str | None]], max_px: int, cache_dir: Path | None, grey: bool) -> dict[str, bytes]:
    """The pictures in `wanted` through render.images' Resampler (see :func:`screen_pictures`)."""
    from chapterbook.render import images

    with contextlib.ExitStack() as stack:
        if cache_dir is None:
            cache_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chapterbook-preview-")))
        resampler = stack.enter_context(images.Resampler(cache_dir, grey=grey, exact=True))  # at most max_px, not print's 300-450 ppi
        planned: dict[str, images.Placed] = {}
        for key, (path, _) in wanted.items():
            try:
                w, h = images.image_size(path)
                scale = min(1.0, max_px / max(w, h))
                planned[key] = resampler.submit(path, (max(1, round(w * scale)), max(1, round(h * scale))), source_px=(w, h))
            except RenderError:
                continue
        out: dict[str, bytes] = {}
        for key, placed in planned.items():
            try:
                out[key] = placed.file.read_bytes()
            except (RenderError, OSError):
                continue
            memo_key = wanted[key][1]
            if memo_key is not None:
                story.memo.put("screen-picture", memo_key, placed.path.name)
        resampler.hashes.save()
    return out


def write_manuscript(story: Story, out_dir: Path, cache_dir: Path | None = None) -> dict[str, Path]:
    return {"manuscript": atomic_write(out_dir / "manuscript.md", render_manuscript(story))}


def write_preview(story: Story, out_dir: Path, cache_dir: Path | None = None) -> dict[str, Path]:
    html = render_preview(story, cache_dir or out_dir / ".cache" / "images")  # the print build's picture cache
    return {"preview": atomic_write(out_dir / "preview.html", html)}


def used_templates() -> list[str]:
    return [MANUSCRIPT_TEMPLATE, PREVIEW_TEMPLATE, STYLESHEET, PICTURE_HEIGHTS]
