"""Every path a story names goes through one check: inside the story folder, a regular file, no link leaving it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from conftest import BROKEN

FONTS = Path(__file__).resolve().parents[1] / "src" / "chapterbook" / "fonts"
TEXT = "    text: |\n      Maya rolled a ball across the floor. It kept going!\n"


@pytest.fixture
def story(tmp_path):
    folder = tmp_path / "book"
    folder.mkdir()
    shutil.copy(BROKEN / "valid" / "story.yaml", folder / "story.yaml")
    return folder


def _edit(folder: Path, old: str, new: str) -> None:
    spec = folder / "story.yaml"
    text = spec.read_text(encoding="utf-8")
    assert old in text
    spec.write_text(text.replace(old, new), encoding="utf-8")


def _image(folder: Path, rel: str) -> None:
    _edit(folder, TEXT, f"    illustrations:\n      - id: ball\n        brief: A ball.\n        image: {rel}\n" + TEXT)


def test_template_linked_outside_the_story_is_refused_and_not_printed(story, cli, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:the password file\n", encoding="utf-8")
    (story / "templates" / "markdown").mkdir(parents=True)
    os.symlink(secret, story / "templates" / "markdown" / "manuscript.md.j2")
    checked = cli("validate", "story.yaml", cwd=story)
    assert checked.code == 1
    assert "templates/markdown/manuscript.md.j2: error: template path 'templates/markdown/manuscript.md.j2' leaves the story folder" in checked.err
    built = cli("build", "story.yaml", "--format", "md", "-o", str(tmp_path / "out"), cwd=story)
    assert built.code == 1 and "leaves the story folder" in built.err
    assert "root:x" not in built.text
    for file in (tmp_path / "out").rglob("*") if (tmp_path / "out").exists() else []:
        assert "root:x" not in file.read_text(encoding="utf-8", errors="replace")


def test_template_rendered_directly_is_confined_too(story, tmp_path):
    from chapterbook import templating
    from chapterbook.errors import ChapterbookError

    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n", encoding="utf-8")
    (story / "templates" / "markdown").mkdir(parents=True)
    os.symlink(secret, story / "templates" / "markdown" / "manuscript.md.j2")
    with pytest.raises(ChapterbookError, match="leaves the story folder"):
        templating.render("markdown/manuscript.md.j2", {}, story)


def test_template_linked_inside_the_story_is_used(story, cli, tmp_path):
    (story / "templates" / "markdown").mkdir(parents=True)
    (story / "mine.j2").write_text("# {{ book.title }} (my own template)\n", encoding="utf-8")
    os.symlink(story / "mine.j2", story / "templates" / "markdown" / "manuscript.md.j2")
    built = cli("build", "story.yaml", "--format", "md", "-o", str(tmp_path / "out"), cwd=story)
    assert built.code == 0, built.text
    assert "(my own template)" in (tmp_path / "out" / "book" / "manuscript.md").read_text(encoding="utf-8")


def test_chapter_that_is_a_fifo_is_not_a_regular_file(story, cli):
    (story / "chapters").mkdir()
    os.mkfifo(story / "chapters" / "01.md")  # reading it would hang the run
    _edit(story, TEXT, "    text_file: chapters/01.md\n")
    result = cli("validate", "story.yaml", cwd=story)
    assert result.code == 1
    assert "chapter file 'chapters/01.md' is not a regular file (it is a pipe, socket or device)" in result.err


def test_image_that_is_a_folder_or_fifo(story, cli):
    (story / "images" / "ball.png").mkdir(parents=True)
    _image(story, "images/ball.png")
    result = cli("validate", "story.yaml", cwd=story)
    assert "image file 'images/ball.png' is a folder, not a file" in result.err and "does not exist" not in result.err
    (story / "images" / "ball.png").rmdir()
    os.mkfifo(story / "images" / "ball.png")
    result = cli("validate", "story.yaml", cwd=story)
    assert "image file 'images/ball.png' is not a regular file" in result.err and result.code == 1


def test_font_that_is_a_folder_or_fifo(story, cli):
    (story / "fonts" / "Kid.ttf").mkdir(parents=True)
    (story / "story.yaml").write_text((story / "story.yaml").read_text() + "layout:\n  font: fonts/Kid.ttf\n")
    result = cli("validate", "story.yaml", cwd=story)
    assert "font file 'fonts/Kid.ttf' is a folder, not a file" in result.err and result.code == 1
    (story / "fonts" / "Kid.ttf").rmdir()
    os.mkfifo(story / "fonts" / "Kid.ttf")
    result = cli("validate", "story.yaml", cwd=story)
    assert "font file 'fonts/Kid.ttf' is not a regular file" in result.err and result.code == 1


@pytest.mark.parametrize("field", ["chapter", "image", "font", "cover", "portrait"])
def test_links_leaving_the_story_are_refused_for_every_kind(field, story, cli, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    Image.new("RGB", (2000, 3000), "white").save(outside / "pic.png")
    shutil.copy(FONTS / "Andika-Regular.ttf", outside / "font.ttf")
    (outside / "text.md").write_text("Secret text.\n", encoding="utf-8")
    (story / "linked").mkdir()
    for name in ("pic.png", "font.ttf", "text.md"):
        os.symlink(outside / name, story / "linked" / name)
    spec = story / "story.yaml"
    if field == "chapter":
        _edit(story, TEXT, "    text_file: linked/text.md\n")
    elif field == "image":
        _image(story, "linked/pic.png")
    elif field == "font":
        spec.write_text(spec.read_text() + "layout:\n  font: linked/font.ttf\n")
    elif field == "cover":
        spec.write_text(spec.read_text() + "layout:\n  cover_image: linked/pic.png\n")
    else:
        spec.write_text(spec.read_text() + "scientists:\n  - id: newton\n    name: Isaac Newton\n    portrait: linked/pic.png\n")
    result = cli("validate", "story.yaml", cwd=story)
    assert result.code == 1, result.text
    assert "leaves the story folder" in result.err


def test_new_refuses_a_title_with_a_line_break(cli, tmp_path):
    result = cli("new", str(tmp_path / "book"), "--title", "Line one\nline two: oops")
    assert result.code == 2
    assert "line break" in result.err and "Traceback" not in result.text
    assert not (tmp_path / "book" / "story.yaml").exists()


def test_new_keeps_an_odd_but_one_line_title(cli, tmp_path):
    title = 'The "Magnet": # not a comment'
    assert cli("new", str(tmp_path / "book"), "--title", title).code == 0
    result = cli("validate", str(tmp_path / "book" / "story.yaml"))
    assert result.code == 0, result.text
    from chapterbook.spec.load import load_story

    assert load_story(tmp_path / "book" / "story.yaml").spec.book.title == title


def test_new_in_a_folder_whose_name_has_a_line_break(cli, tmp_path):
    folder = tmp_path / "my\nbook"
    assert cli("new", str(folder)).code == 0
    result = cli("validate", str(folder / "story.yaml"))
    assert result.code == 0, result.text
