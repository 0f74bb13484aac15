"""What a build keeps between runs by content (issues #17 and #20): a changed input is always worked out again.

story.memo (chapterbook.spec.memo) keeps the YAML's parse, lint's per-chapter counts,
the font's characters, the diagrams' dry runs, the pictures' colour and the copyright
lines; the ebook keeps its cover image by the cover's inputs and the templates'
compiled code by their source. Each test changes one input under a memo that already
knows the old one, and checks the answer is the new one (and that the unchanged rest
was not worked out again, so the memo is really used).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from chapterbook import templating
from chapterbook.errors import SpecError
from chapterbook.print_rules import FONT_DIR
from chapterbook.render import glyphs
from chapterbook.spec.lint import lint
from chapterbook.spec.load import load_story
from chapterbook.spec.memo import Memo
from render_fixtures import PARAGRAPH, make_story, write_image


def _run(story_path: Path, memo_file: Path) -> tuple:
    """One 'run': a fresh memo read from the file, the story loaded and linted, the memo saved; (story, problems, memo)."""
    memo = Memo(memo_file)
    story = load_story(story_path, memo)
    problems = lint(story)
    memo.save()
    return story, problems, memo


def _codes(problems) -> list[str]:
    return [p.code for p in problems]


def test_the_memo_survives_a_run_and_an_unchanged_book_works_nothing_out(tmp_path):
    story = make_story(tmp_path / "book")
    memo_file = tmp_path / "cache" / "front.memo"
    _, first, memo = _run(story, memo_file)
    assert memo.made["yaml"] == 1 and memo.made["reading"] == 1 and memo.made["colour"] == 1
    _, again, memo = _run(story, memo_file)
    assert sum(memo.made.values()) == 0  # every answer came from the file
    assert [p.format() for p in again] == [p.format() for p in first]


def test_an_edited_spec_is_parsed_again_and_a_broken_one_still_says_where(tmp_path):
    story = make_story(tmp_path / "book")
    memo_file = tmp_path / "front.memo"
    loaded, _, _ = _run(story, memo_file)
    assert loaded.spec.book.title == "The Beach Cart"
    story.write_text(story.read_text().replace("title: The Beach Cart", "title: The Sand Cart"))
    loaded, _, memo = _run(story, memo_file)
    assert loaded.spec.book.title == "The Sand Cart" and memo.made["yaml"] == 1
    # A positions map from the memo is as good as a fresh one: the title's line is where it is now.
    line = next(i for i, text in enumerate(story.read_text().splitlines(), 1) if "The Sand Cart" in text)
    assert loaded.where("book", "title").line == line
    story.write_text(story.read_text().replace("title: The Sand Cart", 'title: "The Sand Cart'))
    with pytest.raises(SpecError) as with_memo:
        _run(story, memo_file)
    with pytest.raises(SpecError) as without:
        load_story(story)
    assert [p.format() for p in with_memo.value.problems()] == [p.format() for p in without.value.problems()]
    assert with_memo.value.problems()[0].where.line is not None and with_memo.value.problems()[0].code == "yaml-syntax"


def test_reading_level_is_counted_again_only_for_the_edited_chapter(tmp_path):
    story = make_story(tmp_path / "book", chapters=["\n\n".join([PARAGRAPH] * 3 + [f"This is part {n}."]) for n in ("one", "two", "three")])
    memo_file = tmp_path / "front.memo"
    _, before, memo = _run(story, memo_file)
    assert memo.made["reading"] == 3 and "long-sentence" not in _codes(before)
    long = "The cart rolled and rolled and rolled over the warm sand and past the shells and the big rocks by the sea."
    text = story.read_text()
    at = text.index("This is part three.")
    story.write_text(text[:at] + long + " " + text[at:])  # the third chapter only
    _, after, memo = _run(story, memo_file)
    assert memo.made["reading"] == 1
    found = [p for p in after if p.code == "long-sentence"]
    assert len(found) == 1 and found[0].path == "chapters[2].text"
    assert found[0].where.line == next(i for i, t in enumerate(story.read_text().splitlines(), 1) if "rolled and rolled" in t)


def test_a_changed_picture_is_judged_for_colour_again(tmp_path):
    story = make_story(tmp_path / "book")
    memo_file = tmp_path / "front.memo"
    _, before, _ = _run(story, memo_file)
    assert "colour-picture" in _codes(before)
    picture = story.parent / "images" / "cart.png"
    write_image(picture, colour=(128, 128, 128))  # same name, now grey (its gradient bars too)
    from PIL import Image

    Image.open(picture).convert("L").convert("RGB").save(picture)
    _, after, memo = _run(story, memo_file)
    assert memo.made["colour"] == 1
    assert "colour-picture" not in _codes(after)


def test_a_changed_font_file_is_read_again(tmp_path):
    story = make_story(tmp_path / "book", layout="layout:\n  font: fonts/Book-Regular.ttf\n")
    font = story.parent / "fonts" / "Book-Regular.ttf"
    font.parent.mkdir()
    shutil.copy(FONT_DIR / "Andika-Regular.ttf", font)
    memo_file = tmp_path / "front.memo"
    _, before, memo = _run(story, memo_file)
    assert memo.made["face-chars"] == 1 and "render-refused" not in _codes(before)
    font.write_bytes(b"not a font at all")  # the same name, damaged: never the old answer
    _, after, _ = _run(story, memo_file)
    refused = [p for p in after if p.code == "render-refused"]
    assert refused and "cannot be used" in refused[0].message


def test_a_diagram_given_more_words_is_measured_again(tmp_path):
    story = make_story(tmp_path / "book")
    memo_file = tmp_path / "front.memo"
    _, before, memo = _run(story, memo_file)
    assert memo.made["crowding"] == 1 and "diagram-crowded" not in _codes(before)
    long = "a very long label that will never fit beside a little spot diagram of a cart"
    story.write_text(story.read_text().replace("labels: [push, friction]", f"labels: [{long}, {long}]"))
    _, after, memo = _run(story, memo_file)
    assert memo.made["crowding"] == 1
    assert "diagram-crowded" in _codes(after)


def test_copyright_lines_follow_the_book(tmp_path):
    story = make_story(tmp_path / "book")
    memo_file = tmp_path / "front.memo"
    loaded, _, _ = _run(story, memo_file)
    assert any("Ada Writer" in line for line in glyphs._copyright_lines(loaded))
    story.write_text(story.read_text().replace("authors: [Ada Writer]", "authors: [Bea Author]"))
    loaded, _, _ = _run(story, memo_file)
    lines = glyphs._copyright_lines(loaded)
    assert any("Bea Author" in line for line in lines) and not any("Ada Writer" in line for line in lines)


def test_a_damaged_memo_file_is_ignored(tmp_path):
    story = make_story(tmp_path / "book")
    memo_file = tmp_path / "front.memo"
    _run(story, memo_file)
    data = bytearray(memo_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    memo_file.write_bytes(bytes(data))
    _, problems, memo = _run(story, memo_file)
    assert memo.made["yaml"] == 1  # read afresh, not from the damaged file
    assert "colour-picture" in _codes(problems)


def test_the_ebook_cover_follows_the_title_without_drawing_an_unchanged_cover_again(cli, tmp_path, monkeypatch):
    import chapterbook.render.cover as cover

    story = make_story(tmp_path / "book")
    out = tmp_path / "out"
    drawn = []
    real = cover.render_cover
    monkeypatch.setattr(cover, "render_cover", lambda *a, **k: drawn.append(1) or real(*a, **k))

    def ebook_cover() -> bytes:
        result = cli("build", str(story), "--format", "epub", "-o", str(out))
        assert result.code == 0, result.text
        with zipfile.ZipFile(out / "book" / "book.epub") as z:
            return z.read("EPUB/images/cover.jpg" if "EPUB/images/cover.jpg" in z.namelist() else next(n for n in z.namelist() if n.endswith("cover.jpg")))

    first = ebook_cover()
    assert len(drawn) == 1
    text = story.read_text()
    story.write_text(text.replace("Cassie pushed the beach cart.", "Cassie pushed the cart.", 1))  # a chapter edit: same cover
    assert ebook_cover() == first and len(drawn) == 1
    story.write_text(story.read_text().replace("title: The Beach Cart", "title: The Sand Cart"))
    changed = ebook_cover()
    assert len(drawn) == 2 and changed != first


def test_compiled_templates_follow_an_edited_template(tmp_path):
    compiled = tmp_path / "compiled"
    compiled.mkdir()
    root = tmp_path / "book"
    (root / "templates" / "markdown").mkdir(parents=True)
    mine = root / "templates" / "markdown" / "manuscript.md.j2"
    try:
        templating.keep_compiled(compiled)
        mine.write_text("first {{ x }}\n")
        assert templating.render("markdown/manuscript.md.j2", {"x": 1}, root) == "first 1\n"
        assert list(compiled.iterdir())  # the compiled code was kept
        templating.keep_compiled(None)
        templating.keep_compiled(compiled)  # a new process, as far as the environments go
        mine.write_text("second {{ x }}\n")
        assert templating.render("markdown/manuscript.md.j2", {"x": 2}, root) == "second 2\n"
    finally:
        templating.keep_compiled(None)


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_template_hash_is_the_loaders_without_jinja(tmp_path, line_end):
    root = tmp_path / "book"
    (root / "templates" / "html").mkdir(parents=True)
    (root / "templates" / "html" / "preview.html.j2").write_bytes(f"<p>{{{{ x }}}}</p>{line_end}two{line_end}".encode())
    env = templating.environment(root)
    for name in ("html/preview.html.j2", "markdown/manuscript.md.j2"):
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        import hashlib

        assert templating.template_hash(name, root) == (str(filename), hashlib.sha256(source.encode("utf-8")).hexdigest())


def test_an_illustration_marker_added_to_a_chapter_is_checked(tmp_path):
    story = make_story(tmp_path / "book")
    memo_file = tmp_path / "front.memo"
    _, before, _ = _run(story, memo_file)
    assert not [p for p in before if "names no illustration" in p.message]
    story.write_text(story.read_text().replace("[illustration: cart]", "[illustration: crat]"))
    _, after, memo = _run(story, memo_file)
    found = [p for p in after if "names no illustration" in p.message]
    assert memo.made["markers"] == 1 and len(found) == 1 and "did you mean 'cart'" in found[0].message


def test_validate_uses_the_last_builds_memo_without_writing_and_sees_a_changed_picture(cli, tmp_path, monkeypatch):
    story = make_story(tmp_path / "book")
    monkeypatch.chdir(tmp_path)  # validate reads output/<book>/ of the working folder, as build writes it
    assert cli("build", str(story), "--format", "md").code == 0
    memo_file = tmp_path / "output" / "book" / ".cache" / "front.memo"
    kept = memo_file.read_bytes()
    first = cli("validate", str(story))
    assert first.code == 0 and "colour" in first.err
    from PIL import Image

    picture = story.parent / "images" / "cart.png"
    Image.open(picture).convert("L").convert("RGB").save(picture)
    second = cli("validate", str(story))
    assert second.code == 0 and "in colour" not in second.err
    assert memo_file.read_bytes() == kept


def test_text_outside_the_grammar_added_to_a_chapter_is_reported(tmp_path):
    story = make_story(tmp_path / "book")
    memo_file = tmp_path / "front.memo"
    _, before, _ = _run(story, memo_file)
    assert "outside-grammar" not in _codes(before)
    story.write_text(story.read_text().replace("[illustration: cart]", "[illustration: cart]\n\n      | a | table |\n      |---|---|\n      | 1 | 2 |"))
    _, after, memo = _run(story, memo_file)
    assert memo.made["grammar"] == 1
    assert [p for p in after if p.code == "outside-grammar" and p.path == "chapters[0].text"]


def test_a_character_the_font_lacks_added_to_one_chapter_is_found_there(tmp_path):
    story = make_story(tmp_path / "book", chapters=["\n\n".join([PARAGRAPH] * 2 + [f"This is part {n}."]) for n in ("one", "two")])
    memo_file = tmp_path / "front.memo"
    _, before, memo = _run(story, memo_file)
    assert memo.made["glyphs"] == 2 and "missing-glyph" not in _codes(before)
    text = story.read_text()
    story.write_text(text.replace("This is part two.", "This is part two \u2603."))
    _, after, memo = _run(story, memo_file)
    assert memo.made["glyphs"] == 1
    found = [p for p in after if p.code == "missing-glyph"]
    assert len(found) == 1 and "U+2603" in found[0].message and "chapter 2" in found[0].message
    assert found[0].where.line == next(i for i, t in enumerate(story.read_text().splitlines(), 1) if "\u2603" in t)
