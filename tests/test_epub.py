"""book.epub: EPUB 3 from the same book view, EPUBCheck-clean, the same bytes on every rebuild.

EPUBCheck (the validator the ebook stores run) checks the samples and a book with real
pictures, a portrait and a custom font; the XHTML is opened in Debian's chromium to see
that it shows the chapter with the embedded font, as a reader would.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from chapterbook import output
from chapterbook.build import build
from chapterbook.spec.load import load_story
from render_fixtures import make_story, write_image

REPO = Path(__file__).resolve().parents[1]
JAVA = shutil.which("java")
CHROMIUM = shutil.which("chromium")
needs_java = pytest.mark.skipif(JAVA is None, reason="EPUBCheck needs Java (scripts/setup installs default-jre-headless)")


def _epub(story_yaml: Path, out: Path) -> Path:
    result = build(load_story(story_yaml), ["epub"], out)
    return result.outputs["epub"]


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("epub")
    books = {name: _epub(REPO / "stories" / name / "story.yaml", out) for name in ("beach-ride-quest", "magnet-mystery")}
    # The grammar fixture uses every construct chapter text may (headings, both lists, quotes, breaks, captions).
    books["grammar-book"] = _epub(REPO / "tests" / "fixtures" / "grammar-book" / "story.yaml", out)
    return books


@pytest.fixture(scope="module")
def pictured(tmp_path_factory) -> Path:
    """A book on another science with real pictures of several kinds, a portrait, an ebook ISBN and a custom font."""
    root = tmp_path_factory.mktemp("ice") / "ice"
    story = make_story(root, extra_yaml="")
    write_image(root / "images" / "wide.jpg", (4800, 1100))
    Image.new("CMYK", (1300, 1700), (0, 40, 200, 0)).save(root / "images" / "cmyk.jpg")
    Image.new("L", (900, 900), 120).save(root / "images" / "grey.png")
    write_image(root / "images" / "newton.png", (600, 800))
    shutil.copy(REPO / "src" / "chapterbook" / "fonts" / "Andika-Regular.ttf", root / "MyFont.ttf")
    text = story.read_text()
    text = text.replace("  font_size:", "  font: MyFont.ttf\n  font_size:") if "font_size:" in text else text
    text = text.replace(
        "        diagram: {kind: force_arrows, object: cart, labels: [push, friction]}\n",
        "        diagram: {kind: force_arrows, object: cart, labels: [push, friction], caption: Two pushes on the cart.}\n"
        "      - id: wide\n        brief: A long, thin view of the frozen pond.\n        image: images/wide.jpg\n        placement: half\n"
        "      - id: cmyk\n        brief: Steam rising from a kettle.\n        image: images/cmyk.jpg\n        placement: half\n"
        "      - id: grey\n        brief: Ice cubes in a glass.\n        image: images/grey.png\n        placement: spot\n",
    )
    story.write_text(text)
    return story


def test_samples_pass_epubcheck_with_no_warnings(samples, cli):
    if JAVA is None:
        pytest.skip("EPUBCheck needs Java")
    for path in samples.values():
        result = cli("preflight", str(path))
        assert result.code == 0, result.text
        assert "0 errors, 0 warnings" in result.out


@needs_java
def test_a_book_with_pictures_portrait_and_own_font_passes_epubcheck(pictured, tmp_path, cli):
    text = pictured.read_text()
    text = text.replace("scientists:", "scientists:", 1)
    epub = _epub(pictured, tmp_path)
    result = cli("preflight", str(epub))
    assert result.code == 0, result.text
    with zipfile.ZipFile(epub) as z:
        names = z.namelist()
        for name in ("EPUB/images/cart.jpg", "EPUB/images/wide.jpg", "EPUB/images/cmyk.jpg", "EPUB/images/grey.jpg"):
            img = Image.open(io.BytesIO(z.read(name)))
            assert img.mode == "RGB" and max(img.size) <= 1600, (name, img.mode, img.size)  # for screens: sRGB, at most 1600 px
        assert Image.open(io.BytesIO(z.read("EPUB/images/wide.jpg"))).size == (1600, round(1100 * 1600 / 4800))
        chapter = z.read("EPUB/chapter-01.xhtml").decode()
    assert "EPUB/images/push.svg" in names, "a diagram travels as SVG"
    assert 'alt="Steam rising from a kettle."' in chapter and "Two pushes on the cart." in chapter


def test_zip_layout_and_reproducibility(samples, tmp_path):
    epub = samples["beach-ride-quest"]
    raw = epub.read_bytes()
    assert raw[30:38] == b"mimetype" and raw[38:58] == b"application/epub+zip", "mimetype first and stored (readers sniff byte 30)"
    with zipfile.ZipFile(epub) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED and not first.extra
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        everything = b"".join(z.read(n) for n in z.namelist() if not n.endswith((".jpg", ".ttf")))
    assert str(REPO).encode() not in everything and str(tmp_path).encode() not in everything, "no machine paths inside"
    # Cold (a new output folder, empty caches) and warm rebuilds give the same bytes.
    again = _epub(REPO / "stories" / "beach-ride-quest" / "story.yaml", tmp_path / "cold")
    warm = _epub(REPO / "stories" / "beach-ride-quest" / "story.yaml", tmp_path / "cold")
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert digest(again) == digest(epub) == digest(warm)


def test_package_metadata_navigation_and_font(samples, pictured, tmp_path):
    with zipfile.ZipFile(samples["beach-ride-quest"]) as z:
        opf = z.read("EPUB/package.opf").decode()
        nav = z.read("EPUB/nav.xhtml").decode()
        fonts = {n: len(z.read(n)) for n in z.namelist() if n.startswith("EPUB/fonts/")}
        spine = re.findall(r'<itemref idref="([^"]+)"', opf)
    assert "<dc:title>Curious Cassie" in opf and "<dc:language>en</dc:language>" in opf
    assert re.search(r'<meta property="dcterms:modified">\d{4}-\d\d-\d\dT00:00:00Z</meta>', opf)
    for feature in ("schema:accessMode", "schema:accessibilityFeature", "schema:accessibilityHazard", "schema:accessibilitySummary"):
        assert feature in opf
    assert 'properties="cover-image"' in opf and 'properties="nav"' in opf
    # The dedication sits between the title page and the contents, as in print.
    assert spine[:4] == ["cover-xhtml", "title-xhtml", "front-dedication-xhtml", "nav-xhtml"] and spine[4].startswith("chapter-01")
    # The back matter follows the print book: glossary, scientists, activities, questions, note for grown-ups, about the author.
    assert [s for s in spine if s.startswith("back-")] == [
        "back-glossary-xhtml", "back-scientists-xhtml", "back-activities-xhtml", "back-questions-xhtml", "back-grownups-xhtml", "back-about-author-xhtml",
    ]  # fmt: skip
    assert 'epub:type="landmarks"' in nav and 'epub:type="bodymatter"' in nav and "The Ball That Kept Going" in nav
    assert set(fonts) == {f"EPUB/fonts/{s}.ttf" for s in ("regular", "bold", "italic", "bolditalic")}
    assert max(fonts.values()) < 150_000, f"the fonts are subset to the book's characters: {fonts}"

    story = load_story(pictured)
    story.spec.book.ebook_isbn = "9780306406157"
    with zipfile.ZipFile(build(story, ["epub"], tmp_path).outputs["epub"]) as z:
        assert '<dc:identifier id="book-id">urn:isbn:9780306406157</dc:identifier>' in z.read("EPUB/package.opf").decode()


def test_a_broken_epub_gets_plain_findings(tmp_path, samples, cli):
    if JAVA is None:
        pytest.skip("EPUBCheck needs Java")
    bad = tmp_path / "bad.epub"
    with zipfile.ZipFile(samples["magnet-mystery"]) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():  # edited by hand: a chapter taken out
            if info.filename != "EPUB/chapter-01.xhtml":
                dst.writestr(info, src.read(info.filename))
    result = cli("preflight", str(bad))
    assert result.code == 1
    assert "RSC-001" in result.out and "a file the ebook lists is missing from it" in result.out and "chapter-01.xhtml" in result.out
    missing = cli("preflight", str(tmp_path / "nothing.epub"))
    assert missing.code == 2 and "there is no ebook at" in missing.text


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/setup installs it)")
def test_a_chapter_opens_in_a_browser_with_the_book_font(samples, tmp_path):
    from playwright.sync_api import sync_playwright

    with zipfile.ZipFile(samples["beach-ride-quest"]) as z:
        z.extractall(tmp_path / "book")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page()
            page.goto((tmp_path / "book" / "EPUB" / "chapter-01.xhtml").as_uri())
            assert "Cassie buckled her seat belt." in page.inner_text("body")
            assert page.evaluate("document.fonts.ready.then(() => [...document.fonts].some(f => f.family.includes('BookFont') && f.status === 'loaded'))")
            page.goto((tmp_path / "book" / "EPUB" / "cover.xhtml").as_uri())
            size = page.evaluate("(() => { const i = document.querySelector('img'); return [i.naturalWidth, i.naturalHeight]; })()")
            assert size[1] == 2560 and 1500 < size[0] < 1800, size
        finally:
            browser.close()


def test_an_ebook_build_leaves_out_what_only_the_print_book_is_warned_about(tmp_path, cli):
    """A colour picture of a black-and-white book, too few pixels for print, no hyphenation patterns: print matters only.

    The ebook shows the picture in colour at screen size and the reader hyphenates, so an
    ebook build does not say "prints it in grey" or "73 ppi"; the PDF build of the same book does.
    """
    root = tmp_path / "ice"
    story = make_story(root, layout="layout: {hyphenate: true}\n")
    story.write_text(story.read_text().replace("  title: The Beach Cart\n", "  title: The Beach Cart\n  language: xq\n"))
    write_image(root / "images" / "cart.png", (400, 300))  # orange and blue, and far too small for 300 ppi
    print_only = ("prints it in grey", "ppi at its printed size", "no hyphenation patterns")
    ebook = cli("build", "story.yaml", "--format", "epub", "-o", str(tmp_path / "out"), cwd=root)
    assert ebook.code == 0, ebook.text
    assert not [w for w in print_only if w in ebook.err], ebook.err
    assert "'opener' has no picture yet, so the ebook shows its brief" in ebook.err, "the ebook's own warnings still show"
    printed = cli("build", "story.yaml", "--format", "pdf", "-o", str(tmp_path / "out"), cwd=root)
    assert printed.code == 0, printed.text
    assert [w for w in print_only if w in printed.err] == list(print_only), printed.err


def _zipfile_container(target: Path, files: dict[str, bytes]) -> None:
    """The container as zipfile writes it (what write_container wrote before it wrote zips itself)."""
    from chapterbook.render.epub.container import CONTAINER_XML, FIXED_TIME

    def entry(name: str, compress: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
        info.compress_type, info.create_system, info.external_attr = compress, 3, 0o100644 << 16
        return info

    with zipfile.ZipFile(target, "w") as z:
        z.writestr(entry("mimetype", zipfile.ZIP_STORED), b"application/epub+zip")
        z.writestr(entry("META-INF/container.xml", zipfile.ZIP_DEFLATED), CONTAINER_XML.encode("utf-8"), compresslevel=9)
        for name in sorted(files):
            kind = zipfile.ZIP_STORED if name.endswith((".jpg", ".png")) else zipfile.ZIP_DEFLATED
            z.writestr(entry(f"EPUB/{name}", kind), files[name], compresslevel=9)


def test_the_container_is_the_zip_zipfile_writes_with_or_without_its_deflate_cache(pictured, tmp_path):
    from chapterbook.render.epub.container import write_container

    book = zipfile.ZipFile(_epub(pictured, tmp_path / "out"))
    files = {name.removeprefix("EPUB/"): book.read(name) for name in book.namelist() if name.startswith("EPUB/")}
    files["notes/ünïcode name.xhtml"] = b"<p>" + bytes(range(256)) * 64 + b"</p>"  # a UTF-8 name, a big entry
    assert any(name.endswith(".ttf") for name in files) and any(name.endswith(".jpg") for name in files)
    _zipfile_container(tmp_path / "zipfile.epub", files)
    expected = (tmp_path / "zipfile.epub").read_bytes()
    cache = tmp_path / "deflated"
    for attempt in ("no cache", "cache filled", "from the cache"):
        write_container(tmp_path / "ours.epub", files, None if attempt == "no cache" else cache)
        assert (tmp_path / "ours.epub").read_bytes() == expected, attempt
    big = [name for name, data in files.items() if len(data) >= 8192 and not name.endswith(".jpg")]
    kept = sorted(cache.iterdir())
    assert len(kept) == len(big) >= 5, "the fonts and other big entries keep their deflated bytes; small ones are deflated each time"
    for file in kept:  # damaged (a full disk, a crash): noticed and made again, never copied into the book
        file.write_bytes(file.read_bytes()[:-9] + b"damaged!!")
    write_container(tmp_path / "ours.epub", files, cache)
    assert (tmp_path / "ours.epub").read_bytes() == expected


def test_a_warm_ebook_build_after_an_edit_reads_no_font_file(tmp_path, cli, monkeypatch):
    """The font's hash (the key of its subsets and diagrams) comes from the build's memo by the file's stat."""
    root = tmp_path / "ice"
    story = make_story(root)
    assert cli("build", "story.yaml", "--format", "epub", "-o", str(tmp_path / "out"), cwd=root).code == 0
    story.write_text(story.read_text().replace("title: Chapter 1 title", "title: Chapter 1 new title"))
    read: list[Path] = []
    real_read, real_hash = Path.read_bytes, output.sha256_file
    monkeypatch.setattr(Path, "read_bytes", lambda self: (read.append(self), real_read(self))[1])
    monkeypatch.setattr(output, "sha256_file", lambda path: (read.append(Path(path)), real_hash(path))[1])
    built = cli("build", "story.yaml", "--format", "epub", "-o", str(tmp_path / "out"), cwd=root)
    assert built.code == 0, built.text
    assert any(p.suffix == ".jpg" for p in read), "the spy sees the build's reads"
    fonts = [p for p in read if p.suffix.lower() in (".ttf", ".otf") and (tmp_path / "out") not in p.parents]  # not the cached subsets
    assert fonts == []
    with zipfile.ZipFile(tmp_path / "out" / "ice" / "book.epub") as z:
        assert "Chapter 1 new title" in z.read("EPUB/chapter-01.xhtml").decode() and len(z.read("EPUB/fonts/regular.ttf")) > 1000


# A whole `chapterbook build` process, as an author runs it; prints the heavy packages it imported.
IMPORTS_PROBE = (
    "import sys\n"
    "from chapterbook.__main__ import run\n"
    "sys.argv = ['chapterbook', 'build', *sys.argv[1:]]; code = run()\n"
    "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'PIL', 'rich', 'reportlab', 'fontTools', 'pypdf', 'multiprocessing'}))\n"
)


def probe_build(story: Path, fmt: str, out: Path) -> list[str]:
    """The lines a whole `chapterbook build story --format fmt -o out` process printed, the probe's last
    (its exit code, the heavy packages it imported); the process must have succeeded."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS_PROBE, str(story), "--format", fmt, "-o", str(out)],
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def test_a_warm_ebook_build_after_an_edit_opens_no_picture_and_matches_a_cold_build(tmp_path):
    """After a save, the ebook is made from the caches without Pillow, rich or ReportLab, and is the cold build's bytes."""
    root = tmp_path / "ice"
    story = make_story(root)
    Image.new("RGB", (900, 700), (30, 140, 90)).save(root / "images" / "pond.jpg")
    story.write_text(
        story.read_text().replace(
            "      - id: push\n",
            "      - id: pond\n        brief: The pond.\n        image: images/pond.jpg\n        placement: spot\n      - id: push\n",
        )
    )

    def build(out: Path) -> str:
        return probe_build(story, "epub", out)[-1]

    assert build(tmp_path / "warm").startswith("0 ")  # the first build fills the caches
    story.write_text(story.read_text().replace("title: Chapter 1 title", "title: Chapter 1 new title"))
    assert build(tmp_path / "warm") == "0 []"
    build(tmp_path / "cold")
    warm, cold = (tmp_path / name / "ice" / "book.epub" for name in ("warm", "cold"))
    assert "Chapter 1 new title" in zipfile.ZipFile(warm).read("EPUB/chapter-01.xhtml").decode()
    assert {"EPUB/images/cart.jpg", "EPUB/images/pond.jpg"} <= set(zipfile.ZipFile(warm).namelist())
    assert warm.read_bytes() == cold.read_bytes()


@pytest.mark.parametrize("name", ["chapterbook:The Beach Cart|Ada Writer", "chapterbook:Curious Cassie’s Beach Ride Quest|Ana|Bo", ""])
def test_the_ebook_identifier_is_uuid5_of_the_title_and_authors(name):
    import uuid

    from chapterbook.render.epub import name_uuid

    assert name_uuid(name) == str(uuid.uuid5(uuid.NAMESPACE_URL, name))
