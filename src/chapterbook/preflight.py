"""Preflight: check any PDF against print-on-demand rules, with a recommendation for each failure.

Reads the PDF itself (with pypdf), so it works on files chapterbook did not
make; a PDF a build has just written is read by the light reader (preflight_reader.py),
which hands anything not in ReportLab's plain shape back to pypdf. Checks: fonts
embedded and subset, image resolution at placed size, TrimBox/BleedBox on every page,
page size = trim + bleed, page-count rules, no outlines or annotations, text in K-only
black, placeholders left. What a page's content holds is read by preflight_scan.py.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from chapterbook.errors import ChapterbookError, Severity, UsageError
from chapterbook.preflight_findings import Finding, FontInfo, ImageInfo, PageBoxes, PreflightReport  # the report's types (no pypdf)
from chapterbook.preflight_scan import _PageScan  # what one page's content holds
from chapterbook.print_rules import BLEED_IN, HARD_MIN_PPI, MAX_PAGES, MAX_SPINE_IN, MIN_PAGES, PPI, inch

if TYPE_CHECKING:
    from pypdf import PdfReader

# The rules themselves are print_rules'; these are the names preflight reads them by.
BLEED_PT = inch(BLEED_IN)
TOLERANCE_PT = 0.6
MIN_PPI = float(PPI)


@contextlib.contextmanager
def _pypdf_quiet() -> Iterator[None]:
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def _box(value) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in value)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _size(box) -> tuple[float, float]:
    return box[2] - box[0], box[3] - box[1]


def preflight(
    pdf: str | Path,
    *,
    kind: str = "auto",
    trim_in: tuple[float, float] | None = None,
    pages_seen: dict[str, dict] | None = None,
    ours: bool = False,
) -> PreflightReport:
    """Check `pdf` for print; `kind` is interior, cover or auto (a single landscape page is a cover).

    `pages_seen` (optional) maps a page's signature to what scanning it found: pages
    found there are not parsed again, and every page scanned is added. Parsing the
    content streams is most of preflight's time (pure Python, about 1.5 ms a page),
    and a rebuild after one chapter changed has the same bytes on every other page.
    `ours`: the PDF is one chapterbook has just written, read without pypdf when it has ReportLab's plain shape.
    """
    pdf = Path(pdf)
    if not pdf.is_file():
        raise UsageError(f"there is no PDF at {pdf}", hint="give the path to a PDF, e.g. output/my-book/book.pdf")
    with _pypdf_quiet():  # its log lines ("EOF marker not found") would only repeat our own findings
        if ours:
            from chapterbook import preflight_reader

            try:
                light = preflight_reader.read(pdf)
                return _preflight(pdf, light, light.pages, kind, trim_in, pages_seen)
            except Exception:  # noqa: BLE001 - not the shape ReportLab writes (Unsupported), or damaged: read as any PDF is
                pass  # (a fault in the checks themselves happens again with pypdf, and is raised there)
        return _preflight(pdf, *_pypdf_pages(pdf), kind, trim_in, pages_seen)


def _pypdf_pages(pdf: Path) -> tuple[PdfReader, list]:
    """pypdf's reader of `pdf` and its pages; a file that is no readable PDF is said plainly."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    with open(pdf, "rb") as f:
        if b"%PDF-" not in f.read(1024):  # where every PDF says what it is
            raise ChapterbookError(f"{pdf.name} is not a PDF (it does not start like one)", hint="give the path to a PDF, e.g. output/my-book/book.pdf")
    try:
        reader = PdfReader(pdf, strict=False)
        return reader, list(reader.pages)
    except (PdfReadError, OSError, ValueError) as exc:
        raise ChapterbookError(f"{pdf.name} is not a readable PDF ({exc})", hint="rebuild it, or export it again as PDF") from None


def _preflight(pdf: Path, reader, pages: list, kind: str, trim_in: tuple[float, float] | None, pages_seen: dict[str, dict] | None) -> PreflightReport:
    if reader.is_encrypted:
        raise ChapterbookError(f"{pdf.name} is encrypted", hint="printers need an unencrypted PDF; export it without a password")
    if kind == "auto":
        first = _box(pages[0].mediabox) if pages else (0, 0, 1, 1)
        kind = "cover" if len(pages) == 1 and _size(first)[0] > _size(first)[1] else "interior"
    report = PreflightReport(pdf, kind, len(pages))
    fonts: dict[int | str, FontInfo] = {}
    rgb_text_pages: list[int] = []
    for number, page in enumerate(pages, 1):
        _check_boxes(report, page, number, kind)
        scan = _PageScan(page, reader)
        signature = scan.signature() if pages_seen is not None else None
        if pages_seen is not None and signature is not None and signature in pages_seen:
            scan.restore(pages_seen[signature])
        else:
            scan.run()
            if pages_seen is not None and signature is not None:
                pages_seen[signature] = scan.found()
        for key, info in scan.fonts.items():
            fonts.setdefault(key, info)
        for name, (wpx, hpx, wpt, hpt) in scan.images:
            x_ppi = wpx / (wpt / 72.0) if wpt else 0.0
            y_ppi = hpx / (hpt / 72.0) if hpt else 0.0
            report.images.append(ImageInfo(number, name, wpx, hpx, round(x_ppi, 1), round(y_ppi, 1)))
        if scan.rich_text:
            rgb_text_pages.append(number)
        annots = page.get("/Annots")
        annots = annots.get_object() if annots is not None else None
        if annots:
            report.findings.append(
                Finding(
                    "annotations",
                    Severity.ERROR,
                    f"the page has {len(annots)} annotation(s) (links, comments or form fields)",
                    "remove links and comments; print files must not carry annotations",
                    number,
                )
            )
        report.placeholders += [(number, slot) for slot in scan.placeholders]
    report.fonts = sorted(fonts.values(), key=lambda f: f.name)
    _check_fonts(report)
    _check_images(report)
    _check_document(report, reader, kind, trim_in)
    if rgb_text_pages:
        shown = ", ".join(map(str, rgb_text_pages[:8])) + (" …" if len(rgb_text_pages) > 8 else "")
        report.findings.append(
            Finding(
                "colour",
                Severity.WARNING,
                f"text is set in RGB or four-colour black on page(s) {shown}",
                "set text in K-only black (CMYK 0/0/0/100) so it prints sharp, without colour fringes",
            )
        )
    for page_no, slot in report.placeholders:
        report.findings.append(
            Finding(
                "placeholders",
                Severity.WARNING,
                f"illustration '{slot}' is still a placeholder panel",
                f"add the picture for '{slot}' (its 'image:' in story.yaml) and rebuild",
                page_no,
            )
        )
    return report


def _check_boxes(report: PreflightReport, page, number: int, kind: str) -> None:
    media = _box(page.mediabox)
    trim = _box(page["/TrimBox"]) if "/TrimBox" in page else None
    bleed = _box(page["/BleedBox"]) if "/BleedBox" in page else None
    report.boxes.append(PageBoxes(number, media, trim, bleed))
    if trim is None:
        report.findings.append(
            Finding(
                "boxes", Severity.ERROR, "the page has no TrimBox", "export with page boxes (TrimBox and BleedBox) on every page; chapterbook does this", number
            )
        )
    if bleed is None:
        report.findings.append(
            Finding(
                "boxes",
                Severity.ERROR,
                "the page has no BleedBox",
                "export with page boxes (TrimBox and BleedBox) on every page; chapterbook does this",
                number,
            )
        )
    if trim is None:
        return
    inside = all((trim[i] >= media[i] - TOLERANCE_PT if i < 2 else trim[i] <= media[i] + TOLERANCE_PT) for i in range(4))
    if not inside:
        report.findings.append(
            Finding("boxes", Severity.ERROR, "the TrimBox sticks out of the page", "rebuild the PDF: the trimmed page must lie inside the sheet", number)
        )
    mw, mh = _size(media)
    tw, th = _size(trim)
    want_w = BLEED_PT if kind == "interior" else 2 * BLEED_PT
    if abs((mw - tw) - want_w) > TOLERANCE_PT or abs((mh - th) - 2 * BLEED_PT) > TOLERANCE_PT:
        expect = f"{want_w / 72:g} in wider and {2 * BLEED_IN:g} in taller"
        report.findings.append(
            Finding(
                "page-size",
                Severity.ERROR,
                f"the page is {mw / 72:.3f} x {mh / 72:.3f} in for a {tw / 72:.3f} x {th / 72:.3f} in trim; with bleed it must be {expect}",
                f"set bleed to {BLEED_IN:g} in on the outside, top and bottom edges (interior) or all four edges (cover)",
                number,
            )
        )


def _check_fonts(report: PreflightReport) -> None:
    for font in report.fonts:
        if not font.embedded:
            report.findings.append(
                Finding(
                    "fonts",
                    Severity.ERROR,
                    f"the font {font.name} is not embedded",
                    "embed every font (printers substitute missing ones); in chapterbook every font is embedded, so this PDF came from elsewhere",
                )
            )
        elif not font.subset and font.subtype != "/Type3":
            report.findings.append(
                Finding(
                    "fonts",
                    Severity.WARNING,
                    f"the font {font.name} is embedded whole, not subset",
                    "subsetting keeps the file small; most exporters have an option for it",
                )
            )


def _check_images(report: PreflightReport) -> None:
    for img in report.images:
        ppi = min(img.x_ppi, img.y_ppi)
        if ppi < HARD_MIN_PPI:
            sev, what = Severity.ERROR, "far below"
        elif ppi < MIN_PPI - 1:
            sev, what = Severity.WARNING, "below"
        else:
            continue
        need = (math.ceil(img.width_px * MIN_PPI / ppi), math.ceil(img.height_px * MIN_PPI / ppi))
        report.findings.append(
            Finding(
                "images",
                sev,
                f"image {img.name} is {ppi:.0f} ppi at its printed size, {what} {MIN_PPI:.0f} ppi",
                f"supply it at least {need[0]} x {need[1]} pixels, or print it smaller",
                img.page,
            )
        )


def _check_document(report: PreflightReport, reader, kind: str, trim_in: tuple[float, float] | None) -> None:
    root = reader.trailer["/Root"].get_object()
    outlines = root.get("/Outlines") if isinstance(root, dict) else None  # pypdf's dictionaries are dicts too
    if outlines is not None:
        outlines = outlines.get_object()
        if isinstance(outlines, dict) and (outlines.get("/First") is not None or int(outlines.get("/Count", 0) or 0) != 0):
            report.findings.append(
                Finding("outlines", Severity.ERROR, "the PDF has bookmarks (outlines)", "turn bookmarks off for the print file; keep them for the e-book")
            )
    if kind == "interior":
        n = report.pages
        if n < MIN_PAGES:
            report.findings.append(
                Finding(
                    "page-count",
                    Severity.ERROR,
                    f"the book has {n} pages; print-on-demand paperbacks need at least {MIN_PAGES}",
                    "add pages (chapterbook pads short books with blank pages at the end)",
                )
            )
        elif n > MAX_PAGES:
            report.findings.append(
                Finding("page-count", Severity.ERROR, f"the book has {n} pages; the most a paperback can have is {MAX_PAGES}", "split the book into volumes")
            )
        if n % 2:
            report.findings.append(
                Finding(
                    "page-count",
                    Severity.WARNING,
                    f"the book has an odd number of pages ({n})",
                    "printers add a blank last page; add one yourself so you decide what it shows",
                )
            )
        trims = {tuple(round(v, 1) for v in _size(b.trim)) for b in report.boxes if b.trim}
        if len(trims) > 1:
            report.findings.append(
                Finding("boxes", Severity.ERROR, f"pages have {len(trims)} different trim sizes", "every interior page must have the same trim size")
            )
    if trim_in is not None:
        for b in report.boxes:
            if b.trim is None:
                continue
            tw, th = _size(b.trim)
            want_w = trim_in[0] * 72
            if kind == "interior" and (abs(tw - want_w) > TOLERANCE_PT or abs(th - trim_in[1] * 72) > TOLERANCE_PT):
                report.findings.append(
                    Finding(
                        "page-size",
                        Severity.ERROR,
                        f"the trim is {tw / 72:.3f} x {th / 72:.3f} in, not the {trim_in[0]:g} x {trim_in[1]:g} in asked for",
                        "rebuild with the right 'layout.trim'",
                        b.page,
                    )
                )
                break
            # A wrap cover is back + spine + front: the book's height, and twice its width plus a spine
            # no thicker than the thickest paperback's (MAX_PAGES on cream paper, about 2.1 in).
            spine = tw - 2 * want_w
            if kind == "cover" and (abs(th - trim_in[1] * 72) > TOLERANCE_PT or not -TOLERANCE_PT <= spine <= MAX_SPINE_IN * 72):
                report.findings.append(
                    Finding(
                        "page-size",
                        Severity.ERROR,
                        f"the cover's trim is {tw / 72:.3f} x {th / 72:.3f} in; for a {trim_in[0]:g} x {trim_in[1]:g} in book it must be "
                        f"{trim_in[1]:g} in tall and {2 * trim_in[0]:g} in wide plus the spine",
                        "make the cover for the same trim size as the book (chapterbook build does)",
                        b.page,
                    )
                )
                break
