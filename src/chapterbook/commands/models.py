"""chapterbook models: what a model server offers, and what `draft` will do with it."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from chapterbook.cli.options import add_output
from chapterbook.console import err_console, out_console

HELP = "list a model server's models and check whether it does structured output (one small, cached request)"

EPILOG = """\
examples:
  chapterbook models --base-url http://localhost:11434/v1          # Ollama
  chapterbook models --base-url http://localhost:8080/v1 --model qwen3-8b
  chapterbook models                                                # OpenAI, with OPENAI_API_KEY
"""
FAILS = "the server could not be reached or refused"

# The smallest request that shows whether the server enforces a JSON schema.
PROBE_SCHEMA = {
    "type": "object",
    "properties": {"word": {"type": "string"}},
    "required": ["word"],
    "additionalProperties": False,
}
PROBE_MESSAGES = [{"role": "user", "content": 'Answer with the word "ready".'}]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from chapterbook.commands.draft import seconds_option

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("--base-url", metavar="URL", help="an OpenAI-compatible server, e.g. http://localhost:11434/v1 (default: OPENAI_BASE_URL or OpenAI)")
    parser.add_argument("-m", "--model", metavar="MODEL", help="the model to check (default: the first one the server lists)")
    parser.add_argument("--timeout", type=seconds_option, default=120.0, metavar="SECONDS", help="wait this long for the answer (default 120)")
    parser.add_argument("--no-cache", action="store_true", help="check again even when this server was checked before")
    add_output(parser, "the check's cache (DIR/.cache/llm)")


def _read_word(data: Any) -> str:
    if not isinstance(data, dict) or not isinstance(data.get("word"), str):
        raise ValueError('the reply is not {"word": "..."}')
    return data["word"]


def run(args: argparse.Namespace) -> int:
    from chapterbook.errors import LLMError
    from chapterbook.llm.backend import ChatRequest, Failure
    from chapterbook.llm.cache import Cache
    from chapterbook.llm.client import ChatClient
    from chapterbook.llm.endpoint import endpoint_from_env
    from chapterbook.llm.retry import RetryPolicy

    endpoint = endpoint_from_env(args.base_url)
    out = out_console()

    async def go() -> tuple[list[str] | None, str | None, Any]:
        policy = RetryPolicy(attempts=2, timeout=args.timeout)
        async with ChatClient(endpoint, policy=policy, cache=Cache((args.output or Path("output")) / ".cache" / "llm"), use_cache=not args.no_cache) as client:
            listed: list[str] | None = None
            listing_problem = None
            try:
                listed = await client.models()
            except Failure as failure:
                if failure.kind == "fatal":
                    raise LLMError(failure.message) from None
                listing_problem = failure.message
            model = args.model or (listed[0] if listed else None)
            if model is None:
                raise LLMError(
                    f"the server at {endpoint.public_url} lists no models" + (f" ({listing_problem})" if listing_problem else ""),
                    hint="name one with --model",
                )
            request = ChatRequest(
                model=model,
                messages=PROBE_MESSAGES,
                params={"temperature": 0, "max_tokens": 400},
                schema=PROBE_SCHEMA,
                schema_name="probe",
                text_instructions='Reply with this JSON object only: {"word": "ready"}',
                from_json=_read_word,
            )
            return listed, listing_problem, (model, await client.chat(request))

    listed, listing_problem, (model, result) = asyncio.run(go())
    out.print(f"server: {endpoint.public_url}", markup=False)
    if listed is not None:
        out.print(f"models ({len(listed)}):", markup=False)
        for name in listed:
            out.print(f"  {name}", markup=False)
    else:
        out.print(f"models: the server did not list them ({listing_problem})", markup=False)
    checked = f"checked with model '{model}'" + (" (from the cache; --no-cache to check again)" if result.cached else "")
    out.print(checked, markup=False)
    if result.status == "error":
        err_console().print(f"the check failed: {result.error}", markup=False)
        return 1
    out.print(_verdict(result, model), markup=False)
    return 0


def _verdict(result: Any, model: str) -> str:
    """What `draft` will do with this server, in plain words."""
    if result.mode == "text":
        return (
            "structured output: no (the server refused response_format json_schema).\n"
            "draft will ask for each chapter as plain text after a quick refused request "
            f"(one per model, and one per request already under way; --reply text skips them), and read the text as a pasted chapter is read: draft ... --model {model} --reply text"
        )
    if result.read_as == "json":
        thinking = ", after the model's reasoning, which draft keeps apart from the chapter" if result.reasoning else ""
        return (
            f"structured output: yes (the reply was the JSON asked for{thinking}).\n"
            f"draft will ask for chapters as JSON and read them as they come: draft ... --model {model}"
        )
    if result.ok:
        return (
            f"structured output: accepted but not enforced (the model answered with {result.read_as} instead of bare JSON).\n"
            "draft will still read such replies (it records how in run.json); small local models often do better "
            f"with the plain prompt: draft ... --model {model} --reply text"
        )
    return (
        f"structured output: unclear (the check's reply was {result.status}: {result.error}).\n"
        f"draft will try JSON and fall back to reading plain text; if drafts come back invalid, try --reply text"
    )
