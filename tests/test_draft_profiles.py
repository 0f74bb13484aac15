"""Drafting the sample book against the servers authors run, and the way chat models really answer (issue 21).

Each case is a real HTTP server on 127.0.0.1 (fake_openai.py) answering in the
shape of one server's documentation (a profile), optionally with a model quirk
on top. Every case must give 3 of 3 drafts, clean of JSON, reasoning and chat,
and the cache and --replay must give the same drafts without a request.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chapterbook.cli import main
from fake_openai import PROFILES, QUIRKS, FakeOpenAI

SAMPLE = Path(__file__).resolve().parent.parent / "stories" / "beach-ride-quest" / "story.yaml"

CASES = [(name, None) for name in PROFILES] + [("text-only", q) for q in QUIRKS] + [("openai", "think"), ("ollama", "fenced"), ("vllm", "chatter")]

# What must never reach a draft: JSON, a reasoning block, chat addressed to the user.
LEAKS = re.compile(r"[{}]|</?think>|\bSure!|I hope you enjoy|Let me know|Here is chapter|```|Okay, let me plan", re.IGNORECASE)


def _draft(server: FakeOpenAI, out: Path, *extra: str) -> int:
    return main(["draft", str(SAMPLE), "--model", server.profile.model_ids[0], "--base-url", server.base_url,
                 "--output", str(out), "--timeout", "30", "--retries", "1", *extra])  # fmt: skip


def _runs(out: Path) -> list[Path]:
    return sorted((out / "beach-ride-quest" / "drafts").iterdir())


def _drafts(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}


@pytest.mark.parametrize(("profile", "quirk"), CASES, ids=[f"{p}-{q or 'plain'}" for p, q in CASES])
def test_every_server_and_quirk_drafts_the_sample_book(profile, quirk, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    out = tmp_path / "output"
    with FakeOpenAI(profile=PROFILES[profile], quirk=quirk) as server:
        assert _draft(server, out) == 0, capsys.readouterr().err
        (first,) = _runs(out)
        record = json.loads((first / "run.json").read_text(encoding="utf-8"))
        assert [d["status"] for d in record["drafts"]] == ["ok"] * 3
        texts = _drafts(first)
        assert len(texts) == 3
        for name, text in texts.items():
            assert text.startswith("# "), name
            assert not LEAKS.search(text), (name, LEAKS.search(text).group(0), text)
            assert "[illustration: Cassie pushing the cart on the sand]" in text
        ways = {d["read_as"] for d in record["drafts"]}
        assert len(ways) == 1 and ways <= {"json", "json-in-chat", "text"}
        if PROFILES[profile].reasoning_field or (quirk or "").startswith("think"):
            assert all(d["reasoning"] for d in record["drafts"])  # kept for the curious, never in the draft
        sent = server.count

        assert _draft(server, out) == 0  # a rerun: everything from the cache
        assert _draft(server, out, "--replay") == 0
        assert server.count == sent
        for folder in _runs(out)[1:]:
            again = json.loads((folder / "run.json").read_text(encoding="utf-8"))
            assert all(d["cached"] for d in again["drafts"])
            assert [d["read_as"] for d in again["drafts"]] == [d["read_as"] for d in record["drafts"]]
            assert _drafts(folder) == texts
    capsys.readouterr()


def test_the_way_each_reply_was_read_is_what_the_model_did(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    expected = {
        ("openai", None): "json",
        ("text-only", None): "text",
        ("text-only", "fenced"): "text",
        ("openai", "fenced"): "json-in-chat",
        ("openai", "prose"): "text",
        ("openai", "think"): "json",
        ("openai", "chatter"): "json-in-chat",
    }
    for (profile, quirk), way in expected.items():
        out = tmp_path / f"{profile}-{quirk}"
        with FakeOpenAI(profile=PROFILES[profile], quirk=quirk) as server:
            assert _draft(server, out, "--chapters", "1") == 0
        (folder,) = _runs(out)
        (d,) = json.loads((folder / "run.json").read_text(encoding="utf-8"))["drafts"]
        assert d["read_as"] == way, (profile, quirk)


def test_reply_text_asks_for_the_chapter_grammar_and_sends_no_schema(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeOpenAI(profile=PROFILES["ollama"]) as server:
        assert _draft(server, tmp_path, "--reply", "text") == 0
        assert all("response_format" not in r for r in server.requests)
        assert all("[Illustration: what to draw]" in r["messages"][-1]["content"] for r in server.requests)
    (folder,) = _runs(tmp_path)
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert record["reply"] == "text" and {d["read_as"] for d in record["drafts"]} == {"text"}
    assert {d["mode"] for d in record["drafts"]} == {"text"}


def test_reply_json_on_a_text_only_server_asks_for_json_in_words(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeOpenAI(profile=PROFILES["text-only"], quirk="chatter") as server:
        assert _draft(server, tmp_path, "--reply", "json", "--chapters", "1") == 0
        assert "JSON schema" in server.requests[-1]["messages"][-1]["content"]
    (folder,) = _runs(tmp_path)
    (d,) = json.loads((folder / "run.json").read_text(encoding="utf-8"))["drafts"]
    assert d["status"] == "ok" and d["mode"] == "text"


def test_each_profile_error_body_is_read_into_the_message(tmp_path, monkeypatch, capsys):
    # {"error": {"message"}} (OpenAI, Ollama, llama.cpp), {"object": "error", "message"} (vLLM), {"error": "text"} (LM Studio)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    from fake_openai import Reply

    for name, profile in PROFILES.items():
        with FakeOpenAI(profile=profile) as server:
            server.default = Reply.error(400, f"max_tokens is too large for {name}")
            assert _draft(server, tmp_path / name, "--chapters", "1") == 1
            err = capsys.readouterr().err
            assert f"(HTTP 400): max_tokens is too large for {name}" in err, err


@pytest.mark.parametrize(
    ("profile", "quirk", "verdict"),
    [
        ("openai", None, "structured output: yes"),
        ("ollama", None, "structured output: yes"),
        ("llamacpp", None, "structured output: yes"),
        ("vllm", None, "structured output: yes"),
        ("lmstudio", None, "structured output: yes"),
        ("text-only", None, "structured output: no"),
        ("ollama", "chatter", "structured output: accepted but not enforced"),
    ],
)
def test_models_lists_and_says_what_draft_will_do(profile, quirk, verdict, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeOpenAI(profile=PROFILES[profile], quirk=quirk) as server:
        assert main(["models", "--base-url", server.base_url, "--output", str(tmp_path)]) == 0
        first = capsys.readouterr().out
        sent = server.count
        assert main(["models", "--base-url", server.base_url, "--output", str(tmp_path)]) == 0
        again = capsys.readouterr().out
        assert server.count == sent  # the check is cached
    for name in PROFILES[profile].model_ids:
        assert f"  {name}\n" in first
    assert verdict in first and verdict in again and "(from the cache" in again
    assert "--reply text" in first if verdict != "structured output: yes" else "draft will ask for chapters as JSON" in first


def test_models_without_a_server_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["models", "--base-url", f"http://127.0.0.1:{port}/v1", "--output", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "nothing is listening at" in err and "Traceback" not in err


def test_compare_shows_how_each_draft_was_read(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeOpenAI(profile=PROFILES["text-only"], quirk="chatter") as server:
        assert _draft(server, tmp_path, "--chapters", "1") == 0
    assert main(["compare", str(SAMPLE), "--output", str(tmp_path)]) in (0, 1)
    report = (tmp_path / "beach-ride-quest" / "compare" / "report.html").read_text(encoding="utf-8")
    assert "reply: plain text, read as a pasted chapter" in report
    metrics = json.loads((tmp_path / "beach-ride-quest" / "compare" / "metrics.json").read_text(encoding="utf-8"))
    assert "plain text, read as a pasted chapter" in json.dumps(metrics)
    capsys.readouterr()


@pytest.mark.parametrize("profile", list(PROFILES))
def test_each_profile_finish_reasons_are_read(profile, tmp_path, monkeypatch, capsys):
    # stop and length on every server; null from some proxies and older llama.cpp builds; content_filter from OpenAI.
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    from fake_openai import Reply

    with FakeOpenAI(profile=PROFILES[profile]) as server:
        server.rule("Chapter 1:", Reply.length())
        server.rule("Chapter 2:", Reply.text("# The Cart That Would Not Budge\n\nCassie pushed.\n", finish_reason=None))
        server.rule("Chapter 3:", Reply.text("", finish_reason="content_filter"))
        assert _draft(server, tmp_path, "--reply", "text") == 1
    (folder,) = _runs(tmp_path)
    drafts = {d["chapter"]: d for d in json.loads((folder / "run.json").read_text(encoding="utf-8"))["drafts"]}
    assert drafts[1]["status"] == "length" and drafts[1]["raw_file"]
    assert drafts[2]["status"] == "ok" and drafts[2]["finish_reason"] is None and drafts[2]["read_as"] == "text"
    assert drafts[3]["status"] == "refusal"
    assert (drafts[2]["usage"]["prompt_tokens"] is None) == (not PROFILES[profile].usage)
    capsys.readouterr()


def test_a_thinking_model_that_answers_nothing_says_so(tmp_path, monkeypatch, capsys):
    # Ollama, llama.cpp and vLLM put the thinking in a field; a model can spend max_tokens there and answer nothing.
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    from fake_openai import Reply

    with FakeOpenAI(profile=PROFILES["ollama"]) as server:
        server.rule("Chapter 1:", Reply.text("", finish_reason="length"))
        server.rule("Chapter 2:", Reply.text(""))
        assert _draft(server, tmp_path, "--chapters", "1-2") == 1
    err = capsys.readouterr().err
    assert "cut off at the length limit while the model was still thinking (max_tokens 3000)" in err
    assert "the model gave its reasoning but no answer" in err
