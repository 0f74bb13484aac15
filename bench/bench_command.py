"""Benchmark: the whole `chapterbook build` command against WeasyPrint's CLI, at about 30, 120 and 450 pages.

    PYTHONPATH=src python bench/bench_command.py [--repeat 2] [--sizes 30,120,450] [--one-core] [--work DIR] [--instructions]

What a user waits for: every case is a whole process (interpreter start, imports,
reading the spec, rendering, preflight, build.json), timed from launch to exit.
The books come from bench/genbook.py (varied prose, ~1.5 pictures a chapter, PNG
and JPEG, 1,100-4,800 px, diagrams); the same book goes to WeasyPrint as one HTML
file with print CSS (genbook.html_for). Cases, per size, in one run, alternating
(the order rotates each round, so a slow stretch of the shared machine hits all):

* cb cold       - `chapterbook build --format pdf` with no output folder (no .cache)
* cb warm       - the same command again, nothing changed
* cb edit       - the same command after a word changed in the middle chapter (an edit, not timed, before
                  each run: a word added to or taken from its first paragraph, in turn): the chapters
                  not edited come from the page cache (render/pagecache.py)
* weasyprint    - `weasyprint book.html out.pdf`
* cb md,html    - `chapterbook build --format md,html`, warm (its own output folder)
* markdown      - python-markdown converting the same chapter files to HTML, a whole process too
* cb cold 1core - (--one-core) the cold build under `taskset -c 0`: what one core gives

Per case: the median wall seconds, CPU seconds (the child's rusage: user + system,
its own children included, and chapterbook's picture workers, sampled every 20 ms
because their server is never waited for), peak RSS (ru_maxrss: the largest single process of the
tree) and peak "tree" memory (the proportional set size of the process and all its
workers together, sampled every 20 ms), each with its ratio to its peer and the
issue's target, and seconds per page. Medians of few runs on a busy
machine are rough; the ratios of cases run alternately are what to read.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from children import chapterbook_env, compile_once  # bench/children.py: processes as installed

HERE = Path(__file__).resolve().parent
PY = sys.executable
BIN = Path(PY).parent
SRC = Path(__file__).resolve().parent.parent / "src"
MARKDOWN = r"""
import sys, markdown
parts = [markdown.markdown(open(p, encoding="utf-8").read()) for p in sys.argv[2:]]
open(sys.argv[1], "w", encoding="utf-8").write("<!doctype html><html><body>" + "".join(parts) + "</body></html>")
"""
# (case, peer, target ratio of wall seconds); peak RSS is held to <= 1.0x of the peer everywhere.
TARGETS = {
    "cb cold": ("weasyprint", 0.5),
    "cb warm": ("weasyprint", 0.05),
    "cb edit": ("weasyprint", 0.1),
    "cb md,html": ("markdown", 2.0),
    "cb cold 1core": ("weasyprint", 0.5),
}


def _tree_pss_mb(pid: int) -> float:
    """Proportional set size (MB) of `pid` and all its descendants: shared pages counted once, split between sharers."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return total / 1024


def _pool_cpu(pid: int, seen: dict[int, float]) -> None:
    """Note in `seen` the CPU seconds so far of every multiprocessing forkserver and worker under `pid`.

    chapterbook's picture workers are forked by a server process the command never waits
    for, so their time is not in the command's rusage; the last sample of each is added to it.
    """
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
            if p != pid:
                with open(f"/proc/{p}/cmdline", "rb") as f:
                    if b"multiprocessing.forkserver" not in f.read():
                        continue
                with open(f"/proc/{p}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                seen[p] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        except (OSError, ValueError, IndexError):
            continue


def _watch_tree(pid: int, peak: list[float], pool_cpu: dict[int, float], stop: threading.Event) -> None:
    while not stop.wait(0.02):
        peak[0] = max(peak[0], _tree_pss_mb(pid))
        _pool_cpu(pid, pool_cpu)


def timed(cmd: list[str], env: dict) -> dict:
    """Run `cmd` to completion; its wall seconds, CPU seconds, peak RSS (MB) from wait4's rusage, and peak tree PSS.

    ru_maxrss is the largest single process (the command, or its largest worker), not their sum;
    "tree" samples the whole process tree's proportional set size every 20 ms, so a build that
    spreads its work over worker processes is charged for all of them.
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak, pool_cpu, stop = [0.0], {}, threading.Event()
    watcher = threading.Thread(target=_watch_tree, args=(proc.pid, peak, pool_cpu, stop), daemon=True)
    watcher.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    stop.set()
    watcher.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime + sum(pool_cpu.values())
    return {"wall": wall, "cpu": cpu, "rss": usage.ru_maxrss / 1024, "tree": peak[0]}


def pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in out.splitlines() if line.startswith("Pages:")))


class Size:
    """One book size: its files and the command of every case."""

    def __init__(self, work: Path, size: int, one_core: bool):
        self.size = size
        # Made in a child process: this one stays small, because a child's peak RSS (ru_maxrss) starts
        # from what it was forked from, before it runs its own program.
        book = work / f"book-{size}"
        subprocess.run(
            [PY, str(HERE / "genbook.py"), str(book), "--size", str(size), "--html"],
            check=True,
            stdout=subprocess.DEVNULL,
            env=chapterbook_env(SRC),
        )
        self.story, self.html = book / "story.yaml", book / "book.html"
        self.out_pdf = work / f"out-{size}"
        self.out_md = work / f"out-md-{size}"
        self.weasy_pdf = work / f"weasy-{size}.pdf"
        self.md_html = work / f"markdown-{size}.html"
        cb = [PY, "-m", "chapterbook", "build", str(self.story)]
        self.cmds = {
            "cb cold": cb + ["--format", "pdf", "-o", str(self.out_pdf)],
            "cb warm": cb + ["--format", "pdf", "-o", str(self.out_pdf)],
            "cb edit": cb + ["--format", "pdf", "-o", str(self.out_pdf)],
            "weasyprint": [str(BIN / "weasyprint"), str(self.html), str(self.weasy_pdf)],
            "cb md,html": cb + ["--format", "md,html", "-o", str(self.out_md)],
            "markdown": [PY, "-c", MARKDOWN, str(self.md_html), *map(str, sorted((book / "chapters").glob("ch*.md")))],
        }
        if one_core:
            self.cmds["cb cold 1core"] = ["taskset", "-c", "0"] + self.cmds["cb cold"]
        self.runs: dict[str, list[dict]] = {k: [] for k in self.cmds}
        chapters = sorted((book / "chapters").glob("ch*.md"))
        self.middle = chapters[len(chapters) // 2]
        self.edits = self.md_edits = 0  # edits made, and the edit the md,html output was last made from

    def edit(self) -> None:
        """Change one word of the middle chapter: "Zebra" added before its first paragraph, or taken away again."""
        text = self.middle.read_text(encoding="utf-8")
        text = text[len("Zebra ") :] if text.startswith("Zebra ") else "Zebra " + text
        self.middle.write_text(text, encoding="utf-8")
        self.edits += 1

    def run(self, case: str, env: dict) -> None:
        if case.startswith("cb cold"):
            shutil.rmtree(self.out_pdf, ignore_errors=True)  # cold: no output folder, no .cache
        if case == "cb edit":
            self.edit()
        if case == "cb md,html" and self.md_edits != self.edits:  # "warm" is nothing changed: catch up, untimed
            timed(self.cmds[case], env)
            self.md_edits = self.edits
        self.runs[case].append(timed(self.cmds[case], env))

    def book_pdf(self) -> Path:
        return next(self.out_pdf.glob("*/book.pdf"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=2, help="rounds (each runs every case once per size); default 2, keep it low on a shared machine")
    parser.add_argument("--sizes", default="30,120,450", help="rough page counts, comma-separated")
    parser.add_argument("--one-core", action="store_true", help="also time the cold build pinned to one core (taskset -c 0)")
    parser.add_argument("--work", type=Path, help="keep books and outputs here (books are reused between runs)")
    parser.add_argument(
        "--instructions", action="store_true", help="after the timed rounds, count one more edit per size under valgrind (instructions do not depend on load)"
    )
    args = parser.parse_args()
    compile_once(SRC)
    if not (BIN / "weasyprint").exists():
        raise SystemExit(f"no {BIN / 'weasyprint'}: pip install 'weasyprint>=60' (the bench extra)")
    work = args.work or Path(tempfile.mkdtemp(prefix="cb-command-"))
    work.mkdir(parents=True, exist_ok=True)
    env = chapterbook_env(SRC)
    sizes = [Size(work, int(s), args.one_core) for s in args.sizes.split(",")]
    for s in sizes:  # a first md,html build, so the timed ones are warm
        timed(s.cmds["cb md,html"], env)
    started = time.time()
    print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores", flush=True)
    for r in range(args.repeat):
        for s in sizes:
            # cold is always followed by warm and edit (they need what cold left); the other cases rotate around them
            units = [["cb cold", "cb warm", "cb edit"], ["weasyprint"], ["cb md,html"], ["markdown"]] + ([["cb cold 1core"]] if args.one_core else [])
            k = r % len(units)
            for unit in units[k:] + units[:k]:
                for case in unit:
                    s.run(case, env)
            print(f"  round {r + 1}, {s.size}: " + ", ".join(f"{c} {v[-1]['wall']:.2f}s" for c, v in s.runs.items()), flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f} (1 min); {time.time() - started:.0f} s of runs")

    print(f"\nmedian of {args.repeat} runs; ratio = case / peer (target)")
    head = (
        f"{'pages':>5} {'case':<14} {'wall s':>7} {'ratio':>16} {'cpu s':>7} {'ratio':>7} {'RSS MB':>7} {'ratio':>6} {'tree MB':>7} {'ratio':>6} {'ms/page':>8}"
    )
    print(head)
    for s in sizes:
        n_cb, n_w = pages(s.book_pdf()), pages(s.weasy_pdf)
        med = {
            c: {k: statistics.median(x[k] for x in v) for k in ("wall", "cpu")} | {k: max(x[k] for x in v) for k in ("rss", "tree")} for c, v in s.runs.items()
        }
        for case, m in med.items():
            n = n_w if case == "weasyprint" else n_cb
            peer, target = TARGETS.get(case, (None, None))
            if peer:
                p = med[peer]
                r = m["wall"] / p["wall"]
                ratio = f"{r:.2f}x ({'<=' if r <= target else '> '}{target})"
                cpu = f"{m['cpu'] / p['cpu']:.2f}x"
                rss = f"{m['rss'] / p['rss']:.2f}x"
                tree = f"{m['tree'] / p['tree']:.2f}x" if p["tree"] else ""
            else:
                ratio = cpu = rss = tree = ""
            print(
                f"{n:>5} {case:<14} {m['wall']:>7.2f} {ratio:>16} {m['cpu']:>7.2f} {cpu:>7} {m['rss']:>7.0f} {rss:>6}"
                f" {m['tree']:>7.0f} {tree:>6} {1000 * m['wall'] / n:>8.1f}"
            )
        s.summary = (n_cb, med)
    if len(sizes) > 1:
        print("\nscaling: extra ms per extra page between sizes (wall, median)")
        for a, b in zip(sizes, sizes[1:]):
            (na, ma), (nb, mb) = a.summary, b.summary
            slopes = ", ".join(f"{c} {1000 * (mb[c]['wall'] - ma[c]['wall']) / max(1, nb - na):.1f}" for c in ma)
            print(f"  {na} -> {nb} pages: {slopes}")
    if args.instructions:
        print("\ninstructions of one more `cb edit` per size (valgrind cachegrind, all processes; a fixed hash seed)")
        for s in sizes:
            s.edit()
            print(f"  {pages(s.book_pdf()):>5} pages: {edit_instructions(s.cmds['cb edit'], env) / 1e9:.3f} G", flush=True)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def edit_instructions(cmd: list[str], env: dict) -> int:
    """Machine instructions (cachegrind's Ir) of `cmd` and every process it starts: a count the machine's load does not change."""
    if not shutil.which("valgrind"):
        raise SystemExit("--instructions needs valgrind")
    with tempfile.TemporaryDirectory() as tmp:
        out = f"--cachegrind-out-file={tmp}/%p.cg"
        done = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--trace-children=yes", out, *cmd],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**env, "PYTHONHASHSEED": "0"},  # the same set and dict orders, so the same work, every run
            text=True,
        )
        summaries = [line for f in Path(tmp).glob("*.cg") for line in f.read_text().splitlines() if line.startswith("summary:")]
        if done.returncode != 0 or not summaries:
            raise SystemExit(f"{' '.join(cmd)} under valgrind failed:\n{done.stderr[-2000:]}")
        return sum(int(line.split()[1]) for line in summaries)


if __name__ == "__main__":
    raise SystemExit(main())
