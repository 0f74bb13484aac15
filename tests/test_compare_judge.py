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
