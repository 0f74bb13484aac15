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

    kind: str = "chapter"  # chapter | revised | content | status | hang | malformed | refusal
    content: str | None = None
    finish_reason: str = "stop"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    latency: float = 0.0
    model: str | None = None  # the model name the server claims; defaults to the requested one
    title: str | None = None
    usage: tuple[int, int] = (120, 80)
    message: dict[str, Any] = field(default_factory=dict)  # fields laid over the reply's message (malformed replies)
    completion: dict[str, Any] = field(default_factory=dict)  # top-level fields laid over the reply (malformed replies)

    # --- constructors ------------------------------------------------------------------

    @classmethod
    def chapter(cls, *, title: str | None = None, latency: float = 0.0, model: str | None = None) -> Reply:
        """A well-formed chapter: JSON when the request asks for it, Markdown otherwise."""
        return cls("chapter", title=title, latency=latency, model=model)

    @classmethod
    def revised(cls, title: str, paragraphs: list[str]) -> Reply:
        """A revised chapter (for draft --revise): exactly these paragraphs, as JSON or Markdown as the request asks."""
        return cls("revised", title=title, body=list(paragraphs))

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
        return cls(
            "status", status=429, headers=headers, body={"error": {"message": "Rate limit reached", "type": "rate_limit_error", "code": "rate_limit_exceeded"}}
        )

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
    def shaped(cls, *, message: dict[str, Any] | None = None, **completion: Any) -> Reply:
        """A chapter reply with some fields replaced, e.g. shaped(message={"content": 42}) or shaped(usage={...})."""
        return cls("chapter", message=message or {}, completion=completion)

    @classmethod
    def echo_key(cls) -> Reply:
        """A reply whose text repeats the API key the request carried (a misbehaving proxy)."""
        return cls("echo")

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
    """A small valid chapter, shaped the way the request asked (JSON schema or text); or the answer to `models`' check."""
    wants_json = (body.get("response_format") or {}).get("type") == "json_schema"
    if 'Answer with the word \\"ready\\"' in json.dumps(body.get("messages", [])):
        asked_in_words = "JSON object" in json.dumps(body.get("messages", []))
        return '{"word": "ready"}' if wants_json or asked_in_words else "ready"
    number, prompt_title = chapter_from_prompt(body)
    title = title or prompt_title
    paragraphs = [
        f"Cassie looked at the beach cart. It did not move. (chapter {number})",
        "She gave it a push. The cart rolled and rolled.",
        '"Things keep going until something stops them," said Mom.',
    ]
    if wants_json:
        return json.dumps({"title": title, "paragraphs": paragraphs, "illustrations": [{"after_paragraph": 1, "brief": "Cassie pushing the cart on the sand"}]})
    return f"Chapter {number}: {title}\n\n{paragraphs[0]}\n\n[Illustration: Cassie pushing the cart on the sand]\n\n" + "\n\n".join(paragraphs[1:]) + "\n"


# --- how real servers answer (profiles) and how chat models answer (quirks) -------------------------
#
# Built from each project's documentation and issue tracker:
# - OpenAI: chat completions reference. usage always; finish_reason stop/length/content_filter; errors
#   {"error": {"message", "type", "param", "code"}}; json_schema strict supported; no reasoning field.
# - Ollama (OpenAI-compatible /v1): system_fingerprint "fp_ollama"; thinking models' reasoning in
#   message.reasoning; errors {"error": {"message", "type": "api_error", ...}}; /v1/models owned_by "library".
# - llama.cpp server: extra "timings"; reasoning in message.reasoning_content (--reasoning-format deepseek,
#   the default); errors {"error": {"code", "message", "type"}}; /v1/models entries carry "meta".
# - vLLM: choices carry "stop_reason"; reasoning_content from its reasoning parsers; errors in the older
#   flat form {"object": "error", "message", "type": "BadRequestError", "param", "code"}; models carry max_model_len.
# - LM Studio: extra "stats"; no usage on some builds; errors as a bare string {"error": "..."}
#   (e.g. "'response_format.type' must be 'json_schema' or 'text'"); models owned_by "organization_owner".


def _message_of(body: Any) -> str:
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return str(inner.get("message", "error"))
        return str(inner)
    return "error"


@dataclass(frozen=True)
class Profile:
    """How one kind of server shapes its answers."""

    name: str
    model_ids: tuple[str, ...]
    usage: bool = True
    json_schema: bool = True
    reasoning_field: str | None = None  # where a thinking model's reasoning goes
    no_schema_message: str = "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model."
    extra: dict[str, Any] = field(default_factory=dict)  # top-level fields of its own
    choice_extra: dict[str, Any] = field(default_factory=dict)
    model_extra: dict[str, Any] = field(default_factory=dict)  # fields of each /v1/models entry
    models_extra: dict[str, Any] = field(default_factory=dict)  # top-level fields of /v1/models

    def completion(self, *, n: int, model: str, message: dict, finish_reason: str, usage: tuple[int, int], reasoning: str) -> dict:
        if self.reasoning_field and message.get("content") is not None:
            message = {**message, self.reasoning_field: reasoning}
        out: dict[str, Any] = {
            "id": f"chatcmpl-fake{n:04d}",
            "object": "chat.completion",
            "created": 1764130000,
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None, **self.choice_extra}],
            "system_fingerprint": "fp_fake",
            **self.extra,
        }
        if self.usage:
            out["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
        return out

    def error_body(self, status: int, message: str, original: Any) -> Any:
        if self.name == "openai":
            return original if original is not None else {"error": {"message": message, "type": "invalid_request_error", "param": "response_format"}}
        if self.name == "ollama":
            return {"error": {"message": message, "type": "api_error", "param": None, "code": None}}
        if self.name == "llamacpp":
            return {"error": {"code": status, "message": message, "type": "invalid_request_error" if status < 500 else "server_error"}}
        if self.name == "vllm":
            return {"object": "error", "message": message, "type": "BadRequestError" if status < 500 else "InternalServerError", "param": None, "code": status}
        return {"error": message}  # LM Studio

    def models_body(self) -> dict:
        data = [{"id": m, "object": "model", "created": 1764130000, **self.model_extra} for m in self.model_ids]
        return {"object": "list", "data": data, **self.models_extra}


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("openai", ("gpt-4o-mini", "fake-model"), extra={"service_tier": "default"}, model_extra={"owned_by": "openai"}),
        Profile(
            "ollama",
            ("llama3.2:latest", "qwen3:8b"),
            reasoning_field="reasoning",
            extra={"system_fingerprint": "fp_ollama"},
            model_extra={"owned_by": "library"},
        ),
        Profile(
            "llamacpp",
            ("qwen3-8b-q4_k_m.gguf",),
            reasoning_field="reasoning_content",
            extra={"timings": {"prompt_n": 120, "predicted_n": 80, "predicted_per_second": 31.5}},
            model_extra={"owned_by": "llamacpp", "meta": {"n_ctx_train": 32768}},
            models_extra={"models": [{"name": "qwen3-8b-q4_k_m.gguf", "model": "qwen3-8b-q4_k_m.gguf"}]},
        ),
        Profile(
            "vllm",
            ("Qwen/Qwen3-8B",),
            reasoning_field="reasoning_content",
            extra={"prompt_logprobs": None, "kv_transfer_params": None},
            choice_extra={"stop_reason": None},
            model_extra={"owned_by": "vllm", "root": "Qwen/Qwen3-8B", "parent": None, "max_model_len": 32768},
        ),
        Profile(
            "lmstudio",
            ("qwen2.5-7b-instruct",),
            usage=False,
            extra={"stats": {}},
            model_extra={"owned_by": "organization_owner"},
        ),
        # An older build of a local server that only speaks text: json_schema answered with a 400.
        Profile("text-only", ("local-model",), json_schema=False, no_schema_message="response_format json_schema is not supported"),
    )
}

QUIRKS = ("fenced", "prose", "think", "think-unopened", "chatter")


def apply_quirk(quirk: str | None, body: dict, content: str) -> tuple[str, str | None]:
    """The reply a chat model gives when nothing enforces the format; and reasoning it put in a field (None)."""
    if quirk is None:
        return content, None
    number, _ = chapter_from_prompt(body)
    if quirk == "prose":  # ignores response_format: the chapter as Markdown whatever was asked
        return chapter_content({**body, "response_format": None}), None
    if quirk == "fenced":
        lang = "json" if content.lstrip().startswith("{") else "markdown"
        return f"Here is chapter {number} as you asked:\n\n```{lang}\n{content}\n```\n", None
    if quirk == "think":
        return f'<think>\nThe readers are 7. Short sentences. Maybe {{"title": "draft"}} first?\n</think>\n\n{content}', None
    if quirk == "think-unopened":  # Qwen3's template opens the block in the prompt; only the close is in the reply
        return f"Okay, let me plan chapter {number}: a cart, a push, {{inertia}}.\n</think>\n\n{content}", None
    if quirk == "chatter":
        return (
            f"Sure! Here is Chapter {number} of the story for you.\n\n{content}\n\nI hope you enjoy this chapter! Let me know if you would like any changes."
        ), None
    raise ValueError(f"unknown quirk {quirk}")


class FakeOpenAI:
    """The server; use as a context manager or call start()/stop().

    `profile` makes it answer the way one real server does (see fake_profiles.py);
    `quirk` makes the model answer the way chat models do when nothing enforces a format.
    """

    def __init__(
        self, *, reject_json_schema: bool = False, default: Reply | None = None, profile: Any = None, quirk: str | None = None, keep_alive: bool = True
    ):
        self.keep_alive = keep_alive  # False: one request per connection, so stop() really ends the conversation
        self.profile = profile or PROFILES["openai"]
        self.quirk = quirk
        self.reject_json_schema = reject_json_schema or not self.profile.json_schema
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
                if match(body) if callable(match) else (match in text or json.dumps(match)[1:-1] in text):
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
                    self._json(200, fake.profile.models_body())
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
                    self._json(400, fake.profile.error_body(400, fake.profile.no_schema_message, None))
                    return
                self._answer(reply, body)

            def _answer(self, reply: Reply, body: dict) -> None:
                if reply.kind == "hang":
                    fake._stopping.wait(reply.latency)
                    self.close_connection = True
                    return
                if reply.kind == "status":
                    self._json(reply.status, fake.profile.error_body(reply.status, _message_of(reply.body), reply.body), reply.headers)
                    return
                if reply.kind == "malformed":
                    self._raw(200, b'{"id": "chatcmpl-broken", "choices": [ {"message": ', "application/json")
                    return
                message: dict[str, Any] = {"role": "assistant", "content": None}
                reasoning = None
                if reply.kind == "refusal":
                    message["refusal"] = reply.content
                elif reply.kind == "chapter":
                    message["content"], reasoning = apply_quirk(fake.quirk, body, chapter_content(body, reply.title))
                elif reply.kind == "revised":
                    if (body.get("response_format") or {}).get("type") == "json_schema":
                        message["content"] = json.dumps({"title": reply.title, "paragraphs": reply.body, "illustrations": []})
                    else:
                        message["content"] = f"# {reply.title}\n\n" + "\n\n".join(reply.body) + "\n"
                elif reply.kind == "echo":
                    key = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    message["content"] = f"Your key {key} is not allowed to write chapters."
                else:
                    message["content"] = reply.content
                n = len(fake.requests)
                completion = fake.profile.completion(
                    n=n,
                    model=reply.model or f"{body.get('model')}-2026-01-01",
                    message=message,
                    finish_reason=reply.finish_reason,
                    usage=reply.usage,
                    reasoning="I should plan the chapter first. {Cassie, cart, push}" if reasoning is None else reasoning,
                )
                completion["choices"][0]["message"].update(reply.message)
                completion.update(reply.completion)
                self._json(200, completion)

            def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
                self._raw(status, json.dumps(obj).encode(), "application/json", headers)

            def _raw(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    if not fake.keep_alive:
                        self.send_header("Connection", "close")
                        self.close_connection = True
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
    ap.add_argument("--profile", choices=sorted(PROFILES), default="openai", help="answer the way this server does")
    ap.add_argument("--quirk", choices=QUIRKS, help="answer the way chat models do when nothing enforces a format")
    ns = ap.parse_args()
    srv = FakeOpenAI(reject_json_schema=ns.no_json_schema, default=Reply.chapter(latency=ns.latency), profile=PROFILES[ns.profile], quirk=ns.quirk).start()
    print(srv.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        srv.stop()
