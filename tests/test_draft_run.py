"""`chapterbook draft` as an author runs it: files written, run.json, cache reruns, replay, errors, secrets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from chapterbook.cli import main
from chapterbook.draft.run import DraftOptions, arun_drafts
from chapterbook.llm.endpoint import Endpoint
from chapterbook.llm.retry import RetryPolicy
from chapterbook.spec.load import load_story
from draft_support import FAKE_KEY, no_key, server, story_path  # noqa: F401  (fixtures)
from fake_openai import Reply


def draft(server, story_path, *args, output=None):  # noqa: F811
    output = output or story_path.parent.parent / "output"
    return main(["draft", str(story_path), "--base-url", server.base_url, "--output", str(output), "--timeout", "30", "--retries", "1", *args])


def runs(story_path) -> list[Path]:  # noqa: F811
    folder = story_path.parent.parent / "output" / "push-book" / "drafts"
    return sorted(folder.iterdir()) if folder.exists() else []


def run_json(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


def test_drafts_land_as_markdown_with_a_full_run_record(server, story_path, no_key, capsys):  # noqa: F811
    assert draft(server, story_path, "--model", "m1", "--model", "org/m:2", "-n", "2", "--chapters", "1,3", "--price", "m1=1/2") == 0
    (folder,) = runs(story_path)
    assert len(folder.name) == len("20261126T041900.000Z-abcdef")
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([f"chapter-{c:02d}.{m}.s{s}.md" for c in (1, 3) for m in ("m1", "org-m-2") for s in (1, 2)] + ["run.json"])
    text = (folder / "chapter-03.org-m-2.s2.md").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# The Big Stop"
    assert "[illustration: Cassie pushing the cart on the sand]" in text.split("\n\n")
    record = run_json(folder)
    assert record["run_id"] == folder.name and record["base_url"] == server.base_url and record["story"].endswith("story.yaml")
    assert record["created"].endswith("+00:00")
    assert len(record["drafts"]) == 8
    d = next(d for d in record["drafts"] if d["chapter"] == 3 and d["model"] == "org/m:2" and d["sample"] == 2)
    assert d["file"] == "chapter-03.org-m-2.s2.md" and d["status"] == "ok" and d["error"] is None
    assert d["returned_model"] == "org/m:2-2026-01-01" and d["finish_reason"] == "stop" and d["response_id"].startswith("chatcmpl-")
    assert d["usage"] == {"prompt_tokens": 120, "completion_tokens": 80} and d["cached"] is False
    assert d["params"] == {"temperature": 0.8, "seed": 2, "max_tokens": 3000, "top_p": None}  # sample 2: seed + 1
    assert d["prompt"]["messages"][1]["content"].startswith("Write Chapter 3: The Big Stop")
    assert set(d["prompt"]["template_hashes"]) == {"prompts/system.md.j2", "prompts/chapter.md.j2"}
    assert d["cost_usd"] is None  # no price for org/m:2 on a local server
    priced = next(d for d in record["drafts"] if d["model"] == "m1")
    assert priced["cost_usd"] == pytest.approx((120 * 1 + 80 * 2) / 1e6)
    seeds = sorted(r["seed"] for r in server.requests)
    assert seeds == [1, 1, 1, 1, 2, 2, 2, 2]
    out = capsys.readouterr().out
    assert "8 of 8 drafts written" in out and "8 requests sent" in out


def test_rerun_makes_no_requests_and_no_cache_makes_them_again(server, story_path, no_key):  # noqa: F811
    assert draft(server, story_path, "--model", "m1") == 0
    assert server.count == 3
    assert draft(server, story_path, "--model", "m1") == 0
    assert server.count == 3  # everything came from the cache
    second = run_json(runs(story_path)[1])
    assert all(d["cached"] for d in second["drafts"]) and second["requests_sent"] == 0
    assert second["totals"]["cost_usd"] == 0.0
    first_text = (runs(story_path)[0] / "chapter-02.m1.s1.md").read_text()
    assert (runs(story_path)[1] / "chapter-02.m1.s1.md").read_text() == first_text
    assert draft(server, story_path, "--model", "m1", "--no-cache") == 0
    assert server.count == 6
    assert (story_path.parent.parent / "output" / "push-book" / ".cache" / "llm").is_dir()


def test_replay_uses_the_cache_only_and_lists_what_is_missing(server, story_path, no_key, capsys):  # noqa: F811
    assert draft(server, story_path, "--model", "m1", "--chapters", "1") == 0
    capsys.readouterr()
    assert draft(server, story_path, "--model", "m1", "--chapters", "1", "--replay") == 0
    assert server.count == 1 and len(runs(story_path)) == 2
    assert draft(server, story_path, "--model", "m1", "--chapters", "1-2", "--model", "m2", "--replay") == 1
    err = capsys.readouterr().err
    assert "3 of 4 drafts are not in the cache" in err
    assert "chapter 2, m1, sample 1" in err and "chapter 1, m2, sample 1" in err and "chapter 2, m2, sample 1" in err
    assert server.count == 1 and len(runs(story_path)) == 2  # nothing sent, no empty run folder


def test_no_key_and_no_base_url_exits_2_with_how_to(story_path, no_key, capsys):  # noqa: F811
    assert main(["draft", str(story_path), "--model", "gpt-4o-mini", "--output", str(story_path.parent / "out")]) == 2
    err = capsys.readouterr().err
    assert "OPENAI_API_KEY" in err and "--base-url http://localhost:11434/v1" in err
    assert "Traceback" not in err


def test_problems_are_reported_per_chapter_and_never_kept_as_ok(server, story_path, no_key, capsys):  # noqa: F811
    server.rule("Chapter 2: Rolling Away", Reply.length())
    server.rule("Chapter 3: The Big Stop", Reply.refusal("I can't help with that."))
    assert draft(server, story_path, "--model", "m1") == 1
    (folder,) = runs(story_path)
    by_chapter = {d["chapter"]: d for d in run_json(folder)["drafts"]}
    assert by_chapter[1]["status"] == "ok" and by_chapter[1]["file"] == "chapter-01.m1.s1.md"
    assert by_chapter[2]["status"] == "length" and by_chapter[2]["file"] is None and by_chapter[2]["finish_reason"] == "length"
    assert by_chapter[2]["raw_file"] == "chapter-02.m1.s1.failed.txt" and (folder / by_chapter[2]["raw_file"]).exists()
    assert by_chapter[3]["status"] == "refusal" and by_chapter[3]["file"] is None
    assert sorted(p.name for p in folder.glob("*.md")) == ["chapter-01.m1.s1.md"]
    err = capsys.readouterr().err
    assert "chapter 2, m1, sample 1: length: the reply was cut off" in err
    assert "chapter 3, m1, sample 1: refusal: the model refused: I can't help with that." in err


def test_a_server_without_json_schema_still_gives_drafts(server, story_path, no_key):  # noqa: F811
    server.reject_json_schema = True
    assert draft(server, story_path, "--model", "local") == 0
    record = run_json(runs(story_path)[0])
    assert {d["status"] for d in record["drafts"]} == {"ok"} and {d["mode"] for d in record["drafts"]} == {"text"}
    assert server.count <= 3 + 4  # at most one refused JSON-schema request per concurrent slot


def test_concurrency_limit_is_respected(server, story_path, no_key):  # noqa: F811
    server.default = Reply.chapter(latency=0.1)
    assert draft(server, story_path, "--model", "m1", "-n", "3", "--concurrency", "2") == 0
    assert server.count == 9 and server.max_in_flight == 2


def test_the_key_never_reaches_a_file_or_the_terminal(server, story_path, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    server.rule("Chapter 2: Rolling Away", Reply.error(400, f"bad request from key {FAKE_KEY}"))
    server.rule("Chapter 3: The Big Stop", Reply.error(403, f"key {FAKE_KEY} may not use this model"))
    assert draft(server, story_path, "--model", "m1") == 1
    assert server.headers[0]["authorization"] == f"Bearer {FAKE_KEY}"  # it was really used
    captured = capsys.readouterr()
    written = [p for p in (story_path.parent.parent / "output").rglob("*") if p.is_file()]
    assert any(p.name == "run.json" for p in written) and any(".cache" in p.parts for p in written)
    for path in written:
        assert FAKE_KEY not in path.read_text(encoding="utf-8"), path
    assert FAKE_KEY not in captured.out + captured.err
    assert "HTTP 400" in captured.err and "HTTP 403" in captured.err


def test_interrupted_run_keeps_finished_drafts_and_writes_run_json(server, story_path, no_key):  # noqa: F811
    server.rule("Chapter 2: Rolling Away", Reply.hang(30))
    server.rule("Chapter 3: The Big Stop", Reply.hang(30))
    story = load_story(story_path)
    output = story_path.parent.parent / "output"
    options = DraftOptions(models=["m1"], output_root=output, policy=RetryPolicy(attempts=1, timeout=20))

    async def go():
        task = asyncio.current_task()

        def on_done(job, record):
            if job.chapter == 1:  # like Ctrl-C while chapters 2 and 3 are still being written
                asyncio.get_running_loop().call_soon(task.cancel)

        await arun_drafts(story, options, endpoint=Endpoint(server.base_url, "k"), on_done=on_done)

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(go())
    (folder,) = runs(story_path)
    record = run_json(folder)
    assert record["interrupted"] is True
    statuses = {d["chapter"]: (d["status"], d["file"]) for d in record["drafts"]}
    assert statuses[1] == ("ok", "chapter-01.m1.s1.md") and (folder / "chapter-01.m1.s1.md").exists()
    assert statuses[2] == statuses[3] == ("error", None)
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no half-written temp files


def test_bad_options_are_usage_errors(server, story_path, no_key, capsys):  # noqa: F811
    assert draft(server, story_path, "--model", "m1", "--chapters", "4") == 2
    assert "there is no chapter 4" in capsys.readouterr().err
    assert draft(server, story_path) == 2
    assert "no model given" in capsys.readouterr().err
    assert draft(server, story_path, "--model", "m1", "--temperature", "3") == 2
    assert "--temperature" in capsys.readouterr().err
    assert server.count == 0


def test_run_json_is_the_typed_record_and_every_field_is_documented(server, story_path, no_key):  # noqa: F811
    from chapterbook.draft.records import DraftRecord, RunRecord

    assert draft(server, story_path, "--model", "m1", "--chapters", "1") == 0
    text = (runs(story_path)[0] / "run.json").read_text(encoding="utf-8")
    record = RunRecord.model_validate_json(text)  # extra="forbid": nothing written that the model does not know
    assert record.drafts[0].read_as == "json" and record.format == 2
    docs = (Path(__file__).resolve().parent.parent / "docs" / "drafting.md").read_text(encoding="utf-8")
    for name in [*RunRecord.model_fields, *DraftRecord.model_fields]:
        assert f"`{name}`" in docs, f"run.json field {name} is not in docs/drafting.md"
