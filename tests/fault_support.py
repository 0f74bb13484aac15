"""Helpers for the fault tests: run the real command, and check that output/<book>/ holds one whole build."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

SRC = REPO / "src"


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SRC)}


def chapterbook(*args: str, cwd: Path, preexec=None, timeout: float = 180) -> subprocess.CompletedProcess:
    """`python -m chapterbook ARGS` as a real process (signals, rlimits and mounts need one)."""
    return subprocess.run([sys.executable, "-m", "chapterbook", *args], cwd=cwd, env=env(), capture_output=True, text=True, preexec_fn=preexec, timeout=timeout)


def whole(book: Path) -> dict:
    """Assert `book` holds exactly one build: build.json lists every file beside it, with matching hashes,
    nothing else a build makes is there, no staging folder or temporary is left, and qpdf finds the PDFs sound.
    Returns the build record."""
    record = json.loads((book / "build.json").read_text(encoding="utf-8"))
    listed = {entry["file"]: entry["sha256"] for entry in record["outputs"].values()}
    beside = {p.name for p in book.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert beside == set(listed) | {"build.json"}, (sorted(beside), sorted(listed))
    for name, digest in listed.items():
        assert hashlib.sha256((book / name).read_bytes()).hexdigest() == digest, f"{name} is not the file build.json describes"
    hidden = sorted(p.name for p in book.iterdir() if p.name.startswith(".") and p.name != ".cache")
    assert hidden == [], f"left behind: {hidden}"
    if shutil.which("qpdf"):
        for name in listed:
            if name.endswith(".pdf"):
                check = subprocess.run(["qpdf", "--check", str(book / name)], capture_output=True, text=True)
                assert check.returncode == 0, f"qpdf --check {name}: {check.stdout[-500:]}{check.stderr[-500:]}"
    return record


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The error a failed command printed: exactly one line, no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]
