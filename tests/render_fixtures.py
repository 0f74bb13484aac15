"""Small story folders for the render and preflight tests, built in tmp_path."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

PARAGRAPH = (
    'Cassie pushed the beach cart. It did not move at first. Then it rolled slowly over the sand. "Push harder!" said Caleb. Mom laughed and helped them both.'
)


def write_image(path: Path, size: tuple[int, int] = (1200, 900), colour=(240, 160, 60), mode: str = "RGB") -> Path:
    """A simple picture with a gradient, so resampling has something to do."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new(mode, size, colour if mode == "RGB" else colour + (128,))
    for x in range(0, size[0], max(1, size[0] // 12)):
        img.paste((40, 90, 200) if mode == "RGB" else (40, 90, 200, 255), (x, 0, x + max(1, size[0] // 48), size[1]))
    img.save(path)
    return path


def make_story(root: Path, *, chapters: list[str] | None = None, extra_yaml: str = "", illustrations: str | None = None, layout: str = "") -> Path:
    """Write story.yaml (and images) into `root`; returns the story.yaml path."""
    root.mkdir(parents=True, exist_ok=True)
    if chapters is None:
        chapters = ["\n\n".join([PARAGRAPH] * 4) + "\n\n[illustration: cart]\n\n" + "\n\n".join([PARAGRAPH] * 3)]
    if illustrations is None:
        write_image(root / "images" / "cart.png")
        illustrations = """
    illustrations:
      - id: opener
        brief: Cassie and Caleb at the beach with a big red cart.
        placement: opener
      - id: cart
        brief: The cart rolling on the sand.
        image: images/cart.png
        placement: half
      - id: push
        brief: Forces on the cart.
        placement: spot
        diagram: {kind: force_arrows, object: cart, labels: [push, friction]}
"""
    chapter_yaml = []
    for i, text in enumerate(chapters):
        body = "\n".join("      " + line if line else "" for line in text.splitlines())
        chapter_yaml.append(
            f"""  - title: Chapter {i + 1} title
    concepts: [inertia]
    text: |
{body if text.strip() else "      "}
"""
            + (illustrations if i == 0 else "")
            + """    activity:
      title: Roll a can
      materials: [a can, a ramp]
      steps: [Put the can on the ramp., Let go.]
      safety_note: Keep fingers clear.
      what_happens: It rolls down.
    questions: [Why did the cart start to roll?]
"""
        )
    yaml = f"""spec_version: 1
book:
  title: The Beach Cart
  subtitle: A story about pushes
  authors: [Ada Writer]
  illustrator: Ivy Drawer
  isbn: "978-0-306-40615-7"
  edition: First edition
  publication_date: 2025-06-01
scientists:
  - id: newton
    name: Isaac Newton
    born: "1643"
    died: "1727"
    bio: Isaac Newton wondered why things move.
concepts:
  - id: inertia
    name: Inertia
    scientist: newton
    explanation: Things keep doing what they are doing until a force changes it.
    key_terms:
      - term: force
        definition: A push or a pull.
      - term: inertia
        definition: Things keep doing what they do.
chapters:
{"".join(chapter_yaml)}back_matter:
  note_for_grownups: Talk about pushes and pulls at the park.
{layout}{extra_yaml}"""
    path = root / "story.yaml"
    path.write_text(yaml, encoding="utf-8")
    return path
