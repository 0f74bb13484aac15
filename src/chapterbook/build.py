"""Build a book: check it, render each requested format, record what went in.

Renderers register in FORMATS as ``fn(story, out_dir) -> {name: path}``. A
build refuses to start when the spec has errors, so nothing is rendered from
a broken book.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chapterbook import manuscript, progress, templating
from chapterbook.errors import ChapterbookError, Problem, SpecError, UsageError
from chapterbook.render import images
from chapterbook.render.checks import unique_warnings
from chapterbook.render.printfiles import write_pdf
from chapterbook.output import book_dir, build_record, input_hashes, sha256_text, write_json
from chapterbook.spec.lint import errors, lint
from chapterbook.spec.load import Story

Renderer = Callable[[Story, Path], dict[str, Path]]

FORMATS: dict[str, Renderer] = {
    "md": manuscript.write_manuscript,
    "html": manuscript.write_preview,
    "pdf": write_pdf,  # book.pdf + cover.pdf, preflighted; see chapterbook.render.printfiles
    "epub": lambda story, out_dir: _epub(story, out_dir),  # book.epub (only when asked for); see chapterbook.render.epub
}
DEFAULT_FORMATS: tuple[str, ...] = ("md", "html", "pdf")
PRUNE_MARGIN_S = 10.0
STAGES = {"md": "Writing the manuscript", "html": "Writing the HTML preview", "pdf": "Making the print PDFs", "epub": "Making the ebook"}


@dataclass
class BuildResult:
    out_dir: Path
    outputs: dict[str, Path]
    warnings: list[Problem] = field(default_factory=list)
    record: Path | None = None
    reports: list = field(default_factory=list)  # preflight reports of the PDFs written
    summary: list[str] = field(default_factory=list)  # a line per format that has one (pdf: pages, trim, ink, spine, cover)


def parse_formats(text: str | None) -> list[str]:
    """'md,html' -> ['md', 'html']; unknown names are a usage error."""
    if not text:
        return list(DEFAULT_FORMATS)
    wanted = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise UsageError(
            f"unknown format {', '.join(repr(u) for u in unknown) or '(none given)'}",
            hint="choose from: " + ", ".join(FORMATS) + " (comma-separated, e.g. --format md,html)",
        )
    return list(dict.fromkeys(wanted))


def build(story: Story, formats: list[str] | None = None, output_root: str | Path | None = None, *, pdfx: bool = False) -> BuildResult:
    """Render `formats` of the story into output/<book>/ and write build.json.

    `pdfx` also converts book.pdf and cover.pdf to PDF/X-3 (book-pdfx.pdf,
    cover-pdfx.pdf) with Ghostscript, and preflights those too.
    """
    if pdfx:
        if "pdf" not in (formats or DEFAULT_FORMATS):
            raise UsageError("--pdfx converts the print PDFs, and this build makes none", hint="add pdf to --format, or leave --format out")
        from chapterbook.render.pdfx import ghostscript

        ghostscript()  # before anything is built: without it, say what to install and do nothing
    problems = lint(story)
    if errors(problems):
        raise SpecError(errors(problems))
    started = time.time()
    out_dir = book_dir(story, output_root)
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, Path] = {}
    # A renderer may also return warnings, preflight reports and extra inputs (images, fonts).
    extra_warnings: list[Problem] = []
    reports: list = []
    extra_inputs: dict[str, Path] = {}
    summary: list[str] = []
    for fmt in formats or list(DEFAULT_FORMATS):
        progress.report(STAGES[fmt])
        written = FORMATS[fmt](story, out_dir)
        outputs.update(written)
        extra_warnings += getattr(written, "warnings", [])
        reports += getattr(written, "reports", [])
        extra_inputs.update(getattr(written, "inputs", {}))
        summary += [getattr(written, "summary", "")] if getattr(written, "summary", "") else []
    if set(formats or DEFAULT_FORMATS) >= set(DEFAULT_FORMATS):
        # Every format was built, so every picture still wanted was used (and marked) just now. The margin
        # allows for file systems that store times coarsely (FAT: 2 s).
        images.prune(out_dir / ".cache" / "images", started - PRUNE_MARGIN_S)
    pdfx_failed: ChapterbookError | None = None
    if pdfx:
        try:
            reports += _write_pdfx(story, outputs, out_dir)
        except ChapterbookError as exc:
            pdfx_failed = exc  # book.pdf and cover.pdf are fine: record them, then report the failure
    templates = {}
    for name in manuscript.used_templates():
        path, digest = templating.template_hash(name, story.root)
        templates[name] = {"path": path, "sha256": digest}
    record = build_record(
        story,
        outputs,
        input_hashes(story, extra_inputs),
        templates=templates,
        spec_sha256=sha256_text(story.spec.model_dump_json()),
        formats=formats or list(DEFAULT_FORMATS),
    )
    record_path = write_json(out_dir / "build.json", record)
    if pdfx_failed is not None:
        raise pdfx_failed
    # lint (validate) already found what the renderer warns about: each is reported once.
    warnings = unique_warnings([p for p in problems if p not in errors(problems)] + extra_warnings)
    return BuildResult(out_dir, outputs, warnings, record_path, reports, summary)


def _epub(story: Story, out_dir: Path):
    from chapterbook.render.epub import write_epub  # imported only when an ebook is asked for

    return write_epub(story, out_dir)


def _write_pdfx(story: Story, outputs: dict[str, Path], out_dir: Path) -> list:
    """PDF/X-3 copies of the interior and the cover, added to `outputs`; returns their preflight reports."""
    from chapterbook.preflight import preflight
    from chapterbook.render.pdfx import to_pdfx

    reports = []
    for name, kind in (("pdf", "interior"), ("cover", "cover")):
        source = outputs[name]
        progress.report(f"Converting {source.name} to PDF/X-3")
        target = to_pdfx(source, out_dir / f"{source.stem}-pdfx.pdf", story.spec.book.title)
        outputs[f"{name}-pdfx"] = target
        reports.append(preflight(target, kind=kind, trim_in=story.spec.layout.trim_inches()))
    return reports
