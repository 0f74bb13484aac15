"""The manuscript (Markdown) and the HTML preview, rendered through Jinja templates.

Both come from the same :func:`chapterbook.book.book_view`, so what an editor
reads in the manuscript is what the PDF prints.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

from markupsafe import Markup
from PIL import Image, ImageOps

from chapterbook import templating
from chapterbook.book import book_view
from chapterbook.output import atomic_write
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


def render_preview(story: Story) -> str:
    """The whole book as one self-contained HTML page (CSS and pictures inlined)."""
    env = templating.environment(story.root)
    # The stylesheet is ours (or the author's own template), not story text: insert it verbatim.
    css = Markup(env.loader.get_source(env, STYLESHEET)[0])  # type: ignore[union-attr]
    # `quotes`: the preview shows “ ” ‘ ’ where the print does (the manuscript keeps what was typed).
    extra = {"css": css, "images": preview_images(story), "quotes": story.spec.typographers_quotes}
    return templating.render(PREVIEW_TEMPLATE, {**context(story), **extra}, story.root)


PREVIEW_MAX_PX = 900


def preview_images(story: Story) -> dict[str, str]:
    """Illustration id -> small JPEG data: URI for slots whose image can be read.

    A preview must open from disk with no other files, so pictures are inlined,
    scaled down. An image that cannot be read is left out (the placeholder with
    the brief shows instead); the PDF build reports it properly.
    """
    out: dict[str, str] = {}
    for chapter in story.spec.chapters:
        for ill in chapter.illustrations:
            path = resolve_inside(story.root, ill.image) if ill.image else None
            if path is None or not path.is_file():
                continue
            try:
                with Image.open(path) as im:
                    if im.width * im.height > 64_000_000:
                        continue
                    im = ImageOps.exif_transpose(im)
                    im.thumbnail((PREVIEW_MAX_PX, PREVIEW_MAX_PX))
                    flat = Image.new("RGB", im.size, "white")
                    flat.paste(im, mask=im.convert("RGBA").getchannel("A"))
                    buf = io.BytesIO()
                    flat.save(buf, "JPEG", quality=80)
            except (OSError, ValueError, Image.DecompressionBombError):
                continue
            out[ill.id] = "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return out


def write_manuscript(story: Story, out_dir: Path) -> dict[str, Path]:
    return {"manuscript": atomic_write(out_dir / "manuscript.md", render_manuscript(story))}


def write_preview(story: Story, out_dir: Path) -> dict[str, Path]:
    return {"preview": atomic_write(out_dir / "preview.html", render_preview(story))}


def used_templates() -> list[str]:
    return [MANUSCRIPT_TEMPLATE, PREVIEW_TEMPLATE, STYLESHEET]
