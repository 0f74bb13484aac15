"""The interior book.pdf: front matter, chapters, illustrations, diagrams and back matter, print-ready.

`render_book` is the entry point; the work is done in rooms next door:

- print_rules.py (the package's top level): trims, bleed, margins, gutter table, page limits;
- geometry.py: those as page boxes; document.py: the page machinery (BookDoc);
- styles.py: inks, paragraph styles, `paragraph`; flowables.py: marks, pictures, panels, contents lines;
- interior/: the book's content (plan.py places the pictures, front.py, chapters.py, back.py,
  memo.py remembers the last layout); fonts.py, images.py, diagrams.py as before;
- rl_fast.py: the only module that reaches inside ReportLab or changes its settings.

Pictures are resampled on worker threads while the pages are laid out; a bad
image stops the build and the half-made PDF is removed. The PDF is written
atomically and deterministically (ReportLab ``invariant``). The names that used
to be defined here are imported back below, so `from chapterbook.render.pdf import X`
keeps working.
"""

from __future__ import annotations

import contextlib
import gc
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from chapterbook import progress
from chapterbook.errors import Problem
from chapterbook.output import atomic_path
from chapterbook.print_rules import MIN_PAGES, gutter_inches, inside_inches
from chapterbook.render import fonts, images, rl_fast  # noqa: F401  (fonts: kept importable from here)
from chapterbook.render.document import RUNT_LINES, BookDoc  # noqa: F401
from chapterbook.render.flowables import (  # noqa: F401
    PLACEHOLDER_LABEL,
    ChapterEnd,
    ContentsLine,
    FullPage,
    Mark,
    Picture,
    PlaceholderPanel,
    draw_placed,
    draw_placeholder,
    fit_width,
)
from chapterbook.render.fonts import book_font
from chapterbook.render.geometry import PageGeometry
from chapterbook.render.ink import colour_interior
from chapterbook.render.interior import (  # noqa: F401
    LAYOUT_VERSION,
    PANEL_RATIO,
    SHARE,
    Interior,
    LayoutMemo,
    Pictures,
    Slot,
    front,
    text_location,
)
from chapterbook.render.interior.back import back_sections
from chapterbook.render.pagecache import PageCache
from chapterbook.render.pagecount import estimate_pages, gutter_settled
from chapterbook.render.styles import (  # noqa: F401
    BLACK,
    BOX,
    PANEL,
    PARAGRAPH_SPACE,
    SOFT,
    TIGHT,
    BookParagraph,
    book_styles,
    paragraph,
)
from chapterbook.spec.load import Story

# Old private names, for branches written against the single-file renderer.
_styles, _fit_width, _join = book_styles, fit_width, front._join


@dataclass
class RenderResult:
    """What rendering the interior produced and found."""

    pdf: Path
    pages: int
    warnings: list[Problem] = field(default_factory=list)
    placeholders: list[tuple[str, str, int]] = field(default_factory=list)  # (id, brief, page)
    images: list[images.Placed] = field(default_factory=list)
    fonts: tuple[Path, ...] = ()
    gutter_in: float = 0.0  # the least inside margin KDP asks for at this page count
    inside_in: float = 0.0  # the inside margin the book was laid out with (print_rules.GUTTER_TABLE)
    section_pages: dict[str, int] = field(default_factory=dict)  # 'ch1'…, 'glossary'… -> first page
    # Of the final layout: chapters whose pages came from the page cache, and chapters laid out (render/pagecache.py).
    chapters_replayed: int = 0
    chapters_laid_out: int = 0
    layouts: int = 1  # times the book was laid out, a trial included (at most twice on a first build)
    chapters_laid_out_in_build: int = 0  # chapters laid out (not put back) in every layout of this build together


def _first_count(doc: BookDoc, pages: int, assumed: frozenset[int], keys: list[str], spans: dict[int, int], runts: dict[str, int]) -> int:
    """The pages a layout with none of the `assumed` chapters set closer would have: what a first build counts.

    Chapters start on a right-hand page, so each spans its own pages (and the blank verso after
    them): setting one closer changes the book by the difference of its spans, remembered from
    the layout that found it a runt, and nothing else moves.
    """
    if not assumed:
        return pages
    normal = doc.unpadded + sum(runts[keys[ci]] - spans[ci] for ci in assumed)
    while normal < doc.min_pages or normal % 2:  # padded as BookDoc.finish pads
        normal += 1
    return normal


@contextlib.contextmanager
def _old_objects_left_alone() -> Iterator[None]:
    """Keep the garbage collector's full passes from walking every object that existed before rendering.

    Laying out a book allocates hundreds of thousands of short-lived objects, and
    each full collection those trigger walks all the modules, the spec and the font
    metrics too: the collector was about a tenth of a warm build's instructions
    (bench/README.md). Objects made before the render are set aside (gc.freeze) and
    given back to the collector afterwards (gc.unfreeze), so nothing is kept alive by
    this. A caller that froze objects itself (a server before forking) is left as it was.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def render_book(story: Story, out_path: Path, cache_dir: Path) -> RenderResult:
    """Render the interior to `out_path` (atomically) and return what was found on the way.

    Raises RenderError for anything that makes the book unprintable (bad
    image, font); nothing is written then.
    """
    rl_fast.configure()
    family = None
    pages_cache: PageCache | None = None
    with atomic_path(out_path) as tmp, _old_objects_left_alone(), images.Resampler(cache_dir, grey=not colour_interior(story.spec)) as resampler:
        known = LayoutMemo(cache_dir / "layout.json", story, resampler.hashes)
        # A long book gets its wider gutter at once: known from its last layout, or estimated (render/pagecount.py).
        gutter_pages = known.pages if known.hit else estimate_pages(story, PageGeometry.for_layout(story.spec.layout))
        # A trial layout first only where the estimate may be on the wrong side of a step of the gutter table,
        # and only in a first build: a rebuild's first layout is real, and is kept whenever it is the layout a
        # first build would have ended with (below).
        trial_first = not known.hit and not known.laid_out_before and not gutter_settled(gutter_pages)
        back_matter = bool(back_sections(story.spec))
        laid_out = 0
        for attempt in range(5):
            geo = PageGeometry.for_layout(story.spec.layout, gutter_pages)
            pictures = Pictures(story, geo, resampler)
            # Read while the pictures are being resampled: parsing a font is pure Python, resampling is not.
            family = family or book_font(story, cache_dir / "fonts")
            pages_cache = pages_cache or PageCache(cache_dir / "pages", story, family, resampler.hashes)
            # A book laid out before knows which chapters to set closer; any other near a step of the gutter
            # table is laid out first on trial, which does not wait for the pictures, so it runs while they are
            # being resampled; the rest at once for real (pagecount.gutter_settled), laid out again only when
            # the count or a runt chapter asks for it, as after a trial.
            trial = attempt == 0 and trial_first
            runt_keys = pages_cache.runt_keys(geo, pictures, back_matter)
            # After an edit (the memo's key missed), the chapters known to end on a runt page at this geometry
            # are set closer at once, as a first build's second layout would set them: one layout, not two.
            assumed = known.assume_runts(runt_keys) if attempt == 0 and not known.hit else frozenset()
            known.tight |= assumed
            progress.report("Laying out the pages")
            interior = Interior(story, family, pictures, known.tight)
            doc = BookDoc(io.BytesIO() if trial else str(tmp), geo, family, story, MIN_PAGES, interior.quotes, trial)
            doc.pages = layout = pages_cache.layout(geo, pictures, known.tight, trial)
            try:
                doc.build(interior.flowables(doc))
            finally:
                doc.drop_recording()  # a layout that failed halfway leaves no watcher on the fonts
            pages = doc.page
            laid_out += layout.laid_out
            # Set again when the book crossed a step of the gutter table (the inside margin grows with
            # page count), or when a chapter ends on a page of one or two lines: it is set closer, once.
            runts = doc.runt_chapters(story.spec.layout.line_height) - known.tight
            spans = doc.chapter_spans(len(story.spec.chapters))
            for ci in runts:
                known.note_runt(runt_keys[ci], spans[ci])
            counted = _first_count(doc, pages, assumed, runt_keys, spans, known.runts)
            # A first build would have counted `counted` pages here and, when `assumed` is not empty, gone on
            # to this very layout at the gutter for `counted`: so this one is kept only when it is that
            # layout (the same gutter, no other runt) and a first build would have stopped after it.
            if not trial and inside_inches(pages) == inside_inches(counted) == inside_inches(gutter_pages) and not runts:
                break
            if inside_inches(counted) != inside_inches(gutter_pages):
                resampler.drop_pending()  # queued at the old text width
            gutter_pages = counted
            known.tight |= runts
        doc.save(cache_dir / "streams.zmemo")  # the last layout only: one dropped for another was never written
        known.pages = pages
        known.save()
        assert pages_cache is not None  # made on the first pass
        pages_cache.save()
        # Pictures the pages waited for are done; this also raises for any that failed unseen.
        resampler.finish()
    assert family is not None  # read on the first pass
    return RenderResult(
        pdf=out_path,
        pages=pages,
        warnings=interior.warnings + interior.late_float_problems(doc),
        placeholders=doc.placeholder_pages,
        images=pictures.placed_images,
        fonts=family.files,
        gutter_in=gutter_inches(pages),
        inside_in=inside_inches(pages),
        section_pages=dict(doc.toc),
        chapters_replayed=layout.replayed,
        chapters_laid_out=layout.laid_out,
        layouts=attempt + 1,
        chapters_laid_out_in_build=laid_out,
    )
