"""The `chapterbook` command: parse arguments, call one library function, print.

Each subcommand lives in chapterbook/commands/<name>.py and provides
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.
Errors the user can fix (ChapterbookError) are printed in plain words with
no traceback; exit codes: 0 clean, 1 problems in the book, 2 usage errors.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from chapterbook import __version__
from chapterbook.errors import ChapterbookError
from chapterbook.console import err_console

COMMANDS = ("new", "validate", "schema", "build", "watch", "preflight", "draft", "compare", "models")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too; keep its wording short
        self.print_usage(sys.stderr)
        err_console().print(f"chapterbook: {message}", markup=False, highlight=False)
        raise SystemExit(2)


def parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; given `argv`, only the command it names is imported.

    Importing every stage (ReportLab, pypdf, openai...) to run one of them cost seconds
    per run on a slow machine; the full set is still built for help and for mistakes.
    """
    first = next((a for a in (argv or ()) if not a.startswith("-")), None)  # top-level options take no values
    named = [first] if first in COMMANDS else []
    top = _Parser(prog="chapterbook", description="Author illustrated children's STEM chapter books from one story.yaml.")
    top.add_argument("--version", action="version", version=f"chapterbook {__version__}")
    top.add_argument("--debug", action="store_true", help="show full tracebacks (for reporting bugs)")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in named or COMMANDS:
        try:
            module = importlib.import_module(f"chapterbook.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"chapterbook.commands.{name}":
                continue  # a stage not built into this version
            raise
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show full tracebacks")
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser(argv).parse_args(argv)
    if not getattr(args, "_run", None):
        parser().print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except ChapterbookError as exc:
        if args.debug:
            raise
        err_console().print(str(exc), markup=False, highlight=False)
        return exc.exit_code
    except KeyboardInterrupt:
        err_console().print("stopped (Ctrl-C)", markup=False)
        return 130
