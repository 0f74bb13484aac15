"""The interior PDF: geometry, fonts, images at 300 ppi, placeholders, determinism, checked with poppler."""

from __future__ import annotations

import re
import subprocess
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from chapterbook.print_rules import gutter_inches, inch, spine_inches
from chapterbook.render import images
from chapterbook.render.geometry import PageGeometry
from chapterbook.render.pdf import render_book
from chapterbook.spec.load import load_story
from chapterbook.spec.models import TRIM_PRESETS, Layout, Paper
from render_fixtures import PARAGRAPH, make_story, write_image

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _render(tmp_path: Path, name: str = "story", **kw):
    story = load_story(make_story(tmp_path / name, **kw))
    out = tmp_path / "out" / name
    return story, render_book(story, out / "book.pdf", out / ".cache" / "images")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("book")
    return _render(tmp)


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True).stdout.decode("latin-1")


# --- geometry --------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["5x8", "5.5x8.5", "6x9", "7x10", "8x10", "8.5x8.5", "7.5x9.25"])
def test_page_is_trim_plus_bleed_on_outside_top_and_bottom(preset):
    geo = PageGeometry.for_layout(Layout(trim=preset))
    w, h = TRIM_PRESETS.get(preset) or (7.5, 9.25)
    assert geo.page_size == pytest.approx((inch(w) + 9, inch(h) + 18))
    # Recto: spine (no bleed) on the left; verso: on the right.
    assert geo.trim_box(True) == pytest.approx((0, 9, inch(w), 9 + inch(h)))
    assert geo.trim_box(False) == pytest.approx((9, 9, 9 + inch(w), 9 + inch(h)))


def test_margins_mirror_with_the_gutter_at_the_spine():
    geo = PageGeometry.for_layout(Layout(trim="6x9"), pages=200)
    rx, _, rw, _ = geo.text_block(True)
    vx, _, vw, _ = geo.text_block(False)
    # KDP asks for at least 0.5 in at 200 pages; the inside margin is 0.75 in so that it is never
    # narrower than the outside one (issue #16; print_rules.GUTTER_TABLE).
    assert rx - geo.trim_box(True)[0] == pytest.approx(inch(0.75))  # gutter on the left of a recto
    assert geo.trim_box(False)[2] - (vx + vw) == pytest.approx(inch(0.75))  # and on the right of a verso
    assert rw == vw


@pytest.mark.parametrize("pages,gutter", [(24, 0.375), (150, 0.375), (151, 0.5), (300, 0.5), (301, 0.625), (600, 0.75), (800, 0.875)])
def test_gutter_grows_with_page_count_as_kdp_requires(pages, gutter):
    assert gutter_inches(pages) == gutter


def test_spine_width_per_paper():
    assert spine_inches(100, Paper.white) == pytest.approx(0.2252)
    assert spine_inches(100, Paper.cream) == pytest.approx(0.25)
    assert spine_inches(100, Paper.color) == pytest.approx(0.2347)


def test_every_page_has_trim_and_bleed_boxes_per_pdfinfo(built):
    story, result = built
    out = _run("pdfinfo", "-box", "-f", "1", "-l", str(result.pages), str(result.pdf))
    trims = re.findall(r"Page\s+(\d+) TrimBox:\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", out)
    bleeds = re.findall(r"Page\s+(\d+) BleedBox:\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", out)
    assert len(trims) == len(bleeds) == result.pages
    for page, x0, y0, x1, y1 in trims:
        assert float(x1) - float(x0) == pytest.approx(432) and float(y1) - float(y0) == pytest.approx(648)
        # the outside edge carries the bleed: left on versos, right on rectos
        assert float(x0) == (0 if int(page) % 2 else 9)
    sizes = set(re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", out))
    assert sizes == {("441", "666")}


def test_page_count_is_even_and_at_least_24_and_openers_are_right_hand_pages(built):
    _, result = built
    assert result.pages >= 24 and result.pages % 2 == 0
    assert result.section_pages["ch1"] % 2 == 1 and result.section_pages["ch1"] >= 5


def test_no_outlines_no_annotations(built):
    _, result = built
    reader = PdfReader(result.pdf)
    assert "/Outlines" not in reader.trailer["/Root"]
    assert all("/Annots" not in page for page in reader.pages)


# --- fonts -------------------------------------------------------------------------------


def test_pdffonts_shows_every_font_embedded_and_subset_and_no_helvetica(built):
    _, result = built
    rows = _run("pdffonts", str(result.pdf)).splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        cols = row.split()
        assert cols[-5] == "yes" and cols[-4] == "yes", row  # emb, sub
        assert "Andika" in cols[0]
    assert not any("Helvetica" in r for r in rows)


def test_text_is_k_only_black(built):
    _, result = built
    raw = _run("qpdf", "--qdf", "--object-streams=disable", str(result.pdf), "-")
    # Body text is set after "0 0 0 1 k"; nothing sets RGB black before showing text.
    assert "0 0 0 1 k" in raw
    for chunk in raw.split("BT")[1:]:
        assert " rg" not in chunk.split("ET")[0]


def test_missing_glyphs_escaping_and_rtl_warn_with_location(tmp_path):
    text = "Cassie said <b>hi</b> & waved 🚀 at שלום the sea.\n\n" + PARAGRAPH
    story, result = _render(tmp_path, chapters=[text])
    warnings = [w for w in result.warnings if w.code == "missing-glyph"]
    assert len(warnings) == 1
    w = warnings[0]
    assert "U+1F680" in w.message and "U+05E9" in w.message and "chapter 1, paragraph 1" in w.message
    assert w.message.index("U+1F680") < w.message.index("U+05E9")  # named in the order they appear
    assert w.message.count("U+") == 5 and " more" not in w.message  # 🚀 ש ל ו ם: all named
    line = story.path.read_text().splitlines()[w.where.line - 1]
    assert line[w.where.column - 1] == "🚀"  # points at the first character the font lacks
    # the markup-looking text is printed literally, not interpreted
    raw = _run("qpdf", "--qdf", "--object-streams=disable", str(result.pdf), "-")
    assert "<b>hi</b>" not in raw  # it is encoded as text, and still shows up as text
    assert b"hi" in PdfReader(result.pdf).pages[6].extract_text().encode()


def test_a_missing_glyph_warning_says_how_many_it_did_not_name(tmp_path):
    text = "Hero saw 🍎🚀 and שלום עולם and مرحبا.\n\n" + PARAGRAPH
    _, result = _render(tmp_path, chapters=[text])
    (w,) = [w for w in result.warnings if w.code == "missing-glyph"]
    assert w.message.count("U+") == 6 and " and 6 more" in w.message  # 12 different characters
    assert w.message.index("U+1F34E") < w.message.index("U+05E9")  # the apple comes first in the text


def _page_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True).stdout.decode("utf-8")


QUOTED = '"Beach day!" shouted Caleb. "It\'s Rocky\'s cart."\n\nWait--"Stop!" Pages 2--3... or more---maybe.\n\n' + PARAGRAPH


def test_straight_quotes_print_as_typographers_quotes(tmp_path):
    path = make_story(tmp_path / "story", chapters=[QUOTED])
    path.write_text(path.read_text().replace("title: The Beach Cart", "title: Cassie's *Big* Cart"))
    story = load_story(path)
    result = render_book(story, tmp_path / "out" / "book.pdf", tmp_path / "out" / ".cache")
    text = _page_text(result.pdf)
    assert "“Beach day!” shouted Caleb. “It’s Rocky’s cart.”" in text
    assert "Wait–“Stop!” Pages 2–3… or more—maybe." in text  # dashes and dots too
    # running heads (drawn as plain strings) too, without the emphasis markers
    assert "Cassie’s Big Cart\n" in text and "*" not in text
    assert '"' not in text and "'" not in text
    assert not [w for w in result.warnings if w.code == "missing-glyph"]
    # the story file keeps what the author wrote
    assert '"Beach day!"' in story.path.read_text()


def test_quotes_stay_straight_when_switched_off_or_not_english(tmp_path):
    _, off = _render(tmp_path, "off", chapters=[QUOTED], layout="layout:\n  smart_quotes: false\n")
    assert '"Beach day!" shouted Caleb. "It\'s Rocky\'s cart."' in _page_text(off.pdf)
    assert 'Wait--"Stop!" Pages 2--3... or more---maybe.' in _page_text(off.pdf)
    path = make_story(tmp_path / "de", chapters=[QUOTED])
    path.write_text(path.read_text().replace("  authors: [Ada Writer]\n", "  authors: [Ada Writer]\n  language: de\n"))
    story = load_story(path)
    german = render_book(story, tmp_path / "out" / "de" / "book.pdf", tmp_path / "out" / "de" / ".cache")
    assert '"Beach day!" shouted Caleb.' in _page_text(german.pdf)


# --- images --------------------------------------------------------------------------------


def test_images_are_embedded_at_their_own_300_to_450_ppi_per_pdfimages(built):
    # The fixture's 1200 x 900 picture prints at 327 ppi: kept as it is (print_rules.kept_as_is), not resampled to 300.
    _, result = built
    rows = [r.split() for r in _run("pdfimages", "-list", str(result.pdf)).splitlines()[2:]]
    assert len(rows) == 1
    placed = result.images[0]
    assert placed.source_px == (1200, 900) and 300 < placed.source_ppi <= 450
    assert (int(rows[0][3]), int(rows[0][4])) == placed.source_px  # width, height: the original's pixels
    assert int(rows[0][12]) == int(rows[0][13]) == round(placed.source_ppi)  # x-ppi, y-ppi


@pytest.mark.parametrize("size", [(2400, 1800), (500, 375)], ids=["above-450-ppi", "below-300-ppi"])
def test_images_outside_300_to_450_ppi_are_resampled_to_exactly_300(tmp_path, size):
    story = make_story(tmp_path / "book")
    write_image(tmp_path / "book" / "images" / "cart.png", size)
    result = render_book(load_story(story), tmp_path / "out" / "book.pdf", tmp_path / "out" / ".cache")
    rows = [r.split() for r in _run("pdfimages", "-list", str(result.pdf)).splitlines()[2:]]
    assert len(rows) == 1
    assert rows[0][12] == "300" and rows[0][13] == "300"  # x-ppi, y-ppi
    assert (int(rows[0][3]), int(rows[0][4])) == result.images[0].px


def test_exif_orientation_and_transparency_are_handled(tmp_path):
    from PIL import Image

    src = tmp_path / "rot.jpg"
    img = Image.new("RGB", (400, 200), (255, 0, 0))
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90° when shown
    img.save(src, exif=exif)
    assert images.image_size(src) == (200, 400)
    placed = images.prepare(src, (100, 200), tmp_path / "cache")
    with Image.open(placed.file) as out:
        assert out.size == (100, 200)

    png = tmp_path / "alpha.png"
    Image.new("RGBA", (300, 300), (255, 160, 60, 128)).save(png)
    done = images.prepare(png, (150, 150), tmp_path / "cache")
    with Image.open(done.file) as flat:
        assert flat.mode == "RGB"
        r, g, b = flat.getpixel((75, 75))
    assert r > 240 and 195 < g < 220  # half-transparent orange flattened on white, not on black


def test_warm_rebuild_reuses_the_image_cache_and_is_byte_identical(tmp_path, monkeypatch):
    story, first = _render(tmp_path)
    cached = sorted((tmp_path / "out" / "story" / ".cache" / "images").glob("*.jpg"))
    assert cached
    # A warm rebuild must not decode any image again.
    monkeypatch.setattr(images, "_run", lambda *a, **k: pytest.fail("image decoded although cached"))
    second = render_book(story, tmp_path / "again.pdf", tmp_path / "out" / "story" / ".cache" / "images")
    assert second.pdf.read_bytes() == first.pdf.read_bytes()
    assert sorted((tmp_path / "out" / "story" / ".cache" / "images").glob("*.jpg")) == cached  # no image resampled again


def test_same_input_gives_byte_identical_pdf_even_with_a_cold_cache(tmp_path):
    _, a = _render(tmp_path, "story")
    story = load_story(tmp_path / "story" / "story.yaml")
    b = render_book(story, tmp_path / "b" / "book.pdf", tmp_path / "b" / "cache")
    assert a.pdf.read_bytes() == b.pdf.read_bytes()


def test_image_threads_follow_the_cores_this_process_may_use(monkeypatch):
    monkeypatch.setattr(images.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5, 6, 7}, raising=False)
    assert images.workers(16) == images.MAX_WORKERS  # capped: each thread holds a decoded original
    assert images.workers(3) == 3  # never more threads than images
    assert images.workers(0) == 1
    monkeypatch.setattr(images.os, "sched_getaffinity", lambda pid: {5}, raising=False)
    assert images.workers(16) == 1  # e.g. `taskset -c 5 chapterbook build …` or a one-CPU container


def test_the_pdf_does_not_depend_on_how_many_threads_resampled_the_images(tmp_path, monkeypatch):
    root = tmp_path / "story"
    pictures = ""
    for i, colour in enumerate([(240, 160, 60), (60, 160, 240), (120, 200, 90), (200, 80, 160)]):
        write_image(root / "images" / f"p{i}.png", (900 + 40 * i, 700), colour)
        pictures += f"""
      - id: p{i}
        brief: Picture {i}.
        image: images/p{i}.png
        placement: {"half" if i % 2 else "spot"}"""
    text = "\n\n".join(f"{PARAGRAPH}\n\n[illustration: p{i}]" for i in range(4))
    story = load_story(make_story(root, chapters=[text], illustrations="    illustrations:" + pictures + "\n"))
    threads = []
    together = threading.Barrier(2, timeout=60)  # the first two images must be in progress at the same moment
    real_resample = images.resample

    def resample(*a, **k):
        threads.append(threading.get_ident())
        if len(threads) <= 2:
            together.wait()
        return real_resample(*a, **k)

    monkeypatch.setattr(images, "resample", resample)
    monkeypatch.setattr(images, "workers", lambda jobs: 4)
    many = render_book(story, tmp_path / "many" / "book.pdf", tmp_path / "many" / "cache")
    assert len(threads) == 4 and len(set(threads)) > 1  # really resampled side by side
    monkeypatch.setattr(images, "resample", real_resample)
    monkeypatch.setattr(images, "workers", lambda jobs: 1)
    one = render_book(story, tmp_path / "one" / "book.pdf", tmp_path / "one" / "cache")
    assert len(many.images) == len(one.images) == 4
    assert one.pdf.read_bytes() == many.pdf.read_bytes()


def test_low_resolution_source_is_a_warning_naming_it(tmp_path):
    root = tmp_path / "story"
    write_image(root / "images" / "cart.png", (300, 200))
    make_story(root)
    # make_story rewrites the image; write the small one after it
    write_image(root / "images" / "cart.png", (300, 200))
    story = load_story(root / "story.yaml")
    result = render_book(story, tmp_path / "b.pdf", tmp_path / "cache")
    low = [w for w in result.warnings if w.code == "low-ppi"]
    assert len(low) == 1 and "images/cart.png" in low[0].message
    assert low[0].where.file == story.path and low[0].where.line


def test_missing_image_becomes_a_placeholder_with_the_brief(tmp_path):
    root = tmp_path / "story"
    make_story(root)
    (root / "images" / "cart.png").unlink()
    story = load_story(root / "story.yaml")
    result = render_book(story, tmp_path / "b.pdf", tmp_path / "cache")
    assert {p[0] for p in result.placeholders} == {"opener", "cart"}
    assert any(w.code == "missing-image" and "images/cart.png" in w.message for w in result.warnings)
    page = result.placeholders[1][2]
    assert "The cart rolling on the sand." in PdfReader(result.pdf).pages[page - 1].extract_text()
