"""An ebook build is rebuilt when anything it reads changes: the cover's art, and a story's own ebook templates.

The up-to-date check (chapterbook.uptodate) skips a build whose inputs are all as they were.
For the ebook those include the cover art (its cover is drawn from it) and every file of the
story's templates/ folder, a new one in a subfolder too (templates/epub/book.css).
"""

from __future__ import annotations

import io
import json
import zipfile

from PIL import Image

from render_fixtures import make_story, write_image


def _epub(cli, story, out) -> zipfile.ZipFile:
    result = cli("build", str(story), "--format", "epub", "--output", str(out))
    assert result.code == 0, result.text
    return zipfile.ZipFile(out / "book" / "book.epub")


def _cover_colour(book: zipfile.ZipFile) -> tuple[int, ...]:
    with Image.open(io.BytesIO(book.read("EPUB/images/cover.jpg"))) as im:
        return im.convert("RGB").getpixel((im.width // 2, im.height // 3))


def test_new_cover_art_under_the_same_name_makes_a_new_ebook_cover(cli, tmp_path):
    story = make_story(tmp_path / "book", layout="layout:\n  cover_image: art.jpg\n")
    write_image(tmp_path / "book" / "art.jpg", (1800, 2700), colour=(200, 30, 30))
    out = tmp_path / "out"
    red = _cover_colour(_epub(cli, story, out))
    assert red[0] > 150 and red[2] < 90
    # build.json names what the ebook was made from, as the print build's does: its pictures, the art, the fonts.
    inputs = json.loads((out / "book" / "build.json").read_text(encoding="utf-8"))["inputs"]
    assert {"art.jpg", "images/cart.png", "font:Andika-Regular.ttf"} <= set(inputs), inputs
    Image.new("RGB", (1800, 2700), (30, 30, 200)).save(tmp_path / "book" / "art.jpg")  # the same name, new art
    again = cli("build", str(story), "--format", "epub", "--output", str(out))
    assert "nothing changed" not in again.out
    blue = _cover_colour(zipfile.ZipFile(out / "book" / "book.epub"))
    assert blue[2] > 150 and blue[0] < 90


def test_a_new_template_in_a_subfolder_and_an_edit_to_it_rebuild_the_ebook(cli, tmp_path):
    story = make_story(tmp_path / "book")
    own = tmp_path / "book" / "templates" / "epub"
    own.mkdir(parents=True)
    (own / "notes.txt").write_text("the story's own ebook templates go here\n", encoding="utf-8")
    out = tmp_path / "out"
    _epub(cli, story, out)
    assert "nothing changed" in cli("build", str(story), "--format", "epub", "--output", str(out)).out
    shipped = zipfile.ZipFile(out / "book" / "book.epub").read("EPUB/css/book.css").decode()
    (own / "book.css").write_text(shipped + "\n.mine-1 { color: teal; }\n", encoding="utf-8")  # a new file in templates/epub/
    assert ".mine-1" in _epub(cli, story, out).read("EPUB/css/book.css").decode()
    (own / "book.css").write_text(shipped + "\n.mine-2 { color: plum; }\n", encoding="utf-8")  # and an edit to it
    css = _epub(cli, story, out).read("EPUB/css/book.css").decode()
    assert ".mine-2" in css and ".mine-1" not in css


def test_a_broken_ebook_template_of_the_story_is_reported_by_validate(cli, tmp_path):
    story = make_story(tmp_path / "book")
    own = tmp_path / "book" / "templates" / "epub"
    own.mkdir(parents=True)
    (own / "chapter.xhtml.j2").write_text("<section>{% for block in ch.flow %}{{ block }}</section>\n", encoding="utf-8")  # no endfor
    checked = cli("validate", str(story))
    assert checked.code == 1
    assert "templates/epub/chapter.xhtml.j2" in checked.err and "syntax error" in checked.err
