"""chapterbook validate: check a story spec and report every problem at file:line:col."""

from __future__ import annotations

import argparse

from chapterbook.cli.options import add_strict
from chapterbook.console import err_console, out_console
from chapterbook.errors import Severity
from chapterbook.spec.lint import lint
from chapterbook.spec.load import load_story

HELP = "check a story.yaml and list every problem with where it is and how to fix it"
FAILS = "the book has errors (or warnings, with --strict)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("story", help="path to story.yaml (or its folder)")
    add_strict(parser, "warnings (reading level, unused concepts)")


def run(args: argparse.Namespace) -> int:
    from chapterbook.spec.memo import for_output
    from chapterbook.uptodate import out_dir_for

    # What the last build into output/ worked out from content that has not changed (by content: never stale).
    story = load_story(args.story, for_output(out_dir_for(args.story, None), read_only=True))
    problems = lint(story)
    n_err = sum(p.severity == Severity.ERROR for p in problems)
    n_warn = len(problems) - n_err
    err = err_console()
    for p in problems:
        err.print(p.format(), markup=False, highlight=False)
    title = story.spec.book.title
    if n_err or (args.strict and n_warn):
        err.print(f"\n{title}: {n_err} error(s), {n_warn} warning(s).", markup=False)
        return 1
    words = sum(len(t.text.split()) for t in story.texts if t is not None)
    out_console().print(
        f"{story.path}: OK — '{title}', {len(story.spec.chapters)} chapter(s), about {words:,} words"
        + (f", {n_warn} warning(s)" if n_warn else ", no warnings"),
        markup=False,
    )
    return 0
