"""The report for a sample story: columns, highlights, escaping, self-containment, CLI."""

from __future__ import annotations

import json
import re

from chapterbook.cli import main
from chapterbook.compare import compare
from chapterbook.spec.load import load_story
from compare_fixtures import HUMAN_1, STORY, make_run, make_story


def build(tmp_path, human=HUMAN_1, run=True):
    story = load_story(make_story(tmp_path, human=human))
    if run:
        make_run(tmp_path / "out")
    return compare(story, output_root=tmp_path / "out")


def test_report_has_columns_highlights_and_verdicts(tmp_path):
    result = build(tmp_path)
    html = result.report.read_text(encoding="utf-8")
    assert result.report == tmp_path / "out" / "tiny" / "compare" / "report.html"
    ch1 = html.split('id="chapter-1"')[1].split('id="chapter-2"')[0]
    # One column per version, human first, side by side.
    assert re.findall(r"<article class=\"col\">\s*<h3>([^<]+)</h3>", ch1) == ["human", "good-model #1", "weak-model #1"]
    # Key terms are highlighted, in inflected forms too.
    assert '<mark class="term" title="key term: inertia">inertia</mark>' in ch1
    assert '<mark class="term" title="key term: force">force</mark>' in ch1
    # Plain-words verdicts.
    assert "teaches no science: 0 of 3 facts stated" in ch1
    assert "scary for the age: monster, screamed" in ch1
    assert "violent: blood" in ch1
    assert "clichés: once upon a time" in ch1
    # The failed draft of chapter 2 is shown, with its status.
    ch2 = html.split('id="chapter-2"')[1]
    assert "weak-model #1" in ch2 and "no draft: refusal (declined)" in ch2
    # Metrics table with targets coloured in and out.
    assert '<td class="target">≤ 10.0</td>' in ch1
    assert 'class="in"' in ch1 and 'class="out"' in ch1


def test_report_is_self_contained(tmp_path):
    html = build(tmp_path).report.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html, re.I)
    assert "@import" not in html and "url(" not in html
    assert "<style>" in html


def test_story_text_is_escaped(tmp_path):
    evil = HUMAN_1 + '\n<script>alert("x")</script> and <b onmouseover="x">inertia</b> & more.\n'
    html = build(tmp_path, human=evil, run=False).report.read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(" in html
    assert "<b onmouseover" not in html
    assert "&amp; more" in html


def test_metrics_json_records_every_version(tmp_path):
    result = build(tmp_path)
    data = json.loads(result.metrics.read_text(encoding="utf-8"))
    ch1 = data["chapters"][0]
    labels = [v["label"] for v in ch1["versions"]]
    assert labels == ["human", "good-model #1", "weak-model #1"]
    weak = ch1["versions"][2]["metrics"]
    assert weak["science"]["facts_stated"] == 0
    assert weak["safety"]["flags"]["scary"] == ["monster", "screamed"]
    good = ch1["versions"][1]["metrics"]
    assert good["science"]["facts_stated"] >= 2
    assert data["chapters"][1]["failed"] == [{"label": "weak-model #1", "status": "refusal", "error": "declined"}]
    assert data["targets"]["spache_grade"] == [1.0, 3.0]
    # No temporary files are left next to the outputs.
    assert sorted(p.name for p in result.report.parent.iterdir()) == ["metrics.json", "report.html"]


def test_story_can_override_the_template_and_lists(tmp_path):
    story_path = make_story(tmp_path)
    root = story_path.parent
    (root / "compare").mkdir()
    (root / "compare" / "safety.txt").write_text("[scary]\ncart\n", encoding="utf-8")
    (root / "compare" / "cliches.txt").write_text("# replace\nsoft sand\n", encoding="utf-8")
    (root / "templates" / "html").mkdir(parents=True)
    (root / "templates" / "html" / "compare.html.j2").write_text(
        "{% autoescape true %}{% for c in chapters %}{{ c.title }}|{% for col in c.columns %}{{ col.verdicts | map(attribute='text') | join(';') }}{% endfor %}\n{% endfor %}{% endautoescape %}",
        encoding="utf-8",
    )
    result = compare(load_story(story_path), output_root=tmp_path / "out")
    out = result.report.read_text(encoding="utf-8")
    assert out.startswith("The Beach Cart|")
    assert "scary for the age: cart" in out
    assert "clichés: soft sand" in out
    assert result.data["lists_overridden"] == ["cliches.txt", "safety.txt"]


def test_cli_without_drafts_says_so(tmp_path, capsys):
    story_path = make_story(tmp_path)
    code = main(["compare", str(story_path), "--output", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert "no drafts were found" in out and "chapterbook draft" in out
    assert "Chapter 2: Sand Castles" in out
    # Chapter 1's human text tells all three inertia facts, so chapter 2 (the same concept, no
    # `teaches:`) is judged on none of them (issue #18: a chapter is judged on its own facts).
    assert "human: 3 of 3 facts" in out and "human: 0 of 0 facts; never names a key term" in out
    assert "report.html" in out


def test_cli_with_pasted_file_that_cannot_be_matched(tmp_path, capsys):
    story_path = make_story(tmp_path)
    pasted = tmp_path / "pasted.md"
    pasted.write_text("Some text with no heading.\n", encoding="utf-8")
    code = main(["compare", str(story_path), "--drafts", str(pasted), "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    # A one-chapter paste without a heading, in a two-chapter story: a usage problem (issue #18), with the hint.
    assert code == 2
    assert "pasted.md has no chapter heading, and this story has 2 chapters" in err and "--chapter N" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out" / "tiny" / "compare" / "report.html").exists()


def test_cli_with_pasted_chapter(tmp_path, capsys):
    # Chapter 2 says it teaches all of inertia's facts (without it, chapter 1's human text tells them all).
    story_path = make_story(tmp_path, story=STORY.replace("  - title: Sand Castles\n", "  - title: Sand Castles\n    teaches: [inertia]\n"))
    pasted = tmp_path / "pasted.md"
    pasted.write_text("Chapter 2: Sand Castles\n\nThe ball kept moving until a force stopped it. Why? Because of inertia!\n", encoding="utf-8")
    code = main(["compare", str(story_path), "--drafts", str(pasted), "--output", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert "pasted: 1 of 3 facts" in out
    assert "hard words" not in out.split("pasted:")[1]  # inertia and force are key terms, taught on purpose


def test_sample_book_report(tmp_path):
    """The shipped sample book against a pasted weak draft: every chapter reported, the draft's problems named."""
    from conftest import REPO

    pasted = tmp_path / "pasted.md"
    pasted.write_text(
        "## Chapter 1: The Ball That Kept Going\n\nOnce upon a time the sun was warm. A monster crab came.\n",
        encoding="utf-8",
    )
    story = load_story(REPO / "stories" / "beach-ride-quest" / "story.yaml")
    result = compare(story, drafts=pasted, output_root=tmp_path / "out")
    html = result.report.read_text(encoding="utf-8")
    assert len(result.chapters) == len(story.spec.chapters)
    assert re.findall(r"<h3>([^<]+)</h3>", html.split('id="chapter-2"')[0]) == ["human", "pasted"]
    assert "teaches no science: 0 of" in html and "scary for the age: monster" in html
    human = result.data["chapters"][0]["versions"][0]["metrics"]
    assert human["science"]["facts_stated"] >= 1 and human["readability"]["spache_grade"] is not None


def test_cut_off_draft_is_measured_and_marked(tmp_path):
    story = load_story(make_story(tmp_path))
    run = make_run(tmp_path / "out", failed=False)
    data = json.loads((run / "run.json").read_text())
    data["drafts"][0]["status"] = "length"
    (run / "run.json").write_text(json.dumps(data))
    result = compare(story, output_root=tmp_path / "out")
    weak = result.data["chapters"][0]["versions"][2]
    assert weak["label"] == "weak-model #1"
    assert weak["verdicts"][0] == {"level": "bad", "text": "the drafting run marked this draft 'length' (cut off at the length limit)"}


def test_judge_scores_are_shown_apart_and_escaped(tmp_path):
    story = load_story(make_story(tmp_path))

    def judge(story, chapters):
        return {(0, "human"): {"model": "fake", "scores": {"accuracy": {"score": 4, "reason": "good <b>facts</b>"}}}}

    result = compare(story, output_root=tmp_path / "out", judge=judge)
    html = result.report.read_text(encoding="utf-8")
    assert "LLM judge (fake)" in html and "good &lt;b&gt;facts&lt;/b&gt;" in html
    assert result.data["chapters"][0]["versions"][0]["judge"]["scores"]["accuracy"]["score"] == 4


# --- the report template: compiled once per process, and once per output folder on disk -------------


def test_shared_template_environment_follows_a_user_override_added_and_edited_later(tmp_path):
    import os

    from chapterbook import templating

    story_path = make_story(tmp_path)
    (story_path.parent / "templates" / "html").mkdir(parents=True)  # the folder exists before the copy does
    shipped = compare(load_story(story_path), output_root=tmp_path / "out").report.read_text(encoding="utf-8")
    assert "<!DOCTYPE html>" in shipped
    override = story_path.parent / "templates" / "html" / "compare.html.j2"
    override.write_text("ONE {{ chapters | length }}", encoding="utf-8")
    assert compare(load_story(story_path), output_root=tmp_path / "out").report.read_text(encoding="utf-8") == "ONE 2"
    override.write_text("TWO {{ chapters | length }}", encoding="utf-8")
    os.utime(override, ns=(override.stat().st_mtime_ns + 10**9,) * 2)
    assert compare(load_story(story_path), output_root=tmp_path / "out").report.read_text(encoding="utf-8") == "TWO 2"
    # A new process compiles the file as it is now.
    templating._shared.cache_clear()
    override.write_text("THREE {{ chapters | length }}", encoding="utf-8")
    assert compare(load_story(story_path), output_root=tmp_path / "out").report.read_text(encoding="utf-8") == "THREE 2"
    # Deleting the copy brings the shipped template back.
    override.unlink()
    assert compare(load_story(story_path), output_root=tmp_path / "out").report.read_text(encoding="utf-8") == shipped
