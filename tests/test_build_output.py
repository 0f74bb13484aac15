"""What `chapterbook build --format pdf` prints when its output goes to a log or a pipe, and what that costs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from render_fixtures import make_story
from test_epub import IMPORTS_PROBE, REPO


def test_a_pdf_build_into_a_pipe_prints_its_preflight_reports_without_rich(tmp_path: Path) -> None:
    """The reports are printed plainly (rich, 30-50 ms of every build's start, is for terminals), words unchanged."""
    story = make_story(tmp_path / "ice")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS_PROBE, str(story), "--format", "pdf", "-o", str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-1].startswith("0 [") and "rich" not in lines[-1]  # the probe's line: exit code, heavy packages loaded
    assert "reportlab" in lines[-1]  # the probe sees imports at all: a PDF build needs ReportLab
    assert any(line.startswith("preflight passed: book.pdf (interior,") for line in lines)
    assert any(line.startswith("preflight passed: cover.pdf (cover,") for line in lines)
