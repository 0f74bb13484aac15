"""Leftovers of the design review in what `validate` and `build` say: where a diagram's warnings point,
and a chapter whose text ends on a heading."""

from __future__ import annotations

import re
from pathlib import Path

from render_fixtures import PARAGRAPH, make_story, write_image

WARNING = re.compile(r"^(?P<file>[^\s:]+):(?P<line>\d+):(?P<col>\d+): warning: (?P<path>\S+): (?P<text>.*)$", re.MULTILINE)


def _warnings(text: str, code_words: str) -> list[re.Match]:
    return [m for m in WARNING.finditer(text) if code_words in m["text"]]


def _line_of(path: Path, needle: str, after: str = "") -> int:
    """The 1-based line of the first line holding `needle` (after the first line holding `after`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, text in enumerate(lines) if after in text) if after else 0
    return next(i for i, text in enumerate(lines[start:], start + 1) if needle in text)


# --- diagram warnings at the diagram's own field and line --------------------------------------------


def _crowded_story(root: Path) -> Path:
    """Two crowded diagrams: one of its own (no image), one drawn over the illustration's picture (labelled parts)."""
    write_image(root / "images" / "plant.png", (900, 1200), colour=(60, 160, 60))
    stages = ", ".join(f"{{label: the water goes round and round stage {i}}}" for i in range(6))
    parts = ", ".join(f"{{label: a very long part name number {i}, x: 0.{i + 1}, y: 0.{i + 2}}}" for i in range(6))
    ill = f"""
    illustrations:
      - id: first
        brief: A first picture with no file yet.
        placement: half
      - id: loop
        brief: The water cycle.
        placement: spot
        diagram:
          kind: cycle
          items: [{stages}]
      - id: plant
        brief: A bean plant in a pot.
        image: images/plant.png
        placement: spot
        diagram:
          kind: labelled_parts
          items: [{parts}]
"""
    text = "\n\n".join(["Some text.", "[illustration: loop]", PARAGRAPH, "[illustration: plant]", PARAGRAPH])
    return make_story(root, chapters=[text], illustrations=ill)


def test_crowded_diagrams_point_at_their_diagram_in_validate_and_build(tmp_path, cli):
    story = _crowded_story(tmp_path / "s")
    loop_line = _line_of(story, "diagram:", after="- id: loop")
    plant_line = _line_of(story, "diagram:", after="- id: plant")
    for args in (("validate", "story.yaml"), ("build", "story.yaml", "--format", "pdf", "-o", str(tmp_path / "out"))):
        result = cli(*args, cwd=story.parent)
        crowded = _warnings(result.err, "has more words than room")
        found = {(m["path"], int(m["line"])) for m in crowded}
        assert found == {
            ("chapters[0].illustrations[1].diagram", loop_line),
            ("chapters[0].illustrations[2].diagram", plant_line),
        }, (args, result.err)
        assert ".image" not in "".join(m["path"] for m in crowded)


def test_a_missing_glyph_in_a_diagram_label_points_at_the_diagram(tmp_path, cli):
    ill = """
    illustrations:
      - id: loop
        brief: The water cycle.
        placement: half
        diagram:
          kind: cycle
          items: [{label: rain}, {label: 漢 cloud}, {label: sea}]
"""
    story = make_story(tmp_path / "s", chapters=["Some text.\n\n[illustration: loop]\n\n" + PARAGRAPH], illustrations=ill)
    line = _line_of(story, "diagram:", after="- id: loop")
    for args in (("validate", "story.yaml"), ("build", "story.yaml", "--format", "pdf", "-o", str(tmp_path / "out"))):
        result = cli(*args, cwd=story.parent)
        missing = _warnings(result.err, "no glyph for '漢'")
        assert [(m["path"], int(m["line"])) for m in missing] == [("chapters[0].illustrations[0].diagram", line)], (args, result.err)


# --- a chapter whose text ends on a heading --------------------------------------------------------


def _chapter_files(root: Path, texts: list[str]) -> Path:
    """A story whose chapters' texts are in chapters/NN.md (so a warning names that file and line)."""
    story = make_story(root, chapters=[PARAGRAPH] * len(texts))
    (root / "chapters").mkdir(parents=True, exist_ok=True)
    yaml = story.read_text(encoding="utf-8")
    for n, text in enumerate(texts, 1):
        (root / "chapters" / f"{n:02d}.md").write_text(text, encoding="utf-8")
        yaml = yaml.replace(
            f"  - title: Chapter {n} title\n    concepts: [inertia]\n    text: |\n      {PARAGRAPH}\n",
            f"  - title: Chapter {n} title\n    concepts: [inertia]\n    text_file: chapters/{n:02d}.md\n",
            1,
        )
    story.write_text(yaml, encoding="utf-8")
    return story


def test_a_chapter_ending_on_a_heading_is_a_warning_at_the_heading(tmp_path, cli):
    texts = [
        "\n\n".join([PARAGRAPH, "## What Happens Next?", PARAGRAPH]) + "\n",  # text after its heading: fine
        "\n\n".join([PARAGRAPH, PARAGRAPH, "## What Happens Next?"]) + "\n\n\n",  # ends on it
        "\n\n".join([PARAGRAPH, "Why Did It Stop?\n---", "* * *"]) + "\n",  # a setext heading, then only a scene break
        "## Only A Heading\n",  # no text at all: "has no text yet" says it already
    ]
    story = _chapter_files(tmp_path / "s", texts)
    for args in (("validate", "story.yaml"), ("build", "story.yaml", "--format", "md", "-o", str(tmp_path / "out"))):
        result = cli(*args, cwd=story.parent)
        found = [(m["file"], int(m["line"]), int(m["col"]), m["path"], m["text"]) for m in _warnings(result.err, "ends with a heading")]
        assert found == [
            ("chapters/02.md", 5, 1, "chapters[1].text", "chapter 2 ends with a heading: a heading needs text after it"),
            ("chapters/03.md", 3, 1, "chapters[2].text", "chapter 3 ends with a heading: a heading needs text after it"),
        ], (args, result.err)
        assert result.err.count("→ move the heading down to the text it introduces, or add text after it") == 2, result.err
        assert "chapter 4 'Chapter 4 title' has no text yet" in result.err
    assert cli("validate", "story.yaml", "--strict", cwd=story.parent).code == 1


def test_a_heading_at_the_end_of_text_in_the_spec_is_found_in_the_spec(tmp_path, cli):
    story = make_story(tmp_path / "s", chapters=["\n\n".join([PARAGRAPH, "### The End?"])])
    line = _line_of(story, "### The End?")
    result = cli("validate", "story.yaml", cwd=story.parent)
    found = [(m["file"], int(m["line"])) for m in _warnings(result.err, "ends with a heading")]
    assert found == [("story.yaml", line)], result.err
