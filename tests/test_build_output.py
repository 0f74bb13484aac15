"""What `chapterbook build --format pdf` prints when its output goes to a log or a pipe, and what that costs."""

from __future__ import annotations

from pathlib import Path

from render_fixtures import make_story
from test_epub import probe_build


def test_a_pdf_build_into_a_pipe_prints_its_preflight_reports_without_rich(tmp_path: Path) -> None:
    """The reports are printed plainly (rich, 30-50 ms of every build's start, is for terminals), words unchanged."""
    story = make_story(tmp_path / "ice")
    lines = probe_build(story, "pdf", tmp_path / "out")
    assert lines[-1].startswith("0 [") and "rich" not in lines[-1]  # the probe's line: exit code, heavy packages loaded
    assert "reportlab" in lines[-1]  # the probe sees imports at all: a PDF build needs ReportLab
    assert any(line.startswith("preflight passed: book.pdf (interior,") for line in lines)
    assert any(line.startswith("preflight passed: cover.pdf (cover,") for line in lines)
