"""--judge through the drafting client, against a local fake OpenAI-compatible server (no network)."""

from __future__ import annotations

import json

from chapterbook.cli import main
from compare_fixtures import make_story
from fake_openai import FakeOpenAI, Reply

RUBRIC = {k: {"score": 4, "reason": f"{k} is fine <i>here</i>"} for k in ("accuracy", "depth", "age_fit", "engagement")}


def test_judge_scores_each_version_and_caches(tmp_path, monkeypatch, capsys):
    story_path = make_story(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    out = tmp_path / "out"
    with FakeOpenAI() as server:
        server.default = Reply.text(json.dumps(RUBRIC))
        args = ["compare", str(story_path), "--output", str(out), "--judge", "judge-model", "--base-url", server.base_url]
        assert main(args) == 0
        first = server.count
        assert first == 2  # two chapters, human text only
        assert main(args) == 0
        assert server.count == first  # the second run is answered from the cache
    data = json.loads((out / "tiny" / "compare" / "metrics.json").read_text(encoding="utf-8"))
    judged = data["chapters"][0]["versions"][0]["judge"]
    assert judged["scores"]["age_fit"] == {"score": 4, "reason": "age_fit is fine <i>here</i>"}
    html = (out / "tiny" / "compare" / "report.html").read_text(encoding="utf-8")
    assert "LLM judge (judge-model)" in html and "fine &lt;i&gt;here&lt;/i&gt;" in html
    assert "sk-test-not-real" not in html and "sk-test-not-real" not in json.dumps(data)


def test_judge_failure_is_shown_not_fatal(tmp_path, monkeypatch):
    story_path = make_story(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    out = tmp_path / "out"
    with FakeOpenAI() as server:
        server.default = Reply.text("this is not JSON")
        assert main(["compare", str(story_path), "--output", str(out), "--judge", "m", "--base-url", server.base_url]) == 0
    data = json.loads((out / "tiny" / "compare" / "metrics.json").read_text(encoding="utf-8"))
    assert data["chapters"][0]["versions"][0]["judge"]["error"].startswith("invalid")


def test_judge_gives_quoted_evidence_per_rubric_line_checked_against_the_text(tmp_path, monkeypatch, capsys):
    from compare_fixtures import HUMAN_1

    story_path = make_story(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    out = tmp_path / "out"
    rubric = {k: {"score": 3, "reason": f"{k} reason", "evidence": []} for k in ("accuracy", "depth", "age_fit", "engagement")}
    # One quote from the chapter (curly quotes and spacing differ), one the model made up.
    rubric["accuracy"]["evidence"] = ["A moving cart keeps  moving until a force stops it.", "Inertia makes carts tired."]
    with FakeOpenAI() as server:
        assert main(["compare", str(story_path), "--output", str(out)]) == 0
        plain = json.loads((out / "tiny" / "compare" / "metrics.json").read_text(encoding="utf-8"))
        server.default = Reply.text(json.dumps(rubric))
        capsys.readouterr()
        assert main(["compare", str(story_path), "--output", str(out), "--judge", "jm", "--base-url", server.base_url]) == 0
        shown = capsys.readouterr().out
        system = server.requests[0]["messages"][0]["content"]
    assert "quote as evidence" in system and "word for word" in system
    schema = server.requests[0]["response_format"]["json_schema"]["schema"]
    assert "evidence" in json.dumps(schema)
    data = json.loads((out / "tiny" / "compare" / "metrics.json").read_text(encoding="utf-8"))
    version = data["chapters"][0]["versions"][0]
    assert version["judge"]["evidence"]["accuracy"] == [
        {"quote": "A moving cart keeps  moving until a force stops it.", "in_text": True},
        {"quote": "Inertia makes carts tired.", "in_text": False},
    ]
    assert "A moving cart keeps moving until a force stops it." in HUMAN_1
    # Never blended into the measured metrics: they are the same with and without the judge.
    assert version["metrics"] == plain["chapters"][0]["versions"][0]["metrics"]
    assert version["verdicts"] == plain["chapters"][0]["versions"][0]["verdicts"]
    assert "accuracy 3/5: accuracy reason “A moving cart keeps  moving until a force stops it.” “Inertia makes carts tired.” (not in the text)" in shown
    html = (out / "tiny" / "compare" / "report.html").read_text(encoding="utf-8")
    assert '“Inertia makes carts tired.”</span> <span class="notfound">(not found in the text)</span>' in html
