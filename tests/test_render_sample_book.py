"""The sample book builds end to end with `chapterbook build`, and preflight and poppler agree it is printable."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from chapterbook.cli import main

REPO = Path(__file__).resolve().parent.parent


def test_build_writes_book_and_cover_and_preflight_passes(tmp_path, capsys):
    story = REPO / "stories" / "beach-ride-quest" / "story.yaml"
    assert main(["build", str(story), "--format", "pdf", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    book = tmp_path / "beach-ride-quest" / "book.pdf"
    cover = tmp_path / "beach-ride-quest" / "cover.pdf"
    assert book.is_file() and cover.is_file()
    assert "preflight passed: book.pdf" in out and "preflight passed: cover.pdf" in out
    record = json.loads((tmp_path / "beach-ride-quest" / "build.json").read_text())
    assert set(record["outputs"]) >= {"pdf", "cover"}
    assert any(k.startswith("font:Andika") for k in record["inputs"])
    for pdf in (book, cover):
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
        assert fonts and all(row.split()[-5] == "yes" for row in fonts)
        assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True).returncode == 0
    # A second build with the same inputs gives the same bytes.
    first = book.read_bytes()
    assert main(["build", str(story), "--format", "pdf", "--output", str(tmp_path)]) == 0
    assert book.read_bytes() == first
