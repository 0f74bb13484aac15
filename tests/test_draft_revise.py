"""draft --revise RUN against the fake server: the parent link, the revision prompt, cache/replay, bad paths,
and compare's before/after of the revised run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chapterbook.cli import main
from compare_fixtures import WEAK_DRAFT, make_story
from fake_openai import FakeOpenAI, Reply

REVISED = [
    "Cassie pushed the beach cart. It rolled down the path and kept moving.",
    '"Why does it keep going?" asked Caleb. "Because of inertia," said Mom. "A moving object keeps moving until a force stops it."',
    "The cart stood still at the end. An object at rest stays still until a push or pull moves it.",
    "Caleb sat in the cart. Heavier things need a bigger push to start moving, so Cassie pushed hard.",
    "Can you push a toy car and watch it roll? Try it!",
]


def _runs(out: Path) -> list[Path]:
    return sorted(p for p in (out / "tiny" / "drafts").iterdir() if p.is_dir())


@pytest.fixture
def book(tmp_path, monkeypatch):
    """A story, a first draft run of chapter 1 (the weak draft), and a server that revises to REVISED."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    story = make_story(tmp_path)
    out = tmp_path / "out"
    with FakeOpenAI() as server:
        server.rule("Revise Chapter", Reply.revised("The Beach Cart", REVISED))
        server.default = Reply.text(WEAK_DRAFT)
        base = ["--base-url", server.base_url, "--output", str(out)]
        assert main(["draft", str(story), "--model", "m", "--chapters", "1", *base]) == 0
        yield story, out, server, base


def test_revise_makes_a_run_that_names_its_parent_and_sends_the_findings(book):
    story, out, server, base = book
    (parent,) = _runs(out)
    sent = server.count
    assert main(["draft", str(story), "--revise", str(parent), *base]) == 0
    assert server.count == sent + 1
    revised = next(p for p in _runs(out) if p != parent)
    record = json.loads((revised / "run.json").read_text(encoding="utf-8"))
    assert record["parent"] == {"run_id": parent.name, "folder": str(parent)}
    (draft,) = record["drafts"]
    assert draft["status"] == "ok" and draft["model"] == "m"  # revised by the model that wrote it
    assert draft["revises"] == "chapter-01.m.s1.md"
    assert (revised / draft["file"]).read_text(encoding="utf-8").startswith("# The Beach Cart\n\n" + REVISED[0])

    prompt = next(m["content"] for m in server.requests[-1]["messages"] if m["role"] == "user")
    assert "Revise Chapter 1: The Beach Cart" in prompt
    assert "The waves whispered secrets. Seagulls danced in the sky." in prompt  # the draft itself
    assert "# The Magical Beach Day" in prompt
    # Its own findings, in plain words.
    assert "This fact is missing; state it plainly: “A moving object keeps moving until a force stops it.”" in prompt
    assert "The key term “inertia” is never used" in prompt
    assert "There is no challenge to the reader" in prompt
    assert "blood" in prompt.split("Problems found in the draft:")[1].split("<draft>")[0]  # the injury, quoted
    assert draft["prompt"]["template_sources"] == {"prompts/system.md.j2": "chapterbook", "prompts/revise.md.j2": "chapterbook"}


def test_revision_is_cached_and_replayable(book):
    story, out, server, base = book
    (parent,) = _runs(out)
    assert main(["draft", str(story), "--revise", str(parent), *base]) == 0
    sent = server.count
    assert main(["draft", str(story), "--revise", str(parent), *base]) == 0
    assert main(["draft", str(story), "--revise", str(parent), "--replay", *base]) == 0
    assert server.count == sent  # both answered from the cache: 0 requests
    last = json.loads((_runs(out)[-1] / "run.json").read_text(encoding="utf-8"))
    assert last["drafts"][0]["cached"] is True and last["requests_sent"] == 0 and last["parent"]["run_id"] == parent.name


def test_compare_shows_original_to_revised_and_what_was_fixed(book, capsys):
    story, out, _server, base = book
    (parent,) = _runs(out)
    assert main(["draft", str(story), "--revise", str(parent), *base]) == 0
    revised = next(p for p in _runs(out) if p != parent)
    capsys.readouterr()
    assert main(["compare", str(story), "--drafts", str(revised), "--output", str(out)]) == 0
    shown = capsys.readouterr().out
    assert f"revision m #1 of m #1 (run {parent.name})" in shown
    assert "Facts stated" in shown and "0 of 3 → 3 of 3" in " ".join(shown.split())
    assert "fixed: This fact is missing; state it plainly: “Heavier things need a bigger push to start moving.”" in shown
    assert "fixed: The key term “inertia” is never used" in shown

    data = json.loads((out / "tiny" / "compare" / "metrics.json").read_text(encoding="utf-8"))
    assert data["revises_run"] == parent.name
    (pair,) = data["chapters"][0]["revisions"]
    assert pair["revises"]["file"].endswith(f"{parent.name}/chapter-01.m.s1.md")
    facts = next(m for m in pair["metrics"] if m["metric"] == "Facts stated")
    assert (facts["original"], facts["revised"], facts["changed"]) == ("0 of 3", "3 of 3", True)
    fixed = {f["key"] for f in pair["fixed"]}
    assert {"term:inertia", "term:force", "no-challenge"} <= fixed
    assert any(k.startswith("fact:") for k in fixed) and any(k.startswith("event:") for k in fixed)
    assert not any(f["key"].startswith("fact:") for f in pair["left"])
    html = (out / "tiny" / "compare" / "report.html").read_text(encoding="utf-8")
    assert "Revision: m #1 (run " in html and "<td>0 of 3</td><td>→</td>" in html.replace(' class=""', "").replace(' class="out"', "")
    assert "Fixed</b> (" in html and "Left</b> (" in html


def test_compare_says_which_findings_the_revision_left(book, capsys):
    story, out, server, base = book
    (parent,) = _runs(out)
    # A revision that only adds the challenge: the missing facts are left.
    server._rules.clear()
    server.rule("Revise Chapter", Reply.revised("The Beach Cart", ["The sun was warm at the beach.", "Can you find a shell? Try it!"]))
    assert main(["draft", str(story), "--revise", str(parent), *base]) == 0
    revised = next(p for p in _runs(out) if p != parent)
    assert main(["compare", str(story), "--drafts", str(revised), "--output", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "left: This fact is missing; state it plainly: “A moving object keeps moving until a force stops it.”" in shown
    assert "fixed: There is no challenge to the reader" in shown
    (pair,) = json.loads((out / "tiny" / "compare" / "metrics.json").read_text(encoding="utf-8"))["chapters"][0]["revisions"]
    assert "no-challenge" in {f["key"] for f in pair["fixed"]}
    assert {"term:inertia", "term:force"} <= {f["key"] for f in pair["left"]}


def test_the_author_can_override_the_revision_prompt(book):
    story, out, server, base = book
    (parent,) = _runs(out)
    own = story.parent / "templates" / "prompts"
    own.mkdir(parents=True)
    (own / "revise.md.j2").write_text(
        "Revise Chapter {{ chapter.number }}: {{ chapter.title }}\nFIX:\n{% for f in findings %}* {{ f }}\n{% endfor %}TEXT:\n{{ draft.text }}\n",
        encoding="utf-8",
    )
    assert main(["draft", str(story), "--revise", str(parent), *base]) == 0
    prompt = server.requests[-1]["messages"][-1]["content"]
    assert prompt.startswith("Revise Chapter 1: The Beach Cart\nFIX:\n* ") and "TEXT:\nOnce upon a time" in prompt


def test_bad_revise_paths_are_usage_errors(book, tmp_path, capsys):
    story, out, server, base = book
    (parent,) = _runs(out)
    sent = server.count
    not_a_run = tmp_path / "just-a-folder"
    not_a_run.mkdir()
    assert main(["draft", str(story), "--revise", str(not_a_run), *base]) == 2
    assert "is not a draft run folder (it has no run.json)" in capsys.readouterr().err
    assert main(["draft", str(story), "--revise", str(tmp_path / "nowhere"), *base]) == 2
    assert "there is no folder" in capsys.readouterr().err
    # A run of another book: same shape, other title.
    other = tmp_path / "other-run"
    other.mkdir()
    record = json.loads((parent / "run.json").read_text(encoding="utf-8"))
    record["book"] = "The Push Book"
    (other / "run.json").write_text(json.dumps(record), encoding="utf-8")
    assert main(["draft", str(story), "--revise", str(other), *base]) == 2
    err = capsys.readouterr().err
    assert "holds drafts of another book (“The Push Book”)" in err and "Traceback" not in err
    assert main(["draft", str(story), "--revise", str(parent), "--model", "a", "--model", "b", *base]) == 2
    assert "--revise takes at most one --model" in capsys.readouterr().err
    assert main(["draft", str(story), "--revise", str(parent), "-n", "2", *base]) == 2
    assert "leave out -n" in capsys.readouterr().err
    assert server.count == sent  # nothing was sent for any of them
    assert _runs(out) == [parent]  # and no run folder was made


def test_another_model_can_revise_and_a_draft_with_nothing_to_fix_is_not_sent(book, capsys):
    story, out, server, base = book
    (parent,) = _runs(out)
    assert main(["draft", str(story), "--revise", str(parent), "--model", "editor", *base]) == 0
    revised = _runs(out)[-1]
    (draft,) = json.loads((revised / "run.json").read_text(encoding="utf-8"))["drafts"]
    assert (draft["model"], draft["file"], draft["revises"]) == ("editor", "chapter-01.editor.s1.md", "chapter-01.m.s1.md")
    assert server.requests[-1]["model"] == "editor"
    # The revision of the revision: compare finds only the near copy of the author's text, so it is sent again;
    # a draft with no finding at all is not sent.
    sent = server.count
    clean = [
        "Cassie and Caleb took the beach cart out. It would not budge.",
        "It stays still until a push or pull moves it, said Mom. An object at rest stays still until a push or pull moves it.",
        "A moving object keeps moving until a force stops it. That is inertia.",
        "Heavier things need a bigger push to start moving, so Caleb got out.",
        "Can you roll a ball across the floor? Try it!",
    ]
    server._rules.clear()
    server.rule("Revise Chapter", Reply.revised("The Beach Cart", clean))
    assert main(["draft", str(story), "--revise", str(revised), *base]) == 0
    again = _runs(out)[-1]
    capsys.readouterr()
    assert server.count == sent + 1
    assert main(["draft", str(story), "--revise", str(again), *base]) == 0
    assert server.count == sent + 1 and _runs(out)[-1] == again  # nothing sent, no run folder made
    shown = capsys.readouterr()
    assert "compare found nothing to fix" in shown.err and "nothing to revise" in shown.out
