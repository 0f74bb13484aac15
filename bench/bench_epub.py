"""`--format epub` on the bench book, warm, beside the cold print build of the same book in the same run.

    PYTHONPATH=src python bench/bench_epub.py [--repeat 3] [--src OTHER_TREE/src]

Each case is a whole `chapterbook build` process: the cold PDF build (empty cache),
then the ebook with a warm cache (pictures, diagram SVGs, font subsets and the cover
image already made), alternating. Before each ebook build one word of a chapter is
changed, as an author's save would, so the ebook is really made again (a rebuild with
nothing changed would be skipped whole). Reports medians of wall and CPU seconds
(user + system of the process, which a busy shared machine inflates less) and the
ratios, with the fastest wall time of each case (as bench_render: other work only adds time). `--src` runs another checkout's code (e.g. main's, for a before/after).
`--instructions` also counts the machine instructions of one warm ebook build and one cold PDF build (valgrind's
cachegrind, a fixed hash seed), in the chapterbook process itself (see instructions()): unlike seconds,
the count does not move with the load of a shared machine. It overstates hashing (valgrind runs SHA-256
without the CPU's SHA instructions).
Target (issue 17): ebook warm <= 0.25x of the cold PDF build.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from children import chapterbook_env, compile_once  # bench/children.py: processes as installed

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_render import make_book  # noqa: E402 - the same generated book as the render bench

REPO = Path(__file__).resolve().parents[1]


SRC = REPO / "src"


def timed(args: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one `chapterbook` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "chapterbook", *args], check=True, env=chapterbook_env(SRC), capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def instructions(args: list[str]) -> int:
    """Machine instructions (cachegrind's Ir) of one `chapterbook` process, the one the author waits for.

    Processes it starts run beside it on the other core and are not added: cachegrind counts a
    forked process (the ebook's parse helper, the print build's picture workers) from its parent's
    count at the fork, so a sum would count the parent's work again (the sums given before stop 19
    did, for the print build's two picture workers).
    """
    with tempfile.TemporaryDirectory() as tmp:
        env = chapterbook_env(SRC, PYTHONHASHSEED="0")  # the same set and dict orders, so the same work, every run
        out = f"--cachegrind-out-file={tmp}/cg.%p"  # one file per process; the first is chapterbook's own
        command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--trace-children=yes", out, sys.executable, "-m", "chapterbook", *args]
        with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
            if process.wait() != 0:
                raise subprocess.CalledProcessError(process.returncode, command)
        summary = (Path(tmp) / f"cg.{process.pid}").read_text().splitlines()
        return next(int(line.split()[1]) for line in summary if line.startswith("summary:"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--src", type=Path, help="the chapterbook source folder to run (default: this checkout's src/)")
    ap.add_argument("--instructions", action="store_true", help="also count the instructions of a warm ebook build (needs valgrind)")
    args = ap.parse_args()
    global SRC
    SRC = args.src.resolve() if args.src else SRC
    compile_once(SRC)
    work = Path(tempfile.mkdtemp(prefix="bench-epub-"))
    try:
        story = make_book(work / "book")
        timed(["build", str(story), "--format", "epub", "-o", str(work / "warm")])  # fill the ebook's caches once
        cold, warm = [], []
        chapter = sorted((work / "book").rglob("*.md"))[0]
        for i in range(args.repeat):
            shutil.rmtree(work / "cold", ignore_errors=True)
            cold.append(timed(["build", str(story), "--format", "pdf", "-o", str(work / "cold")]))
            text = chapter.read_text()  # a word in, then out again: the text changes on every save
            chapter.write_text(text.replace(" the ", " the very ", 1) if i % 2 == 0 else text.replace(" the very ", " the ", 1))
            warm.append(timed(["build", str(story), "--format", "epub", "-o", str(work / "warm")]))
        # As bench_render: on a shared machine other work only ever adds time, so the fastest run of each
        # case is the best estimate of its own cost (timeit's advice); the cases alternate, so a slow stretch
        # of the machine hits both alike. The medians show the noise, and are judged against the target too.
        print(f"{SRC}: load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores, {args.repeat} runs each, whole processes")
        print("| case | fastest wall s | vs cold PDF | median wall s | vs cold PDF | median CPU s | vs cold PDF |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        c = (min(t for t, _ in cold), statistics.median(t for t, _ in cold), statistics.median(t for _, t in cold))
        w = (min(t for t, _ in warm), statistics.median(t for t, _ in warm), statistics.median(t for _, t in warm))
        print(f"| build --format pdf, cold | {c[0]:.2f} | 1.00x | {c[1]:.2f} | 1.00x | {c[2]:.2f} | 1.00x |")
        print(f"| build --format epub, warm | {w[0]:.2f} | {w[0] / c[0]:.2f}x | {w[1]:.2f} | {w[1] / c[1]:.2f}x | {w[2]:.2f} | {w[2] / c[2]:.2f}x |")
        if args.instructions:
            text = chapter.read_text()
            chapter.write_text(text.replace(" the ", " the very ", 1) if " the very " not in text else text.replace(" the very ", " the ", 1))
            count = instructions(["build", str(story), "--format", "epub", "-o", str(work / "warm")])
            shutil.rmtree(work / "cold", ignore_errors=True)
            pdf = instructions(["build", str(story), "--format", "pdf", "-o", str(work / "cold")])
            print(
                f"instructions of the chapterbook process itself: cold PDF build {pdf / 1e6:,.1f} M; warm ebook build after a one-word edit {count / 1e6:,.1f} M ({count / pdf:.2f}x)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
