"""The 'epub' build format: book.epub, a reflowable EPUB 3 from the same book view as the print book.

Pages are Jinja templates in templates/epub/ (an author may override any of them,
like the manuscript's); the package document, navigation and zip are made here.
What goes in: the front of the cover (cut from the print cover at ebook-store size),
a title page, contents (nav with landmarks), the chapters with their pictures scaled
for screens and diagrams as SVG, the back matter in the print book's order, and the
book's font subset to the characters the book uses. Alt text comes from each
picture's brief (or caption). Nothing in it depends on the time or the machine, so
a rebuild of an unchanged book is the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import tempfile
from pathlib import Path

from markupsafe import Markup

from chapterbook import progress, templating
from chapterbook.book import book_view, caption
from chapterbook.errors import Problem, Severity
from chapterbook.output import atomic_path
from chapterbook.render.epub import assets
from chapterbook.render.epub.container import write_container
from chapterbook.render.printfiles import Outputs
from chapterbook.spec.load import Story

TEMPLATES = (
    "epub/page.xhtml.j2",
    "epub/cover.xhtml.j2",
    "epub/title.xhtml.j2",
    "epub/chapter.xhtml.j2",
    "epub/back.xhtml.j2",
    "epub/nav.xhtml.j2",
    "epub/book.css",
    "html/picture-heights.css",  # manuscript.PICTURE_HEIGHTS, after book.css: how tall a picture may be, as in the preview
)
NOMINAL_PAGES = 48  # the cover's front panel does not depend on the page count (only the spine does)


def _text(markup: str) -> str:
    """The characters a page shows (tags and entities resolved), for the font subset."""
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def _alt(ill) -> str:
    """Alt text for a picture: its brief, or its caption when it has no brief; never empty."""
    text = " ".join((ill.brief or caption(ill) or f"Illustration {ill.id}").split())
    return text if len(text) <= 400 else text[:397].rstrip() + "…"


def write_epub(story: Story, out_dir: Path, *, cover_pdf: Path | None = None) -> Outputs:
    """Write book.epub into `out_dir`; `cover_pdf` is this build's cover when it made one."""
    from chapterbook.manuscript import screen_type
    from chapterbook.render.fonts import face_files
    from chapterbook.spec.kinds import on_picture  # the spec's rule, without the drawing code (ReportLab)

    spec, book = story.spec, story.spec.book
    cache = out_dir / ".cache" / "epub"
    view = book_view(story)
    quotes = spec.typographers_quotes
    warnings: list[Problem] = []

    progress.report("Making the ebook's pictures")
    screen = _screen_pictures(story, out_dir)
    files: dict[str, bytes] = {}
    pictures: dict[str, str] = {}
    alt: dict[str, str] = {}
    placeholders = []
    faces = face_files(story)
    for ci, chapter in enumerate(spec.chapters):
        for ill in chapter.illustrations:
            alt[ill.id] = _alt(ill)
            if ill.id in screen and on_picture(ill.diagram):  # its parts named over it, as print draws them
                files[f"images/{ill.id}.svg"] = assets.diagram_svg(
                    ill.diagram, faces, cache, *assets.DIAGRAM_PT, spec.layout.palette, picture=screen[ill.id], sha256=story.memo.sha256
                )
                pictures[ill.id] = f"images/{ill.id}.svg"
            elif ill.id in screen:
                name = f"images/{ill.id}{screen_type(screen[ill.id])[0]}"  # a PNG keeps its transparency
                files[name] = screen[ill.id]
                pictures[ill.id] = name
            elif ill.diagram is not None:
                files[f"images/{ill.id}.svg"] = assets.diagram_svg(ill.diagram, faces, cache, *assets.DIAGRAM_PT, spec.layout.palette, sha256=story.memo.sha256)
                pictures[ill.id] = f"images/{ill.id}.svg"
            else:
                placeholders.append((ci, ill))
    for key, data in screen.items():
        if key.startswith("portrait-"):
            name = f"images/{key}{screen_type(data)[0]}"
            files[name] = data
            pictures[key] = name

    progress.report("Making the ebook's cover")
    files["images/cover.jpg"] = _cover_image(story, out_dir, cover_pdf, faces, cache)

    progress.report("Writing the ebook")
    diagrams = {key for key, name in pictures.items() if name.endswith(".svg")}  # they keep their shape (html/picture-heights.css)
    common = {"book": book, "spec": spec, "view": view, "chapters": view.chapters, "quotes": quotes, "pictures": pictures, "alt": alt, "diagrams": diagrams}
    year = (book.publication_date or dt.date(2000, 1, 1)).year
    ebook_isbn = book.ebook_isbn
    pages: list[tuple[str, str, str, str]] = []  # (file, title, epub:type of body, body markup)
    pages.append(("cover.xhtml", book.title, "frontmatter", _render("epub/cover.xhtml.j2", common, story)))
    pages.append(("title.xhtml", book.title, "frontmatter", _render("epub/title.xhtml.j2", {**common, "year": year, "ebook_isbn": ebook_isbn}, story)))
    for section in view.front:  # the dedication: after the title page, before the contents, as in print
        pages.append((section.href, section.title, "frontmatter", _render("epub/back.xhtml.j2", {**common, "section": section}, story)))
    contents = []
    for ch in view.chapters:
        name = f"chapter-{ch.number:02d}.xhtml"
        pages.append((name, ch.title, "bodymatter", _render("epub/chapter.xhtml.j2", {**common, "ch": ch}, story)))
        contents.append({"href": name, "title": f"{ch.number}. {ch.title}"})
    for section in view.back:  # chapterbook.book decides which, in the print book's order and with its titles
        pages.append((section.href, section.title, "backmatter", _render("epub/back.xhtml.j2", {**common, "section": section}, story)))
        contents.append({"href": section.href, "title": section.title})
    nav = _render("epub/nav.xhtml.j2", {**common, "contents": contents}, story)
    pages.insert(2 + len(view.front), ("nav.xhtml", "Contents", "frontmatter", nav))

    shown = "".join(_text(body) + title for _, title, _, body in pages)
    for name, title, kind, body in pages:
        frame = {**common, "page_title": title, "body_type": kind, "body": Markup(body)}
        files[name] = _render("epub/page.xhtml.j2", frame, story).encode("utf-8")
    files["css/book.css"] = _stylesheet(story).encode("utf-8")
    for style in ("regular", "bold", "italic", "bolditalic"):
        files[f"fonts/{style}.ttf"] = assets.subset_font(faces.get(style, faces["regular"]), shown, cache, story.memo.sha256)
    files["package.opf"] = package_document(story, [p[0] for p in pages], files).encode("utf-8")

    target = out_dir / "book.epub"
    with atomic_path(target) as tmp_target:
        write_container(tmp_target, files, cache)
    for ci, ill in placeholders:
        warnings.append(
            Problem(
                f"'{ill.id}' has no picture yet, so the ebook shows its brief in a box",
                story.where("chapters", ci, "illustrations"),
                hint="add an image: (or a diagram:) to this illustration before publishing the ebook",
                severity=Severity.WARNING,
                code="epub-placeholder",
            )
        )
    return Outputs({"epub": target}, warnings, [], _inputs(story, faces))


def _inputs(story: Story, faces: dict[str, Path]) -> dict[str, Path]:
    """The files of the story the ebook was made from besides its text (pictures, cover art) and its fonts, for build.json.

    Named as the print build names them, so a kept ebook is known to be from an earlier
    version when one of them changes.
    """
    found = {rel: story.file(rel).path for _, rel in story.pictures()}
    return {**{rel: path for rel, path in found.items() if path is not None}, **{f"font:{path.name}": path for path in faces.values()}}


def _cover_image(story: Story, out_dir: Path, cover_pdf: Path | None, faces: dict[str, Path], cache: Path) -> bytes:
    """The front of the print cover as the ebook's cover JPEG: from this build's cover.pdf when it made one.

    Otherwise kept by everything the cover is drawn from (the book's and the layout's
    fields, the cover art's and the font's content, chapterbook's code), so the print
    cover is only drawn again when one of them changes.
    """
    spec = story.spec
    trim_w = spec.layout.trim_inches()[0]
    if cover_pdf is not None and cover_pdf.is_file():
        return assets.cover_jpeg(cover_pdf, trim_w, cache)
    from chapterbook.spec.memo import content_key
    from chapterbook.uptodate import code_fingerprint

    art = []
    for rel in (spec.layout.cover_image, spec.layout.cover.back_image):
        found = story.file(rel) if rel else None
        art.append(story.memo.sha256(found.path) if found is not None and found.path is not None and found.path.is_file() else None)
    fonts = {style: story.memo.sha256(path) for style, path in sorted(faces.items())}
    layout = spec.layout.model_dump(mode="json")
    key = content_key("epub-cover", spec.book.model_dump(mode="json"), layout, spec.typographers_quotes, art, fonts, NOMINAL_PAGES, code_fingerprint())

    def make() -> bytes:
        from chapterbook.render.cover import render_cover

        with tempfile.TemporaryDirectory(prefix="chapterbook-epub-") as tmp:
            pdf = render_cover(story, Path(tmp) / "cover.pdf", out_dir / ".cache" / "images", NOMINAL_PAGES).pdf
            return assets.cover_jpeg(pdf, trim_w, cache)

    return assets.cached(cache, key, ".jpg", make)


def _screen_pictures(story: Story, out_dir: Path) -> dict[str, bytes]:
    from chapterbook.manuscript import screen_pictures

    # In colour even for a black-and-white print book (unlike the preview, which shows the printed
    # pages): the ebook is its own edition, read on colour screens, and grey is a cost of black-ink
    # printing, not the author's choice of look. Its diagrams keep their colours for the same reason.
    return screen_pictures(story, assets.SCREEN_MAX_PX, out_dir / ".cache" / "images")


def _render(name: str, context: dict, story: Story) -> str:
    return templating.render(name, context, story.root)


def _stylesheet(story: Story) -> str:
    """epub/book.css with the picture heights the preview uses (manuscript.screen_stylesheet), the story's copies first."""
    from chapterbook.manuscript import screen_stylesheet

    return screen_stylesheet(templating.shared_environment(story.root), "epub/book.css")


def _identifier(story: Story) -> str:
    """The ebook's own ISBN when it has one, else a UUID that depends only on the book's title and authors."""
    isbn = story.spec.book.ebook_isbn
    if isbn:
        return f"urn:isbn:{isbn}"
    book = story.spec.book
    return "urn:uuid:" + name_uuid("chapterbook:" + book.title + "|" + "|".join(book.authors))


def name_uuid(name: str) -> str:
    """uuid.uuid5(uuid.NAMESPACE_URL, name) as text (RFC 4122: SHA-1 of the namespace and the name), without
    importing uuid, which imports platform: a few ms of every ebook build's start."""
    digest = bytearray(hashlib.sha1(NAMESPACE_URL + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


NAMESPACE_URL = bytes.fromhex("6ba7b8119dad11d180b400c04fd430c8")  # uuid.NAMESPACE_URL


MEDIA_TYPES = {".xhtml": "application/xhtml+xml", ".css": "text/css", ".jpg": "image/jpeg", ".svg": "image/svg+xml", ".ttf": "font/ttf", ".png": "image/png"}


def package_document(story: Story, spine: list[str], files: dict[str, bytes]) -> str:
    """The OPF: metadata (with accessibility), manifest of every file, and the reading order."""
    book = story.spec.book
    e = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    modified = (book.publication_date or dt.date(2000, 1, 1)).strftime("%Y-%m-%dT00:00:00Z")  # no build time: same bytes
    meta = [
        f'<dc:identifier id="book-id">{e(_identifier(story))}</dc:identifier>',
        f"<dc:title>{e(book.title)}</dc:title>",
        f"<dc:language>{e(book.language)}</dc:language>",
        *(f'<dc:creator id="author-{i}">{e(a)}</dc:creator>' for i, a in enumerate(book.authors)),
        *(
            (
                f'<dc:contributor id="illustrator">{e(book.illustrator)}</dc:contributor>',
                '<meta refines="#illustrator" property="role" scheme="marc:relators">ill</meta>',
            )
            if book.illustrator
            else ()
        ),
        *((f"<dc:publisher>{e(book.publisher)}</dc:publisher>",) if book.publisher else ()),
        *((f"<dc:date>{book.publication_date.isoformat()}</dc:date>",) if book.publication_date else ()),
        *((f"<dc:description>{e(book.description)}</dc:description>",) if book.description else ()),
        *((f"<dc:source>urn:isbn:{book.isbn}</dc:source>",) if book.isbn else ()),
        f'<meta property="dcterms:modified">{modified}</meta>',
        '<meta name="cover" content="cover-image"/>',
        # Accessibility metadata (EPUB Accessibility 1.1): what a reader needs to know before buying.
        '<meta property="schema:accessMode">textual</meta>',
        '<meta property="schema:accessMode">visual</meta>',
        '<meta property="schema:accessModeSufficient">textual</meta>',
        '<meta property="schema:accessModeSufficient">textual,visual</meta>',
        *(
            f'<meta property="schema:accessibilityFeature">{f}</meta>'
            for f in ("alternativeText", "readingOrder", "structuralNavigation", "tableOfContents", "displayTransformability")
        ),
        '<meta property="schema:accessibilityHazard">none</meta>',
        '<meta property="schema:accessibilitySummary">A reflowable illustrated chapter book for young readers. Every picture and diagram has a text description, the '
        "reading order follows the printed book, and the text can be resized and restyled by the reader.</meta>",
    ]
    manifest = []
    ids: dict[str, str] = {}
    for name in sorted(files):
        if name == "package.opf":
            continue
        ident = "cover-image" if name == "images/cover.jpg" else re.sub(r"[^A-Za-z0-9]", "-", name)
        ids[name] = ident
        props = []
        if name == "nav.xhtml":
            props.append("nav")
        if name == "images/cover.jpg":
            props.append("cover-image")
        prop = f' properties="{" ".join(props)}"' if props else ""
        manifest.append(f'<item id="{ident}" href="{e(name)}" media-type="{MEDIA_TYPES[Path(name).suffix]}"{prop}/>')
    itemrefs = [f'<itemref idref="{ids[name]}"/>' for name in spine]
    nl = "\n    "
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="book-id" xml:lang="{e(book.language)}">\n'
        f'  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n    {nl.join(meta)}\n  </metadata>\n'
        f"  <manifest>\n    {nl.join(manifest)}\n  </manifest>\n"
        f"  <spine>\n    {nl.join(itemrefs)}\n  </spine>\n"
        "</package>\n"
    )
