"""A fake OpenAI-compatible chat-completions server for tests and benchmarks.

A real HTTP server on 127.0.0.1 (port 0, so tests never collide), running in a
daemon thread, so the real ``openai`` client talks to it over a socket exactly
as it would talk to OpenAI, Ollama or vLLM. Replies are scripted:

    with FakeOpenAI() as server:
        server.queue(Reply.rate_limited(retry_after=0.2), Reply.chapter())
        server.rule("Chapter 3:", Reply.hang())      # any request whose prompt contains this
        server.default = Reply.chapter(latency=0.05)  # everything else
        ... use server.base_url ...
        assert server.count == 2

Queued replies are used first, in order; then the first matching rule; then
``default``. ``reject_json_schema=True`` makes the server answer 400 to any
request asking for ``response_format: json_schema``, like servers that only
do plain text. Every request body is kept in ``server.requests``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """What the server does with one request."""

    kind: str = "chapter"  # chapter | content | status | hang | malformed | refusal
    content: str | None = None
    finish_reason: str = "stop"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    latency: float = 0.0
    model: str | None = None  # the model name the server claims; defaults to the requested one
    title: str | None = None
    usage: tuple[int, int] = (120, 80)

    # --- constructors ------------------------------------------------------------------

    @classmethod
    def chapter(cls, *, title: str | None = None, latency: float = 0.0, model: str | None = None) -> Reply:
        """A well-formed chapter: JSON when the request asks for it, Markdown otherwise."""
        return cls("chapter", title=title, latency=latency, model=model)

    @classmethod
    def text(cls, content: str, *, finish_reason: str = "stop", latency: float = 0.0, model: str | None = None) -> Reply:
        """Exactly this message content."""
        return cls("content", content=content, finish_reason=finish_reason, latency=latency, model=model)

    @classmethod
    def length(cls, *, latency: float = 0.0) -> Reply:
        """A reply cut off by max_tokens: half a JSON object, finish_reason 'length'."""
        return cls("content", content='{"title": "The Big Push", "paragraphs": ["Cassie pushed the cart and', finish_reason="length", latency=latency)

    @classmethod
    def refusal(cls, message: str = "I'm sorry, I can't help with that.") -> Reply:
        return cls("refusal", content=message)

    @classmethod
    def rate_limited(cls, retry_after: float | None = 1.0) -> Reply:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        return cls("status", status=429, headers=headers, body={"error": {"message": "Rate limit reached", "type": "rate_limit_error", "code": "rate_limit_exceeded"}})

    @classmethod
    def server_error(cls, status: int = 500) -> Reply:
        return cls("status", status=status, body={"error": {"message": "The server had an error", "type": "server_error"}})

    @classmethod
    def error(cls, status: int, message: str, **extra: Any) -> Reply:
        return cls("status", status=status, body={"error": {"message": message, "type": "invalid_request_error", **extra}})

    @classmethod
    def hang(cls, seconds: float = 30.0) -> Reply:
        """Say nothing for `seconds` (the client should time out first)."""
        return cls("hang", latency=seconds)

    @classmethod
    def malformed(cls) -> Reply:
        """HTTP 200 whose body is not JSON at all."""
        return cls("malformed")


def chapter_from_prompt(body: dict) -> tuple[int, str]:
    """The chapter number and title the prompt asks for ('Chapter N: Title' in a user message)."""
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "user":
            m = re.search(r"Chapter (\d+): (.+)", str(message.get("content", "")))
            if m:
                return int(m.group(1)), m.group(2).strip()
    return 1, "A Chapter"


def chapter_content(body: dict, title: str | None = None) -> str:
    """A small valid chapter, shaped the way the request asked (JSON schema or text)."""
    number, prompt_title = chapter_from_prompt(body)
    title = title or prompt_title
    paragraphs = [
        f"Cassie looked at the beach cart. It did not move. (chapter {number})",
        "She gave it a push. The cart rolled and rolled.",
        "\"Things keep going until something stops them,\" said Mom.",
    ]
    wants_json = (body.get("response_format") or {}).get("type") == "json_schema"
    if wants_json:
        return json.dumps({"title": title, "paragraphs": paragraphs, "illustrations": [{"after_paragraph": 1, "brief": "Cassie pushing the cart on the sand"}]})
    return f"Chapter {number}: {title}\n\n{paragraphs[0]}\n\n[Illustration: Cassie pushing the cart on the sand]\n\n" + "\n\n".join(paragraphs[1:]) + "\n"


class FakeOpenAI:
    """The server; use as a context manager or call start()/stop()."""

    def __init__(self, *, reject_json_schema: bool = False, default: Reply | None = None):
        self.reject_json_schema = reject_json_schema
        self.default = default or Reply.chapter()
        self.requests: list[dict] = []  # bodies, in arrival order
        self.arrivals: list[float] = []  # time.monotonic() of each arrival
        self.headers: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0  # most requests being answered at the same moment
        self._queue: list[Reply] = []
        self._rules: list[tuple[str | Callable[[dict], bool], Reply]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- scripting -------------------------------------------------------------------

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def rule(self, match: str | Callable[[dict], bool], reply: Reply) -> None:
        """Answer requests whose messages contain `match` (or for which match(body) is true) with `reply`."""
        with self._lock:
            self._rules.append((match, reply))

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def settled_count(self, expected: int, *, within: float = 10.0) -> int:
        """The request count once it reaches `expected`, or whatever it is after `within` seconds.

        A client that timed out has already moved on when a stalled server thread gets round to reading the
        request it sent; the count catches up moments later. Asserting on `count` at once races with that.
        """
        deadline = time.monotonic() + within
        while self.count < expected and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.count

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def _choose(self, body: dict) -> Reply:
        with self._lock:
            self.requests.append(body)
            self.arrivals.append(time.monotonic())
            if self._queue:
                return self._queue.pop(0)
            text = json.dumps(body.get("messages", []), ensure_ascii=False)
            for match, reply in self._rules:
                if (match(body) if callable(match) else (match in text or json.dumps(match)[1:-1] in text)):
                    return reply
            return self.default

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/_count"):  # for a server run in another process (bench)
                    self._json(200, {"count": fake.count})
                elif self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._json(404, {"error": {"message": f"no route {self.path}"}})
                    return
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError:
                    self._json(400, {"error": {"message": "request body is not JSON"}})
                    return
                with fake._lock:
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    self._handle(body)
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

            def _handle(self, body: dict) -> None:
                reply = fake._choose(body)
                if reply.latency and reply.kind != "hang":
                    if fake._stopping.wait(reply.latency):
                        return
                if fake.reject_json_schema and (body.get("response_format") or {}).get("type") == "json_schema":
                    self._json(400, {"error": {"message": "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", "type": "invalid_request_error", "param": "response_format"}})
                    return
                self._answer(reply, body)

            def _answer(self, reply: Reply, body: dict) -> None:
                if reply.kind == "hang":
                    fake._stopping.wait(reply.latency)
                    self.close_connection = True
                    return
                if reply.kind == "status":
                    self._json(reply.status, reply.body, reply.headers)
                    return
                if reply.kind == "malformed":
                    self._raw(200, b'{"id": "chatcmpl-broken", "choices": [ {"message": ', "application/json")
                    return
                message: dict[str, Any] = {"role": "assistant", "content": None}
                if reply.kind == "refusal":
                    message["refusal"] = reply.content
                elif reply.kind == "chapter":
                    message["content"] = chapter_content(body, reply.title)
                else:
                    message["content"] = reply.content
                n = len(fake.requests)
                self._json(
                    200,
                    {
                        "id": f"chatcmpl-fake{n:04d}",
                        "object": "chat.completion",
                        "created": 1764130000,
                        "model": reply.model or f"{body.get('model')}-2026-01-01",
                        "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason, "logprobs": None}],
                        "usage": {"prompt_tokens": reply.usage[0], "completion_tokens": reply.usage[1], "total_tokens": sum(reply.usage)},
                        "system_fingerprint": "fp_fake",
                    },
                )

            def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
                self._raw(status, json.dumps(obj).encode(), "application/json", headers)

            def _raw(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout); nothing to do

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True
            # socketserver's default listen backlog is 5: an 8-way burst of new connections
            # overflows it and the kernel makes the extra clients retry after a second or more.
            # Real servers (uvicorn under vLLM, Ollama) listen with a backlog in the hundreds.
            request_queue_size = 128

            def handle_error(self, request: Any, client_address: Any) -> None:  # client hung up mid-reply
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


if __name__ == "__main__":  # a manual server for trying `chapterbook draft --base-url ...` by hand
    import argparse

    ap = argparse.ArgumentParser(description="run the fake OpenAI-compatible server")
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--no-json-schema", action="store_true")
    ns = ap.parse_args()
    srv = FakeOpenAI(reject_json_schema=ns.no_json_schema, default=Reply.chapter(latency=ns.latency)).start()
    print(srv.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        srv.stop()
