"""Save-to-reload latency of `chapterbook watch`, beside mkdocs serve's live reload on the same words.

    pip install -e '.[bench]'        # mkdocs is the peer
    PYTHONPATH=src python bench/bench_watch.py [--edits 10] [--story stories/beach-ride-quest/story.yaml]

For each mode it starts the server in its own process, waits for the first build, then makes
`--edits` saves of a chapter file (a word changed each time) and times from the moment the file
is written to the moment an HTTP client listening on the reload channel hears about it, which
is when an open browser starts reloading. Modes: chapterbook preview; chapterbook --pdf (the
reload is sent after the PDF is rebuilt too); mkdocs serve on a site made of the same chapters
(same words, one page per chapter). Reports the median and the spread, and each median's ratio
to mkdocs'. Nothing here asserts a time; the modes run one after another on this shared machine,
so read the ratios with `uptime`'s load beside them.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from children import chapterbook_env, compile_once  # bench/children.py: processes as installed

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, path: str = "/", timeout: float = 60.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path)
            r = c.getresponse()
            body = r.read().decode("utf-8", "replace")
            if r.status == 200:
                return body
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not answer")


class SseListener:
    """Holds /events open and records when each new version arrives."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", "/events")
        self.resp = self.conn.getresponse()
        self.arrived = threading.Event()
        self.versions: list[tuple[float, str]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for raw in self.resp:
            line = raw.decode().strip()
            if line.startswith("data:"):
                self.versions.append((time.perf_counter(), line[5:].strip()))
                self.arrived.set()

    def next_after(self, start: float, timeout: float = 60.0) -> float:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.arrived.wait(0.5)
            self.arrived.clear()
            for t, _ in self.versions:
                if t >= start:
                    self.versions = [v for v in self.versions if v[0] > t]
                    return t - start
        raise SystemExit("no reload event arrived")


def edit(path: Path, i: int) -> float:
    """Change one word of `path` and return the time just after it is written."""
    text = path.read_text()
    text = re.sub(r"\bzebra\d+\b", f"zebra{i}", text) if "zebra" in text else text.replace(". ", f" zebra{i}. ", 1)
    path.write_text(text)
    return time.perf_counter()


def chapterbook_mode(story: Path, edits: int, pdf: bool) -> list[float]:
    work = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    shutil.copytree(story.parent, work / "book")
    port = free_port()
    args = [sys.executable, "-m", "chapterbook", "watch", str(work / "book" / story.name), "--port", str(port), "-o", str(work / "out")]
    proc = subprocess.Popen(args + (["--pdf"] if pdf else []), env=chapterbook_env(REPO / "src"), stdout=subprocess.DEVNULL)
    try:
        wait_http(port, "/status.json")
        listener = SseListener(port)
        chapter = sorted((work / "book").rglob("*.md"))[0]
        times = []
        for i in range(edits + 1):
            time.sleep(0.3)  # let the watcher settle, as a person between saves
            start = edit(chapter, i)
            t = listener.next_after(start)
            if i:  # the first edit warms caches that a person's first save would also pay for once
                times.append(t)
        return times
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)


def mkdocs_mode(story: Path, edits: int) -> list[float] | None:
    if shutil.which("mkdocs") is None and not (Path(sys.executable).parent / "mkdocs").exists():
        return None
    sys.path.insert(0, str(REPO / "src"))
    from chapterbook.spec.load import load_story

    loaded = load_story(story)
    work = Path(tempfile.mkdtemp(prefix="bench-mkdocs-"))
    (work / "docs").mkdir()
    for i, text in enumerate(loaded.texts, 1):
        (work / "docs" / (f"chapter-{i}.md" if i > 1 else "index.md")).write_text(f"# Chapter {i}\n\n{text.text if text else ''}\n")
    (work / "mkdocs.yml").write_text("site_name: bench\n")
    port = free_port()
    exe = shutil.which("mkdocs") or str(Path(sys.executable).parent / "mkdocs")
    proc = subprocess.Popen([exe, "serve", "-a", f"127.0.0.1:{port}", "--livereload"], cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = wait_http(port)
        m = re.search(r"livereload\((\d+),\s*(\d+)\)", page)
        if not m:
            return None
        epoch, request_id = m.groups()
        chapter = work / "docs" / "index.md"
        times = []
        for i in range(edits + 1):
            time.sleep(0.3)
            result: dict[str, float] = {}

            def poll(epoch: str = epoch, request_id: str = request_id, result: dict[str, float] = result) -> None:
                # mkdocs' page long-polls this URL; it answers when a rebuild is done
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                c.request("GET", f"/livereload/{epoch}/{request_id}")
                c.getresponse().read()
                result["t"] = time.perf_counter()

            poller = threading.Thread(target=poll)
            poller.start()
            time.sleep(0.2)  # the long poll is in place before the save
            start = edit(chapter, i)
            poller.join(60)
            if i and "t" in result:
                times.append(result["t"] - start)
            page = wait_http(port)
            m = re.search(r"livereload\((\d+),\s*(\d+)\)", page)
            epoch, request_id = m.groups() if m else (epoch, request_id)
        return times
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=10)
    ap.add_argument("--story", type=Path, default=REPO / "stories" / "beach-ride-quest" / "story.yaml")
    args = ap.parse_args()
    compile_once(REPO / "src")
    rows = [
        ("chapterbook watch (preview)", chapterbook_mode(args.story, args.edits, pdf=False)),
        ("chapterbook watch --pdf", chapterbook_mode(args.story, args.edits, pdf=True)),
        ("mkdocs serve (same words)", mkdocs_mode(args.story, args.edits)),
    ]
    peer = statistics.median(rows[2][1]) if rows[2][1] else None
    print(f"load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores; {args.edits} edits each; story {args.story}")
    print("| mode | median ms | min-max ms | vs mkdocs |\n|---|---:|---:|---:|")
    for name, times in rows:
        if not times:
            print(f"| {name} | - | - | (not available) |")
            continue
        med = statistics.median(times)
        ratio = f"{med / peer:.2f}x" if peer else "-"
        print(f"| {name} | {med * 1000:.0f} | {min(times) * 1000:.0f}-{max(times) * 1000:.0f} | {ratio} |")


if __name__ == "__main__":
    main()
