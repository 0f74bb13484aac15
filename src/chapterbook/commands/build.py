"""chapterbook build: render the book's formats into output/<book>/."""

from __future__ import annotations

import argparse
import sys
import time

from chapterbook.cli.options import add_output, add_strict, collector_paused
from chapterbook.console import err_console, line_printer
from chapterbook.errors import display_path

HELP = "build the book (manuscript, HTML preview, print PDF) into output/<book>/"
FAILS = "problems in the book, or a print file failed its checks (output/<book>/ keeps the last good build)"
# chapterbook.build.FORMATS' names (a test holds them equal): that module imports every renderer, which a
# build with nothing to do (chapterbook.uptodate) never needs.
FORMAT_NAMES = ("md", "html", "pdf", "epub")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("story", help="path to story.yaml (or its folder)")
    parser.add_argument("--format", "-f", help=f"comma-separated formats: {', '.join(FORMAT_NAMES)} (default: md,html,pdf)")
    add_output(parser)
    parser.add_argument("--pdfx", action="store_true", help="also write book-pdfx.pdf and cover-pdfx.pdf (PDF/X-3) with Ghostscript")
    add_strict(parser, "warnings (the spec's, the layout's, the print checks')")


def run(args: argparse.Namespace) -> int:
    from chapterbook import uptodate

    # --strict judges the warnings, which a replay of the last build would not: it always builds.
    if not args.strict and (unchanged := uptodate.check(args)) is not None:
        return uptodate.replay(unchanged)
    with collector_paused():  # the renderers' and the spec's modules, and the story: see collector_paused
        from chapterbook.build import parse_ahead, parse_formats
        from chapterbook.spec.load import load_story
        from chapterbook.spec.memo import for_output

        started = time.time()
        formats = parse_formats(args.format)
        # What the last build worked out from unchanged content (the YAML's parse, lint's counts) is not worked out again.
        # A build without the print PDF only reads the spec: an unchanged story.yaml comes back from the memo as the
        # spec it validated to, without Pydantic (spec/snapshot.py). The PDF's caches key on Pydantic's own dumps.
        thawed = "pdf" not in formats and not args.pdfx
        story = load_story(args.story, for_output(uptodate.out_dir_for(args.story, args.output)), thawed=thawed)
        parse_ahead(story, formats, args.output)  # before the progress display's thread starts (see build.parse_ahead)
    result = _build_with_progress(story, formats, args.output, args.pdfx, args.strict)
    err, out = line_printer(sys.stderr), line_printer(sys.stdout)  # rich only on a terminal: see line_printer
    said = [w.format() for w in result.warnings]  # formatted once: printed now, and kept for a replay (uptodate.record)
    for line in said:
        err(line)
    if result.committed:
        for name, path in result.outputs.items():
            out(f"wrote {display_path(path)}{' (PDF/X-3)' if name.endswith('-pdfx') else ''}")
        if result.record:
            out(f"wrote {display_path(result.record)}")
    for line in result.summary:
        out(line)
    # The print files are preflighted as part of the build; a failure makes the build fail.
    if result.reports:  # the preflight stack (pypdf) only when there is a report to print: not for md, html or epub alone
        from chapterbook.commands.preflight import print_report

        for report in result.reports:
            print_report(report)
    if result.committed:
        from chapterbook.build import FILE_FORMATS

        # Not an error: the author may want the old ebook for now. Said last, where it is seen.
        earlier = [[name, FILE_FORMATS[name]] for name in result.earlier]
        if earlier:
            out(uptodate.earlier_line(earlier))
        uptodate.record(args, story, result, started, said, earlier)
        return 0
    why = "--strict: the warnings above count as errors" if result.strict_failed else "the print files did not pass their checks"
    kept = "holds the last good build, unchanged" if (result.out_dir / "build.json").exists() else "was left as it was"
    err(f"{why}, so nothing was replaced: {display_path(result.out_dir)} {kept}")
    return 1


def _build_with_progress(story, formats: list[str], output, pdfx: bool, strict: bool):
    """build(), with what it is doing shown on stderr while it works (nothing is left on screen after)."""
    from chapterbook.build import build

    if not sys.stderr.isatty():  # drawn only on a terminal: elsewhere nothing would show, so rich is not loaded
        return build(story, formats, output, pdfx=pdfx, strict=strict)
    console = err_console()
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn
    from rich.text import Text

    from chapterbook import progress

    class CountedBar(BarColumn):
        """A bar only for counted work (the pictures); a stage shows its spinner and its name."""

        def render(self, task):
            return Text("") if task.total is None else super().render(task)

    # Drawn only on a terminal: elsewhere (a log, a pipe) rich still printed a stray blank line before any message.
    display = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        CountedBar(),
        TextColumn("{task.fields[count]}"),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    stage = display.add_task("Starting", total=None, count="")
    counted: dict[str, object] = {}

    def listen(name: str, done: int | None, total: int | None) -> None:
        if total is None:
            display.update(stage, description=name)
            return
        if name not in counted:  # first reported from the main thread, as the work is queued
            counted[name] = display.add_task(name, total=total, count="")
        display.update(counted[name], completed=done, total=total, count=f"{done}/{total}", visible=(done or 0) < total)  # type: ignore[arg-type]

    with display, progress.reporting(listen):
        return build(story, formats, output, pdfx=pdfx, strict=strict)
