"""The spec model, loader and lint, below the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chapterbook.errors import SpecError
from chapterbook.spec import migrate as migrate_module
from chapterbook.spec.lint import lint
from chapterbook.spec.load import load_story
from chapterbook.spec.models import CURRENT_SPEC_VERSION, Book, isbn13_is_valid
from conftest import BROKEN, STORIES


def _check_digit(first12: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


@given(st.sampled_from(["978", "979"]), st.text("0123456789", min_size=9, max_size=9))
def test_isbn_with_correct_check_digit_is_accepted_with_hyphens(prefix, body):
    digits = prefix + body
    isbn = digits + _check_digit(digits)
    book = Book(title="T", authors=["A"], isbn=f"{isbn[:3]}-{isbn[3]}-{isbn[4:9]}-{isbn[9:12]}-{isbn[12]}")
    assert book.isbn == isbn


@given(st.text("0123456789", min_size=9, max_size=9), st.integers(1, 9))
def test_isbn_with_any_wrong_check_digit_is_refused(body, delta):
    digits = "978" + body
    wrong = str((int(_check_digit(digits)) + delta) % 10)
    assert not isbn13_is_valid(digits + wrong)
    with pytest.raises(ValueError, match="wrong check digit"):
        Book(title="T", authors=["A"], isbn=digits + wrong)


def test_sample_books_are_clean():
    for name in ("beach-ride-quest", "magnet-mystery"):
        story = load_story(STORIES / name / "story.yaml")
        assert lint(story) == [], name
    beach = load_story(STORIES / "beach-ride-quest")
    assert len(beach.spec.chapters) == 3
    words = [len(t.text.split()) for t in beach.texts if t]
    assert all(650 <= w <= 1050 for w in words), words


def test_positions_point_into_chapter_files_and_inline_text(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters/01.md").write_text("Short one.\n\nThis sentence is far too long for a young reader to follow in one breath.\n")
    (tmp_path / "story.yaml").write_text(
        (BROKEN / "valid/story.yaml").read_text().replace("max_words_per_sentence", "x")
        + "  - title: Two\n    text_file: chapters/01.md\n"
        + "reading_level:\n  max_words_per_sentence: 8\n"
    )
    problems = {(p.code, str(p.where)) for p in lint(load_story(tmp_path / "story.yaml"))}
    assert ("long-sentence", f"{tmp_path / 'chapters/01.md'}:3:1") in problems


def test_newer_spec_version_is_refused_and_older_is_migrated(tmp_path, monkeypatch):
    source = (BROKEN / "valid/story.yaml").read_text()
    (tmp_path / "story.yaml").write_text(source.replace("spec_version: 1", f"spec_version: {CURRENT_SPEC_VERSION + 1}"))
    with pytest.raises(SpecError, match=f"reads versions up to {CURRENT_SPEC_VERSION}"):
        load_story(tmp_path / "story.yaml")

    # The hook a future v2 will use: a v1 file is upgraded in code, in order.
    def v1_to_v2(data):
        data["book"]["title"] = data["book"]["title"].upper()
        return data

    monkeypatch.setattr(migrate_module, "CURRENT_SPEC_VERSION", 2)
    monkeypatch.setitem(migrate_module.MIGRATIONS, 1, v1_to_v2)
    monkeypatch.setattr("chapterbook.spec.models.CURRENT_SPEC_VERSION", 2)
    data = {"spec_version": 1, "book": {"title": "Slow"}}
    assert migrate_module.migrate(data, Path("x.yaml"), {}) == {"spec_version": 2, "book": {"title": "SLOW"}}


def test_missing_image_and_unknown_marker_are_errors(tmp_path):
    source = (
        (BROKEN / "valid/story.yaml")
        .read_text()
        .replace(
            "    text: |\n      Maya rolled",
            "    illustrations:\n      - id: ball\n        brief: A ball.\n        image: images/ball.png\n"
            "    text: |\n      [illustration: bal]\n\n      Maya rolled",
        )
    )
    (tmp_path / "story.yaml").write_text(source)
    problems = lint(load_story(tmp_path / "story.yaml"))
    messages = [p.message for p in problems]
    assert "image file 'images/ball.png' does not exist" in messages
    assert "[illustration: bal] names no illustration of this chapter — did you mean 'ball'?" in messages


def test_diagram_labels_without_room_are_a_warning_at_their_line(tmp_path):
    source = (
        (BROKEN / "valid/story.yaml")
        .read_text()
        .replace(
            "    text: |\n      Maya rolled",
            "    illustrations:\n      - id: drop\n        brief: A falling ball.\n"
            "        diagram: {kind: gravity, object: ball, labels: [gravity, same time]}\n"
            "    text: |\n      Maya rolled",
        )
    )
    (tmp_path / "story.yaml").write_text(source)
    problems = [p for p in lint(load_story(tmp_path / "story.yaml")) if p.code == "diagram-labels"]
    assert len(problems) == 1
    p = problems[0]
    assert p.severity.value == "warning" and "'same time' is not drawn" in p.message and "room for 1 label" in p.message
    assert "labels: [gravity, same time]" in (tmp_path / "story.yaml").read_text().splitlines()[p.where.line - 1]


def test_a_second_object_only_action_reaction_draws_is_a_warning_at_its_line(tmp_path):
    source = (
        (BROKEN / "valid/story.yaml")
        .read_text()
        .replace(
            "    text: |\n      Maya rolled",
            "    illustrations:\n      - id: drop\n        brief: A falling ball.\n"
            "        diagram:\n          kind: ramp\n          object: ball\n          other_object: Earth\n"
            "      - id: push\n        brief: Two skaters push apart.\n"
            "        diagram: {kind: action_reaction, object: Maya, other_object: Sam}\n"
            "    text: |\n      Maya rolled",
        )
    )
    (tmp_path / "story.yaml").write_text(source)
    problems = [p for p in lint(load_story(tmp_path / "story.yaml")) if p.code == "diagram-labels"]
    assert len(problems) == 1  # the action_reaction diagram draws both: no warning for it
    p = problems[0]
    assert p.severity.value == "warning" and "other_object 'Earth' is not drawn" in p.message and "action_reaction" in p.hint
    assert (tmp_path / "story.yaml").read_text().splitlines()[p.where.line - 1].strip() == "other_object: Earth"


def test_no_spec_field_defaults_through_a_builtin_and_each_gets_its_own_list():
    """Pydantic asks each default factory for its signature, parsed from text for a builtin (spec.base.empty_list)."""
    import inspect

    from pydantic import BaseModel

    from chapterbook.spec.models import Chapter, StorySpec

    seen: set[type] = set()

    def walk(model: type[BaseModel]) -> list[str]:
        if model in seen:
            return []
        seen.add(model)
        bad = [
            f"{model.__name__}.{name}"
            for name, f in model.model_fields.items()
            if f.default_factory in (list, dict, set, tuple) or inspect.isbuiltin(f.default_factory)
        ]
        for f in model.model_fields.values():
            for arg in [f.annotation, *getattr(f.annotation, "__args__", ())]:
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    bad += walk(arg)
        return bad

    assert walk(StorySpec) == []
    assert len(seen) > 10
    a, b = Chapter(title="A"), Chapter(title="B")
    a.questions.append("Why?")
    assert b.questions == []
