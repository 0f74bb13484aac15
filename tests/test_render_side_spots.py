"""Side spots (placement: spot with a side): the text beside the picture runs down to its foot, the text
under it follows at once, and paragraphs keep their spacing, for pictures of every shape, with and
without a caption.

Measured on the PDF: the lines from `pdftotext -bbox`, the pictures where the page content draws
them. Each paragraph of the test text starts with a name used nowhere else, so a line that starts
with one starts a paragraph.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from chapterbook.render.geometry import PageGeometry
from chapterbook.render.pdf import render_book
from chapterbook.render.styles import PARAGRAPH_SPACE, TIGHT
from chapterbook.spec.load import load_story
from render_fixtures import make_story
from test_render_floats import _drawn
from test_render_holes import _words

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

RATIOS = [0.45, 0.62, 0.8, 0.93, 1.07, 1.22, 1.4, 1.65, 2.0, 2.6, 3.2]  # height / width
NAMES = ["Ana", "Ben", "Cal", "Dot", "Eve", "Fay", "Gus", "Hal", "Ida", "Jo", "Kit", "Lu", "Max", "Ned", "Oda", "Pip"]
LONG = "rolled the ball. It went on and on across the floor, past the chair and the big red rug, and it did not stop."
SHORT = "laughed."
MIDDLE = "watched it go. The ball did not stop until it hit the wall by the door, and then it rolled back."
BODY = 21.0  # body words are taller than this in pdftotext's boxes; captions and running heads are not


def _side_spots_story(root: Path) -> tuple[Path, dict[str, bool]]:
    """A chapter with a side spot of each shape in RATIOS, every other one with a caption; returns (story.yaml, {picture: captioned})."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    ills = "\n    illustrations:\n"
    body: list[str] = []
    captioned: dict[str, bool] = {}
    names = iter(NAMES * 40)
    for i, ratio in enumerate(RATIOS):
        ident = f"shape{i}"
        Image.new("RGB", (900, round(900 * ratio)), (90, 170, 220)).save(root / "images" / f"{ident}.png")
        captioned[ident] = i % 2 == 0
        ills += f"""      - id: {ident}
        brief: A picture {ratio} times as tall as it is wide.
        image: images/{ident}.png
        placement: spot
        side: {"left" if i % 3 else "right"}
"""
        if captioned[ident]:
            ills += "        caption: The ball on the floor." + (" It rolls and rolls." if i % 4 == 0 else "") + "\n"
        after = [LONG, SHORT, MIDDLE, MIDDLE + " " + LONG, SHORT, LONG, MIDDLE][i % 3 :]
        body += [f"## Part {i}", f"{next(names)} {LONG}", f"[illustration: {ident}]"] + [f"{next(names)} {text}" for text in after]
    return make_story(root, chapters=["\n\n".join(body)], illustrations=ills), captioned


def _lines(words: list[tuple]) -> list[tuple[float, float, float, float, str]]:
    """Body-text lines (left, top, right, bottom, first word), top to bottom: words grouped by their bottom."""
    lines: list[list] = []
    for x0, y0, x1, y1, text in sorted((w for w in words if w[3] - w[1] > BODY), key=lambda w: (w[3], w[0])):
        if lines and abs(lines[-1][3] - y1) < 1.0:
            line = lines[-1]
            line[0], line[2] = min(line[0], x0), max(line[2], x1)
        else:
            lines.append([x0, y0, x1, y1, text])
    return [tuple(line) for line in lines]  # type: ignore[misc]


def test_text_runs_beside_a_side_spot_to_its_foot_and_on_under_it_with_no_gap(tmp_path):
    path, captioned = _side_spots_story(tmp_path / "s")
    story = load_story(path)
    result = render_book(story, tmp_path / "out" / "book.pdf", tmp_path / "out" / ".cache")
    names = {"img" + p.path.stem[:24]: p.source.stem for p in result.images}
    leading = story.spec.layout.line_height
    pad = story.spec.layout.font_size / 2  # SideSpot's space under the picture
    new_paragraph = leading * (1 + PARAGRAPH_SPACE * TIGHT) - 0.5  # the least a paragraph starts below the line before
    page_h = PageGeometry.for_layout(story.spec.layout, result.pages).page_size[1]
    words = _words(result.pdf, boxes=True)
    seen = []
    for page, drawn in enumerate(_drawn(result.pdf), 1):
        for name, (x, y, w, h) in drawn:
            ident = names.get(name)
            if ident is None:
                continue
            seen.append(ident)
            top, foot = page_h - (y + h), page_h - y
            small = [wd for wd in words[page - 1] if wd[3] - wd[1] <= BODY and wd[0] >= x - 1 and wd[2] <= x + w + 1 and 0 <= wd[1] - foot < 60]
            assert bool(small) == captioned[ident], f"{ident}: its caption, and only a caption, is under it"
            foot = max([foot] + [wd[3] for wd in small])  # the picture's block: its caption included
            lines = [line for line in _lines(words[page - 1]) if line[3] > top]
            beside = [line for line in lines if (line[2] < x or line[0] > x + w) and line[1] < foot]
            under = [line for line in lines if line not in beside]
            heading = next((i for i, line in enumerate(under) if line[4] == "Part"), len(under))
            under = under[:heading]  # a heading ends the text that wraps round the picture
            assert beside, f"{ident}: no text beside it"
            last = beside[-1]
            if under:  # the text goes on under the picture on this page
                assert foot - last[3] < leading, f"{ident} on page {page}: a line's room left empty beside it"
            flow = beside + under[:2]
            for before, line in zip(flow, flow[1:]):
                starts = line[4] in NAMES
                if starts:
                    assert line[3] - before[3] >= new_paragraph, f"{ident} on page {page}: '{line[4]}…' runs into the paragraph before it"
                if line in under and before in beside:  # the first line under the picture: at once, clear of it
                    step = leading + (new_paragraph - leading + 0.5 if starts else 0)
                    assert line[1] <= max(before[1] + step, foot + pad) + 1.0, f"{ident} on page {page}: a gap under it"
                elif not starts:  # a paragraph going on, beside or under: the next line at one leading
                    assert line[3] - before[3] == pytest.approx(leading, abs=0.5), f"{ident} on page {page}: a gap in a paragraph"
    assert sorted(seen) == sorted(captioned)  # every picture was drawn and measured
