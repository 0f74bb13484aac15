"""Pictures in the text: they shrink or wait for the next page (never before their paragraph, never out of
their chapter), and a full-page picture with `bleed: true` covers the whole sheet."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.platypus import Spacer

from chapterbook.print_rules import PICTURE_SHRINK_FLOOR
from chapterbook.render.flowables import Float
from chapterbook.render.geometry import PageGeometry
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from render_fixtures import PARAGRAPH, make_story, write_image
from test_render_holes import AWKWARD_ILLUSTRATIONS, MOST_EMPTY, awkward_story, holes

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class _Doc:
    def __init__(self):
        self.pending_floats: list = []


def _float(floor: float, pending=()) -> Float:
    doc = _Doc()
    doc.pending_floats = list(pending)
    return Float(doc, Spacer(100, 200), 6, floor)  # a 200 pt picture with 6 pt above and below


def test_float_fits_shrinks_to_its_floor_or_waits():
    assert _float(1.0).wrap(300, 500) == (300, 212)  # room: full size
    shrunk = _float(PICTURE_SHRINK_FLOOR)
    _, h = shrunk.wrap(300, 160)  # 148 pt of room for the picture: 74% of it
    assert h == 160 and PICTURE_SHRINK_FLOOR <= shrunk.scale < 1 and not shrunk.waiting
    for floor in (1.0, PICTURE_SHRINK_FLOOR):
        waits = _float(floor)
        assert waits.wrap(300, 100) == (300, 0) and waits.waiting  # 88 pt: less than the floor allows
    # One waiting already: this one waits too, though it would fit, so the pictures keep their order.
    behind = _float(1.0, pending=[object()])
    assert behind.wrap(300, 500) == (300, 0) and behind.waiting
    # At the chapter's end a waiting picture is placed: here if it fits, else (full height, no fit) the next page.
    last = _float(1.0)
    last.must_place = True
    assert last.wrap(300, 100) == (300, 212) and not last.waiting


def _drawn(pdf: Path) -> list[list[tuple[str, tuple[float, ...]]]]:
    """Each page's pictures: (image name, (x, y, w, h)); contents page numbers (forms named toc-…) left out."""
    out = []
    for page in PdfReader(str(pdf)).pages:
        found: list[tuple[str, tuple[float, ...]]] = []

        def visit(op, args, cm, tm, found=found):
            name = str(args[0]).lstrip("/").removeprefix("FormXob.") if op == b"Do" else ""
            if name.startswith("img"):  # flowables.draw_placed names each picture img<its cache name>
                found.append((name, (cm[4], cm[5], cm[0], cm[3])))

        page.extract_text(visitor_operand_before=visit)
        out.append(found)
    return out


def test_floats_keep_their_order_and_their_chapter(tmp_path):
    story = load_story(awkward_story(tmp_path / "awkward"))
    result = render_book(story, tmp_path / "out" / "book.pdf", tmp_path / "out" / ".cache")
    names = {"img" + p.path.stem[:24]: p.source.stem for p in result.images}
    drawn = _drawn(result.pdf)
    first, end = result.section_pages["ch1"], result.section_pages["ch2"]
    order = [(page, names[name]) for page, found in enumerate(drawn, 1) for name, _ in found if name in names]
    assert [n for _, n in order] == ["tall1", "tall2", "wide", "spot1", "bigpage", "tall3"]
    assert all(first <= page < end for page, _ in order)


def test_fit_float_never_shrinks_a_picture(tmp_path):
    root = tmp_path / "awkward"
    awkward_story(root)
    yaml = (root / "story.yaml").read_text().replace("        placement: half\n", "        placement: half\n        fit: float\n")
    assert yaml.count("fit: float") == 4
    (root / "story.yaml").write_text(yaml)
    story = load_story(root / "story.yaml")
    result = render_book(story, tmp_path / "out" / "book.pdf", tmp_path / "out" / ".cache")
    sizes = {"img" + p.path.stem[:24]: p.size_pt for p in result.images if p.source.stem.startswith(("tall", "wide"))}
    checked = 0
    for found in _drawn(result.pdf):
        for name, (_, _, w, h) in found:
            if name in sizes:
                assert (w, h) == pytest.approx(sizes[name], abs=0.01)
                checked += 1
    assert checked == 4


def _bleed_story(root: Path, size: tuple[int, int]) -> Path:
    write_image(root / "images" / "sea.png", size)
    text = "\n\n".join([PARAGRAPH] * 3 + ["[illustration: sea]"] + [PARAGRAPH] * 3)
    illustrations = (
        AWKWARD_ILLUSTRATIONS.split("      - id: tall1")[0]
        + """      - id: sea
        brief: The sea, edge to edge.
        image: images/sea.png
        placement: full
        bleed: true
        caption: The sea.
"""
    )
    return make_story(root, chapters=[text], illustrations=illustrations)


def test_a_bleed_picture_covers_the_whole_sheet(tmp_path):
    story = load_story(_bleed_story(tmp_path / "s", (2000, 2900)))
    result = render_book(story, tmp_path / "out" / "book.pdf", tmp_path / "out" / ".cache")
    assert not [w for w in result.warnings if w.code == "low-ppi"]
    geo = PageGeometry.for_layout(story.spec.layout, result.pages)
    sheet = (0.0, 0.0, *geo.page_size)
    pages = [page for page in _drawn(result.pdf) if page]
    assert len(pages) == 1
    ((_, box),) = pages[0]
    assert box == pytest.approx(sheet, abs=0.01)


def test_a_bleed_picture_with_too_few_pixels_warns_where_it_is(tmp_path):
    path = _bleed_story(tmp_path / "s", (600, 900))
    story = load_story(path)
    result = render_book(story, tmp_path / "out" / "book.pdf", tmp_path / "out" / ".cache")
    (warning,) = [w for w in result.warnings if w.code == "low-ppi"]
    assert "bleed edge" in warning.message and "600 x 900" in warning.message
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "image: images/sea.png" in text)
    assert warning.where.file is not None and warning.where.line == line


def _side_story(root: Path, side: str, before: int) -> Path:
    write_image(root / "images" / "shell.png", (900, 1100))
    text = "\n\n".join([PARAGRAPH] * before + ["[illustration: shell]"] + [PARAGRAPH] * 8)
    illustrations = (
        AWKWARD_ILLUSTRATIONS.split("      - id: tall1")[0]
        + f"""      - id: shell
        brief: A shell.
        image: images/shell.png
        placement: spot
        side: {side}
        caption: A shell.
"""
    )
    return make_story(root, chapters=[text], illustrations=illustrations)


@pytest.mark.parametrize("side", ["left", "right"])
def test_a_side_spot_has_the_text_beside_it(tmp_path, side):
    from test_render_holes import _words

    story = load_story(_side_story(tmp_path / "s", side, 2))
    result = render_book(story, tmp_path / "out" / "book.pdf", tmp_path / "out" / ".cache")
    geo = PageGeometry.for_layout(story.spec.layout, result.pages)
    ((page, (x, y, w, h)),) = [(n, box) for n, found in enumerate(_drawn(result.pdf), 1) for _, box in found]
    bx, _, bw, _ = geo.text_block(page % 2 == 1)
    assert w < bw * 0.5
    page_h = geo.page_size[1]
    top, bottom = page_h - (y + h), page_h - y
    beside = [(x0, x1) for x0, y0, x1, y1, _ in _words(result.pdf, boxes=True)[page - 1] if y0 >= top and y1 <= bottom]
    assert len(beside) > 10  # lines of text run beside the picture ...
    if side == "left":
        assert x == pytest.approx(bx, abs=0.5) and all(x0 > x + w for x0, _ in beside)
    else:
        assert x + w == pytest.approx(bx + bw, abs=0.5) and all(x1 < x for _, x1 in beside)


def _late_story(root: Path, before: int) -> Path:
    write_image(root / "images" / "tower.png", (700, 1500))
    text = "\n\n".join([PARAGRAPH] * before + ["[illustration: tower]", "The end."])
    illustrations = (
        AWKWARD_ILLUSTRATIONS.split("      - id: tall1")[0]
        + """      - id: tower
        brief: A tall tower.
        image: images/tower.png
        placement: half
        fit: float
"""
    )
    return make_story(root, chapters=[text, PARAGRAPH], illustrations=illustrations)


@pytest.mark.parametrize("before, late", [(12, True), (14, False)])
def test_a_picture_with_no_room_before_its_chapter_ends_is_printed_in_the_chapter_and_named(tmp_path, before, late):
    path = _late_story(tmp_path / "s", before)
    story = load_story(path)
    result = render_book(story, tmp_path / "out" / "book.pdf", tmp_path / "out" / ".cache")
    ((page, _),) = [(n, box) for n, found in enumerate(_drawn(result.pdf), 1) for _, box in found]
    assert result.section_pages["ch1"] < page < result.section_pages["ch2"]
    warnings = [w for w in result.warnings if w.code == "float-after-chapter"]
    if not late:
        assert not warnings
        return
    (warning,) = warnings
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "image: images/tower.png" in text)
    assert "'tower'" in warning.message and "chapter 1" in warning.message
    assert warning.where.file is not None and warning.where.line == line


def test_a_side_spot_after_a_waiting_picture_keeps_their_order(tmp_path):
    root = tmp_path / "s"
    write_image(root / "images" / "tower.png", (700, 1500))
    write_image(root / "images" / "shell.png", (1200, 500))  # short: fits where the tower does not
    text = "\n\n".join([PARAGRAPH] * 12 + ["[illustration: tower]", "[illustration: shell]"] + [PARAGRAPH] * 6)
    illustrations = (
        AWKWARD_ILLUSTRATIONS.split("      - id: tall1")[0]
        + """      - id: tower
        brief: A tall tower.
        image: images/tower.png
        placement: half
        fit: float
      - id: shell
        brief: A shell.
        image: images/shell.png
        placement: spot
        side: left
"""
    )
    story = load_story(make_story(root, chapters=[text], illustrations=illustrations))
    result = render_book(story, tmp_path / "out" / "book.pdf", tmp_path / "out" / ".cache")
    names = {"img" + p.path.stem[:24]: p.source.stem for p in result.images}
    order = [(n, names[name], box) for n, found in enumerate(_drawn(result.pdf), 1) for name, box in found]
    assert [name for _, name, _ in order] == ["tower", "shell"]
    (tower_page, _, (_, tower_y, _, _)), (shell_page, _, (_, shell_y, _, _)) = order
    assert (tower_page, -tower_y) < (shell_page, -shell_y)  # the shell below the tower, or on a later page


def test_a_float_within_half_a_point_of_fitting_never_reports_more_than_the_room():
    f = _float(1.0)
    assert f.wrap(300, 211.7) == (300, 211.7) and not f.waiting and f.scale == 1.0  # 0.3 pt short: full size, 0.3 pt less above


def _snug_story(root: Path, size: tuple[int, int], before: int = 7) -> Path:
    """A chapter with `before` paragraphs, a half picture of `size` pixels, then more text."""
    write_image(root / "images" / "snug.png", size)
    ills = """
    illustrations:
      - id: snug
        brief: A picture that just fits.
        image: images/snug.png
        placement: half
"""
    return make_story(root, chapters=["\n\n".join([PARAGRAPH] * before + ["[illustration: snug]"] + [PARAGRAPH] * 6)], illustrations=ills)


def test_a_picture_that_just_fits_the_foot_of_a_page_stays_there(tmp_path):
    """A picture a fraction of a point taller than the room left goes there at full size, and does not go
    to the next page leaving the rest of this one empty (and, being no float, the text after it behind it)."""
    probe_story = load_story(_snug_story(tmp_path / "probe", (3000, 300)))
    probe = render_book(probe_story, tmp_path / "probe" / "out" / "book.pdf", tmp_path / "probe" / "out" / ".cache")
    geo = PageGeometry.for_layout(probe_story.spec.layout, probe.pages)
    page_h = geo.page_size[1]
    _, y, _, _ = geo.text_block(True)
    gap = probe_story.spec.layout.line_height * 0.5  # the space above and below a picture in the text
    [(page, (_, py, pw, ph))] = [(p, box) for p, found in enumerate(_drawn(probe.pdf), 1) for _, box in found]
    room = (page_h - y) - (page_h - (py + ph) - gap)  # from where the picture's space starts to the text block's foot
    assert 120 < room < 260, room  # the fixture leaves a picture's worth of room at the foot
    target = room - 2 * gap + 0.25  # a quarter point taller than fits
    story = load_story(_snug_story(tmp_path / "snug", (3000, round(3000 * target / pw))))
    result = render_book(story, tmp_path / "snug" / "out" / "book.pdf", tmp_path / "snug" / "out" / ".cache")
    [(snug_page, (_, sy, _, sh))] = [(p, box) for p, found in enumerate(_drawn(result.pdf), 1) for _, box in found]
    assert sh == pytest.approx(target, abs=0.2)  # full size: a quarter point over the room
    assert snug_page == page, f"the picture went to page {snug_page}, leaving page {page} with {room:.0f} pt empty"
    assert holes(story, result).get(page, 0) < MOST_EMPTY
