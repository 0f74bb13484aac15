"""Faults on the LLM side (issue 19): malformed replies, leaks, bad numbers, huge ranges, no server, files in the way."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path

import pytest

from chapterbook.cli import main
from chapterbook.llm.backend import ChatRequest
from chapterbook.llm.client import ChatClient
from chapterbook.llm.endpoint import Endpoint, public_url, redact
from chapterbook.llm.retry import RetryPolicy
from draft_support import FAKE_KEY, no_key, server, story_path  # noqa: F401  (fixtures)
from fake_openai import Reply


def draft(server_url, story_path, *args):  # noqa: F811
    output = story_path.parent.parent / "output"
    return main(["draft", str(story_path), "--base-url", server_url, "--output", str(output), "--timeout", "30", "--retries", "1", *args])


def runs(story_path) -> list[Path]:  # noqa: F811
    folder = story_path.parent.parent / "output" / "push-book" / "drafts"
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.exists() else []


def every_file(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


MALFORMED = {
    "content-object": Reply.shaped(message={"content": {"text": "a chapter"}}),
    "content-number": Reply.shaped(message={"content": 42}),
    "refusal-object": Reply.shaped(message={"refusal": {"reason": "no"}}),
    "refusal-number": Reply.shaped(message={"refusal": 7}),
    "usage-strings": Reply.shaped(usage={"prompt_tokens": "120", "completion_tokens": "80"}),
    "usage-negative": Reply.shaped(usage={"prompt_tokens": -5, "completion_tokens": 80}),
    "no-choices": Reply.shaped(choices=[]),
    "choices-not-a-list": Reply.shaped(choices={"0": {}}),
    "message-a-string": Reply.shaped(choices=[{"index": 0, "message": "hello", "finish_reason": "stop"}]),
    "finish-reason-number": Reply.shaped(choices=[{"index": 0, "message": {"content": "x"}, "finish_reason": 3}]),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_reply_is_a_plain_error_never_cached_and_replay_does_not_crash(name, server, story_path, no_key, capsys):  # noqa: F811
    server.default = MALFORMED[name]
    assert draft(server.base_url, story_path, "--model", "m1", "--chapters", "1", "--price", "m1=1/2") == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "wrong shape" in captured.err, captured.err
    assert server.count == 2  # a malformed answer is retried like an unreadable one (--retries 1)
    cache = story_path.parent.parent / "output" / "push-book" / ".cache" / "llm"
    assert not every_file(cache)  # nothing was cached
    assert draft(server.base_url, story_path, "--model", "m1", "--chapters", "1", "--replay") == 1
    err = capsys.readouterr().err
    assert "not in the cache" in err and "Traceback" not in err


def test_a_bad_cache_entry_from_an_older_version_is_asked_again(server, story_path, no_key):  # noqa: F811
    assert draft(server.base_url, story_path, "--model", "m1", "--chapters", "1") == 0
    (entry,) = every_file(story_path.parent.parent / "output" / "push-book" / ".cache" / "llm")
    data = json.loads(entry.read_text())
    data["response"]["content"] = {"text": "cached before replies were checked"}
    entry.write_text(json.dumps(data))
    assert draft(server.base_url, story_path, "--model", "m1", "--chapters", "1") == 0
    assert server.count == 2


def test_credentials_in_the_base_url_are_used_but_never_stored_or_shown(server, story_path, no_key, capsys):  # noqa: F811
    secret = "URLSECRET-9d8c7b"
    url = server.base_url.replace("http://", f"http://author:{secret}@")
    server.rule("Chapter 3: The Big Stop", Reply.error(400, f"bad request to {url}"))
    assert draft(url, story_path, "--model", "m1") == 1
    assert server.headers[0]["authorization"].startswith("Basic ")  # the HTTP client sent the URL's credentials
    captured = capsys.readouterr()
    assert secret not in captured.out + captured.err and "[key hidden]" in captured.err
    written = every_file(story_path.parent.parent / "output")
    assert any(p.name == "run.json" for p in written) and any(".cache" in p.parts for p in written)
    for path in written:
        assert secret not in path.read_text(encoding="utf-8"), path
    record = json.loads((runs(story_path)[0] / "run.json").read_text())
    assert record["base_url"] == public_url(url) and "[key hidden]@127.0.0.1" in record["base_url"]
    # The same server with other credentials shares the cache: credentials are not part of a key.
    assert draft(server.base_url, story_path, "--model", "m1", "--chapters", "1,2") == 0
    assert server.count == 3


def test_a_reply_echoing_the_key_is_stored_and_shown_without_it(server, story_path, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    server.default = Reply.echo_key()
    assert draft(server.base_url, story_path, "--model", "m1", "--chapters", "1") == 1
    captured = capsys.readouterr()
    failed = list((runs(story_path)[0]).glob("*.failed.txt"))
    assert failed and "[key hidden]" in failed[0].read_text()
    for path in every_file(story_path.parent.parent / "output"):
        assert FAKE_KEY not in path.read_text(encoding="utf-8"), path
    assert FAKE_KEY not in captured.out + captured.err


def test_redact_hides_url_credentials_anywhere_in_text():
    assert redact("see http://me:pa55word@host:8080/v1 now") == "see http://[key hidden]@host:8080/v1 now"
    assert public_url("https://u:p@h/v1") == "https://[key hidden]@h/v1" and public_url("http://h/v1") == "http://h/v1"


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--timeout", "nan", "not a number chapterbook can use"),
        ("--timeout", "inf", "not a number chapterbook can use"),
        ("--timeout", "0", "above 0"),
        ("--timeout", "-5", "out of range"),
        ("--temperature", "nan", "not a number chapterbook can use"),
        ("--top-p", "inf", "not a number chapterbook can use"),
        ("--concurrency", "0", "out of range"),
        ("--concurrency", "100000", "out of range"),
        ("--retries", "-1", "out of range"),
        ("--retries", "1000", "out of range"),
        ("-n", "0", "out of range"),
        ("-n", "1e9", "not a whole number"),
        ("--max-tokens", "0", "--max-tokens"),
        ("--seed", "99999999999999999999999", "--seed"),
        ("--price", "m1=9" + "9" * 400 + "/1", "too large"),
    ],
)
def test_every_numeric_option_is_checked(option, value, words, server, story_path, no_key, capsys):  # noqa: F811
    try:
        code = draft(server.base_url, story_path, "--model", "m1", option, value)
    except SystemExit as exc:  # argparse's own usage error: one line on stderr, exit 2
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err, err
    assert server.count == 0


def test_a_huge_chapter_range_is_refused_before_it_is_expanded(server, story_path, no_key, capsys):  # noqa: F811
    started = time.monotonic()
    assert draft(server.base_url, story_path, "--model", "m1", "--chapters", "1-99999999") == 2
    err = capsys.readouterr().err
    assert "there is no chapter 1-99999999" in err and "--chapters 1,3 or 1-3" in err
    assert draft(server.base_url, story_path, "--model", "m1", "--chapters", "2-3,0") == 2
    assert "there is no chapter 0" in capsys.readouterr().err
    assert server.count == 0 and not runs(story_path)
    assert time.monotonic() - started < 60  # not a timing test: a bound that only an expansion could break


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_server_fails_at_once_truthfully_and_leaves_no_run_folder(story_path, no_key, capsys):  # noqa: F811
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    started = time.monotonic()
    assert draft(url, story_path, "--model", "m1", "--retries", "4") == 1
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    assert f"nothing is listening at {url}" in captured.err and "is the server running?" in captured.err
    assert "(tried" not in captured.err  # one try: a refused connection is not retried
    assert "2 more draft(s) were not sent, for the same reason" in captured.err
    assert "0 of 3 drafts written: no draft got an answer, so no run folder was made" in captured.out
    # Nothing listens, so nothing was sent: found by one TCP connection before the openai package is loaded.
    assert "0 requests sent" in captured.out and " 0.0 s" not in captured.out
    assert not runs(story_path)
    assert elapsed < 30  # a bound, not a timing test: the old retries took 16-17 s of sleeping on their own


def test_retry_after_zero_keeps_the_backoff(server):  # noqa: F811
    server.queue(Reply.rate_limited(retry_after=0), Reply.rate_limited(retry_after=0))
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    async def go():
        request = ChatRequest(model="m", messages=[{"role": "user", "content": "hi"}])
        async with ChatClient(Endpoint(server.base_url, "k"), policy=RetryPolicy(attempts=3), sleep=record) as client:
            return await client.chat(request)

    result = asyncio.run(go())
    assert result.status == "ok" and result.attempts == 3
    assert waits[0] >= 1.0 and waits[1] >= 2.0  # the documented 1 s, 2 s ..., whatever Retry-After: 0 says


@pytest.mark.parametrize("option", ["--output", "--cache-dir"])
def test_a_file_where_a_folder_must_go_is_refused_before_any_request(option, server, story_path, no_key, capsys):  # noqa: F811
    blocker = story_path.parent.parent / "a-file"
    blocker.write_text("not a folder")
    args = ["draft", str(story_path), "--base-url", server.base_url, "--model", "m1", option, str(blocker)]
    if option == "--cache-dir":
        args += ["--output", str(story_path.parent.parent / "output")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{option}: {blocker} is a file, not a folder" in err and "Traceback" not in err
    assert server.count == 0


def test_a_base_url_that_is_not_an_address_is_a_usage_error(story_path, no_key, capsys):  # noqa: F811
    assert draft("localhost:11434", story_path, "--model", "m1") == 2
    assert "is not a web address" in capsys.readouterr().err


def test_a_blank_model_name_is_a_usage_error(server, story_path, no_key, capsys):  # noqa: F811
    assert draft(server.base_url, story_path, "--model", " ") == 2
    assert "is not a model name" in capsys.readouterr().err and server.count == 0


def test_no_server_at_a_url_with_credentials_hides_them_without_a_traceback(story_path, no_key, capsys):  # noqa: F811
    url = f"http://me:CREDSECRET42@127.0.0.1:{_closed_port()}/v1"
    assert draft(url, story_path, "--model", "m1") == 1
    captured = capsys.readouterr()
    assert "nothing is listening at http://[key hidden]@127.0.0.1:" in captured.err
    assert "CREDSECRET42" not in captured.out + captured.err and "Traceback" not in captured.err
