"""Ctrl-C and SIGTERM at several points of a build: exit 130 or 143, no traceback, and output/<book>/ whole.

The command runs as a real process. It first says "ready" (after Python's own
start-up and locating the package, which come before chapterbook's first
instruction and are not its to handle), then the signal is sent either
after a short delay (while chapterbook is still importing) or at a point the test
sees in the staging folder: the folder made, the manuscript written, the interior
PDF being laid out, the cover being made.
"""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fault_support import env, whole

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

BOOT = (
    "import chapterbook, os, runpy, sys; os.write(1, b'ready\\n'); sys.argv = ['chapterbook', *sys.argv[1:]]; "
    "runpy.run_module('chapterbook', run_name='__main__', alter_sys=True)"
)


def _staged(book: Path, pattern: str) -> bool:
    return any(stage.is_dir() and any(stage.glob(pattern)) for stage in book.glob(".staging-*"))


TRIGGERS = {
    "while importing": lambda book: True,
    "staging folder made": lambda book: any(book.glob(".staging-*")),
    "manuscript written": lambda book: _staged(book, "manuscript.md"),
    "interior being laid out": lambda book: _staged(book, ".book.pdf.*.tmp"),
    "cover being made": lambda book: _staged(book, "book.pdf"),
}


def _edit(spec: Path, n: int) -> None:
    chapter = sorted((spec.parent / "chapters").glob("*.md"))[0]
    chapter.write_text(f"Run {n} added this paragraph.\n\n" + chapter.read_text(encoding="utf-8"), encoding="utf-8")


def _interrupted_build(spec: Path, out: Path, sig: int, trigger, delay: float) -> tuple[subprocess.CompletedProcess, bool]:
    """Build, sending `sig` once `trigger(book)` holds (plus `delay`); returns the result and whether it was sent."""
    book = out / "magnet-mystery"
    proc = subprocess.Popen(
        [sys.executable, "-c", BOOT, "build", str(spec), "-o", str(out)], env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    sent = False
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if trigger(book):
            time.sleep(delay)
            if proc.poll() is None:
                proc.send_signal(sig)
                sent = True
            break
        time.sleep(0.002)
    out_text, err_text = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out_text, err_text), sent


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_stopped_build_leaves_the_last_whole_build(sample_copy, tmp_path, sig, code):
    spec = sample_copy("magnet-mystery")
    out = tmp_path / "out"
    first = subprocess.run([sys.executable, "-m", "chapterbook", "build", str(spec), "-o", str(out)], env=env(), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    book = out / "magnet-mystery"
    points = [("while importing", 0.03), ("while importing", 0.1), *((name, 0.0) for name in list(TRIGGERS)[1:])]
    stopped = 0
    for n, (name, delay) in enumerate(points):
        before = whole(book)
        _edit(spec, n)
        result, sent = _interrupted_build(spec, out, sig, TRIGGERS[name], delay)
        assert "Traceback" not in result.stderr, f"{name}: {result.stderr}"
        after = whole(book)  # one whole build: the last good one, or the new one if it finished first
        if sent and result.returncode == code:
            stopped += 1
            assert "stopped" in result.stderr, f"{name}: {result.stderr}"
            assert after == before, f"{name}: a stopped build changed the folder"
        else:
            assert result.returncode == 0, f"{name}: exit {result.returncode}: {result.stderr}"
    assert stopped >= len(points) - 1, f"only {stopped} of {len(points)} builds were stopped by the signal"


def test_a_killed_build_is_cleared_by_the_next(sample_copy, tmp_path):
    """SIGKILL cannot be handled: the staging folder stays, the last build is untouched, the next build clears it."""
    spec = sample_copy("magnet-mystery")
    out = tmp_path / "out"
    first = subprocess.run([sys.executable, "-m", "chapterbook", "build", str(spec), "-o", str(out)], env=env(), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    book = out / "magnet-mystery"
    before = whole(book)
    _edit(spec, 0)
    result, sent = _interrupted_build(spec, out, signal.SIGKILL, TRIGGERS["interior being laid out"], 0.0)
    if not sent or result.returncode != -signal.SIGKILL:
        pytest.skip("the build finished before it could be killed")
    assert [p.name for p in book.glob(".staging-*")], "the killed build's staging folder should still be there"
    left = {p.name: p.read_bytes() for p in book.iterdir() if p.is_file()}
    assert {name: hashlib.sha256(data).hexdigest() for name, data in left.items() if name != "build.json"} == {
        entry["file"]: entry["sha256"] for entry in before["outputs"].values()
    }
    again = subprocess.run([sys.executable, "-m", "chapterbook", "build", str(spec), "-o", str(out)], env=env(), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert whole(book) != before  # the new build, whole, and nothing of the killed one left


def test_ctrl_c_ignored_by_the_parent_stays_ignored(sample_copy, tmp_path):
    """A shell starts background jobs with Ctrl-C ignored, so that Ctrl-C stops the script and not them."""
    spec = sample_copy("magnet-mystery")
    out = tmp_path / "out"
    ignoring = lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)  # noqa: E731
    proc = subprocess.Popen(
        [sys.executable, "-c", BOOT, "build", str(spec), "-o", str(out)],
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ignoring,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    deadline = time.monotonic() + 120
    while proc.poll() is None and not TRIGGERS["staging folder made"](out / "magnet-mystery") and time.monotonic() < deadline:
        time.sleep(0.002)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    whole(out / "magnet-mystery")
