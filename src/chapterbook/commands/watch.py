"""chapterbook watch: a live preview that rebuilds on every save and reloads the browser."""

from __future__ import annotations

import argparse
import threading
import time

from chapterbook.cli.options import add_output, number
from chapterbook.console import err_console, out_console
from chapterbook.errors import UsageError, display_path

HELP = "serve a live preview on 127.0.0.1 that rebuilds and reloads on every save (Ctrl-C stops it)"
EXIT_CODES = {0: "stopped with Ctrl-C (or SIGTERM)", 1: "the preview could not start", 130: None, 143: None}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("story", help="path to story.yaml (or its folder)")
    parser.add_argument(
        "--port", type=number(int, low=0, high=65535), default=8000, help="port to listen on (default 8000; a free one is used when it is taken)"
    )
    parser.add_argument("--pdf", action="store_true", help="also rebuild book.pdf on each save and show its pages at /pages")
    parser.add_argument("--open", action="store_true", help="open the preview in your web browser")
    add_output(parser, "the output/<book>/ whose picture cache is shared")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from chapterbook.watch.loop import follow, start

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port number", hint="give a number from 1024 to 65535, e.g. --port 8000")
    story = Path(args.story)
    if not (story / "story.yaml" if story.is_dir() else story).is_file():
        raise UsageError(f"there is no story file at {args.story}", hint="give the path to a story.yaml, or create one with: chapterbook new stories/my-book")
    watcher = start(story, port=args.port, pdf=args.pdf, output_root=args.output)
    out, err = out_console(), err_console()
    if args.port and not watcher.url.endswith(f":{args.port}/"):
        err.print(f"port {args.port} is taken, so the preview is on another port.", markup=False)
    out.print(f"Watching {display_path(watcher.root)} — open {watcher.url}  (Ctrl-C stops)", markup=False)

    def report(build, paths: list[str]) -> None:
        stamp = time.strftime("%H:%M:%S")
        what = f"{Path(paths[0]).name}" + (f" and {len(paths) - 1} more" if len(paths) > 1 else "") if paths else "the book"
        for p in build.problems:
            err.print(p.format(), markup=False, highlight=False)
        if build.failed:
            err.print(f"{stamp} {what}: not rebuilt; still showing the last good version", markup=False)
        else:
            pages = f", {build.pages} pages" if build.pages else ""
            out.print(f"{stamp} {what}: rebuilt in {build.seconds:.2f} s{pages}", markup=False)

    stop = threading.Event()
    if args.open:
        import webbrowser

        threading.Timer(0.3, webbrowser.open, (watcher.url,)).start()
    try:
        follow(watcher, report, stop)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        watcher.close()
    out.print("stopped", markup=False)
    return 0
