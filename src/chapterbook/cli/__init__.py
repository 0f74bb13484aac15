"""The `chapterbook` command: parse arguments, call one library function, print.

Each subcommand lives in chapterbook/commands/<name>.py and provides
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.
Errors the user can fix (ChapterbookError) are printed in plain words with
no traceback; exit codes: 0 clean, 1 problems in the book, 2 usage errors.
So are the system's (OSError: a full disk, a read-only folder) and Ctrl-C or
SIGTERM (130, 143): main() is the one boundary (see chapterbook.cli.options).
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from chapterbook import __version__
from chapterbook.cli.options import collector_paused, exit_codes_epilog
from chapterbook.cli.signals import handle_signals, put_back, stopped_by
from chapterbook.console import err_console
from chapterbook.errors import ChapterbookError, os_error

COMMANDS = ("new", "validate", "schema", "build", "watch", "preflight", "draft", "compare", "models")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 too; keep its wording short
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
    top.epilog, top.formatter_class = exit_codes_epilog(), argparse.RawDescriptionHelpFormatter
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
        p.formatter_class = argparse.RawDescriptionHelpFormatter  # the exit codes are a table
        p.epilog = "\n\n".join(filter(None, [p.epilog, exit_codes_epilog(getattr(module, "FAILS", None), getattr(module, "EXIT_CODES", None))]))
        p.set_defaults(_run=module.run)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code (the boundary: nothing but SystemExit leaves here)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    previous: dict = {}
    try:
        previous = handle_signals()  # inside the try: a stop the moment they are set is handled like any other
        with collector_paused():  # the command's module is imported here (see collector_paused)
            args = parser(argv).parse_args(argv)
        debug = bool(getattr(args, "debug", False))
        if not getattr(args, "_run", None):
            parser().print_help()
            return 2
        return int(args._run(args) or 0)
    except BaseException as exc:  # noqa: BLE001 -- the boundary: each kind is told apart below
        code = stopped_by(exc) if not isinstance(exc, SystemExit) else None
        if debug or (code is None and not isinstance(exc, (ChapterbookError, OSError))):
            raise  # SystemExit, and bugs: a traceback is what helps then
        if code is not None:  # Ctrl-C or SIGTERM, even where a library turned it into another error
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the goodbye short
            sys.stderr.write(f"stopped ({'SIGTERM' if code == 143 else 'Ctrl-C'}); nothing half-written was left\n")
            return code
        # The system said no (OSError: a full disk, a read-only folder, a file where a folder goes) or the user can fix it.
        error = os_error(exc) if isinstance(exc, OSError) else exc
        assert isinstance(error, ChapterbookError)
        err_console().print(str(error), markup=False, highlight=False)
        return error.exit_code
    finally:
        put_back(previous)
