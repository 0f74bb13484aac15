"""chapterbook new: scaffold a commented story folder that validates."""

from __future__ import annotations

import argparse

from chapterbook.cli.options import one_line
from chapterbook.console import out_console
from chapterbook.errors import display_path
from chapterbook.scaffold import new_story

HELP = "create a new story folder with a commented story.yaml to start from"
FAILS = "the folder could not be made"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", help="the folder to create, e.g. stories/my-book")
    parser.add_argument("--title", type=one_line(), help="the book's title, on one line (default: from the folder name)")


def run(args: argparse.Namespace) -> int:
    spec_path = new_story(args.folder, title=args.title)
    out = out_console()
    out.print(f"created {display_path(spec_path)} and a first chapter in {display_path(spec_path.parent / 'chapters')}", markup=False)
    out.print(f"next: edit it, then run  chapterbook validate {display_path(spec_path)}", markup=False)
    return 0
