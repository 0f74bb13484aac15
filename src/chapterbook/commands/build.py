"""chapterbook build: render the book's formats into output/<book>/."""

from __future__ import annotations

import argparse

import time

from chapterbook.console import err_console, out_console
from chapterbook.errors import display_path

HELP = "build the book (manuscript, HTML preview, print PDF) into output/<book>/"
# chapterbook.build.FORMATS' names (a test holds them equal): that module imports every renderer, which a
# build with nothing to do (chapterbook.uptodate) never needs.
FORMAT_NAMES = ("md", "html", "pdf", "epub")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("story", help="path to story.yaml (or its folder)")
    parser.add_argument("--format", "-f", help=f"comma-separated formats: {', '.join(FORMAT_NAMES)} (default: md,html,pdf)")
    parser.add_argument("--output", "-o", default=None, help="output folder (default: ./output)")
    parser.add_argument("--pdfx", action="store_true", help="also write book-pdfx.pdf and cover-pdfx.pdf (PDF/X-3) with Ghostscript")


def run(args: argparse.Namespace) -> int:
    from chapterbook import uptodate

    if (unchanged := uptodate.check(args)) is not None:
        return uptodate.replay(unchanged)
    from chapterbook.build import parse_formats
    from chapterbook.spec.load import load_story

    started = time.time()
    formats = parse_formats(args.format)
    story = load_story(args.story)
    result = _build_with_progress(story, formats, args.output, args.pdfx)
    for w in result.warnings:
        err_console().print(w.format(), markup=False, highlight=False)
    out = out_console()
    for name, path in result.outputs.items():
        out.print(f"wrote {display_path(path)}{' (PDF/X-3)' if name.endswith('-pdfx') else ''}", markup=False)
    if result.record:
        out.print(f"wrote {display_path(result.record)}", markup=False)
    for line in result.summary:
        out.print(line, markup=False, highlight=False)
    # The print files are preflighted as part of the build; a failure makes the build fail.
    from chapterbook.commands.preflight import print_report

    for report in result.reports:
        print_report(report)
    if not all(r.ok for r in result.reports):
        return 1
    uptodate.record(args, story, result, started)
    return 0


def _build_with_progress(story, formats: list[str], output: str | None, pdfx: bool):
    """build(), with what it is doing shown on stderr while it works (nothing is left on screen after)."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn
    from rich.text import Text

    from chapterbook import progress

    class CountedBar(BarColumn):
        """A bar only for counted work (the pictures); a stage shows its spinner and its name."""

        def render(self, task):
            return Text("") if task.total is None else super().render(task)

    display = Progress(SpinnerColumn(), TextColumn("{task.description}"), CountedBar(), TextColumn("{task.fields[count]}"), console=err_console(), transient=True)
    stage = display.add_task("Starting", total=None, count="")
    counted: dict[str, object] = {}

    def listen(name: str, done: int | None, total: int | None) -> None:
        if total is None:
            display.update(stage, description=name)
            return
        if name not in counted:  # first reported from the main thread, as the work is queued
            counted[name] = display.add_task(name, total=total, count="")
        display.update(counted[name], completed=done, total=total, count=f"{done}/{total}", visible=done < total)  # type: ignore[arg-type]

    from chapterbook.build import build

    with display, progress.reporting(listen):
        return build(story, formats, output, pdfx=pdfx)
