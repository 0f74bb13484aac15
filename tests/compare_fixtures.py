"""Tiny stories and drafts for the compare tests (built in tmp_path, no network)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

STORY = """\
spec_version: 1
book:
  title: Cassie and the Rolling Cart
  authors: [Test Author]
characters:
  - {id: cassie, name: Cassie, role: "main character, age 7"}
  - {id: caleb, name: Caleb, role: little brother}
concepts:
  - id: inertia
    name: Inertia
    explanation: Things keep doing what they are doing until a force changes it.
    key_terms:
      - {term: inertia, definition: "Things keep still or keep moving until a push or pull changes that."}
      - {term: force, definition: "A push or a pull."}
    facts:
      - A moving object keeps moving until a force stops it.
      - An object at rest stays still until a push or pull moves it.
      - Heavier things need a bigger push to start moving.
    misconceptions:
      - Moving things stop by themselves because they get tired.
chapters:
  - title: The Beach Cart
    concepts: [inertia]
    characters: [cassie, caleb]
    text_file: chapters/01.md
  - title: Sand Castles
    concepts: [inertia]
    text: |
      The sun was warm. The sand was soft and gold.

      Cassie and Caleb built a tall castle by the sea. Gulls flew over the waves.
"""

HUMAN_1 = """\
Cassie pushed the beach cart. It rolled down the path and kept moving!

"Why does it keep going?" asked Caleb.

"Because of inertia," said Mom. "A moving cart keeps moving until a force stops it."

[illustration: cart]

The cart stopped at the soft sand. The sand was a force that pushed back.

"Can the cart start by itself?" asked Caleb. "No," said Cassie. "It stays still until a push moves it."

Can you push a toy car and watch it roll? Try it!
"""

WEAK_DRAFT = """\
# The Magical Beach Day

Once upon a time, on a bright and sunny morning, Cassie and her little brother Caleb went to the beach with Mom, and their eyes sparkled with curiosity as they looked at the sparkling ocean and the golden sand.

The waves whispered secrets. Seagulls danced in the sky.

"What a wonderful day!" said Cassie.

[Illustration: Cassie and Caleb at the beach, looking at the ocean]

A monster crab crawled out and Caleb screamed, and there was blood on his toe.
"""

GOOD_DRAFT = """\
# The Beach Cart

Caleb sat in the cart. Now it was heavier. Cassie had to push much harder to start it moving. Heavier things need a bigger push!

"Will it stop by itself?" asked Caleb. "No. A moving cart keeps moving until a force stops it," said Mom.

Can you guess why?
"""


def make_story(tmp_path: Path, story: str = STORY, human: str = HUMAN_1) -> Path:
    root = tmp_path / "tiny"
    (root / "chapters").mkdir(parents=True)
    (root / "story.yaml").write_text(story, encoding="utf-8")
    (root / "chapters" / "01.md").write_text(human, encoding="utf-8")
    return root / "story.yaml"


def make_run(out_root: Path, run_id: str = "20261126T040000Z", drafts: dict | None = None, failed: bool = True) -> Path:
    run = out_root / "tiny" / "drafts" / run_id
    run.mkdir(parents=True)
    drafts = drafts if drafts is not None else {"weak-model": WEAK_DRAFT, "good-model": GOOD_DRAFT}
    entries = []
    for model, text in drafts.items():
        name = f"chapter-01.{model}.s1.md"
        (run / name).write_text(text, encoding="utf-8")
        entries.append({"chapter": 1, "model": model, "sample": 1, "file": name, "status": "ok", "error": None})
    if failed:
        entries.append({"chapter": 2, "model": "weak-model", "sample": 1, "file": None, "status": "refusal", "error": "declined"})
    (run / "run.json").write_text(json.dumps({"drafts": entries}), encoding="utf-8")
    return run


def dedent(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")
