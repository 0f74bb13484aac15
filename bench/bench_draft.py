"""Benchmark: drafting 24 chapters against a local fake server that takes 1 s per answer.

    PYTHONPATH=src python bench/bench_draft.py [--latency 1.0] [--chapters 24] [--concurrency 8]

The fake server runs in its own process (as a real local server would), so its
threads do not compete with the client for the interpreter lock.

Measures, against one server, run by run interleaved (so machine noise hits all alike):
  - chapterbook's run at --concurrency 8 (target: at most 4 s wall for 24 x 1 s)
  - the cached rerun (target: at most 0.5 s, zero requests)
  - a peer: the bare openai AsyncOpenAI client with asyncio.gather and the same
    concurrency limit, no cache, no files: the floor our overhead is measured against
  - the machine's own floor: the same schedule of 24 waits of 1 s, 8 at a time, with
    asyncio.sleep and no HTTP at all. It is 3.00 s on a quiet machine; on a shared virtual
    machine whose CPUs are taken away for tenths of a second at a time it is not, and
    nothing running on it can beat it. Overheads are also printed as time over this floor.
and prints the ratios. Not a test: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the fake server lives with the tests

from chapterbook.draft.run import DraftOptions, run_drafts  # noqa: E402
from chapterbook.llm.endpoint import Endpoint  # noqa: E402
from chapterbook.llm.retry import RetryPolicy  # noqa: E402
from chapterbook.spec.load import load_story  # noqa: E402
from machine import calibrate  # noqa: E402  (bench/machine.py: this folder is on sys.path when run as a script)


def story_yaml(chapters: int) -> str:
    lines = ["spec_version: 1", "book:", "  title: Bench Book", "  authors: [Bench]", "chapters:"]
    for i in range(1, chapters + 1):
        lines += [f"  - title: Chapter Title {i}", f"    synopsis: Something happens in part {i}.", "    beats: [one, two, three]"]
    return "\n".join(lines) + "\n"


async def peer(base_url: str, messages_list: list[list[dict]], concurrency: int) -> None:
    import openai

    client = openai.AsyncOpenAI(base_url=base_url, api_key="x", max_retries=0, timeout=30)
    sem = asyncio.Semaphore(concurrency)

    async def one(messages: list[dict]) -> None:
        async with sem:
            await client.chat.completions.create(model="bench", messages=messages)

    await asyncio.gather(*(one(m) for m in messages_list))
    await client.close()


async def sleeps(count: int, latency: float, concurrency: int) -> None:
    """The schedule alone: `count` waits of `latency` seconds, `concurrency` at a time."""
    sem = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with sem:
            await asyncio.sleep(latency)

    await asyncio.gather(*(one() for _ in range(count)))


class ServerProcess:
    """tests/fake_openai.py started as a separate process; prints its base URL on its first line."""

    def __init__(self, latency: float):
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE.parent / "tests" / "fake_openai.py"), "--latency", str(latency)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.base_url = self.proc.stdout.readline().strip()
        if not self.base_url.startswith("http://127.0.0.1:"):
            self.proc.kill()
            raise SystemExit(f"the fake server did not start: {self.base_url!r}")

    @property
    def count(self) -> int:
        import urllib.request

        with urllib.request.urlopen(self.base_url + "/_count", timeout=10) as r:
            return json.load(r)["count"]

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--latency", type=float, default=1.0)
    ap.add_argument("--chapters", type=int, default=24)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each kind; min and median are reported (the machine may be shared)")
    ns = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp, ServerProcess(ns.latency) as server:
        folder = Path(tmp) / "bench-book"
        folder.mkdir()
        (folder / "story.yaml").write_text(story_yaml(ns.chapters), encoding="utf-8")
        story = load_story(folder / "story.yaml")
        endpoint = Endpoint(server.base_url, "bench-key")
        options = DraftOptions(models=["bench"], concurrency=ns.concurrency, output_root=Path(tmp) / "output", policy=RetryPolicy(attempts=1, timeout=30))

        # Warm up: the openai package imports its modules lazily, on first use, for seconds;
        # whoever ran first would pay for it. One untimed request through each path.
        asyncio.run(peer(server.base_url, [[{"role": "user", "content": "warm up"}]], 1))
        run_drafts(story, DraftOptions(models=["warmup"], chapters=[1], output_root=options.output_root), endpoint=endpoint)

        cold, warm, bare, floor = [], [], [], []
        cpu: dict[str, list[float]] = {"cold": [], "warm": [], "bare": []}
        cold_requests, warm_requests = [], []
        for _ in range(ns.repeat):
            before = server.count
            t, c = time.perf_counter(), time.process_time()
            # Fresh answers every time (not read from the cache), so each cold run really asks.
            first = run_drafts(story, replace(options, use_cache=False), endpoint=endpoint)
            cold.append(time.perf_counter() - t)
            cpu["cold"].append(time.process_time() - c)
            cold_requests.append(server.count - before)
            assert len([d for d in first.drafts if d.status == "ok"]) == ns.chapters, first.problems

            before = server.count
            t, c = time.perf_counter(), time.process_time()
            second = run_drafts(story, options, endpoint=endpoint)
            warm.append(time.perf_counter() - t)
            cpu["warm"].append(time.process_time() - c)
            warm_requests.append(server.count - before)
            assert all(d.cached for d in second.drafts)

            messages = [d.prompt.messages for d in first.drafts]
            before = server.count
            t, c = time.perf_counter(), time.process_time()
            asyncio.run(peer(server.base_url, messages, ns.concurrency))
            bare.append(time.perf_counter() - t)
            cpu["bare"].append(time.process_time() - c)
            assert server.count - before == ns.chapters

            t = time.perf_counter()
            asyncio.run(sleeps(ns.chapters, ns.latency, ns.concurrency))
            floor.append(time.perf_counter() - t)

    ideal = -(-ns.chapters // ns.concurrency) * ns.latency
    print(f"{ns.chapters} chapter requests, {ns.latency:g} s latency each, concurrency {ns.concurrency} (ideal {ideal:.2f} s); {ns.repeat} runs each")
    print(f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"calibration: a fixed pure-Python loop took {calibrate():.2f} s (about 0.3 s on an idle modern core)")
    print("                                   min      median   requests   client CPU min")
    print(f"  chapterbook draft, fresh:     {min(cold):7.2f} s {median(cold):7.2f} s   {cold_requests}   {min(cpu['cold']):.2f} s   target <= 4 s")
    print(
        f"  chapterbook draft, cached:    {min(warm):7.2f} s {median(warm):7.2f} s   {warm_requests}   {min(cpu['warm']):.2f} s   target <= 0.5 s, 0 requests"
    )
    print(f"  peer: bare AsyncOpenAI+gather:{min(bare):7.2f} s {median(bare):7.2f} s   {ns.chapters} each    {min(cpu['bare']):.2f} s   (no cache, no files)")
    print(f"  machine floor: asyncio.sleep only:{min(floor):5.2f} s {median(floor):7.2f} s   (ideal {ideal:.2f} s; no HTTP, no client)")
    print(
        f"  over the floor, fresh:  {min(c - f for c, f in zip(cold, floor)):5.2f} s (min)  {median(c - f for c, f in zip(cold, floor)):5.2f} s (median)   (the target leaves {4 - ideal:.2f} s over the ideal {ideal:.2f} s)"
    )
    print(f"  over the floor, peer:   {min(b - f for b, f in zip(bare, floor)):5.2f} s (min)  {median(b - f for b, f in zip(bare, floor)):5.2f} s (median)")
    print(f"  ratio fresh / peer:  {min(cold) / min(bare):5.2f}x (min)  {median(cold) / median(bare):5.2f}x (median)")
    print(f"  ratio cached / peer: {min(warm) / min(bare):5.3f}x (min)  {median(warm) / median(bare):5.3f}x (median)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
