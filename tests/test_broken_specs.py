"""Each folder in broken_specs/ is one mistake an author makes, with the exact message it must produce."""

from __future__ import annotations

import shutil

import pytest

from conftest import BROKEN

CASES = sorted(p.name for p in BROKEN.iterdir() if (p / "expected.txt").exists())


def test_every_mistake_the_issue_names_has_a_case():
    wanted = {
        "bad-yaml-syntax",
        "wrong-type",
        "unknown-field",
        "bad-isbn",
        "dangling-reference",
        "duplicate-id",
        "missing-file",
        "tab-indentation",
        "empty-file",
        "alias-bomb",
        "non-utf8",
    }
    assert wanted <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_broken_spec_gives_its_exact_message(case, cli, tmp_path):
    folder = tmp_path / case
    shutil.copytree(BROKEN / case, folder)
    expected = (folder / "expected.txt").read_text(encoding="utf-8")
    result = cli("validate", "story.yaml", cwd=folder)
    got = result.out + result.err + f"exit {result.code}\n"
    assert got == expected
    assert "Traceback" not in got


def test_valid_base_spec_is_clean(cli):
    result = cli("validate", "story.yaml", cwd=BROKEN / "valid")
    assert result.code == 0, result.text
    assert "OK" in result.out and result.err == ""


def test_ten_megabyte_file_is_refused_before_parsing(cli, tmp_path):
    spec = tmp_path / "story.yaml"
    with open(spec, "w", encoding="utf-8") as fh:
        fh.write("spec_version: 1\nbook:\n  title: Big\n  description: |\n")
        line = "    " + "word " * 19 + "\n"
        while fh.tell() < 10 * 1024 * 1024:
            fh.write(line)
    result = cli("validate", "story.yaml", cwd=tmp_path)
    assert result.code == 1
    assert result.err.startswith("story.yaml: error: the file is 10.5 MB; a story spec is normally under 0.5 MB and at most 2 MB")
    assert "text_file" in result.err


def test_alias_bomb_refused_without_expanding(tmp_path):
    # Twelve levels of nine: 9**12 (~282 billion) values if expanded.
    lines = ["spec_version: 1", 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 12):
        lines.append(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]")
    lines.append("book: *l11")
    (tmp_path / "story.yaml").write_text("\n".join(lines) + "\n")
    from chapterbook.errors import SpecError
    from chapterbook.spec.load import load_story

    with pytest.raises(SpecError) as info:
        load_story(tmp_path / "story.yaml")
    assert info.value.problems()[0].code == "alias-bomb"


def test_all_problems_in_a_file_are_reported_in_one_run(cli, tmp_path):
    (tmp_path / "story.yaml").write_text(
        "spec_version: 1\nbook:\n  titel: X\n  authors: [A]\n  isbn: 978-0-306-40615-6\nchapters:\n  - title: One\n    beats: nope\n    colour: red\n",
        encoding="utf-8",
    )
    result = cli("validate", "story.yaml", cwd=tmp_path)
    assert result.code == 1
    for expected in (
        "story.yaml:2:1: error: book.title: 'title' is required here but missing",
        "story.yaml:3:3: error: book.titel: unknown field 'titel' — did you mean 'title'?",
        "story.yaml:5:3: error: book.isbn: ISBN '978-0-306-40615-6' has a wrong check digit",
        "story.yaml:8:5: error: chapters[0].beats: expected a list (lines starting with '- '), found 'nope'",
        "story.yaml:9:5: error: chapters[0].colour: unknown field 'colour'",
    ):
        assert expected in result.err
