"""chapterbook preflight: check a PDF against print-on-demand rules."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

from chapterbook.cli.options import add_strict
from chapterbook.console import line_printer
from chapterbook.errors import UsageError
from chapterbook.preflight import PreflightReport, preflight
from chapterbook.spec.models import Layout

if TYPE_CHECKING:
    from chapterbook.render.epub.check import EpubReport

HELP = "check a PDF for print (fonts, 300 ppi images, page boxes, bleed, placeholders) or an EPUB with EPUBCheck"
FAILS = "the file failed a check (or had warnings, with --strict)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # The reader this command checks any PDF with, loaded with the command's arguments as before (a build
    # imports this module only to print its reports, and its own PDFs take the light reader, preflight_reader.py).
    import pypdf  # noqa: F401

    parser.add_argument("pdf", metavar="FILE", help="the PDF or EPUB to check, e.g. output/my-book/book.pdf or book.epub")
    parser.add_argument("--cover", action="store_true", help="check it as a wrap cover (bleed on all four edges)")
    parser.add_argument("--trim", help="the trim size it must have, e.g. 6x9 (default: any)")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    add_strict(parser, "warnings (placeholders, pictures a little under 300 ppi)")


def print_report(report) -> None:
    """Print each finding with its recommendation, then the verdict."""
    # Every PDF build prints its reports: through rich (and its 30-50 ms import) only on a terminal.
    out = line_printer(sys.stdout)
    for finding in report.findings:
        out(finding.format())
    out(report.verdict(), style="bold green" if report.ok else "bold red")


def run(args: argparse.Namespace) -> int:
    trim = None
    if args.trim:
        try:
            trim = Layout(trim=args.trim).trim_inches()
        except ValueError:
            raise UsageError(f"--trim {args.trim} is not a trim size", hint="give a preset like 6x9 or WIDTHxHEIGHT in inches") from None
    report: PreflightReport | EpubReport
    if args.pdf.lower().endswith(".epub"):
        from chapterbook.render.epub.check import check_epub  # only an ebook check needs it

        report = check_epub(args.pdf)
    else:
        report = preflight(args.pdf, kind="cover" if args.cover else "auto", trim_in=trim)
    if args.json:
        data = asdict(report)
        data["pdf" if isinstance(report, PreflightReport) else "path"] = str(report.pdf if isinstance(report, PreflightReport) else report.path)
        data["ok"] = report.ok
        data["verdict"] = report.verdict()
        print(json.dumps(data, indent=2, default=str))
    else:
        print_report(report)
    return 0 if report.ok and not (args.strict and report.warnings) else 1
