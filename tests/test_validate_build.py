"""`validate` knows everything `build` will complain about, short of drawing pages.

For every spec in broken_specs/, both sample books and fixtures with the mistakes
only a build used to find (a bad font, a low-resolution picture, a missing glyph,
a picture and a diagram on one illustration…), run both commands as an author would:

- every message `build` prints at a file:line was already printed by `validate` at that file:line;
- `validate` without errors => `build` exits 0;
- `validate` without errors or warnings => `build` warns about nothing but placeholder pictures.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from conftest import BROKEN, STORIES

FONTS = Path(__file__).resolve().parents[1] / "src" / "chapterbook" / "fonts"
LOCATED = re.compile(r"^(?P<file>[^\s:][^:\n]*):(?P<line>\d+)(?::\d+)?: (?P<severity>warning|error): ", re.MULTILINE)
UNLOCATED_WARNING = re.compile(r"^warning: (?P<text>.*)$", re.MULTILINE)

BASE = (BROKEN / "valid" / "story.yaml").read_text(encoding="utf-8")
TEXT = "    text: |\n      Maya rolled a ball across the floor. It kept going!\n"


def _picture(path: Path, size: tuple[int, int], colour: tuple[int, int, int] = (120, 180, 230)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)


def _with(folder: Path, *, text: str = TEXT, illustrations: str = "", book: str = "", tail: str = "") -> Path:
    spec = BASE.replace(TEXT, (f"    illustrations:\n{illustrations}" if illustrations else "") + text)
    spec = spec.replace("  isbn: 979-8-9876543-0-9\n", "  isbn: 979-8-9876543-0-9\n" + book)
    (folder / "story.yaml").write_text(spec + tail, encoding="utf-8")
    return folder / "story.yaml"


def low_res_picture(folder: Path) -> Path:
    _picture(folder / "images" / "ball.png", (300, 200))  # a half-page picture needs about 1500 pixels across
    return _with(folder, illustrations="      - id: ball\n        brief: Maya rolls a ball.\n        image: images/ball.png\n")


def good_picture(folder: Path) -> Path:
    _picture(folder / "images" / "ball.png", (1800, 900), (128, 128, 128))  # grey, for a black-and-white interior
    return _with(folder, illustrations="      - id: ball\n        brief: Maya rolls a ball.\n        image: images/ball.png\n")


def colour_picture(folder: Path) -> Path:
    _picture(folder / "images" / "ball.png", (1800, 900))  # in colour, and the default paper is white: printed in grey
    return _with(folder, illustrations="      - id: ball\n        brief: Maya rolls a ball.\n        image: images/ball.png\n")


def image_and_diagram(folder: Path) -> Path:
    _picture(folder / "images" / "ball.png", (1800, 900))
    return _with(
        folder,
        illustrations="      - id: ball\n        brief: Maya rolls a ball.\n        image: images/ball.png\n"
        "        diagram: {kind: motion_path, object: ball, caption: The ball 漢 rolls}\n",
    )


def missing_glyphs(folder: Path) -> Path:
    text = (
        "    text: |\n      Maya rolled a ball across the floor. It kept going!\n\n"
        "      The ball said 漢 and rolled on.\n\n      Then it said 漢 again.\n"
        "    questions:\n      - Why does a 🦖 roll?\n"
    )
    return _with(
        folder,
        text=text,
        illustrations="      - id: path\n        brief: The path of the ball ✺.\n        diagram: {kind: motion_path, labels: [start, 終]}\n",
        tail="scientists:\n  - id: newton\n    name: Isaac Newton ✺\n    bio: |\n      He liked apples 🍎.\n",
    )


def one_face_font(folder: Path) -> Path:
    (folder / "fonts").mkdir()
    shutil.copy(FONTS / "Andika-Regular.ttf", folder / "fonts" / "Kid.ttf")
    return _with(folder, tail="layout:\n  font: fonts/Kid.ttf\n")


def whole_font_family(folder: Path) -> Path:
    (folder / "fonts").mkdir()
    for style in ("Regular", "Bold", "Italic", "BoldItalic"):
        shutil.copy(FONTS / f"Andika-{style}.ttf", folder / "fonts" / f"Kid-{style}.ttf")
    return _with(folder, tail="layout:\n  font: fonts/Kid-Regular.ttf\n")


def otf_font(folder: Path) -> Path:
    (folder / "fonts").mkdir()
    shutil.copy(FONTS / "Andika-Regular.ttf", folder / "fonts" / "Kid.otf")
    return _with(folder, tail="layout:\n  font: fonts/Kid.otf\n")


def truncated_font(folder: Path) -> Path:
    (folder / "fonts").mkdir()
    (folder / "fonts" / "Kid.ttf").write_bytes((FONTS / "Andika-Regular.ttf").read_bytes()[:5000])
    return _with(folder, tail="layout:\n  font: fonts/Kid.ttf\n")


def damaged_picture(folder: Path) -> Path:
    (folder / "images").mkdir()
    (folder / "images" / "ball.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a picture" * 10)
    return _with(folder, illustrations="      - id: ball\n        brief: Maya rolls a ball.\n        image: images/ball.png\n")


def no_hyphenation_patterns(folder: Path) -> Path:
    return _with(folder, book="  language: xq\n", tail="layout:\n  hyphenate: true\n")


def crowded_diagram(folder: Path) -> Path:
    steps = "".join(f"          - label: Step {n} where the small ball rolls on\n" for n in range(1, 7))
    ill = "      - id: steps\n        brief: Six steps.\n        placement: spot\n        diagram:\n          kind: sequence\n          items:\n" + steps
    _picture(folder / "images" / "magnet.png", (1800, 900), (128, 128, 128))
    ill += "      - id: magnet\n        brief: A magnet.\n        image: images/magnet.png\n        diagram: {kind: labelled_parts, items: [{label: north, x: 0.2, y: 0.5}]}\n"
    return _with(folder, illustrations=ill)


def heading_only_chapter(folder: Path) -> Path:
    return _with(folder, text="    text: |\n      ## Just a heading\n")


def low_res_cover_and_portrait(folder: Path) -> Path:
    _picture(folder / "images" / "cover.png", (400, 600))
    _picture(folder / "images" / "newton.png", (120, 120))
    tail = (
        "scientists:\n  - id: newton\n    name: Isaac Newton\n    portrait: images/newton.png\n    bio: He liked apples.\n"
        "layout:\n  cover_image: images/cover.png\n"
    )
    return _with(folder, tail=tail)


def glyphs_everywhere(folder: Path) -> Path:
    """A character the font lacks in every part of the book the interior prints."""
    x = "漢"
    spec = f"""spec_version: 1
book:
  title: The {x} Ball
  subtitle: A {x} subtitle
  authors: [Ana {x}, Ben Writer]
  illustrator: Cy {x}
  publisher: {x} Press
  edition: First {x} edition
  publication_date: 2026-09-01
  copyright_holder: The {x} Trust
  dedication: For {x} readers
  language: en
characters:
  - id: maya
    name: Maya
scientists:
  - id: newton
    name: Isaac {x} Newton
    born: "1643"
    bio: |
      He liked {x} apples.

      And {x} pears.
concepts:
  - id: inertia
    name: Inertia {x}
    scientist: newton
    explanation: Things keep {x} going.
    key_terms:
      - term: inertia {x}
        definition: keeping {x} on
chapters:
  - title: The {x} Rolling
    concepts: [inertia]
    characters: [maya]
    illustrations:
      - id: arrows
        brief: Arrows {x}.
        placement: full
        diagram: {{kind: force_arrows, object: cart {x}, labels: [push {x}], caption: full {x} caption}}
      - id: spot
        brief: A {x} spot drawing.
        placement: spot
        caption: A {x} caption
      - id: path
        brief: A path.
        diagram: {{kind: motion_path, object: ball, labels: [start {x}], caption: The {x} path}}
    text: |
      ## A {x} heading

      Maya rolled a ball {x}. It kept going!

      "Look {x}," she said.

      - a {x} item
      - another item

      1. first {x}
      2. second

      > A {x} quote.

      [illustration: spot]
    activity:
      title: Roll {x}
      materials: [a {x} ball]
      steps: [Roll the {x} ball.]
      safety_note: Mind the {x} stairs.
      what_happens: It {x} rolls.
    questions:
      - Why does it {x} roll?
  - title: Second {x}
    text: |
      More {x} text here.
back_matter:
  note_for_grownups: |
    A {x} note.

    Another {x} one.
  about_the_author: Ana lives by the {x} sea.
  also_in_series: [The {x} Kite, The Magnet]
"""
    (folder / "story.yaml").write_text(spec, encoding="utf-8")
    return folder / "story.yaml"


FIXTURES = {
    f.__name__: f
    for f in (
        low_res_picture,
        good_picture,
        colour_picture,
        image_and_diagram,
        missing_glyphs,
        one_face_font,
        whole_font_family,
        otf_font,
        truncated_font,
        damaged_picture,
        no_hyphenation_patterns,
        heading_only_chapter,
        crowded_diagram,
        low_res_cover_and_portrait,
        glyphs_everywhere,
    )
}
BROKEN_CASES = sorted(p.name for p in BROKEN.iterdir() if (p / "story.yaml").exists())
SAMPLES = sorted(p.name for p in STORIES.iterdir() if (p / "story.yaml").exists())


def _located(text: str, cwd: Path) -> dict[tuple[Path, int], str]:
    """(file, line) -> severity for every message printed at a file:line."""
    return {((cwd / m["file"]).resolve(), int(m["line"])): m["severity"] for m in LOCATED.finditer(text)}


def _story(kind: str, name: str, tmp_path: Path) -> Path:
    folder = tmp_path / name
    if kind == "broken":
        shutil.copytree(BROKEN / name, folder)
        return folder / "story.yaml"
    if kind == "sample":
        shutil.copytree(STORIES / name, folder)
        return folder / "story.yaml"
    folder.mkdir()
    return FIXTURES[name](folder)


CASES = [("broken", n) for n in BROKEN_CASES] + [("sample", n) for n in SAMPLES] + [("fixture", n) for n in FIXTURES]


@pytest.mark.parametrize(("kind", "name"), CASES, ids=[f"{k}-{n}" for k, n in CASES])
def test_validate_knows_what_build_will_say(kind, name, cli, tmp_path):
    spec = _story(kind, name, tmp_path)
    folder = spec.parent
    checked = cli("validate", "story.yaml", cwd=folder)
    assert "Traceback" not in checked.text
    built = cli("build", "story.yaml", "-o", str(tmp_path / "out"), cwd=folder)
    assert "Traceback" not in built.text

    said = _located(checked.text, folder)
    for place in _located(built.text, folder):
        assert place in said, f"build said this at {place[0].name}:{place[1]} and validate did not:\n{built.err}\nvalidate:\n{checked.text}"
    validate_errors = any(s == "error" for s in said.values()) or checked.code != 0
    if not validate_errors:
        assert built.code == 0, built.text
    else:
        assert built.code != 0, f"validate found errors but build succeeded:\n{checked.text}"
    if checked.code == 0 and not said:
        others = [m["text"] for m in UNLOCATED_WARNING.finditer(built.err) if not m["text"].startswith("[placeholders]")]
        assert not others, built.err
        assert not _located(built.text, folder), built.err


def test_each_fixture_shows_its_mistake_in_validate(cli, tmp_path):
    """The fixtures really hold the mistakes they are named for, at the line that causes them."""
    expected = {
        "low_res_picture": ("warning", "low-ppi", "image 'images/ball.png' is only 73 ppi at its printed size (1239 x 826 pixels needed"),
        "image_and_diagram": ("warning", "image-and-diagram", "illustration 'ball' has both an image and a diagram"),
        "missing_glyphs": ("warning", "missing-glyph", "the font has no glyph for '漢' (U+6F22) in chapter 1"),
        "one_face_font": ("warning", "font-faces", "the font has no bold, italic, bold italic face beside 'fonts/Kid.ttf'"),
        "otf_font": ("error", "", "'fonts/Kid.otf' is an OpenType (.otf) font"),
        "truncated_font": ("error", "", "the font file Kid.ttf cannot be used"),
        "damaged_picture": ("error", "", "the image cannot be read: the file is damaged or is not a picture"),
        "no_hyphenation_patterns": ("warning", "", "there are no hyphenation patterns for the book's language 'xq'"),
        "crowded_diagram": ("warning", "diagram-crowded", "the sequence diagram has more words than room"),
        "heading_only_chapter": ("warning", "", "chapter 1 'The Ball Keeps Rolling' has no text yet"),
        "low_res_cover_and_portrait": ("warning", "", "front cover image 'images/cover.png' is only"),
        "colour_picture": ("warning", "colour-picture", "picture 'ball.png' is in colour; this black-and-white interior"),
    }
    for name, (severity, _code, text) in expected.items():
        folder = tmp_path / name
        folder.mkdir()
        FIXTURES[name](folder)
        result = cli("validate", "story.yaml", cwd=folder)
        assert f": {severity}: " in result.err and text in result.err, (name, result.err)
    for name in ("good_picture", "whole_font_family"):
        folder = tmp_path / name
        folder.mkdir()
        FIXTURES[name](folder)
        result = cli("validate", "story.yaml", cwd=folder)
        assert result.code == 0 and "no warnings" in result.out, (name, result.text)


def test_missing_glyph_points_at_the_character(cli, tmp_path):
    folder = tmp_path / "glyphs"
    folder.mkdir()
    missing_glyphs(folder)
    result = cli("validate", "story.yaml", cwd=folder)
    lines = (folder / "story.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "漢 and rolled" in text)
    column = lines[line - 1].index("漢") + 1
    assert f"story.yaml:{line}:{column}: warning: the font has no glyph for '漢' (U+6F22) in chapter 1, paragraph 2" in result.err
    assert "(and 1 more place in chapter 1)" in result.err
    # One warning per thing in build too: validate's and the renderer's are not both printed.
    built = cli("build", "story.yaml", "-o", str(tmp_path / "out"), "--format", "pdf", cwd=folder)
    assert built.code == 0, built.text
    assert built.err.count("'漢' (U+6F22) in chapter 1, paragraph 2") == 1


def test_validate_and_the_renderer_word_glyph_warnings_the_same(tmp_path):
    """validate walks the book's text as the interior sets it: the same warnings, words, places and counts."""
    from chapterbook.render.pdf import render_book
    from chapterbook.spec.lint import lint
    from chapterbook.spec.load import load_story

    folder = tmp_path / "book"
    folder.mkdir()
    story = load_story(glyphs_everywhere(folder))
    said = sorted(p.format() for p in lint(story) if p.code == "missing-glyph")
    rendered = render_book(story, tmp_path / "out" / "book.pdf", tmp_path / "out" / ".cache")
    drawn = sorted(p.format() for p in rendered.warnings if p.code == "missing-glyph")
    assert len(drawn) >= 20
    assert said == drawn
