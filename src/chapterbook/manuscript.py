"""The manuscript (Markdown) and the HTML preview, rendered through Jinja templates.

Both come from the same :func:`chapterbook.book.book_view`, so what an editor
reads in the manuscript is what the PDF prints.
"""

from __future__ import annotations

import base64
import contextlib
import tempfile
from pathlib import Path

from markupsafe import Markup

from chapterbook import templating
from chapterbook.book import book_view
from chapterbook.errors import RenderError
from chapterbook.output import atomic_write
from chapterbook.render import images
from chapterbook.spec.load import Story, resolve_inside

MANUSCRIPT_TEMPLATE = "markdown/manuscript.md.j2"
PREVIEW_TEMPLATE = "html/preview.html.j2"
STYLESHEET = "html/preview.css"


def context(story: Story) -> dict:
    view = book_view(story)
    return {"view": view, "book": story.spec.book, "spec": story.spec, "chapters": view.chapters}


def render_manuscript(story: Story) -> str:
    """The whole book as one Markdown manuscript."""
    return templating.render(MANUSCRIPT_TEMPLATE, context(story), story.root)


def render_preview(story: Story, cache_dir: Path | None = None) -> str:
    """The whole book as one self-contained HTML page (CSS and pictures inlined; see preview_images)."""
    env = templating.environment(story.root)
    # The stylesheet is ours (or the author's own template), not story text: insert it verbatim.
    css = Markup(env.loader.get_source(env, STYLESHEET)[0])  # type: ignore[union-attr]
    # `quotes`: the preview shows “ ” ‘ ’ where the print does (the manuscript keeps what was typed).
    extra = {"css": css, "images": preview_images(story, cache_dir), "quotes": story.spec.typographers_quotes}
    return templating.render(PREVIEW_TEMPLATE, {**context(story), **extra}, story.root)


PREVIEW_MAX_PX = 900


def preview_images(story: Story, cache_dir: Path | None = None) -> dict[str, str]:
    """Illustration id (or `portrait-<scientist>`) -> JPEG data: URI, at most PREVIEW_MAX_PX on a side.

    A preview must open from disk with no other files, so pictures are inlined, scaled down.
    """
    return {key: "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii") for key, data in screen_pictures(story, PREVIEW_MAX_PX, cache_dir).items()}


def screen_pictures(story: Story, max_px: int, cache_dir: Path | None = None) -> dict[str, bytes]:
    """Illustration id (or `portrait-<scientist>`) -> JPEG bytes at most `max_px` on a side, for screens.

    For the preview and the ebook. Pictures go through the print pipeline (render.images:
    upright, on white, 8-bit sRGB from any colour profile, Lanczos) on its worker threads
    and are cached by content in `cache_dir` beside the print sizes, so a rebuild does not
    redo them. An image that cannot be read is left out (the placeholder with the brief
    shows instead); the PDF build and `validate` report it properly.
    """
    sources: dict[str, str] = {ill.id: ill.image for chapter in story.spec.chapters for ill in chapter.illustrations if ill.image}
    sources.update({f"portrait-{s.id}": s.portrait for s in story.spec.scientists if s.portrait})
    with contextlib.ExitStack() as stack:
        if cache_dir is None:
            cache_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chapterbook-preview-")))
        resampler = stack.enter_context(images.Resampler(cache_dir))
        planned: dict[str, images.Placed] = {}
        for key, name in sources.items():
            path = resolve_inside(story.root, name)
            if path is None or not path.is_file():
                continue
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
        resampler.hashes.save()
    return out


def write_manuscript(story: Story, out_dir: Path, cache_dir: Path | None = None) -> dict[str, Path]:
    return {"manuscript": atomic_write(out_dir / "manuscript.md", render_manuscript(story))}


def write_preview(story: Story, out_dir: Path, cache_dir: Path | None = None) -> dict[str, Path]:
    html = render_preview(story, cache_dir or out_dir / ".cache" / "images")  # the print build's picture cache
    return {"preview": atomic_write(out_dir / "preview.html", html)}


def used_templates() -> list[str]:
    return [MANUSCRIPT_TEMPLATE, PREVIEW_TEMPLATE, STYLESHEET]
