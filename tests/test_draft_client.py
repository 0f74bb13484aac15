"""The retrying, caching client against a real local HTTP server, with the real openai package."""

from __future__ import annotations

import asyncio
import json

from pydantic import BaseModel

from chapterbook.draft.reply import TEXT_FORMAT_INSTRUCTIONS, ChapterReply, chapter_from_json, json_schema, parse_plain_text
from chapterbook.llm.backend import ChatRequest
from chapterbook.llm.cache import Cache
from chapterbook.llm.client import ChatClient, ask
from chapterbook.llm.endpoint import Endpoint
from chapterbook.llm.retry import RetryPolicy
from draft_support import FAKE_KEY, server  # noqa: F401  (fixture)
from fake_openai import FakeOpenAI, Reply

# Quick retries, but a generous timeout: on a busy CI machine a healthy answer can take seconds,
# and a timeout firing there would make a test about something else flaky.
FAST = RetryPolicy(attempts=3, backoff=0.01, max_wait=2.0, timeout=20)
MESSAGES = [{"role": "system", "content": "You write."}, {"role": "user", "content": "Write Chapter 1: The Stuck Cart"}]


def chapter_request(**over) -> ChatRequest:
    fields = dict(
        model="fake-model",
        messages=MESSAGES,
        params={"temperature": 0.5, "seed": 1, "max_tokens": 500},
        schema=json_schema(),
        schema_name="chapter",
        text_instructions=TEXT_FORMAT_INSTRUCTIONS,
        from_json=chapter_from_json,
        from_text=parse_plain_text,
    )
    fields.update(over)
    return ChatRequest(**fields)


def chat(server, request=None, *, cache=None, policy=FAST, key="dummy", requests=1, **kw):  # noqa: F811
    """Send `requests` copies of a request one after another; returns the results."""

    async def go():
        async with ChatClient(Endpoint(server.base_url, key), policy=policy, cache=cache, **kw) as client:
            return [await client.chat(request or chapter_request()) for _ in range(requests)]

    return asyncio.run(go())


def test_ok_reply_is_parsed_with_its_metadata(server):  # noqa: F811
    (result,) = chat(server)
    assert result.status == "ok" and result.mode == "json_schema"
    assert isinstance(result.parsed, ChapterReply) and result.parsed.title == "The Stuck Cart"
    assert result.returned_model == "fake-model-2026-01-01" and result.response_id == "chatcmpl-fake0001"
    assert result.usage == {"prompt_tokens": 120, "completion_tokens": 80}
    sent = server.requests[0]
    assert sent["response_format"]["type"] == "json_schema" and sent["response_format"]["json_schema"]["strict"] is True
    assert sent["seed"] == 1 and sent["max_tokens"] == 500 and sent["temperature"] == 0.5


def test_429_waits_for_retry_after_then_succeeds(server):  # noqa: F811
    server.queue(Reply.rate_limited(retry_after=0.3))
    (result,) = chat(server)
    assert result.status == "ok" and result.attempts == 2 and server.count == 2
    # A lower bound only (the client must not come back early), so this cannot flake on a slow machine.
    assert server.arrivals[1] - server.arrivals[0] >= 0.29


def test_500s_are_retried_and_then_reported(server):  # noqa: F811
    server.queue(Reply.server_error(), Reply.server_error(503))
    (result,) = chat(server)
    assert result.status == "ok" and result.attempts == 3 and server.count == 3

    server.default = Reply.server_error()
    (failed,) = chat(server, chapter_request(model="other"))
    assert failed.status == "error" and failed.attempts == FAST.attempts
    assert "HTTP 500" in failed.error and "tried 3 times" in failed.error
    assert server.count == 3 + FAST.attempts


def test_a_hanging_server_times_out_and_is_retried(server):  # noqa: F811
    server.queue(Reply.hang(30))
    (result,) = chat(server, policy=RetryPolicy(attempts=4, backoff=0.01, timeout=1.5))
    # Every attempt the client counts reached the server: none hidden, none made up.
    assert result.status == "ok" and result.attempts >= 2
    assert server.settled_count(result.attempts) == result.attempts

    server.default = Reply.hang(30)
    before = server.count
    (failed,) = chat(server, chapter_request(model="other"), policy=RetryPolicy(attempts=2, backoff=0.01, timeout=1.0))
    assert failed.status == "error" and "no answer within 1 s" in failed.error
    assert server.settled_count(before + 2) - before == 2


def test_an_unreadable_http_body_is_retried(server):  # noqa: F811
    server.queue(Reply.malformed())
    (result,) = chat(server)
    assert result.status == "ok" and server.count == 2

    server.default = Reply.malformed()
    (failed,) = chat(server, chapter_request(model="other"))
    assert failed.status == "error" and "not valid JSON" in failed.error


def test_refusal_length_and_invalid_output_are_not_ok(server):  # noqa: F811
    server.queue(Reply.refusal("I can't write that."), Reply.length(), Reply.text('{"title": "T", "paragraphs": ['))
    refusal, length, invalid = chat(server, requests=3, cache=None)
    assert refusal.status == "refusal" and "I can't write that." in refusal.error and refusal.parsed is None
    assert length.status == "length" and "max_tokens 500" in length.error and length.parsed is None
    assert invalid.status == "invalid" and "not valid JSON" in invalid.error and invalid.parsed is None


def test_server_without_json_schema_gets_plain_text_once_per_model(server):  # noqa: F811
    server.reject_json_schema = True
    first, second = chat(server, requests=2, cache=None)
    assert first.status == "ok" and first.mode == "text" and first.parsed.title == "The Stuck Cart"
    assert first.parsed.illustrations[0].brief == "Cassie pushing the cart on the sand"
    assert first.messages_sent[-1] == {"role": "user", "content": TEXT_FORMAT_INSTRUCTIONS}
    # The first request was refused and sent again as text; the second went straight to text.
    assert [("response_format" in r) for r in server.requests] == [True, False, False]
    assert second.status == "ok" and second.mode == "text"
    assert (first.attempts, second.attempts) == (2, 1)  # the refused request counts: attempts are HTTP requests


def test_cache_answers_the_same_request_and_only_that(server, tmp_path):  # noqa: F811
    cache = Cache(tmp_path / "cache")
    (a,) = chat(server, cache=cache)
    (b,) = chat(server, cache=cache)
    assert server.count == 1 and not a.cached and b.cached and b.parsed == a.parsed and b.response_id == a.response_id
    (c,) = chat(server, chapter_request(params={"temperature": 0.9, "seed": 1, "max_tokens": 500}), cache=cache)
    assert server.count == 2 and not c.cached
    (d,) = chat(server, cache=cache, use_cache=False)  # --no-cache: asks again, and stores the new answer
    assert server.count == 3 and not d.cached
    stored = json.loads(cache.path(a.cache_key).read_text())
    assert stored["response"]["id"] == d.response_id


def test_failed_requests_are_not_cached(server, tmp_path):  # noqa: F811
    cache = Cache(tmp_path / "cache")
    server.queue(*[Reply.server_error()] * FAST.attempts)
    (failed,) = chat(server, cache=cache)
    (ok,) = chat(server, cache=cache)
    assert failed.status == "error" and ok.status == "ok" and not ok.cached


def test_bad_key_stops_further_requests_and_is_never_echoed(server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    server.default = Reply.error(401, f"Incorrect API key provided: {FAKE_KEY}.", code="invalid_api_key")
    first, second = chat(server, key=FAKE_KEY, requests=2)
    assert first.status == second.status == "error"
    assert "did not accept the API key" in first.error and FAKE_KEY not in first.error + second.error
    assert server.count == 1  # the second did not bother the server
    assert server.headers[0]["authorization"] == f"Bearer {FAKE_KEY}"


def test_unknown_model_says_what_to_check(server):  # noqa: F811
    server.default = Reply.error(404, "model 'nope' not found")
    (result,) = chat(server, chapter_request(model="nope"))
    assert result.status == "error" and "model 'nope'" in result.error and "--base-url" in result.error


def test_unreachable_server_fails_fast_after_the_first_request(server):  # noqa: F811
    # Issue 19: a refused connection is not retried (nothing is listening; waiting will not start it).
    url = server.base_url
    server.stop()

    async def go():
        async with ChatClient(Endpoint(url, "k"), policy=RetryPolicy(attempts=2, backoff=0.01, timeout=10)) as client:
            return [await client.chat(chapter_request()) for _ in range(2)], client.requests_sent

    (first, second), sent = asyncio.run(go())
    assert first.status == second.status == "error" and f"nothing is listening at {url}" in first.error
    assert "is the server running?" in first.error and first.attempts == 0  # one TCP connection, no request
    assert second.attempts == 0 and second.error.startswith("not sent: ")
    assert sent == 0


def test_a_server_that_goes_away_mid_run_stops_the_rest():
    own = FakeOpenAI(keep_alive=False).start()

    async def go():
        async with ChatClient(Endpoint(own.base_url, "k"), policy=RetryPolicy(attempts=3, backoff=0.01, timeout=10)) as client:
            first = await client.chat(chapter_request())
            own.stop()
            gone = await client.chat(chapter_request(model="other"))
            after = await client.chat(chapter_request(model="third"))
            return first, gone, after, client.requests_sent

    first, gone, after, sent = asyncio.run(go())
    assert first.ok and gone.status == "error" and f"at {own.base_url}" in gone.error and "is the server running?" in gone.error
    assert gone.attempts == 1  # a refused connection is not retried
    assert after.error.startswith("not sent: ") and sent == 2


class Verdict(BaseModel):
    score: int
    reason: str


def test_ask_for_the_judge_uses_the_schema_and_the_cache(server, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server.default = Reply.text('{"score": 4, "reason": "clear"}')
    first = ask([{"role": "user", "content": "judge this"}], model="judge", schema=Verdict, base_url=server.base_url, cache_dir=tmp_path)
    again = ask([{"role": "user", "content": "judge this"}], model="judge", schema=Verdict, base_url=server.base_url, cache_dir=tmp_path)
    assert first.ok and first.parsed == Verdict(score=4, reason="clear")
    assert again.cached and again.parsed == first.parsed and server.count == 1
    assert server.requests[0]["response_format"]["json_schema"]["name"] == "Verdict"
    assert server.headers[0]["authorization"] == "Bearer no-key-needed"  # local servers get a dummy key

    server.reject_json_schema = True
    fallback = ask([{"role": "user", "content": "judge that"}], model="judge", schema=Verdict, base_url=server.base_url)
    assert fallback.ok and fallback.mode == "text" and fallback.parsed.score == 4


def test_ask_many_sends_every_request_in_one_loop_at_once(server, tmp_path, monkeypatch):  # noqa: F811
    # The judge scores all versions through this: one client, one event loop, requests side by side.
    from chapterbook.llm.client import ask_many, chat_request

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server.default = Reply.text('{"score": 3, "reason": "fine"}', latency=0.3)
    requests = [chat_request([{"role": "user", "content": f"judge version {i}"}], model="judge", schema=Verdict) for i in range(4)]
    results = ask_many(requests, base_url=server.base_url, cache_dir=tmp_path, concurrency=4)
    assert [r.parsed for r in results] == [Verdict(score=3, reason="fine")] * 4
    assert server.count == 4 and server.max_in_flight >= 2
    again = ask_many(requests, base_url=server.base_url, cache_dir=tmp_path)
    assert all(r.cached for r in again) and server.count == 4
