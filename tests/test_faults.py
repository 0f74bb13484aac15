"""File-system faults, as a user meets them: one line naming the path and the fix, exit 1, and the last good build whole.

The tests run as root in CI, where permissions do not stop anything; a read-only
folder and a full disk are made for real with mounts in a private mount
namespace (`unshare -m`), and a file size limit with RLIMIT_FSIZE (`ulimit -f`).
Each test skips, saying why, where its mechanism is not available.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fault_support import chapterbook, env, one_line_error, whole


def _can_mount(tmp_path: Path) -> str | None:
    """None when a private mount namespace with a tmpfs can be made here, else why not."""
    if sys.platform != "linux" or not shutil.which("unshare"):
        return "needs Linux and unshare(1) for a private mount namespace"
    probe = tmp_path / "probe"
    probe.mkdir()
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)], capture_output=True, text=True
    )
    if done.returncode != 0:
        return f"cannot mount a tmpfs in a private namespace here: {done.stderr.strip()[:200]}"
    return None


def _in_namespace(script: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run a shell script in a private mount namespace: its mounts vanish when it ends and touch nothing else."""
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script], cwd=cwd, env=env(), capture_output=True, text=True, timeout=300)


def _command(*args: str) -> str:
    return " ".join(shlex.quote(a) for a in [sys.executable, "-m", "chapterbook", *args])


def _edit(spec: Path) -> None:
    """Change the first chapter, so the next build differs from the last."""
    chapter = sorted((spec.parent / "chapters").glob("*.md"))[0]
    chapter.write_text("A paragraph the last build did not have.\n\n" + chapter.read_text(encoding="utf-8"), encoding="utf-8")


@pytest.fixture
def built(sample_copy, tmp_path):
    """A sample book built once into out/: (story.yaml, out/, out/magnet-mystery, its record)."""
    spec = sample_copy("magnet-mystery")
    out = tmp_path / "out"
    first = chapterbook("build", str(spec), "-o", str(out), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    return spec, out, out / "magnet-mystery", whole(out / "magnet-mystery")


def test_output_naming_a_file(sample_copy, tmp_path):
    spec = sample_copy("magnet-mystery")
    (tmp_path / "out.txt").write_text("not a folder", encoding="utf-8")
    for output in ("out.txt", "out.txt/deeper"):
        result = chapterbook("build", str(spec), "-o", output, cwd=tmp_path)
        assert result.returncode == 1
        line = one_line_error(result)
        assert line.startswith("error: out.txt: this is a file, where a folder is needed"), line
        assert "--output" in line
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "not a folder"
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "magnet-mystery").write_text("the book's folder is a file", encoding="utf-8")
    line = one_line_error(chapterbook("build", str(spec), "-o", "out", cwd=tmp_path))
    assert line.startswith("error: out/magnet-mystery: this is a file, where a folder is needed"), line


def test_book_pdf_being_a_folder_stops_the_build_before_anything_is_replaced(built, tmp_path):
    spec, out, book, _ = built
    (book / "book.pdf").unlink()
    (book / "book.pdf").mkdir()
    (book / "book.pdf" / "mine.txt").write_text("someone's file", encoding="utf-8")
    manuscript = (book / "manuscript.md").read_bytes()
    _edit(spec)
    result = chapterbook("build", str(spec), "-o", str(out), cwd=tmp_path)
    assert result.returncode == 1
    line = one_line_error(result)
    assert "magnet-mystery/book.pdf: this is a folder, where a file is needed — move or rename that folder" in line, line
    assert (book / "book.pdf" / "mine.txt").read_text(encoding="utf-8") == "someone's file"
    assert (book / "manuscript.md").read_bytes() == manuscript  # nothing of the new build went in
    assert not [p for p in book.iterdir() if p.name.startswith(".") and p.name != ".cache"]


def test_a_read_only_folder(built, tmp_path):
    why = _can_mount(tmp_path)
    if why:
        pytest.skip(why)
    spec, out, book, before = built
    _edit(spec)
    q = shlex.quote(str(book))
    script = f"mount --bind {q} {q} && mount -o remount,bind,ro {q} && exec {_command('build', str(spec), '-o', str(out))}"
    result = _in_namespace(script, tmp_path)
    assert result.returncode == 1, result.stderr
    line = one_line_error(result)
    assert "magnet-mystery: the disk or folder is read-only" in line and "--output" in line, line
    assert whole(book) == before


def test_a_full_disk_keeps_the_last_good_build(built, tmp_path):
    why = _can_mount(tmp_path)
    if why:
        pytest.skip(why)
    spec, out, _, before = built
    _edit(spec)
    used_kb = int(subprocess.run(["du", "-sk", str(out)], capture_output=True, text=True, check=True).stdout.split()[0])
    disk, result_copy = tmp_path / "disk", tmp_path / "after"
    disk.mkdir()
    # A disk just big enough for the last build: the new one runs out of space while it is being written.
    script = (
        f"mount -t tmpfs -o size={used_kb + 48}k tmpfs {shlex.quote(str(disk))} && cp -a {shlex.quote(str(out))}/. {shlex.quote(str(disk))}/ && "
        f"{_command('build', str(spec), '-o', str(disk))}; rc=$?; cp -a {shlex.quote(str(disk))} {shlex.quote(str(result_copy))}; exit $rc"
    )
    result = _in_namespace(script, tmp_path)
    assert result.returncode == 1, result.stderr
    line = one_line_error(result)
    assert "magnet-mystery: there is no space left on the disk — free some space" in line, line
    assert whole(result_copy / "magnet-mystery") == before


def test_a_file_size_limit(built, tmp_path):
    resource = pytest.importorskip("resource", reason="RLIMIT_FSIZE needs the resource module (Unix)")
    spec, out, book, before = built
    _edit(spec)

    def limit() -> None:  # ulimit -f: no file over 40 KB (book.pdf is about 90 KB)
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    result = chapterbook("build", str(spec), "-o", str(out), cwd=tmp_path, preexec=limit)
    assert result.returncode == 1, result.stderr
    line = one_line_error(result)
    assert "larger than this system lets one file be (ulimit -f)" in line and "magnet-mystery" in line, line
    assert whole(book) == before


def test_debug_shows_the_traceback(sample_copy, tmp_path):
    spec = sample_copy("magnet-mystery")
    (tmp_path / "out.txt").write_text("x", encoding="utf-8")
    result = chapterbook("--debug", "build", str(spec), "-o", "out.txt", cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" in result.stderr and "NotADirectoryError" in result.stderr


def test_os_errors_read_as_sentences():
    import errno

    from chapterbook.errors import os_error

    for code in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.ENOTDIR, errno.EISDIR, errno.EFBIG):
        text = str(os_error(OSError(code, os.strerror(code), "output/book/book.pdf")))
        assert text.startswith("error: output/book/book.pdf: ") and " — " in text and "\n" not in text, text
    assert str(os_error(OSError(errno.ENOSPC, "No space left on device"))).startswith("error: there is no space left")
