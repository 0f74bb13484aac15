"""output.HashMemo resolves each path it is given once per build, and still sees a file change."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from chapterbook.output import HashMemo


def test_a_path_asked_for_again_is_not_resolved_again_and_a_change_is_still_seen(tmp_path, monkeypatch):
    picture = tmp_path / "images" / "cart.png"
    picture.parent.mkdir()
    picture.write_bytes(b"first")
    old = time.time() - 60  # older than HashMemo.RACY_SECONDS: remembered by its stat
    os.utime(picture, (old, old))
    resolved: list[Path] = []
    real = Path.resolve
    monkeypatch.setattr(Path, "resolve", lambda self, strict=False: resolved.append(self) or real(self, strict))
    memo = HashMemo(tmp_path / "hashes.json")
    given = tmp_path / "images" / ".." / "images" / "cart.png"
    digests = [memo.sha256(given) for _ in range(3)] + [memo.sha256(str(given))]
    assert digests == [hashlib.sha256(b"first").hexdigest()] * 4
    assert len(resolved) == 1
    picture.write_bytes(b"second, longer")  # its stat changes: hashed again, under the name resolved before
    assert memo.sha256(given) == hashlib.sha256(b"second, longer").hexdigest()
    assert len(resolved) == 1
