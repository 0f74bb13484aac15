"""Science diagrams: every label printed whole, inside the diagram, clear of the others (pdftotext -bbox)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from chapterbook.render.diagrams import draw_diagram
from chapterbook.render.fonts import FONT_DIR
from chapterbook.spec.models import DIAGRAM_ITEMS, DIAGRAM_LABELS, Diagram, DiagramKind

W, H, X, Y = 300.0, 200.0, 50.0, 100.0  # the diagram's box on a 400 x 400 pt page
FONT = "DiagramTestAndika"


def _words(tmp_path: Path, diagram: Diagram) -> list[tuple[str, float, float, float, float]]:
    """Draw `diagram` alone on a page; its words with their boxes in PDF points (y up)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "Andika-Regular.ttf")))
    pdf = tmp_path / "d.pdf"
    c = Canvas(str(pdf), pagesize=(400, 400))
    draw_diagram(c, diagram, X, Y, W, H, FONT, 12)
    c.save()
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    words = []
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html):
        x0, top, x1, bottom, text = float(m[1]), float(m[2]), float(m[3]), float(m[4]), m[5]
        words.append((text, x0, 400 - bottom, x1, 400 - top))
    return words


LONG = ["magnet pulls the paper clip toward it", "friction from the table slows it", "the table holds it up", "gravity pulls it down"]


@pytest.mark.parametrize("kind", [k for k in DiagramKind if k not in DIAGRAM_ITEMS])  # the others: FIXTURES below
def test_every_label_is_printed_whole_inside_the_diagram(tmp_path, kind):
    labels = LONG[: len(DIAGRAM_LABELS[kind])]  # as many as the kind has room for
    words = _words(tmp_path, Diagram(kind=kind, object="steel ball and glass marble", labels=labels))
    text = " ".join(w[0] for w in words)
    assert "…" not in text  # long labels are set on more lines, not cut short
    for word in " ".join(labels + ["steel ball and glass marble"]).split():
        assert word in text, (kind, word)
    for word, x0, y0, x1, y1 in words:
        assert X <= x0 and x1 <= X + W and Y <= y0 and y1 <= Y + H, (kind, word)


@pytest.mark.parametrize("kind", [DiagramKind.force_arrows, DiagramKind.action_reaction])
def test_labels_beside_objects_do_not_overlap_each_other(tmp_path, kind):
    words = _words(tmp_path, Diagram(kind=kind, object="box", labels=LONG[:2]))
    # pdftotext's word boxes run from the font's descent to its ascent, taller than the line
    # spacing of a label set on two lines; compare the middle of each box (the letters' body)
    body = [(t, x0, y0 + (y1 - y0) * 0.25, x1, y1 - (y1 - y0) * 0.25) for t, x0, y0, x1, y1 in words]
    for i, a in enumerate(body):
        for b in body[i + 1 :]:
            apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
            assert apart, (kind, a, b)


def test_force_arrow_labels_stay_clear_of_the_object(tmp_path):
    words = _words(tmp_path, Diagram(kind=DiagramKind.force_arrows, object="box", labels=LONG[:2]))
    size = min(W, H) * 0.3  # the object's box: centred, 0.3 of the diagram's shorter side
    left_edge, right_edge = X + W / 2 - size / 2, X + W / 2 + size / 2
    only_left = set(LONG[0].split()) - set(LONG[1].split())  # "the" is in both labels
    pushes = [w for w in words if w[0] in only_left]
    frictions = [w for w in words if w[0] in set(LONG[1].split()) - set(LONG[0].split())]
    assert pushes and frictions
    assert all(w[3] <= left_edge for w in pushes)
    assert all(w[1] >= right_edge for w in frictions)


def test_action_reaction_names_both_things_under_their_boxes(tmp_path):
    words = _words(
        tmp_path, Diagram(kind=DiagramKind.action_reaction, object="beach ball", other_object="air", labels=["air pushed back", "ball pushed forward"])
    )
    size = min(W, H) * 0.26  # each box: 0.26 of the shorter side, centred at 0.36 and 0.64 of the width
    left, right, ground = X + W * 0.36, X + W * 0.64, Y + H * 0.25
    names = [w for w in words if w[4] < ground + size * 0.1]  # under the boxes (the arrows' labels are higher)
    assert [w[0] for w in names] == ["beach", "ball", "air"]
    ball_middle = (names[0][1] + names[1][3]) / 2
    air_middle = (names[2][1] + names[2][3]) / 2
    assert abs(ball_middle - left) < 2 and abs(air_middle - right) < 2


# One fixture per new kind (and per new shape of an old kind), with labels as long as the kind allows.
FIXTURES = {
    "forces-any-direction": Diagram(
        kind="force_arrows",
        object="rocket",
        arrows=[
            {"label": "engine pushes it up", "direction": "up", "size": 2, "pull": True},
            {"label": "gravity pulls it down", "direction": "down", "size": 0.6, "pull": True},
            {"label": "wind from the side", "direction": "right", "size": 1},
            {"label": "drag", "direction": "left", "size": 0.5, "pull": True},
        ],
    ),
    "path-straight": Diagram(kind="motion_path", path="straight", object="toy car", labels=["starts here", "stops here"]),
    "path-fall": Diagram(kind="motion_path", path="fall", object="apple", labels=["let go", "hits the ground"]),
    "path-rise": Diagram(kind="motion_path", path="rise", object="steam", labels=["hot water", "rises up and spreads"]),
    "path-circle": Diagram(kind="motion_path", path="circle", object="Moon", labels=["goes round", "and round"]),
    "gravity-two-bodies": Diagram(kind="gravity", object="Moon", other_object="Earth and its oceans", labels=["gravity pulls the Moon"]),
    "cycle-6": Diagram(
        kind="cycle",
        object="water cycle",
        items=[{"label": x} for x in ["sun warms the sea", "water evaporates", "vapour cools", "clouds form", "rain falls", "rivers run to the sea"]],
    ),
    "cycle-3": Diagram(kind="cycle", items=[{"label": "ice melts"}, {"label": "water boils"}, {"label": "steam condenses"}]),
    "parts-plant": Diagram(
        kind="labelled_parts",
        shape="plant",
        items=[
            {"label": "flower makes seeds", "x": 0.5, "y": 0.86},
            {"label": "leaf catches sunlight", "x": 0.8, "y": 0.52},
            {"label": "stem carries water up", "x": 0.5, "y": 0.35},
            {"label": "roots drink from the soil", "x": 0.4, "y": 0.1},
        ],
    ),
    "parts-magnet": Diagram(
        kind="labelled_parts", shape="bar", items=[{"label": "north pole", "x": 0.2, "y": 0.5}, {"label": "south pole", "x": 0.8, "y": 0.5}]
    ),
    "parts-6": Diagram(kind="labelled_parts", shape="circle", items=[{"label": f"part number {i}"} for i in range(1, 7)]),
    "sequence-4": Diagram(
        kind="sequence", items=[{"label": x} for x in ["fill a cup with water", "put it in the freezer", "wait one night", "look at the ice"]]
    ),
    "sequence-6": Diagram(kind="sequence", items=[{"label": f"step {x} of the test"} for x in "abcdef"]),
    "before-after": Diagram(
        kind="before_after",
        items=[{"label": "empty cart", "detail": "little mass", "value": 1}, {"label": "full cart", "detail": "big mass", "value": 2.5}],
        arrows=[{"label": "small push", "size": 0.6}, {"label": "big push", "size": 2}],
    ),
    "before-after-plain": Diagram(
        kind="before_after", labels=["in the morning", "after lunch"], items=[{"label": "ice cube", "detail": "solid"}, {"label": "puddle", "detail": "liquid"}]
    ),
    "bar-chart": Diagram(
        kind="bar_chart",
        labels=["How far each car rolled"],
        unit="cm",
        items=[
            {"label": "flat floor", "value": 120},
            {"label": "small ramp", "value": 185},
            {"label": "big ramp", "value": 240.5},
            {"label": "carpet", "value": 40},
        ],
    ),
}


def _all_text(d: Diagram) -> list[str]:
    words = (d.object + " " + d.other_object + " " + " ".join(d.labels)).split()
    for item in d.items:
        words += (item.label + " " + item.detail).split()
    for a in d.arrows:
        words += a.label.split()
    return words


@pytest.mark.parametrize("name", list(FIXTURES))
def test_new_kinds_print_every_label_inside_and_apart(tmp_path, name):
    d = FIXTURES[name]
    words = _words(tmp_path, d)
    text = " ".join(w[0] for w in words)
    assert "…" not in text
    for word in _all_text(d):
        assert word in text, (name, word)
    for word, x0, y0, x1, y1 in words:
        assert X <= x0 and x1 <= X + W and Y <= y0 and y1 <= Y + H, (name, word)
    body = [(t, x0, y0 + (y1 - y0) * 0.25, x1, y1 - (y1 - y0) * 0.25) for t, x0, y0, x1, y1 in words]
    for i, a in enumerate(body):
        for b in body[i + 1 :]:
            apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
            assert apart, (name, a, b)


def test_labels_are_at_least_12_points_even_when_asked_smaller(tmp_path):
    pdf = tmp_path / "d.pdf"
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "Andika-Regular.ttf")))
    c = Canvas(str(pdf), pagesize=(400, 400))
    draw_diagram(c, FIXTURES["cycle-3"], X, Y, W, H, FONT, 9)
    c.save()
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    heights = [float(y1) - float(y0) for y0, y1 in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', html)]
    assert heights and min(heights) >= 12 * 1.1  # Andika's ascent to descent is about 1.2 em


def test_force_arrows_point_where_the_spec_says(tmp_path):
    """Each arrow's label sits on the side its direction puts it: up above the thing, down below it."""
    words = _words(tmp_path, FIXTURES["forces-any-direction"])
    middle = Y + H / 2
    engine = [w for w in words if w[0] == "engine"][0]
    gravity = [w for w in words if w[0] == "gravity"][0]
    wind = [w for w in words if w[0] == "wind"][0]
    drag = [w for w in words if w[0] == "drag"][0]
    assert engine[2] > middle and gravity[4] < middle
    # A push to the right comes at the thing from the left; a pull to the left leaves it leftwards: both on the left.
    assert wind[3] < X + W / 2 and drag[3] < X + W / 2


def _spec_with(tmp_path: Path, diagram_yaml: str) -> Path:
    from conftest import BROKEN

    source = (
        (BROKEN / "valid/story.yaml")
        .read_text()
        .replace(
            "    text: |\n      Maya rolled",
            "    illustrations:\n      - id: loop\n        brief: The water cycle.\n        diagram:\n" + diagram_yaml + "    text: |\n      Maya rolled",
        )
    )
    (tmp_path / "story.yaml").write_text(source)
    return tmp_path / "story.yaml"


def test_a_cycle_with_more_stages_than_room_is_an_error_at_its_line(tmp_path, cli):
    stages = "".join(f"            - label: stage {i}\n" for i in range(7))
    path = _spec_with(tmp_path, "          kind: cycle\n          items:\n" + stages)
    result = cli("validate", "story.yaml", cwd=tmp_path)
    assert result.code == 1
    line = path.read_text().splitlines().index("          kind: cycle") + 1
    assert f"story.yaml:{line - 1}:" in result.err or f"story.yaml:{line}:" in result.err, result.err
    assert "room for 3 to 6 items; it has 7" in result.err


def test_a_bar_without_a_number_and_an_unknown_arrow_direction_are_errors(tmp_path, cli):
    _spec_with(tmp_path, "          kind: bar_chart\n          items: [{label: a, value: 2}, {label: b}]\n")
    result = cli("validate", "story.yaml", cwd=tmp_path)
    assert result.code == 1 and "every bar of a bar_chart needs a 'value'" in result.err
    _spec_with(tmp_path, "          kind: force_arrows\n          arrows: [{label: push, direction: sideways}]\n")
    result = cli("validate", "story.yaml", cwd=tmp_path)
    assert result.code == 1 and "direction" in result.err and "Traceback" not in result.err


def test_crowding_finds_words_that_do_not_fit_and_passes_ones_that_do():
    from chapterbook.render.diagrams import crowding

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "Andika-Regular.ttf")))
    for name, d in FIXTURES.items():
        assert crowding(d, W, H, FONT) == "", name  # what the tests above find printed whole and apart
    assert crowding(FIXTURES["cycle-6"], 190, 130, FONT) != ""
    assert crowding(FIXTURES["parts-plant"], 190, 130, FONT) != ""


def test_a_crowded_spot_diagram_is_a_warning_at_its_line(tmp_path):
    from chapterbook.render.pdf import render_book
    from chapterbook.spec.load import load_story
    from render_fixtures import make_story

    stages = ", ".join(f"{{label: the water goes round stage {i}}}" for i in range(6))
    ill = f"""
    illustrations:
      - id: loop
        brief: The water cycle.
        placement: spot
        diagram: {{kind: cycle, items: [{stages}]}}
"""
    path = make_story(tmp_path / "s", chapters=["Some text.\n\n[illustration: loop]\n\nMore text."], illustrations=ill)
    result = render_book(load_story(path), tmp_path / "book.pdf", tmp_path / "cache")
    crowded = [w for w in result.warnings if w.code == "diagram-crowded"]
    assert len(crowded) == 1 and "has more words than room" in crowded[0].message
    # At the diagram's own line and field, where its words are (not the illustration's id or image).
    assert "diagram: {kind: cycle" in path.read_text().splitlines()[crowded[0].where.line - 1]
    assert crowded[0].path == "chapters[0].illustrations[0].diagram"


def test_labelled_parts_name_the_parts_of_the_illustrations_own_picture(tmp_path):
    from chapterbook.render.pdf import render_book
    from chapterbook.spec.load import load_story
    from render_fixtures import make_story, write_image

    write_image(tmp_path / "s" / "images" / "plant.png", (900, 1200), colour=(60, 160, 60))
    ill = """
    illustrations:
      - id: plant
        brief: A bean plant in a pot.
        image: images/plant.png
        placement: half
        diagram:
          kind: labelled_parts
          items: [{label: leaf, x: 0.8, y: 0.7}, {label: stem, x: 0.5, y: 0.4}, {label: roots, x: 0.3, y: 0.1}]
          caption: The parts of a bean plant.
"""
    path = make_story(tmp_path / "s", chapters=["Some text.\n\n[illustration: plant]\n\nMore text."], illustrations=ill)
    result = render_book(load_story(path), tmp_path / "book.pdf", tmp_path / "cache")
    rows = subprocess.run(["pdfimages", "-list", str(result.pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert len(rows) == 1 and int(rows[0].split()[12]) >= 300  # the picture, once, at 300 ppi or more
    html = subprocess.run(["pdftotext", "-bbox", str(result.pdf), "-"], check=True, capture_output=True, text=True).stdout
    for word in ("leaf", "stem", "roots"):
        assert f">{word}</word>" in html, word
    assert not [w for w in result.warnings if w.code == "diagram-crowded"]


def test_a_cycle_whose_stages_overlap_in_a_side_spot_is_crowded():
    """Four stages round a loop in a side spot on a 5.5 x 8.5 in page: the stage boxes ran into each
    other (their words did not, so nothing was said). Their boxes count: it is crowded there, and not
    as a half-page diagram."""
    from chapterbook.render.checks import diagram_box
    from chapterbook.render.diagrams import crowding
    from chapterbook.render.geometry import PageGeometry
    from chapterbook.spec.diagrams import Diagram
    from chapterbook.spec.models import Layout, Placement

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "Andika-Regular.ttf")))
    geo = PageGeometry.for_layout(Layout(trim="5.5x8.5"), 24)
    d = Diagram(kind="cycle", items=[{"label": t} for t in ("shout", "sound travels", "it bounces", "echo comes back")])
    assert "overlap" in crowding(d, *diagram_box(geo, Placement.spot, "right"), FONT)
    assert crowding(d, *diagram_box(geo, Placement.half), FONT) == ""


@pytest.mark.parametrize("size", [(300.0, 200.0), (160.0, 110.0)])
def test_a_diagonal_arrows_label_sits_by_its_own_arrow(tmp_path, size):
    """A pull down and to the left is labelled out at its own end, below and left of the thing, not
    beside the box where a push from the left has its label (seen on a kite in a side spot: 'string'
    sat under 'wind', on the wind's arrow)."""
    global W, H
    saved = W, H
    W, H = size
    try:
        kite = Diagram(
            kind="force_arrows",
            object="kite",
            arrows=[
                {"label": "wind", "direction": "right", "size": 1.5},
                {"label": "string", "direction": "down-left", "pull": True},
                {"label": "lift", "direction": "up"},
            ],
        )
        words = {w[0]: w for w in _words(tmp_path, kite)}
    finally:
        W, H = saved
    thing, string, wind = words["kite"], words["string"], words["wind"]
    assert string[4] < thing[2] and string[3] < thing[1], f"'string' {string} is not below and left of the kite {thing}"
    assert string[4] < wind[2], "'string' is level with the wind's label"
