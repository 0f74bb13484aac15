"""`python -m chapterbook`, and the `chapterbook` command (pyproject's script entry is :func:`run`)."""

import os

try:  # the C module: `signal` itself imports enum first, and a Ctrl-C could land in that import
    import _signal as signal
except ImportError:  # not CPython
    import signal


def _stop_at_once(signum: int, frame: object) -> None:
    # Start-up: nothing has been written yet, so there is nothing to clean up and no traceback to show.
    os.write(2, b"stopped (SIGTERM)\n" if signum == signal.SIGTERM else b"stopped (Ctrl-C)\n")
    os._exit(128 + signum)


def run() -> int:
    """Set the signal handlers, then import and run the command line; returns the exit code."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) != signal.SIG_IGN:  # ignored by who started us (a background job, nohup): stays so
            signal.signal(sig, _stop_at_once)  # first, before the imports: main() replaces them once it can clean up
    # Pydantic looks for plugins (third-party hooks into every validation) by reading the metadata of every
    # installed package when the first model is built: 7-10 ms of each command's start, to find none. The
    # command's models are its own, so it does not look (set here, before any model exists). A value the
    # user set is kept (pydantic's own syntax: the names of plugins to leave out).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from chapterbook.cli import main
    from chapterbook.cli.options import one_command_process

    one_command_process()  # start-up's objects may be frozen out of the collector's walks (cli.options.collector_paused)
    return main()


if __name__ == "__main__":
    raise SystemExit(run())
