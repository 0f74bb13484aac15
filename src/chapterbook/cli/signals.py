"""Ctrl-C and SIGTERM, for the command line's boundary (chapterbook.cli.main).

Ctrl-C raises KeyboardInterrupt (Python's own handler, which asyncio relies on)
and SIGTERM raises :class:`chapterbook.errors.Stopped` (a KeyboardInterrupt), so
that every ``finally`` and ``except BaseException`` on the way runs its
cleanup; the boundary then prints one line and exits 130 or 143. Code in C
extensions can turn the raised stop into an ordinary exception (pydantic's
serializer reports "Error serializing to JSON: Stopped"), so the signals that
arrived are also counted at the C level (a wake-up pipe), and the boundary asks
:func:`stopped_by` whether a failure was really a stop. Before this
is set, chapterbook.__main__.run has set handlers that just exit (nothing has
been written then).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

from chapterbook.errors import Stopped

# Stops that landed where Python cannot raise them (a __del__, a weakref callback during garbage
# collection): Python prints "Exception ignored" and carries on, so the stop would be lost.
_swallowed: list[BaseException] = []


def handle_signals() -> dict:
    """Set the handlers; returns what to :func:`put_back` (main() may run inside another program, such as the tests)."""
    if threading.current_thread() is not threading.main_thread():
        return {}  # only the main thread may set handlers (and only it receives signals)
    previous: dict = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    previous = {sig: signal.SIG_DFL if h is None else h for sig, h in previous.items()}
    # A signal ignored by whoever started us (a shell's background job ignores Ctrl-C) stays ignored.
    if previous[signal.SIGINT] != signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if previous[signal.SIGTERM] != signal.SIG_IGN:
        signal.signal(signal.SIGTERM, _on_sigterm)
    previous["unraisablehook"] = hook = sys.unraisablehook
    with contextlib.suppress(OSError, ValueError):  # where there is no pipe, only raised stops are seen
        read, write = os.pipe()
        os.set_blocking(read, False)
        os.set_blocking(write, False)
        previous["wakeup"] = (signal.set_wakeup_fd(write, warn_on_full_buffer=False), read, write)
        _pipe[:] = [read]

    def unraisable(info) -> None:
        if isinstance(info.exc_value, KeyboardInterrupt):
            import _thread

            _swallowed.append(info.exc_value)
            # Stop again, from another thread a moment later: called here, the stop would land inside this
            # hook and be swallowed once more. Should it land in such a place again, this repeats.
            later = threading.Timer(0.01, _thread.interrupt_main, (signal.SIGINT,))
            later.daemon = True
            later.start()
            return
        hook(info)

    sys.unraisablehook = unraisable
    return previous


def _on_sigterm(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: a second one must not cut the cleanup short
    raise Stopped()


def stopped_by(exc: BaseException) -> int | None:
    """The exit code if `exc` is (or was caused by) Ctrl-C (130) or SIGTERM (143), else None."""
    arrived = _arrived()
    if isinstance(exc, Stopped) or any(isinstance(e, Stopped) for e in _swallowed) or signal.SIGTERM in arrived:
        return Stopped.exit_code
    if isinstance(exc, KeyboardInterrupt) or signal.SIGINT in arrived:
        return 130
    return None


_pipe: list[int] = []


def _arrived() -> set[int]:
    """The signals the wake-up pipe has seen so far."""
    seen: set[int] = set()
    for fd in _pipe[:1]:
        with contextlib.suppress(OSError):
            while chunk := os.read(fd, 512):
                seen.update(chunk)
    _seen.update(seen)
    return set(_seen)


_seen: set[int] = set()


def put_back(previous: dict) -> None:
    """Restore what :func:`handle_signals` replaced."""
    _swallowed.clear()
    _seen.clear()
    sys.unraisablehook = previous.pop("unraisablehook", sys.unraisablehook)
    if "wakeup" in previous:
        old, read, write = previous.pop("wakeup")
        signal.set_wakeup_fd(old)
        _pipe.clear()
        os.close(read)
        os.close(write)
    for sig, handler in previous.items():
        signal.signal(sig, handler)
