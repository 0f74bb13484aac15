"""The wrap cover: sheet size from trim, spine and bleed; spine text from 79 pages; a clear barcode area."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from chapterbook.preflight import preflight
from chapterbook.render.cover import render_cover
from chapterbook.spec.load import load_story
from render_fixtures import make_story, write_image


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    root = tmp_path_factory.mktemp("cover") / "story"
    return load_story(make_story(root, illustrations="", extra_yaml="", layout="layout:\n  trim: 6x9\n  paper: cream\n"))


def test_sheet_is_back_spine_front_plus_bleed(story, tmp_path):
    result = render_cover(story, tmp_path / "cover.pdf", tmp_path / "cache", 120)
    assert result.spine_in == pytest.approx(0.3)  # 120 pages x 0.0025 in (cream)
    page = PdfReader(result.pdf).pages[0]
    w, h = float(page.mediabox.width), float(page.mediabox.height)
    assert w == pytest.approx((6 + 6 + 0.3 + 0.25) * 72) and h == pytest.approx((9 + 0.25) * 72)
    trim = [float(v) for v in page["/TrimBox"]]
    assert trim == pytest.approx([9, 9, w - 9, h - 9])
    report = preflight(result.pdf)
    assert report.kind == "cover" and report.ok, [f.format() for f in report.findings]


def _text(pdf: Path) -> str:
    return PdfReader(pdf).pages[0].extract_text()


def test_spine_text_only_from_79_pages(story, tmp_path):
    thin = render_cover(story, tmp_path / "thin.pdf", tmp_path / "cache", 78)
    thick = render_cover(story, tmp_path / "thick.pdf", tmp_path / "cache", 79)
    assert not thin.spine_text and thick.spine_text
    assert "·" not in _text(thin.pdf)
    assert "The Beach Cart  ·  Ada Writer" in _text(thick.pdf).replace("\n", "")


def test_barcode_area_is_clear_white_when_the_barcode_is_turned_off(tmp_path):
    root = tmp_path / "story"
    story = load_story(make_story(root, illustrations="", layout="layout:\n  trim: 6x9\n  paper: cream\n  cover: {barcode: false}\n"))
    result = render_cover(story, tmp_path / "cover.pdf", tmp_path / "cache", 100)
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(result.pdf), str(tmp_path / "c")], check=True)
    with Image.open(next(tmp_path.glob("c*.png"))) as img:
        rgb = img.convert("RGB")
        scale = 30 / 72
        # back panel, 0.25 in from the trim at the spine side and the bottom: 2 x 1.2 in
        x1 = (9 + 6 * 72 - 0.25 * 72) * scale
        x0 = x1 - 2 * 72 * scale
        y_bottom = rgb.height - (9 + 0.25 * 72) * scale
        y_top = y_bottom - 1.2 * 72 * scale
        pixels = [rgb.getpixel((int(x), int(y))) for x in range(int(x0) + 2, int(x1) - 2, 3) for y in range(int(y_top) + 2, int(y_bottom) - 2, 3)]
        assert pixels and all(min(p) >= 250 for p in pixels)
        # and the back around it is not white (so the box is really there)
        assert min(rgb.getpixel((int(x0) - 10, int(y_top) - 10))) < 250


def test_cover_art_fills_the_front_at_300_ppi(tmp_path):
    root = tmp_path / "story"
    make_story(root, illustrations="", layout="layout:\n  trim: 5x8\n  cover_image: images/front.png\n")
    write_image(root / "images" / "front.png", (1700, 2500))
    story = load_story(root / "story.yaml")
    result = render_cover(story, tmp_path / "cover.pdf", tmp_path / "cache", 40)
    rows = [r.split() for r in subprocess.run(["pdfimages", "-list", str(result.pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]]
    assert len(rows) == 1 and rows[0][12] == "300" and rows[0][13] == "300"
    assert not result.warnings  # 1700 x 2500 covers 5.125 x 8.25 in at 300 ppi


def test_unchanged_cover_art_is_not_hashed_again_on_a_rebuild(tmp_path, monkeypatch):
    from chapterbook import output
    from chapterbook.output import HashMemo
    from chapterbook.render import images

    monkeypatch.setattr(HashMemo, "RACY_SECONDS", 0.0)  # the art was written a moment ago
    root = tmp_path / "story"
    make_story(root, illustrations="", layout="layout:\n  trim: 5x8\n  cover_image: images/front.png\n")
    write_image(root / "images" / "front.png", (1700, 2500))
    story = load_story(root / "story.yaml")
    first = render_cover(story, tmp_path / "a.pdf", tmp_path / "cache", 40).pdf.read_bytes()
    hashed = []
    real = output.sha256_file
    for module in (output, images):  # the memo's hashing, and a direct one
        monkeypatch.setattr(module, "sha256_file", lambda p: hashed.append(Path(p).name) or real(p))
    again = render_cover(story, tmp_path / "b.pdf", tmp_path / "cache", 40).pdf.read_bytes()
    assert hashed == [] and again == first


def _png(pdf: Path, tmp_path: Path, dpi: int) -> Path:
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(tmp_path / "png")], check=True)
    return next(tmp_path.glob("png*.png"))


def _decode(png: Path) -> set[str]:
    """The symbols zbarimg reads in the picture, as 'TYPE:data' (the price add-on only when enabled)."""
    run = subprocess.run(["zbarimg", "-q", "-Sean5.enable", str(png)], capture_output=True, text=True)
    return set(run.stdout.split())


@pytest.mark.parametrize("price, addon", [(None, "90000"), ("50799", "50799")])
def test_the_isbn_barcode_and_its_add_on_decode_from_the_rendered_cover(tmp_path, price, addon):
    root = tmp_path / "story"
    cover = f"  cover: {{price_code: '{price}'}}\n" if price else ""
    story = load_story(make_story(root, illustrations="", layout="layout:\n  trim: 6x9\n" + cover))
    result = render_cover(story, tmp_path / "cover.pdf", tmp_path / "cache", 100)
    assert _decode(_png(result.pdf, tmp_path, 300)) == {"EAN-13:9780306406157", f"EAN-5:{addon}"}
    text = _text(result.pdf)
    assert "ISBN 978-0-306-40615-7" in text
    report = preflight(result.pdf)
    assert report.ok, [f.format() for f in report.findings]  # vectors in embedded fonts: nothing for preflight to refuse


def test_no_barcode_without_an_isbn_and_asking_for_one_is_an_error_at_its_line(tmp_path):
    root = tmp_path / "story"
    path = make_story(root, illustrations="", layout="layout:\n  trim: 6x9\n")
    path.write_text(path.read_text().replace('  isbn: "978-0-306-40615-7"\n', ""))
    result = render_cover(load_story(path), tmp_path / "cover.pdf", tmp_path / "cache", 100)
    assert _decode(_png(result.pdf, tmp_path, 150)) == set()
    path.write_text(path.read_text().replace("layout:\n  trim: 6x9\n", "layout:\n  trim: 6x9\n  cover:\n    barcode: true\n"))
    from chapterbook.errors import RenderError
    from chapterbook.spec.lint import lint

    story = load_story(path)
    problems = [p for p in lint(story) if p.path == "layout.cover.barcode"]
    assert problems and "no ISBN" in problems[0].message
    assert path.read_text().splitlines()[problems[0].where.line - 1].strip() == "barcode: true"
    with pytest.raises(RenderError, match="no ISBN"):
        render_cover(story, tmp_path / "cover.pdf", tmp_path / "cache", 100)


def test_front_art_gets_title_names_and_series_on_bands(tmp_path):
    root = tmp_path / "story"
    path = make_story(root, illustrations="", layout="layout:\n  trim: 5x8\n  cover_image: images/front.png\n")
    path.write_text(path.read_text().replace("  illustrator: Ivy Drawer\n", "  illustrator: Ivy Drawer\n  series: Curious Kids Science\n"))
    write_image(root / "images" / "front.png", (1700, 2500), colour=(250, 250, 250))
    result = render_cover(load_story(path), tmp_path / "cover.pdf", tmp_path / "cache", 40)
    words = subprocess.run(["pdftotext", "-bbox", str(result.pdf), "-"], capture_output=True, text=True, check=True).stdout
    for text in ("Curious Kids Science", "The Beach Cart", "A story about pushes", "Ada Writer", "illustrated by Ivy Drawer"):
        assert all(f">{word}</word>" in words for word in text.split()), text
    # The title sits on a band of the front colour (sea blue by default), not on the near-white art.
    png = _png(result.pdf, tmp_path, 30)
    with Image.open(png) as img:
        rgb = img.convert("RGB")
        scale = 30 / 72
        front_x = (9 + 5 * 72 + 40 * 0.002252 * 72) * scale
        top_band = rgb.getpixel((int(front_x + 20 * scale), int(12 * scale)))
        middle = rgb.getpixel((int(front_x + 2.5 * 72 * scale), int(rgb.height / 2)))
        assert top_band[2] > top_band[0] + 60 and min(middle) > 200


def test_spine_and_back_colours_come_from_the_spec_and_the_spine_wraps_onto_both_panels(tmp_path):
    root = tmp_path / "story"
    layout = "layout:\n  trim: 6x9\n  cover: {back_colour: '#ffff00', spine_colour: 'cmyk(0, 100, 0, 0)', barcode: false}\n"
    story = load_story(make_story(root, illustrations="", layout=layout))
    result = render_cover(story, tmp_path / "cover.pdf", tmp_path / "cache", 30)  # a thin spine: 0.068 in
    with Image.open(_png(result.pdf, tmp_path, 300)) as img:
        rgb = img.convert("RGB")
        fold_back = (9 + 6 * 72) * 300 / 72
        fold_front = fold_back + 30 * 0.002252 * 300
        y = rgb.height // 2
        magenta = lambda p: p[1] < 80 and p[0] > 180 and p[2] > 100  # noqa: E731
        yellow = lambda p: p[2] < 80 and p[0] > 200 and p[1] > 200  # noqa: E731
        # 0.05 in (15 px) either side of each fold is still spine colour: a binding that lands off by that much
        assert magenta(rgb.getpixel((int(fold_back - 15), y))) and magenta(rgb.getpixel((int(fold_front + 15), y)))
        assert yellow(rgb.getpixel((int(fold_back - 40), y)))


def test_an_unknown_colour_is_an_error_at_its_line(tmp_path, cli):
    root = tmp_path / "story"
    path = make_story(root, illustrations="", layout="layout:\n  trim: 6x9\n  cover:\n    spine_colour: blurple\n")
    result = cli("validate", "story.yaml", cwd=root)
    line = path.read_text().splitlines().index("    spine_colour: blurple") + 1
    assert result.code == 1 and f"story.yaml:{line}:" in result.err and "'blurple' is not a colour" in result.err
    assert "#RRGGBB" in result.err and "Traceback" not in result.err


def test_cover_art_of_the_wrong_shape_is_a_warning_saying_the_pixels_it_needs(tmp_path):
    root = tmp_path / "story"
    make_story(root, illustrations="", layout="layout:\n  trim: 5x8\n  cover_image: images/front.png\n")
    write_image(root / "images" / "front.png", (3000, 2000))  # landscape art for a portrait cover
    result = render_cover(load_story(root / "story.yaml"), tmp_path / "cover.pdf", tmp_path / "cache", 40)
    shape = [w for w in result.warnings if w.code == "cover-shape"]
    assert len(shape) == 1 and "3000 x 2000 pixels" in shape[0].message and "of its width would be cut off" in shape[0].message
    assert "1538 x 2475 pixels" in shape[0].hint


def test_names_on_a_light_front_colour_are_black_and_on_a_dark_one_white(tmp_path):
    from chapterbook.render.cover import colours

    light = load_story(make_story(tmp_path / "a", illustrations="", layout="layout:\n  cover: {front_colour: cream}\n"))
    dark = load_story(make_story(tmp_path / "b", illustrations="", layout="layout:\n  cover: {front_colour: navy}\n"))
    assert colours(light)["text"].black == 1 and colours(light)["spine_text"].black == 1
    assert colours(dark)["text"].black == 0 and colours(dark)["spine_text"].black == 0


def _boxes(pdf: Path) -> list[tuple[float, float, float, float, str]]:
    """The cover's words as (left, top, right, bottom, text), in points from the top left, in the order drawn."""
    out = subprocess.run(["pdftotext", "-raw", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', out)
    return [(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in found]


def _long_title_story(root: Path, layout: str) -> Path:
    """A 5 x 8 in book with a four-line title, a long subtitle and series, and two long names."""
    path = make_story(root, illustrations="", layout="layout:\n  trim: 5x8\n" + layout)
    long_book = (
        "  title: Max and the Mysterious Pulling Stone from the Bottom of the Garden\n"
        "  subtitle: A Story About Magnets, Lodestones and the Compass That Finds North\n"
        "  series: The Wonderful World of Everyday Science\n"
        "  authors: [Lee Park-Henderson, Maria Gonzalez-Whitfield]\n"
    )
    text = path.read_text()
    path.write_text(text.replace("  title: The Beach Cart\n  subtitle: A story about pushes\n  authors: [Ada Writer]\n", long_book))
    return path


def test_a_long_title_subtitle_and_names_on_a_small_front_never_collide(tmp_path):
    """On a 5 x 8 in generated front, a four-line title with a long subtitle, series and two long names:
    every word clear of every other, the title's block above the names', and the sun under none of them."""
    result = render_cover(load_story(_long_title_story(tmp_path / "story", "")), tmp_path / "cover.pdf", tmp_path / "cache", 40)
    front_x = 9 + 5 * 72 + 40 * 0.002252 * 72
    words = [b for b in _boxes(result.pdf) if b[0] > front_x]
    for word in ("Mysterious", "Garden", "Lodestones", "North", "Everyday", "Gonzalez-Whitfield", "Drawer"):
        assert any(b[4] == word for b in words), word
    top, bottom = words[:-9], words[-9:]  # drawn in order: series, title, subtitle; then the names' nine words
    assert [b[4] for b in bottom] == "Lee Park-Henderson and Maria Gonzalez-Whitfield illustrated by Ivy Drawer".split()
    # pdftotext's boxes run a little above and below the glyphs, so lines of one block touch; the blocks must not
    assert max(b[3] for b in top) < min(b[1] for b in bottom), "the title's block runs into the names"
    # The sun (yellow) is under no word: look at the rendered front, word box by word box.
    dpi = 100
    with Image.open(_png(result.pdf, tmp_path, dpi)) as img:
        rgb = img.convert("RGB")
        s = dpi / 72
        for x0, y0, x1, y1, text in words:
            box = rgb.crop((int(x0 * s), int(y0 * s), int(x1 * s) + 1, int(y1 * s) + 1))
            sun = sum(n for n, p in box.getcolors(box.width * box.height) if p[0] > 200 and p[1] > 150 and p[2] < 100)
            assert sun == 0, f"'{text}' is set over the sun"


def test_front_art_shows_between_the_bands_of_a_long_title(tmp_path):
    """Over cover art, a long title is set smaller so that the art still shows over 40% of the front's height."""
    root = tmp_path / "story"
    path = _long_title_story(root, "  cover_image: images/front.png\n")
    write_image(root / "images" / "front.png", (1600, 2500))  # orange, with blue stripes
    result = render_cover(load_story(path), tmp_path / "cover.pdf", tmp_path / "cache", 40)
    dpi = 40
    with Image.open(_png(result.pdf, tmp_path, dpi)) as img:
        rgb = img.convert("RGB")
        s = dpi / 72
        front_x = (9 + 5 * 72 + 40 * 0.002252 * 72) * s
        columns = [int(front_x + f * 5 * 72 * s) for f in (0.3, 0.45, 0.5, 0.55, 0.7)]
        orange = lambda p: p[0] > 200 and 110 < p[1] < 210 and p[2] < 110  # noqa: E731
        rows = sum(1 for y in range(rgb.height) if any(orange(rgb.getpixel((x, y))) for x in columns))
    assert rows / (8 * 72 * s) > 0.4, f"the art shows over {rows / (8 * 72 * s):.0%} of the front's height"


@pytest.mark.parametrize("shape", [(3000, 800), (900, 3200), (2600, 3200)])
def test_back_art_of_any_shape_fills_the_back_out_to_the_bleed(tmp_path, shape):
    """Back art is cropped to fill its panel with the bleed, as CSS object-fit: cover: whatever its shape,
    no band of the back colour shows at any edge of the sheet, and its centre stays in the middle. (A
    band seen on an earlier cover was the test picture's own red frame, kept by the crop in the bleed.)"""
    root = tmp_path / "story"
    layout = "layout:\n  trim: 8x10\n  cover: {back_image: images/back.png, back_colour: '#ffff00', barcode: false}\n"
    path = make_story(root, illustrations="", layout=layout)
    art = Image.new("RGB", shape, (200, 40, 160))  # magenta, with a dark square in its middle
    w, h = shape
    art.paste((20, 20, 20), (w // 2 - 40, h // 2 - 40, w // 2 + 40, h // 2 + 40))
    (root / "images").mkdir(exist_ok=True)
    art.save(root / "images" / "back.png")
    result = render_cover(load_story(path), tmp_path / "cover.pdf", tmp_path / "cache", 40)
    dpi = 50
    with Image.open(_png(result.pdf, tmp_path, dpi)) as img:
        rgb = img.convert("RGB")
        back_w = (0.125 + 8) * dpi  # the back panel, from the sheet's left edge (its bleed) to the fold
        magenta = lambda p: p[0] > 150 and p[1] < 90 and p[2] > 110  # noqa: E731
        edges = [(x, y) for x in range(1, int(back_w) - 6, 7) for y in (0, rgb.height - 1)]
        edges += [(0, y) for y in range(0, rgb.height, 7)]
        for xy in edges:
            assert magenta(rgb.getpixel(xy)), f"{shape}: the back's edge at {xy} is {rgb.getpixel(xy)}, not the art"
        assert max(rgb.getpixel((int(back_w / 2), rgb.height // 2))) < 60, "the art's middle is not in the middle of the back"


def test_back_art_with_too_few_pixels_is_a_warning_at_its_line_saying_what_it_needs(tmp_path, cli):
    root = tmp_path / "story"
    path = make_story(root, illustrations="", layout="layout:\n  trim: 8x10\n  cover:\n    back_image: images/back.png\n")
    write_image(root / "images" / "back.png", (600, 750))
    result = cli("validate", "story.yaml", cwd=root)
    line = path.read_text().splitlines().index("    back_image: images/back.png") + 1
    found = [ln for ln in result.err.splitlines() if f"story.yaml:{line}:" in ln and "ppi" in ln]
    assert len(found) == 1, result.err
    assert (
        "back cover image 'images/back.png' is only 73 ppi" in found[0]
        and "2438 x 3075 pixels needed to fill the panel with its bleed, it has 600 x 750" in found[0]
    ), found[0]
    # it is cropped to fill: in its own shape it needs a little more width than the panel's
    hint = result.err.splitlines()[result.err.splitlines().index(found[0]) + 1]
    assert "supply it at least 2460 x 3075 pixels in its shape (2438 x 3075 in the shape it is cropped to)" in hint, hint


BLURB = "Why does a drum boom and a bell ring? Zara and her cousin Theo find out that every sound is something shaking, and that sound needs air to travel."


@pytest.mark.parametrize("times", [1, 8, 13])
def test_a_long_blurb_stays_clear_of_the_barcode(tmp_path, times):
    """On a 5 x 8 back with art and a barcode, a blurb of any length keeps above the barcode area: a long
    one is set smaller, and one too long even then is cut there, with a warning at its line saying how
    many words fit."""
    root = tmp_path / "story"
    layout = "layout:\n  trim: 5x8\n  cover:\n    back_image: images/back.png\n"
    path = make_story(root, illustrations="", layout=layout)
    text = path.read_text()
    assert "  isbn:" in text and "  description:" not in text
    path.write_text(text.replace("  isbn:", f'  description: "{" ".join([BLURB] * times)}"\n  isbn:', 1))
    write_image(root / "images" / "back.png", (1600, 2500))
    story = load_story(path)
    result = render_cover(story, tmp_path / "cover.pdf", tmp_path / "cache", 40)
    sheet_h = (8 + 0.25) * 72
    barcode_top = sheet_h - (9 + (0.25 + 1.2) * 72)  # from the sheet's top, as pdftotext measures
    back = [b for b in _boxes(result.pdf) if b[2] < 9 + 5 * 72]
    blurb = [b for b in back if b[3] < barcode_top + 1 and b[4] in BLURB]
    assert blurb, "no blurb found"
    under = [b for b in back if b[3] > barcode_top - 2 and b[1] < barcode_top and b[4] in BLURB.split()]
    assert not under, f"blurb words reach the barcode area: {under[:3]}"
    warned = [w for w in result.warnings if w.code == "cover-blurb"]
    if times < 13:  # set whole
        assert " ".join(b[4] for b in blurb).count("Zara") == times and not warned
    else:
        assert len(warned) == 1 and "shorten it to about" in warned[0].hint
        assert warned[0].where.line == path.read_text().splitlines().index(next(ln for ln in path.read_text().splitlines() if "description:" in ln)) + 1
