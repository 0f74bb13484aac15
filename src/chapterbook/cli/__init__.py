"""The `chapterbook` command: parse arguments, call one library function, print.

Each subcommand lives in chapterbook/commands/<name>.py and provides
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.
Errors the user can fix (ChapterbookError), errors from the system (a full
disk, a read-only folder: OSError) and Ctrl-C or SIGTERM are all turned into
plain words here, at one boundary, with no traceback unless --debug is given;
exit codes in :data:`chapterbook.cli.options.EXIT_CODES`.

Only light modules are imported at the top: the signal handlers are set as the
first thing main() does, and everything heavy is imported after that, inside
the boundary, so a Ctrl-C during start-up is handled like any other.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from chapterbook import __version__
from chapterbook.cli.options import exit_codes_epilog
from chapterbook.errors import ChapterbookError, Stopped, os_error

COMMANDS = ("new", "validate", "schema", "build", "preflight", "draft", "compare")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 too; keep its wording short
        self.print_usage(sys.stderr)
        _say(f"chapterbook: {message}")
        raise SystemExit(2)


def _say(text: str) -> None:
    from chapterbook.console import err_console

    err_console().print(text, markup=False, highlight=False)


def parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; given `argv`, only the command it names is imported.

    Importing every stage (ReportLab, pypdf, openai...) to run one of them cost seconds
    per run on a slow machine; the full set is still built for help and for mistakes.
    """
    first = next((a for a in (argv or ()) if not a.startswith("-")), None)  # top-level options take no values
    named = [first] if first in COMMANDS else []
    top = _Parser(
        prog="chapterbook",
        description="Author illustrated children's STEM chapter books from one story.yaml.",
        epilog=exit_codes_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
        p = sub.add_parser(name, help=module.HELP, description=module.HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show full tracebacks")
        module.add_arguments(p)
        p.epilog = "\n\n".join(filter(None, [p.epilog, exit_codes_epilog(getattr(module, "FAILS", None))]))
        p.set_defaults(_run=module.run)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code (the boundary: nothing but SystemExit leaves here)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    previous: dict = {}
    try:
        previous = _handle_signals()  # inside the try: a stop the moment they are set is handled like any other
        args = parser(argv).parse_args(argv)
        debug = bool(getattr(args, "debug", False))
        if not getattr(args, "_run", None):
            parser().print_help()
            return 2
        return int(args._run(args) or 0)
    except ChapterbookError as exc:
        if debug:
            raise
        _say(str(exc))
        return exc.exit_code
    except OSError as exc:  # the system said no: a full disk, a read-only folder, a file where a folder goes
        if debug:
            raise
        _say(str(os_error(exc)))
        return 1
    except KeyboardInterrupt as exc:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the goodbye short
        if debug:
            raise
        stopped = isinstance(exc, Stopped) or any(isinstance(e, Stopped) for e in _swallowed)
        sys.stderr.write(f"stopped ({'SIGTERM' if stopped else 'Ctrl-C'}); nothing half-written was left\n")
        return Stopped.exit_code if stopped else 130
    finally:
        _swallowed.clear()
        sys.unraisablehook = previous.pop("unraisablehook", sys.unraisablehook)
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]


# Stops that landed where Python cannot raise them (a __del__, a weakref callback during garbage
# collection): Python prints "Exception ignored" and carries on, so the stop would be lost.
_swallowed: list[BaseException] = []


def _handle_signals() -> dict:
    """Ctrl-C raises KeyboardInterrupt (Python's own handler, which asyncio relies on) and SIGTERM raises
    Stopped, so that every `finally` and `except BaseException` runs its cleanup; returns the handlers
    to put back (main() may be called inside another program, such as the tests)."""
    if threading.current_thread() is not threading.main_thread():
        return {}  # only the main thread may set handlers (and only it receives signals)
    previous: dict = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    previous = {sig: signal.SIG_DFL if h is None else h for sig, h in previous.items()}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _on_sigterm)
    previous["unraisablehook"] = hook = sys.unraisablehook

    def unraisable(info) -> None:
        if isinstance(info.exc_value, KeyboardInterrupt):
            import _thread

            _swallowed.append(info.exc_value)
            _thread.interrupt_main(signal.SIGINT)  # stop again, at the next instruction that can take it
            return
        hook(info)

    sys.unraisablehook = unraisable
    return previous


def _on_sigterm(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: a second one must not cut the cleanup short
    raise Stopped()
