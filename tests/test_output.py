"""Writing results: atomic, and with the permissions an ordinary new file gets."""

from __future__ import annotations

import os
import stat

import pytest

from chapterbook.output import atomic_path, atomic_write


def test_written_files_get_the_users_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        path = atomic_write(tmp_path / "book" / "manuscript.md", "text")
        with atomic_path(tmp_path / "book" / "book.pdf") as tmp:
            tmp.write_bytes(b"%PDF")
    finally:
        os.umask(old)
    # mkstemp alone would leave 0600: a book nobody else on the machine (or a web server) can read.
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "book" / "book.pdf").stat().st_mode) == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = atomic_write(tmp_path / "out.txt", "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("renderer crashed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
