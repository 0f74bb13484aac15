"""The watch loop: build once, serve, then rebuild on every change until stopped."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chapterbook.watch.changes import changed, signature
from chapterbook.watch.server import HOST, WatchServer, open_server, port_of
from chapterbook.watch.session import Build, Session

POLL_S = 0.05  # how often the story's files are looked at; a rebuild starts at most this long after a save


@dataclass
class Watcher:
    """A running watch: its session, its server and the thread serving it."""

    session: Session
    server: WatchServer
    thread: threading.Thread
    root: Path
    skip: tuple[Path, ...]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{port_of(self.server)}/"

    def close(self) -> None:
        """Stop serving and remove the session's private files."""
        self.server.stop()
        self.thread.join(timeout=5)
        self.session.close()


def start(story_path: str | Path, *, port: int = 8000, pdf: bool = False, output_root: str | Path | None = None) -> Watcher:
    """Build the book once and start serving it; the caller then runs :func:`follow`."""
    path = Path(story_path)
    story_file = path / "story.yaml" if path.is_dir() else path
    root = story_file.parent
    session = Session(story_file, Path(output_root) if output_root is not None else None, pdf=pdf)
    try:
        server = open_server(session, port)
    except BaseException:
        session.close()
        raise
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="chapterbook-watch", daemon=True)
    thread.start()
    from chapterbook.output import DEFAULT_OUTPUT_ROOT

    # Our own output must not count as a change of the book, wherever it is.
    skip = (Path(output_root) if output_root is not None else Path(DEFAULT_OUTPUT_ROOT),)
    return Watcher(session, server, thread, root, skip)


def follow(watcher: Watcher, on_build: Callable[[Build, list[str]], None], stop: threading.Event, poll_s: float = POLL_S) -> None:
    """Rebuild after every change under the story folder until `stop` is set; report each build to `on_build`."""
    before = signature(watcher.root, watcher.skip)
    on_build(watcher.session.rebuild(), [])
    while not stop.wait(poll_s):
        now = signature(watcher.root, watcher.skip)
        paths = changed(before, now)
        if not paths:
            continue
        before = now
        on_build(watcher.session.rebuild(), paths)
