"""Shared fixtures for the draft tests: a tiny story in tmp_path and a running fake server."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_openai import FakeOpenAI

STORY = """\
spec_version: 1
book:
  title: The Push Book
  authors: [Test Author]
characters:
  - id: cassie
    name: Cassie
    role: main character, age 7
    description: Curious, asks why.
  - id: mom
    name: Mom
    role: Cassie's mom
concepts:
  - id: inertia
    name: Inertia
    explanation: Things keep doing what they are doing until a force changes it.
    key_terms:
      - term: force
        definition: a push or a pull
    facts: [A still cart stays still until something pushes it.]
    misconceptions: [Moving things slow down because they get tired.]
chapters:
  - title: The Stuck Cart
    concepts: [inertia]
    characters: [cassie, mom]
    setting: A sunny beach
    synopsis: Cassie finds that the cart will not move until she pushes it.
    beats: [Cassie sees the cart, She pushes with all her might, It rolls]
    illustrations:
      - id: cart
        brief: Cassie pushing the beach cart
        placement: full
  - title: Rolling Away
    concepts: [inertia]
    synopsis: The cart keeps rolling down the path.
  - title: The Big Stop
    synopsis: A sand pile stops the cart.
"""

# Recognisable, so a leak anywhere is easy to find.
FAKE_KEY = "sk-test-CHAPTERBOOK-LEAKCHECK-7f3a9c"


def write_story(root: Path, text: str = STORY) -> Path:
    folder = root / "push-book"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "story.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def story_path(tmp_path: Path) -> Path:
    return write_story(tmp_path)


@pytest.fixture
def server():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def no_key(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
