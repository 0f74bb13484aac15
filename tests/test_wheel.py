"""A wheel install works outside the repo: templates and fonts travel as package data."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def wheel_dir(tmp_path_factory):
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("chapterbook-*.whl")
    unpacked = out / "site"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        zf.extractall(unpacked)
    return unpacked, names


def test_wheel_carries_templates_and_fonts(wheel_dir):
    _, names = wheel_dir
    assert "chapterbook/templates/markdown/manuscript.md.j2" in names
    assert "chapterbook/templates/html/preview.html.j2" in names
    assert "chapterbook/templates/new/story.yaml.j2" in names
    assert "chapterbook/fonts/Andika-Regular.ttf" in names
    assert "chapterbook/fonts/LICENSE-Andika.txt" in names


def test_installed_wheel_runs_from_another_folder(wheel_dir, tmp_path):
    site, _ = wheel_dir
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "chapterbook", *a], cwd=tmp_path, env=env, capture_output=True, text=True)  # noqa: E731
    where = subprocess.run([sys.executable, "-c", "import chapterbook; print(chapterbook.__file__)"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert where.stdout.strip().startswith(str(site)), "the test must exercise the wheel, not the checkout"
    assert run("new", "book").returncode == 0
    built = run("build", "book/story.yaml", "--format", "md,html")
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "output/book/preview.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
