"""Diagrams on screens: the preview and the ebook draw what the print book draws.

Labelled parts over an illustration's own picture carry the same names, with lines to the same
points, as the PDF (one drawing, diagrams.parts, made into SVG); a black-and-white book's preview
shows its diagrams and pictures in grey as the printed pages do, while its ebook keeps colour.
The SVGs are read as poppler writes them: each label is a group of glyph outlines, each callout
ends in a dot, the picture is an <image> placed by a transform.
"""

from __future__ import annotations

import base64
import io
import itertools
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

from PIL import Image

from chapterbook.build import build
from chapterbook.spec.load import load_story
from render_fixtures import make_story

PARTS = [("flower", 0.5, 0.8), ("leaf", 0.75, 0.55), ("stem", 0.5, 0.4), ("roots", 0.4, 0.08)]
DIAGRAM_H = 288.0  # assets.DIAGRAM_PT's height: poppler's path coordinates count up from the bottom


def _story(root: Path, paper: str = "white") -> Path:
    """A book whose one chapter has a colour picture with its parts named, and a force diagram."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (900, 1200), (250, 215, 170)).save(root / "images" / "plant.png")  # light: only the dots are dark on it
    items = ", ".join(f"{{label: {name}, x: {x}, y: {y}}}" for name, x, y in PARTS)
    ill = f"""
    illustrations:
      - id: plant
        brief: A bean plant growing in the soil.
        image: images/plant.png
        placement: half
        diagram:
          kind: labelled_parts
          items: [{items}]
          caption: The parts of a bean plant.
      - id: push
        brief: Forces on the cart.
        placement: spot
        diagram: {{kind: force_arrows, object: cart, labels: [push, friction]}}
"""
    text = "Some text about plants.\n\n[illustration: plant]\n\nMore text about roots.\n\n[illustration: push]\n\nThe end."
    return make_story(root, chapters=[text], illustrations=ill, layout=f"layout:\n  paper: {paper}\n")


def _preview_svg(html: str, ident: str) -> str:
    m = re.search(rf'id="ill-{ident}">\s*<img src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert m, f"the preview does not draw '{ident}' as SVG"
    return base64.b64decode(m.group(1)).decode("utf-8")


def _labels(svg: str) -> list[tuple[tuple[str, ...], float]]:
    """Each label in the SVG: its glyph ids in order and the x of its first glyph."""
    out = []
    for group in re.findall(r"<g style=\"fill:[^\"]*\">(.*?)</g>", svg, flags=re.DOTALL):
        uses = re.findall(r'<use xlink:href="#(glyph[^"]+)" x="([0-9.]+)"', group)
        if uses:
            out.append((tuple(u[0] for u in uses), float(uses[0][1])))
    return out


def _spells(labels: list[tuple[str, ...]], words: list[str]) -> bool:
    """Whether the glyph sequences spell `words` (in some order), one glyph for each letter throughout."""
    if len(labels) != len(words):
        return False
    for order in itertools.permutations(words):
        glyph_of: dict[str, str] = {}
        letter_of: dict[str, str] = {}
        ok = True
        for glyphs, word in zip(labels, order):
            if len(glyphs) != len(word):
                ok = False
                break
            for g, ch in zip(glyphs, word):
                if glyph_of.setdefault(ch, g) != g or letter_of.setdefault(g, ch) != ch:
                    ok = False
            if not ok:
                break
        if ok:
            return True
    return False


def _picture_box(svg: str) -> tuple[float, float, float, float, Image.Image]:
    """(left, bottom, width, height) of the embedded picture in poppler's bottom-up points, and the picture."""
    image = re.search(r'<image id="([^"]+)" width="(\d+)" height="(\d+)" xlink:href="data:image/jpeg;base64,([^"]+)"', svg)
    assert image, "no picture inside the SVG"
    ident, w, h = image.group(1), int(image.group(2)), int(image.group(3))
    a, _, _, d, e, f = (float(v) for v in re.search(rf'<use xlink:href="#{ident}" transform="matrix\(([^)]+)\)"', svg).group(1).split(","))
    return e, DIAGRAM_H - f - d * h, a * w, d * h, Image.open(io.BytesIO(base64.b64decode(image.group(4))))


def _dots(svg: str) -> list[tuple[float, float]]:
    """Centres of the callouts' dots (circles of radius 2.5, drawn as four curves from their right-hand point)."""
    return [(float(x) - 2.5, float(y)) for x, y in re.findall(r'd="M ([0-9.]+) ([0-9.]+) C [^"]*"', svg) if _is_dot(svg, x, y)]


def _is_dot(svg: str, x: str, y: str) -> bool:
    path = re.search(rf'd="M {re.escape(x)} {re.escape(y)} (C [^"]*)"', svg).group(1)
    xs = [float(v) for v in re.findall(r"(-?[0-9.]+) -?[0-9.]+", path)]
    return abs(max(xs) - min(xs) - 5.0) < 0.05 and path.count("C") == 4


def _grey(svg: str) -> bool:
    colours = re.findall(r"rgb\(([0-9.]+)%,([0-9.]+)%,([0-9.]+)%\)", svg)
    assert colours
    return all(r == g == b for r, g, b in colours)


def _grey_picture(img: Image.Image) -> bool:
    if img.mode == "L":
        return True
    r, g, b = img.convert("RGB").split()
    return r.tobytes() == g.tobytes() == b.tobytes()


def _check_callouts(svg: str) -> list[tuple[float, float]]:
    """The labels spell the parts, and a dot sits on each part's point of the picture; returns the dots."""
    assert _spells([g for g, _ in _labels(svg)], [name for name, _, _ in PARTS])
    left, bottom, w, h, picture = _picture_box(svg)
    assert abs(picture.width / picture.height - 900 / 1200) < 0.01  # the whole picture, its shape kept
    dots = _dots(svg)
    assert len(dots) == len(PARTS)
    for name, x, y in PARTS:
        want = (left + x * w, bottom + y * h)
        assert min(abs(dx - want[0]) + abs(dy - want[1]) for dx, dy in dots) < 0.5, f"no dot on the {name}"
    return dots


def test_labelled_parts_over_a_picture_show_in_the_preview_and_the_ebook_as_in_print(tmp_path, cli):
    story = load_story(_story(tmp_path / "plant"))
    out = build(story, ["html", "pdf", "epub"], tmp_path / "out").outputs
    preview = _preview_svg(out["preview"].read_text(encoding="utf-8"), "plant")
    with zipfile.ZipFile(out["epub"]) as z:
        names = z.namelist()
        ebook = z.read("EPUB/images/plant.svg").decode("utf-8")
        chapter = z.read("EPUB/chapter-01.xhtml").decode("utf-8")
    assert 'src="images/plant.svg"' in chapter and "EPUB/images/plant.jpg" not in names  # the picture is inside the SVG
    # The names are outlines in the SVG: the alt text says them, for screen readers.
    said = "A bean plant growing in the soil. Labelled: flower, leaf, stem, roots."
    assert f'alt="{said}"' in chapter and f'alt="{said}"' in out["preview"].read_text(encoding="utf-8")
    # One drawing in both: the same names, their dots on the same points of the picture.
    assert _check_callouts(preview) == _check_callouts(ebook)
    # And on the same side of the picture as the printed page's labels.
    bbox = subprocess.run(["pdftotext", "-bbox", str(out["pdf"]), "-"], check=True, capture_output=True, text=True).stdout
    page_w = float(re.search(r'<page width="([0-9.]+)"', bbox).group(1))
    printed = {m.group(2): float(m.group(1)) < page_w / 2 for m in re.finditer(r'<word xMin="([0-9.]+)"[^>]*>(\w+)</word>', bbox)}
    glyphs_left = sorted(x < 216 for _, x in _labels(preview))
    assert glyphs_left == sorted(printed[name] for name, _, _ in PARTS)
    if shutil.which("java"):  # the picture inside the SVG (a data: URI) is fine with the stores' validator
        result = cli("preflight", str(out["epub"]))
        assert result.code == 0 and "0 errors, 0 warnings" in result.out, result.text


def test_a_black_and_white_books_preview_is_grey_and_its_ebook_keeps_colour(tmp_path):
    grey = build(load_story(_story(tmp_path / "bw", "white")), ["html", "epub"], tmp_path / "out-bw").outputs
    colour = build(load_story(_story(tmp_path / "colour", "color")), ["html"], tmp_path / "out-colour").outputs
    html = grey["preview"].read_text(encoding="utf-8")
    for ident in ("plant", "push"):
        assert _grey(_preview_svg(html, ident)), f"{ident} is in colour in a black-and-white book's preview"
    assert _grey_picture(_picture_box(_preview_svg(html, "plant"))[4])
    html = colour["preview"].read_text(encoding="utf-8")
    for ident in ("plant", "push"):
        assert not _grey(_preview_svg(html, ident)), f"{ident} lost its colour in a colour book's preview"
    assert not _grey_picture(_picture_box(_preview_svg(html, "plant"))[4])
    # The ebook of the black-and-white book: its own edition, read on colour screens.
    with zipfile.ZipFile(grey["epub"]) as z:
        assert not _grey(z.read("EPUB/images/push.svg").decode("utf-8"))
        assert not _grey_picture(_picture_box(z.read("EPUB/images/plant.svg").decode("utf-8"))[4])
