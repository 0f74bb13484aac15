"""Collecting versions: human text, draft runs (with failures) and pasted files in every format."""

from __future__ import annotations

import pytest

from chapterbook.compare.versions import collect, latest_run, pasted_versions, run_versions
from chapterbook.errors import UsageError
from chapterbook.spec.load import load_story
from compare_fixtures import dedent, make_run, make_story

THREE = """\
spec_version: 1
book: {title: Three, authors: [A]}
chapters:
  - {title: The Beach Cart, text: "Cassie pushed the cart."}
  - {title: Sand Castles, text: "The sand was soft."}
  - {title: Going Home, text: "They went home."}
"""


@pytest.fixture
def story(tmp_path):
    return load_story(make_story(tmp_path, story=THREE))


def paste(tmp_path, text):
    p = tmp_path / "pasted.md"
    p.write_text(dedent(text), encoding="utf-8")
    return p


def chapters_of(got):
    return [(v.chapter + 1, v.text.strip().splitlines()[0]) for v in got.versions]


def test_whole_book_with_chapter_n_title_headings(tmp_path, story):
    got = pasted_versions(
        paste(
            tmp_path,
            """
            Here is your story!

            Chapter 1: The Beach Cart
            Cassie pushed the cart hard.

            [Illustration: Cassie pushing a cart]

            Chapter 2: Sand Castles
            They built a castle.

            Chapter 3: Going Home
            The car hummed.
            """,
        ),
        story,
    )
    assert chapters_of(got) == [(1, "Cassie pushed the cart hard."), (2, "They built a castle."), (3, "The car hummed.")]
    assert got.versions[0].illustrations == ["Cassie pushing a cart"]
    assert got.versions[0].title == "The Beach Cart"
    # The chat window's chatter before the first chapter is reported, not compared.
    assert any("could not be matched" in n for n in got.notes)


def test_markdown_headings_matched_by_title(tmp_path, story):
    got = pasted_versions(
        paste(
            tmp_path,
            """
            # Sand castles!

            They built a castle.

            ## The beach cart

            Cassie pushed the cart.
            """,
        ),
        story,
    )
    assert chapters_of(got) == [(1, "Cassie pushed the cart."), (2, "They built a castle.")]
    assert got.versions[0].origin["matched_by"] == "title"


def test_markdown_chapter_headings_with_number_words_and_bold(tmp_path, story):
    got = pasted_versions(
        paste(
            tmp_path,
            """
            ## Chapter Two – A Different Title
            They built a castle.

            **Chapter 3: Going Home**
            The car hummed.
            *[Illustration: the car at night]*
            """,
        ),
        story,
    )
    assert chapters_of(got) == [(2, "They built a castle."), (3, "The car hummed.")]
    assert got.versions[1].illustrations == ["the car at night"]


def test_one_chapter_without_heading_needs_chapter_option(tmp_path, story):
    p = paste(tmp_path, "Cassie pushed the cart. It rolled.\n")
    with pytest.raises(UsageError) as err:  # exit 2: which chapter it is, is for the command line to say (issue #18)
        pasted_versions(p, story)
    assert "has no chapter heading" in str(err.value) and "--chapter" in str(err.value)
    got = pasted_versions(p, story, chapter=2)
    assert chapters_of(got) == [(2, "Cassie pushed the cart. It rolled.")]


def test_one_chapter_with_only_a_title_heading(tmp_path, story):
    got = pasted_versions(paste(tmp_path, "# Going Home\n\nThe car hummed.\n"), story)
    assert chapters_of(got) == [(3, "The car hummed.")]


def test_chapter_number_outside_story_is_reported(tmp_path, story):
    got = pasted_versions(paste(tmp_path, "Chapter 1: The Beach Cart\nA.\n\nChapter 9: Extra\nB.\n"), story)
    assert chapters_of(got) == [(1, "A.")]
    assert any("'Chapter 9' is not in this story (it has 3 chapters)" in n for n in got.notes)


def test_number_and_title_disagree_is_noted(tmp_path, story):
    got = pasted_versions(paste(tmp_path, "Chapter 1: Going Home\nA.\n"), story)
    assert chapters_of(got) == [(1, "A.")]
    assert any("title of chapter 3" in n for n in got.notes)


def test_chapter_option_refuses_a_whole_book(tmp_path, story):
    p = paste(tmp_path, "Chapter 1: The Beach Cart\nA.\n\nChapter 2: Sand Castles\nB.\n")
    with pytest.raises(UsageError):
        pasted_versions(p, story, chapter=1)


def test_missing_pasted_file_is_a_usage_error(tmp_path, story):
    with pytest.raises(UsageError, match="there is no file"):
        pasted_versions(tmp_path / "nope.md", story)


def test_run_folder_keeps_failed_drafts(tmp_path):
    load_story(make_story(tmp_path))  # the story the run belongs to must load
    run = make_run(tmp_path / "out")
    got = run_versions(run, 2)
    assert sorted(v.label for v in got.versions) == ["good-model #1", "weak-model #1"]
    assert [(f.chapter, f.label, f.status, f.error) for f in got.failed] == [(1, "weak-model #1", "refusal", "declined")]
    weak = next(v for v in got.versions if v.label == "weak-model #1")
    assert weak.title == "The Magical Beach Day"
    assert not weak.text.startswith("#")
    assert weak.origin["run"] == run.name
    assert weak.illustrations == ["Cassie and Caleb at the beach, looking at the ocean"]


def test_latest_run_is_the_max_name(tmp_path):
    root = tmp_path / "drafts"
    for name in ("20260101T000000Z", "20261126T040000Z", "20250505T000000Z"):
        (root / name).mkdir(parents=True)
    assert latest_run(root).name == "20261126T040000Z"
    assert latest_run(tmp_path / "none") is None


def test_collect_without_drafts_says_how_to_make_some(tmp_path):
    story = load_story(make_story(tmp_path))
    got = collect(story, None, tmp_path / "out" / "tiny")
    assert [v.label for v in got.versions] == ["human", "human"]
    assert "no drafts were found" in got.notes[0]
    assert "chapterbook draft" in got.notes[0] and "--drafts pasted.md" in got.notes[0]


def test_collect_uses_latest_run_and_puts_human_first(tmp_path):
    story = load_story(make_story(tmp_path))
    make_run(tmp_path / "out")
    got = collect(story, None, tmp_path / "out" / "tiny")
    assert [(v.chapter, v.label) for v in got.versions] == [
        (0, "human"),
        (0, "good-model #1"),
        (0, "weak-model #1"),
        (1, "human"),
    ]
