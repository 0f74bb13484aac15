"""Benchmark: compare 8 chapters x 4 versions (human + 3 drafts), against a peer on the same texts.

Run:  PYTHONPATH=src python bench/bench_compare.py [--repeat 7] [--cli 3]

Ours: every chapterbook metric (size, Spache, Flesch-Kincaid, easy words,
facts, key terms, craft, safety, similarity) for all 32 versions, then the
whole `compare` (collect + metrics + HTML + JSON, written atomically).
Peer: the `readability` package (PyPI, Apache-2.0; works offline) computing its
readability grades (Kincaid, Dale-Chall, ...) for the same 32 texts, given the
one-sentence-per-line tokens it needs (tokenising with chapterbook's splitter,
timed as part of the peer). textstat is not used: its current release fetches
NLTK data on first use and fails offline.

Noise: on a shared machine other jobs only ever add CPU time, in bursts, so
  * the jobs are interleaved round by round (calibration, ours, peer, in a
    rotating order), so a slow stretch of the machine hits all of them alike
    instead of whichever job happened to run then;
  * each job reports its fastest run (the best estimate of its real cost, as
    Python's timeit advises) and its median (what a typical run felt like);
  * a calibration job, a fixed pure-Python loop that does the same work every
    time, shows how slow the machine was: its median/fastest ratio is the noise.
Issue #5's target is read off the fastest in-process `compare`. With --cli N
it also times N whole `python -m chapterbook compare` processes (interpreter,
imports, word lists and all), for what a user waits for at the command line.
Not a test: no timing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import chapterbook
from chapterbook.compare import compare
from chapterbook.compare.report import analyse
from chapterbook.compare.versions import collect
from chapterbook.output import book_dir
from chapterbook.spec.load import load_story
from chapterbook.text import sentences, words

CHAPTERS, DRAFTS = 8, 3
# The processes of --cli import the same chapterbook as this one (the checkout's src/ under PYTHONPATH=src).
SRC = Path(chapterbook.__file__).resolve().parent.parent
SCIENCE = [
    "A moving cart keeps moving until a force stops it.",
    "The sand pushed back on the wheels, so the cart slowed down.",
    '"Why did it stop?" asked Caleb. "Because the sand is a force," said Mom.',
    "Heavier things need a bigger push to start moving.",
    "Can you push a toy car and watch it roll? Try it!",
    "That is why Cassie had to push harder when Caleb climbed in.",
]
SETTING = [
    "The sun was warm and the sky was blue.",
    "Gulls called over the waves as the wind blew the tall grass.",
    "Cassie and Caleb ran down the path to the beach with their buckets.",
    '"Look at the shells!" said Caleb.',
    "Once upon a time, on a bright and sunny morning, their eyes sparkled with curiosity.",
    "A monster crab crawled out of a hole in the sand.",
    "Mom laughed and spread the blanket on the soft sand near the rocks.",
]


def chapter_text(rng: random.Random, science_share: float, n_paragraphs: int = 14) -> str:
    paras = []
    for i in range(n_paragraphs):
        sents = [rng.choice(SCIENCE if rng.random() < science_share else SETTING) for _ in range(rng.randint(2, 5))]
        paras.append(" ".join(sents))
        if i % 5 == 2:
            paras.append("[illustration: Cassie pushing the cart on the sand]")
    return "\n\n".join(paras) + "\n"


def make_book(root: Path) -> Path:
    rng = random.Random(5)
    story = root / "bench-book"
    (story / "chapters").mkdir(parents=True)
    chapters = []
    for c in range(1, CHAPTERS + 1):
        (story / "chapters" / f"{c:02d}.md").write_text(chapter_text(rng, 0.5), encoding="utf-8")
        chapters.append(f"  - {{title: Chapter number {c}, concepts: [inertia], text_file: chapters/{c:02d}.md}}")
    (story / "story.yaml").write_text(
        "spec_version: 1\nbook: {title: Bench Book, authors: [A]}\n"
        "characters: [{id: cassie, name: Cassie}, {id: caleb, name: Caleb}]\n"
        "concepts:\n  - id: inertia\n    name: Inertia\n    explanation: Things keep doing what they do until a force changes it.\n"
        "    key_terms: [{term: inertia, definition: keep on}, {term: force, definition: a push or a pull}]\n"
        "    facts: ['A moving object keeps moving until a force stops it.', 'Heavier things need a bigger push to start moving.',"
        " 'An object at rest stays still until a push or pull moves it.']\n"
        "    misconceptions: ['Moving things stop by themselves because they get tired.']\n"
        "chapters:\n" + "\n".join(chapters) + "\n",
        encoding="utf-8",
    )
    run = root / "out" / "bench-book" / "drafts" / "20260101T000000Z"
    run.mkdir(parents=True)
    entries = []
    for c in range(1, CHAPTERS + 1):
        for m, share in zip(("model-a", "model-b", "model-c"), (0.1, 0.4, 0.7)):
            name = f"chapter-{c:02d}.{m}.s1.md"
            (run / name).write_text(f"# Draft {c}\n\n" + chapter_text(rng, share), encoding="utf-8")
            entries.append({"chapter": c, "model": m, "sample": 1, "file": name, "status": "ok", "error": None})
    (run / "run.json").write_text(json.dumps({"drafts": entries}), encoding="utf-8")
    return story / "story.yaml"


CALIBRATION_LOOPS = 1_000_000  # about 50 ms of pure Python here when the machine is quiet


def calibration() -> int:
    """A fixed pure-Python loop: the same work every run, so its spread is the machine's noise."""
    total = 0
    for i in range(CALIBRATION_LOOPS):
        total += i * i % 7
    return total


def cpu_ms(fn) -> float:
    # Collect leftovers first so a job does not pay for the garbage of the one before it.
    gc.collect()
    t0 = time.process_time()
    fn()
    return (time.process_time() - t0) * 1000


def interleaved(jobs: dict[str, object], repeat: int) -> dict[str, list[float]]:
    """CPU ms of every job, `repeat` rounds, each round running every job once in a rotated order."""
    names = list(jobs)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(repeat):
        for n in names[r % len(names) :] + names[: r % len(names)]:
            times[n].append(cpu_ms(jobs[n]))
    return times


def summary(label: str, runs: list[float]) -> str:
    return f"{label}: fastest {min(runs):.0f} ms, median {statistics.median(runs):.0f} ms CPU  (runs: {', '.join(f'{t:.0f}' for t in runs)})"


def cli_runs(story_path: Path, out: Path, n: int) -> list[float]:
    """CPU ms (user + system) of `n` whole `python -m chapterbook compare` processes."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH", "")) if p)}
    cmd = [sys.executable, "-m", "chapterbook", "compare", str(story_path), "--output", str(out)]
    runs = []
    for _ in range(n):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append(1000 * ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)))
    return runs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7, help="rounds of the interleaved in-process jobs")
    ap.add_argument("--cli", type=int, default=3, help="whole `chapterbook compare` processes to time (0: none)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        story_path = make_book(root)
        story = load_story(story_path)
        out = root / "out"
        collected = collect(story, None, book_dir(story, out))
        texts = [v.text for v in collected.versions]
        n_words = sum(len(words(t)) for t in texts)
        print(f"input: {CHAPTERS} chapters x {1 + DRAFTS} versions = {len(texts)} texts, {n_words} words")

        compare(story, output_root=out)  # warm caches (word lists, compiled patterns, template), as a second run would be
        jobs = {
            "calibration": calibration,
            "metrics": lambda: analyse(story, collected),
            "compare": lambda: compare(story, output_root=out),
        }
        try:
            import readability  # the peer

            def peer() -> None:
                for t in texts:
                    tokenised = "\n".join(" ".join(words(s.text)) + " ." for s in sentences(t.replace("\n\n", " ")))
                    readability.getmeasures(tokenised, lang="en")

            jobs["peer"] = peer
        except ImportError:
            readability = None
        times = interleaved(jobs, args.repeat)

        cal = times["calibration"]
        print(summary(f"calibration ({CALIBRATION_LOOPS:,} pure-Python loop steps)", cal))
        print(f"    machine noise: a typical run took {statistics.median(cal) / min(cal):.1f}x the fastest (1.0 on a quiet machine)")
        print(summary("chapterbook metrics (all of them)", times["metrics"]))
        print(summary("chapterbook compare (collect + metrics + report.html + metrics.json)", times["compare"]))
        t_full = min(times["compare"]) / 1000
        print(f"target under 1 s (fastest compare): {'met' if t_full < 1.0 else 'NOT met'}")
        if readability is None:
            print("peer 'readability' is not installed (pip install readability): absolute times only")
        else:
            peer_runs = times["peer"]
            print(summary(f"peer readability {readability.__name__}.getmeasures on the same texts", peer_runs))
            print(
                f"ratio chapterbook metrics / peer: {min(times['metrics']) / min(peer_runs):.2f}x fastest, "
                f"{statistics.median(times['metrics']) / statistics.median(peer_runs):.2f}x median "
                "(ours computes far more than readability grades)"
            )
        if args.cli:
            # The compares above left the compiled report template in output/<book>/.cache/,
            # so these processes load it instead of compiling it, like a user's second run.
            runs = cli_runs(story_path, out, args.cli)
            print(summary("whole `python -m chapterbook compare` process (start, imports, lists, compare)", runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
