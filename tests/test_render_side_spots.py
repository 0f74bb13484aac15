"""Side spots (placement: spot with a side): the text beside the picture runs down to its foot, the text
under it follows at once, and paragraphs keep their spacing, for pictures of every shape, with and
without a caption.

Measured on the PDF: the lines from `pdftotext -bbox`, the pictures where the page content draws
them. Each paragraph of the test text starts with a name used nowhere else, so a line that starts
with one starts a paragraph.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from chapterbook.render.geometry import PageGeometry
from chapterbook.render.pdf import render_book
from chapterbook.render.styles import PARAGRAPH_SPACE, PICTURE_SPACE, TIGHT
from chapterbook.spec.load import load_story
from render_fixtures import PARAGRAPH, make_story, write_image
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
    pad = leading * PICTURE_SPACE  # SideSpot's space under the picture, as under a centred one
    # The chapter's paragraph space: set closer (TIGHT) when its last page would hold a runt (document.RUNT_LINES).
    tight = 0 in json.loads((tmp_path / "out" / ".cache" / "layout.json").read_text())["tight"]
    new_paragraph = leading * (1 + PARAGRAPH_SPACE * (TIGHT if tight else 1)) - 0.5  # the least a paragraph starts below the line before
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


SHORT_PARAGRAPH = "Cassie ran to the cart."  # one line: each one moves what follows by a line and a paragraph's space


def _moving_side_spots_story(root: Path, with_pictures: bool, heading: str = "") -> Path:
    """A book whose chapter k has k + 3 short paragraphs, then (`with_pictures`) a side spot (after
    `heading`, if given), then the same long text: the chapters put the picture at every height near a
    page's foot, so in some it moves."""
    chapters, ills = [], []
    for k in range(14):
        ident = f"foot{k}"
        if with_pictures:  # a colour each: the PDF names a picture by its content
            write_image(root / "images" / f"{ident}.png", (900, 1100), colour=(40 + 12 * k, 170, 220))
        chapters.append(
            "\n\n".join(
                [SHORT_PARAGRAPH] * (k + 3)
                + [PARAGRAPH] * 5
                + ([f"## {heading}"] if heading else [])
                + ([f"[illustration: {ident}]"] if with_pictures else [])
                + [PARAGRAPH] * 4
            )
        )
        ills.append(
            f"""    illustrations:
      - id: {ident}
        brief: The cart at the foot of the page.
        image: images/{ident}.png
        placement: spot
        side: {"left" if k % 2 else "right"}
"""
            if with_pictures
            else ""
        )
    path = make_story(root, chapters=chapters, illustrations="")
    yaml, parts = path.read_text(encoding="utf-8").split("    activity:\n"), []
    for k, part in enumerate(yaml[:-1]):
        parts.append(part + ills[k])
    path.write_text("    activity:\n".join(parts + yaml[-1:]), encoding="utf-8")
    return path


def test_a_side_spot_that_moves_to_the_next_page_takes_its_space_along(tmp_path):
    """Where a side spot does not fit at a page's foot, the page is filled with text exactly as if the
    picture were not there (no half line of space left behind at its foot), and the picture heads the
    next page with no space above it."""
    story = load_story(_moving_side_spots_story(tmp_path / "with", True))
    result = render_book(story, tmp_path / "with" / "out" / "book.pdf", tmp_path / "with" / "out" / ".cache")
    plain_story = load_story(_moving_side_spots_story(tmp_path / "without", False))
    plain = render_book(plain_story, tmp_path / "without" / "out" / "book.pdf", tmp_path / "without" / "out" / ".cache")
    names = {"img" + p.path.stem[:24]: p.source.stem for p in result.images}
    geo = PageGeometry.for_layout(story.spec.layout, result.pages)
    page_h = geo.page_size[1]
    _, y, _, h = geo.text_block(True)
    block_top = page_h - (y + h)
    words, plain_words = _words(result.pdf, boxes=True), _words(plain.pdf, boxes=True)
    assert result.section_pages == plain.section_pages  # the pictures that move take no page of their own
    moved, stayed = [], []
    for page, drawn in enumerate(_drawn(result.pdf), 1):
        for name, (_, yy, _, hh) in drawn:
            ident = names.get(name)
            if ident is None:
                continue
            top = page_h - (yy + hh)
            if any(line[3] < top for line in _lines(words[page - 1])):
                stayed.append(ident)  # text before it on its page: its half line above it is measured elsewhere
                continue
            moved.append(ident)
            assert top == pytest.approx(block_top, abs=0.5), f"{ident} on page {page}: space above it at the top of the page"
            # the page before it: the same words at the same places as with no picture at all
            assert words[page - 2] == plain_words[page - 2], f"{ident}: page {page - 1}, which it left, is not filled as if it were not there"
    assert len(moved) >= 3 and stayed, (moved, stayed)  # the book has pictures that moved and ones that did not


TALL_CAPTION = "The lodestone is taller than it is wide, and it is heavy."


@pytest.mark.parametrize("side", ["left", "right"])
def test_a_caption_under_a_tall_narrow_side_spot_is_set_in_whole_words_on_a_line_or_two(tmp_path, side):
    """Under a picture three and a half times as tall as it is wide, its caption takes the width it needs
    (up to a side spot's widest): whole words on at most two lines, the picture centred over it, and the
    text beside clear of both."""
    root = tmp_path / "tall"
    write_image(root / "images" / "tall.png", (600, 2100))
    ills = f"""
    illustrations:
      - id: tall
        brief: A tall stone.
        image: images/tall.png
        placement: spot
        side: {side}
        caption: {TALL_CAPTION}
"""
    path = make_story(root, chapters=["\n\n".join([PARAGRAPH] * 3 + ["[illustration: tall]"] + [PARAGRAPH] * 5)], illustrations=ills)
    story = load_story(path)
    result = render_book(story, root / "out" / "book.pdf", root / "out" / ".cache")
    page_h = PageGeometry.for_layout(story.spec.layout, result.pages).page_size[1]
    [(page, (x, y, w, h))] = [(p, box) for p, found in enumerate(_drawn(result.pdf), 1) for name, box in found if name.startswith("img")]
    foot = page_h - y
    words = _words(result.pdf, boxes=True)[page - 1]
    caption = [wd for wd in words if wd[3] - wd[1] <= BODY and 0 <= wd[1] - foot < 60]
    assert " ".join(wd[4] for wd in caption) == TALL_CAPTION  # whole words, in order
    rows = sorted({round(wd[3]) for wd in caption})
    assert len(rows) <= 2, f"the caption takes {len(rows)} lines under a {w:.0f} pt wide picture"
    left, right = min(wd[0] for wd in caption), max(wd[2] for wd in caption)
    assert abs((left + right) / 2 - (x + w / 2)) < 2.0, "the picture is centred over its caption"
    block = (min(left, x), max(right, x + w))
    gap = story.spec.layout.font_size * 0.8  # the text beside keeps near a font size's room from the picture's block
    top = page_h - (y + h)
    for line in _lines(words):
        if line[1] < foot + 30 and line[3] > top:  # beside the picture or its caption
            assert line[2] <= block[0] - gap or line[0] >= block[1] + gap, f"'{line[4]}…' runs into the picture or its caption"


def test_a_heading_before_a_side_spot_never_ends_a_page_alone(tmp_path):
    """Where the side spot after a heading moves to the next page, the heading goes with it."""
    story = load_story(_moving_side_spots_story(tmp_path / "headed", True, heading="The cart"))
    result = render_book(story, tmp_path / "headed" / "out" / "book.pdf", tmp_path / "headed" / "out" / ".cache")
    page_h = PageGeometry.for_layout(story.spec.layout, result.pages).page_size[1]
    drawn = _drawn(result.pdf)
    headings = 0
    for page, words in enumerate(_words(result.pdf, boxes=True), 1):
        lines = _lines(words)
        for line in lines:
            if [w[4] for w in words if abs(w[3] - line[3]) < 1.0] == ["The", "cart"]:  # the heading's line
                headings += 1
                # under it on its page: the picture, or the text that fills the page before the picture
                below = [ln for ln in lines if ln[1] > line[3]] + [d for d in drawn[page - 1] if page_h - (d[1][1] + d[1][3]) > line[3]]
                assert below, f"page {page} ends with the heading"
    assert headings == 14


@pytest.mark.parametrize("after", ["## Next part", "* * *", ""])
def test_a_side_spot_with_no_text_to_run_beside_it_is_centred(tmp_path, after):
    """A side spot followed by a heading, a scene break or its chapter's end has nothing to wrap: set at
    the side, it would leave an empty column beside it, so it is centred like a spot without a side."""
    root = tmp_path / "alone"
    write_image(root / "images" / "alone.png", (900, 700))
    ills = """
    illustrations:
      - id: alone
        brief: A picture with no text after it.
        image: images/alone.png
        placement: spot
        side: left
        caption: Nothing beside me.
"""
    text = [PARAGRAPH] * 2 + ["[illustration: alone]"] + ([after] + [PARAGRAPH] * 2 if after else [])
    story = load_story(make_story(root, chapters=["\n\n".join(text)], illustrations=ills))
    result = render_book(story, root / "out" / "book.pdf", root / "out" / ".cache")
    geo = PageGeometry.for_layout(story.spec.layout, result.pages)
    [(page, (x, _, w, _))] = [(p, box) for p, found in enumerate(_drawn(result.pdf), 1) for name, box in found if name.startswith("img")]
    bx, _, bw, _ = geo.text_block(page % 2 == 1)
    assert x + w / 2 == pytest.approx(bx + bw / 2, abs=1.0), "the picture is not centred in the text block"


def test_a_paragraph_after_a_side_spot_keeps_its_space_when_the_page_foot_cuts_the_text_under_it(tmp_path):
    """Where a page's foot leaves no text under the picture (a one-line paragraph there is not split by
    ReportLab, so it follows the side spot as a flowable of its own), the paragraph after the text beside
    still starts a paragraph's space below it, not at the picture's foot. Twelve chapters put the side
    spot at every height near a page's foot."""
    root = tmp_path / "feet"
    chapters, ills = [], []
    names = iter(NAMES * 200)
    for k in range(12):
        ident = f"p{k}"
        write_image(root / "images" / f"{ident}.png", (900, 1000 + 40 * k), colour=(40 + 12 * k, 170, 220))
        after = [MIDDLE, SHORT, SHORT, SHORT, LONG, SHORT, SHORT, SHORT, LONG]
        paras = [f"{next(names)} {SHORT}" for _ in range(k + 3)] + [f"{next(names)} {LONG}" for _ in range(4)]
        chapters.append("\n\n".join(paras + [f"[illustration: {ident}]"] + [f"{next(names)} {t}" for t in after]))
        ills.append(
            f"""    illustrations:
      - id: {ident}
        brief: A picture.
        image: images/{ident}.png
        placement: spot
        side: {"left" if k % 2 else "right"}
        caption: The ball on the floor.
"""
        )
    path = make_story(root, chapters=chapters, illustrations="")
    parts = path.read_text(encoding="utf-8").split("    activity:\n")
    path.write_text("    activity:\n".join([p + ills[i] for i, p in enumerate(parts[:-1])] + parts[-1:]), encoding="utf-8")
    story = load_story(path)
    result = render_book(story, root / "out" / "book.pdf", root / "out" / ".cache")
    tight = json.loads((root / "out" / ".cache" / "layout.json").read_text())["tight"]
    leading = story.spec.layout.line_height
    for page, words in enumerate(_words(result.pdf, boxes=True), 1):
        lines = _lines(words)
        for before, line in zip(lines, lines[1:]):
            if line[4] in NAMES:
                # the chapter's paragraph space (closer in a chapter set tight), less half a point
                least = leading * (1 + PARAGRAPH_SPACE * (TIGHT if tight else 1)) - 0.5
                assert line[3] - before[3] >= least, f"page {page}: '{line[4]}…' starts {line[3] - before[3]:.1f} pt below the line before"


@pytest.mark.parametrize("caption", ["", "The cart on the sand."])
def test_the_space_under_a_side_spot_is_at_least_the_space_under_a_centred_picture(tmp_path, caption):
    """From a picture's foot (its caption's, when it has one) to the first line of text under it: the text
    beside runs on its lines, so under a side spot the first line under it starts at the first line at or
    past that space, never closer than under a centred picture (both from styles.PICTURE_SPACE) and less
    than a line further. Side spots of four heights put the foot at different places on the lines."""
    root = tmp_path / "space"
    write_image(root / "images" / "middle.png", (900, 700), colour=(200, 90, 60))
    cap = f"\n        caption: {caption}" if caption else ""
    ills = f"""
    illustrations:
      - id: middle
        brief: The cart in the middle.
        image: images/middle.png
        placement: spot{cap}
"""
    text = [PARAGRAPH, "[illustration: middle]", PARAGRAPH, PARAGRAPH]
    for k, ratio in enumerate((0.62, 0.71, 0.8, 0.93)):
        write_image(root / "images" / f"side{k}.png", (900, round(900 * ratio)), colour=(60, 90 + 30 * k, 200))
        ills += f"""      - id: side{k}
        brief: The cart at the side.
        image: images/side{k}.png
        placement: spot
        side: {"left" if k % 2 else "right"}{cap}
"""
        # A one-line paragraph beside the side spot, then a long one that runs on under it.
        text += [f"## Part {k}", f"[illustration: side{k}]", f"Ana {SHORT}", f"Ben {LONG} {LONG} {LONG}"]
    story = load_story(make_story(root, chapters=["\n\n".join(text)], illustrations=ills))
    result = render_book(story, root / "out" / "book.pdf", root / "out" / ".cache")
    names = {"img" + p.path.stem[:24]: p.source.stem for p in result.images}
    page_h = PageGeometry.for_layout(story.spec.layout, result.pages).page_size[1]
    words = _words(result.pdf, boxes=True)
    under: dict[str, float] = {}
    for page, drawn in enumerate(_drawn(result.pdf), 1):
        for name, (x, y, w, _) in drawn:
            ident = names.get(name)
            if ident is None:
                continue
            foot = page_h - y
            small = [wd for wd in words[page - 1] if wd[3] - wd[1] <= BODY and wd[0] >= x - 1 and wd[2] <= x + w + 1 and 0 <= wd[1] - foot < 40]
            foot = max([foot] + [wd[3] for wd in small])  # the picture's block: its caption included
            below = [wd[1] for wd in words[page - 1] if wd[3] - wd[1] > BODY and wd[1] > foot and wd[0] < x + w and wd[2] > x]
            if below:  # (a page's foot may end the text beside it)
                under[ident] = min(below) - foot
    centred = under.pop("middle")
    assert len(under) >= 3, under
    leading = story.spec.layout.line_height
    for ident, space in under.items():
        assert centred - 1.0 <= space < centred + leading, f"{ident}: {space:.1f} pt under it, {centred:.1f} pt under a centred picture"


def test_a_side_spot_whose_text_all_went_ahead_to_fill_the_page_is_centred_where_it_lands(tmp_path):
    """A side spot that does not fit at a page's foot lets its text fill the page first; where all of that
    text fits there, the picture lands on the next page with nothing to run beside it, and is centred
    there like a side spot with no text after it (not left at the side with an empty column beside it).
    Fourteen chapters put the picture at every height near a page's foot, with one short paragraph after it."""
    root = tmp_path / "ahead"
    chapters, ills = [], []
    for k in range(14):
        ident = f"cart{k}"
        write_image(root / "images" / f"{ident}.png", (900, 1100), colour=(40 + 12 * k, 170, 220))
        chapters.append("\n\n".join([SHORT_PARAGRAPH] * (k + 3) + [PARAGRAPH] * 5 + [f"[illustration: {ident}]", SHORT_PARAGRAPH]))
        ills.append(
            f"""    illustrations:
      - id: {ident}
        brief: The cart.
        image: images/{ident}.png
        placement: spot
        side: {"left" if k % 2 else "right"}
"""
        )
    path = make_story(root, chapters=chapters, illustrations="")
    parts = path.read_text(encoding="utf-8").split("    activity:\n")
    path.write_text("    activity:\n".join([p + ills[i] for i, p in enumerate(parts[:-1])] + parts[-1:]), encoding="utf-8")
    story = load_story(path)
    result = render_book(story, root / "out" / "book.pdf", root / "out" / ".cache")
    names = {"img" + p.path.stem[:24]: p.source.stem for p in result.images}
    geo = PageGeometry.for_layout(story.spec.layout, result.pages)
    page_h = geo.page_size[1]
    words = _words(result.pdf, boxes=True)
    alone, beside = [], []
    for page, drawn in enumerate(_drawn(result.pdf), 1):
        for name, (x, y, w, h) in drawn:
            ident = names.get(name)
            if ident is None:
                continue
            top, foot = page_h - (y + h), page_h - y
            if any(line[1] < foot and line[3] > top for line in _lines(words[page - 1])):
                beside.append(ident)
                continue
            alone.append(ident)
            bx, _, bw, _ = geo.text_block(page % 2 == 1)
            assert x + w / 2 == pytest.approx(bx + bw / 2, abs=1.0), f"{ident} on page {page}: at the side with nothing beside it"
    assert alone and beside, (alone, beside)


@pytest.mark.parametrize("trim", ["8.5x8.5", "6x9"])
@pytest.mark.parametrize("caption", ["The arrow points where the wind comes from.", "The sound goes to the wall and back."])
def test_a_caption_under_a_side_spot_that_takes_two_lines_is_balanced(tmp_path, caption, trim):
    """A caption that needs two lines under a narrow side spot is set in two lines of about the same length,
    as CSS text-wrap: balance sets it: not a full line and one word left alone under it."""
    root = tmp_path / "cap"
    write_image(root / "images" / "vane.png", (1100, 1500))
    ills = f"""
    illustrations:
      - id: vane
        brief: A weather vane.
        image: images/vane.png
        placement: spot
        side: left
        caption: {caption}
"""
    text = "\n\n".join([PARAGRAPH] * 2 + ["[illustration: vane]"] + [PARAGRAPH] * 4)
    path = make_story(root, chapters=[text], illustrations=ills, layout=f"layout:\n  trim: {trim}\n")
    story = load_story(path)
    result = render_book(story, root / "out" / "book.pdf", root / "out" / ".cache")
    page_h = PageGeometry.for_layout(story.spec.layout, result.pages).page_size[1]
    [(page, (x, y, w, h))] = [(p, box) for p, found in enumerate(_drawn(result.pdf), 1) for name, box in found if name.startswith("img")]
    foot = page_h - y
    words = [wd for wd in _words(result.pdf, boxes=True)[page - 1] if wd[3] - wd[1] <= BODY and 0 <= wd[1] - foot < 60]
    assert " ".join(wd[4] for wd in words) == caption
    rows: dict[int, list] = {}
    for wd in words:
        rows.setdefault(round(wd[3]), []).append(wd)
    assert len(rows) <= 2, f"{len(rows)} lines"
    if len(rows) == 1:
        return  # it fits on one line here
    first, last = (rows[k] for k in sorted(rows))
    widths = [max(wd[2] for wd in row) - min(wd[0] for wd in row) for row in (first, last)]
    assert len(last) >= 2 and widths[1] >= 0.5 * widths[0], f"unbalanced: {[' '.join(wd[4] for wd in row) for row in (first, last)]}"
