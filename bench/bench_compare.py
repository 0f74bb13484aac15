"""Benchmark: compare 8 chapters x 4 versions (human + 3 drafts), against a peer on the same texts.

Run:  PYTHONPATH=src python bench/bench_compare.py [--repeat 5]

Ours: every chapterbook metric (size, Spache, Flesch-Kincaid, easy words,
facts, key terms, craft, safety, similarity) for all 32 versions, then the
whole `compare` (collect + metrics + HTML + JSON, written atomically).
Peer: the `readability` package (PyPI, Apache-2.0; works offline) computing its
readability grades (Kincaid, Dale-Chall, ...) for the same 32 texts, given the
one-sentence-per-line tokens it needs (tokenising with chapterbook's splitter,
timed as part of the peer). textstat is not used: its current release fetches
NLTK data on first use and fails offline.
Prints median times and the ratio ours/peer. Not a test: no timing is asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from chapterbook.compare import compare
from chapterbook.compare.report import analyse
from chapterbook.compare.versions import collect
from chapterbook.output import book_dir
from chapterbook.spec.load import load_story
from chapterbook.text import sentences, words

CHAPTERS, DRAFTS = 8, 3
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


def timed(fn, repeat: int) -> float:
    """Fastest CPU seconds of `repeat` runs.

    On a shared machine other jobs only ever add time, so the fastest run is the
    best estimate of the real cost (the advice of Python's timeit); the median is
    printed too so the noise is visible.
    """
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    print(f"    runs (ms): {', '.join(f'{t * 1000:.0f}' for t in times)}; median {statistics.median(times) * 1000:.0f}")
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        story = load_story(make_book(root))
        out = root / "out"
        collected = collect(story, None, book_dir(story, out))
        texts = [v.text for v in collected.versions]
        n_words = sum(len(words(t)) for t in texts)
        print(f"input: {CHAPTERS} chapters x {1 + DRAFTS} versions = {len(texts)} texts, {n_words} words")

        compare(story, output_root=out)  # warm caches (word lists, compiled patterns), as a second run would be
        t_metrics = timed(lambda: analyse(story, collected), args.repeat)
        t_full = timed(lambda: compare(story, output_root=out), args.repeat)
        print(f"chapterbook metrics (all of them): {t_metrics * 1000:.0f} ms (fastest CPU time of {args.repeat})")
        print(f"chapterbook compare (collect + metrics + report.html + metrics.json): {t_full * 1000:.0f} ms")
        print(f"target under 1 s: {'met' if t_full < 1.0 else 'NOT met'}")

        try:
            import readability  # the peer
        except ImportError:
            print("peer 'readability' is not installed (pip install readability): absolute times only")
            return 0

        def peer() -> None:
            for t in texts:
                tokenised = "\n".join(" ".join(words(s.text)) + " ." for s in sentences(t.replace("\n\n", " ")))
                readability.getmeasures(tokenised, lang="en")

        t_peer = timed(peer, args.repeat)
        print(f"peer readability {readability.__name__} getmeasures on the same texts: {t_peer * 1000:.0f} ms")
        print(f"ratio chapterbook metrics / peer: {t_metrics / t_peer:.2f}x (ours computes far more than readability grades)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
