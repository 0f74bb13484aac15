"""Science diagrams: every label printed whole, inside the diagram, clear of the others (pdftotext -bbox)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from reportlab.pdfgen.canvas import Canvas

from chapterbook.render.diagrams import draw_diagram
from chapterbook.render.fonts import FONT_DIR
from chapterbook.spec.models import DIAGRAM_LABELS, Diagram, DiagramKind
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

W, H, X, Y = 300.0, 200.0, 50.0, 100.0  # the diagram's box on a 400 x 400 pt page
FONT = "DiagramTestAndika"


def _words(tmp_path: Path, diagram: Diagram) -> list[tuple[str, float, float, float, float]]:
    """Draw `diagram` alone on a page; its words with their boxes in PDF points (y up)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "Andika-Regular.ttf")))
    pdf = tmp_path / "d.pdf"
    c = Canvas(str(pdf), pagesize=(400, 400))
    draw_diagram(c, diagram, X, Y, W, H, FONT, 11)
    c.save()
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    words = []
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html):
        x0, top, x1, bottom, text = float(m[1]), float(m[2]), float(m[3]), float(m[4]), m[5]
        words.append((text, x0, 400 - bottom, x1, 400 - top))
    return words


LONG = ["magnet pulls the paper clip toward it", "friction from the table slows it", "the table holds it up", "gravity pulls it down"]


@pytest.mark.parametrize("kind", list(DiagramKind))
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
    words = _words(tmp_path, Diagram(kind=DiagramKind.action_reaction, object="beach ball", other_object="air", labels=["air pushed back", "ball pushed forward"]))
    size = min(W, H) * 0.26  # each box: 0.26 of the shorter side, centred at 0.36 and 0.64 of the width
    left, right, ground = X + W * 0.36, X + W * 0.64, Y + H * 0.25
    names = [w for w in words if w[4] < ground + size * 0.1]  # under the boxes (the arrows' labels are higher)
    assert [w[0] for w in names] == ["beach", "ball", "air"]
    ball_middle = (names[0][1] + names[1][3]) / 2
    air_middle = (names[2][1] + names[2][3]) / 2
    assert abs(ball_middle - left) < 2 and abs(air_middle - right) < 2
