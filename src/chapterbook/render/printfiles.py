"""The 'pdf' build format: book.pdf and cover.pdf, then preflight on both.

Registered in chapterbook.build.FORMATS. Returns an :class:`Outputs` (a dict
of files written) that also carries the render warnings, the preflight
reports and the extra input files (images, fonts) for build.json.
"""

from __future__ import annotations

from pathlib import Path

from chapterbook import progress
from chapterbook.errors import Problem
from chapterbook.spec.load import Story


class Outputs(dict):
    """Files written, by name; plus what the build should report and record."""

    def __init__(self, files: dict[str, Path], warnings: list[Problem], reports: list, inputs: dict[str, Path], summary: str = ""):
        super().__init__(files)
        self.summary = summary  # one line: pages, trim, ink, spine, cover size
        self.warnings = warnings
        self.reports = reports
        self.inputs = inputs


def write_pdf(story: Story, out_dir: Path, cache_dir: Path | None = None) -> Outputs:
    """Render book.pdf and cover.pdf into `out_dir` and preflight them; pictures are cached in `cache_dir`."""
    from chapterbook.render.cover import render_cover
    from chapterbook.render.pdf import render_book

    cache = cache_dir or out_dir / ".cache" / "images"
    interior = render_book(story, out_dir / "book.pdf", cache)
    progress.report("Making the cover")
    cover = render_cover(story, out_dir / "cover.pdf", cache, interior.pages)
    trim = story.spec.layout.trim_inches()
    progress.report("Checking the PDFs for print")
    from chapterbook.preflight_cache import preflight_cached

    # An unchanged PDF keeps its report (chapterbook.preflight_cache). A changed one is read by the light
    # reader (chapterbook.preflight_reader): these are ReportLab's plain PDFs, just written, so pypdf (a
    # tenth of a second to import, and slower to read every page object) is loaded only should one not be.
    checked = out_dir / ".cache" / "preflight"
    reports = [
        preflight_cached(interior.pdf, checked, kind="interior", trim_in=trim, ours=True),
        preflight_cached(cover.pdf, checked, kind="cover", trim_in=trim, ours=True),
    ]
    inputs: dict[str, Path] = {}
    for placed in interior.images + cover.images:
        try:
            inputs[str(placed.source.resolve().relative_to(story.root.resolve()))] = placed.source
        except ValueError:
            inputs[str(placed.source)] = placed.source
    for font in interior.fonts:
        inputs[f"font:{font.name}"] = font
    from chapterbook.render.ink import colour_picture_warnings, summary_line

    warnings = interior.warnings + colour_picture_warnings(story, interior.images) + cover.warnings
    summary = summary_line(story.spec, interior.pages, cover.spine_in, cover.size)
    return Outputs({"pdf": interior.pdf, "cover": cover.pdf}, warnings, reports, inputs, summary)
