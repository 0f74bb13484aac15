"""Shared test helpers: run the CLI as a user would, and small story fixtures."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# Machines here are shared and noisy: hypothesis must judge correctness, not speed.
settings.register_profile("chapterbook", deadline=None)
settings.load_profile("chapterbook")

from chapterbook.cli import main  # noqa: E402  (after hypothesis's profile, which must come first)

REPO = Path(__file__).resolve().parents[1]
STORIES = REPO / "stories"
BROKEN = Path(__file__).resolve().parent / "broken_specs"


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run `chapterbook ARGS` in-process in a folder; returns exit code and output."""

    def run(*args: str, cwd: Path | None = None) -> CliResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def sample_copy(tmp_path):
    """A private copy of a sample book, so tests may edit it."""

    def copy(name: str = "beach-ride-quest") -> Path:
        target = tmp_path / name
        shutil.copytree(STORIES / name, target)
        return target / "story.yaml"

    return copy


@pytest.fixture(autouse=True)
def _no_llm_env(monkeypatch):
    # No test may depend on a real key or endpoint from the developer's shell.
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    yield


def pytest_report_header(config):
    return f"chapterbook tests; cwd={os.getcwd()}"
