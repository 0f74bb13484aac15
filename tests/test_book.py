"""The one placement rule every format follows (book.chapter_flow)."""

from __future__ import annotations

from chapterbook.book import book_view, chapter_flow
from chapterbook.spec.load import load_story
from conftest import BROKEN


def _story(tmp_path, illustrations: str, text: str):
    source = (
        (BROKEN / "valid/story.yaml")
        .read_text()
        .replace(
            "    text: |\n      Maya rolled a ball across the floor. It kept going!\n",
            illustrations + "    text: |\n" + "".join(f"      {line}\n" for line in text.splitlines()),
        )
    )
    (tmp_path / "story.yaml").write_text(source)
    return load_story(tmp_path / "story.yaml")


def test_marked_then_after_paragraph_then_end_in_spec_order(tmp_path):
    story = _story(
        tmp_path,
        "    illustrations:\n"
        "      - {id: open, brief: o, placement: opener}\n"
        "      - {id: a, brief: a, after_paragraph: 1}\n"
        "      - {id: b, brief: b, after_paragraph: 1}\n"
        "      - {id: end, brief: e}\n"
        "      - {id: here, brief: h}\n",
        "One.\n\n[illustration: here]\n\nTwo.\n\n[illustration: free brief from a draft]\n\n## Heading",
    )
    opener, flow = chapter_flow(story, 0)
    assert opener.id == "open"
    got = [(i.kind, i.illustration.id if i.illustration else i.text) for i in flow]
    assert got == [
        ("paragraph", "One."),
        ("illustration", "a"),
        ("illustration", "b"),
        ("illustration", "here"),
        ("paragraph", "Two."),
        ("marker", "free brief from a draft"),
        ("heading", "Heading"),
        ("illustration", "end"),
    ]
    # Manuscript and preview print every block of the text (a heading too: issue #15, it used to
    # vanish from them); a free brief naming no slot is only a PDF placeholder.
    view_kinds = [i.kind for i in book_view(story).chapters[0].flow]
    assert "marker" not in view_kinds and "heading" in view_kinds and view_kinds.count("illustration") == 4
