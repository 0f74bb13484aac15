"""Benchmark: chapterbook's PDF renderer against WeasyPrint on the same generated book, in the same run.

    PYTHONPATH=src python bench/bench_render.py [--repeat 3] [--keep DIR]

The bench book: 8 chapters, about 4,600 words, 16 illustrations of 2400 x 1800
px (JPEG), 6 x 9 in. Each case runs in its own process so peak memory (max RSS)
is measured per case. Cases:

* chapterbook cold  - empty image cache (every image decoded, at half scale: 327-346 ppi, kept as it is)
* chapterbook warm  - the same build again with the image cache filled
* weasyprint        - the same text and images as HTML + CSS (@page 6x9 with bleed),
                      the engine under pandoc/BookForge-style pipelines
* chapterbook cold, threads - cold, with the pictures resampled on threads in this
                      process (CHAPTERBOOK_RESAMPLE=threads) instead of worker processes
* chapterbook cold, 1 core  - cold under `taskset -c 0`: what one core gives

Reports seconds, the ratios to WeasyPrint, peak memory, page faults, and the
ppi of the images in each PDF per `pdfimages -list`. CPU seconds and page faults
include chapterbook's picture workers (processes of its own, render/resample.py);
"peak MB" is this process's own peak RSS, "tree MB" the peak proportional set size
of this process and its workers together (sampled every 20 ms), the fair figure
when the work is spread over processes. The variants' PDFs must equal the cold one.

Seconds come twice. "wall" is the plain clock. "running" is the same interval
with the stretches taken out when the host had paused the whole virtual machine
(machine.PauseWatch): on the shared VMs this project is built on, a busy guest
runs for a tenth of a second or so and is then paused for 0.3-2 s, so the plain
clock mostly measures the host's quota, and hides what two cores save.

Needs the optional `bench` extra (pip install 'chapterbook[bench]') and poppler-utils.

With `--instructions` it instead counts the machine instructions each case
executes, under valgrind (cachegrind, no cache simulation): each case runs twice,
once whole and once stopping just before the timed part, and the difference is
the instructions of the timed part alone. Unlike seconds, that count does not
change when other jobs share the machine, so it can settle a ratio the clock
cannot on a noisy virtual machine. It leaves out what instructions do not see
(memory stalls, page faults, waiting for the disk); takes a few minutes.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from machine import PauseWatch, calibrate  # bench/machine.py: this folder is on sys.path when run as a script

WORDS = (
    "Cassie pushed the cart and it rolled slowly over the warm sand while Caleb ran beside it "
    "laughing Mom said that a push is a force and a bigger push makes a heavy thing speed up "
    "faster the ball kept rolling until the sand slowed it down gravity pulls everything down"
).split()
CHAPTERS, WORDS_PER_CHAPTER, IMAGE_PX = 8, 575, (2400, 1800)
FONT_DIR = Path(__file__).resolve().parent.parent / "src" / "chapterbook" / "fonts"


def make_book(root: Path) -> Path:
    """Write the bench story (story.yaml, chapter texts, 16 JPEGs); returns story.yaml."""
    from PIL import Image, ImageDraw

    rng = random.Random(42)
    (root / "images").mkdir(parents=True, exist_ok=True)
    chapters = []
    for c in range(CHAPTERS):
        words = [rng.choice(WORDS) for _ in range(WORDS_PER_CHAPTER)]
        paragraphs, i = [], 0
        while i < len(words):
            n = rng.randint(30, 55)
            sentence_words = words[i : i + n]
            text = ""
            for j in range(0, len(sentence_words), 9):
                s = " ".join(sentence_words[j : j + 9])
                text += s[0].upper() + s[1:] + ". "
            paragraphs.append(text.strip())
            i += n
        for k in (1, 2):
            img = Image.new("RGB", IMAGE_PX, (rng.randint(100, 250), rng.randint(100, 250), rng.randint(100, 250)))
            draw = ImageDraw.Draw(img)
            for _ in range(60):
                x, y = rng.randint(0, IMAGE_PX[0]), rng.randint(0, IMAGE_PX[1])
                r = rng.randint(40, 300)
                draw.ellipse((x - r, y - r, x + r, y + r), fill=(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)))
            img.save(root / "images" / f"ch{c + 1}-{k}.jpg", quality=90)
        middle = len(paragraphs) // 2
        body = "\n\n".join(paragraphs[:middle] + [f"[illustration: ch{c + 1}-2]"] + paragraphs[middle:])
        (root / f"ch{c + 1}.md").write_text(body + "\n", encoding="utf-8")
        chapters.append(
            f"""  - title: Chapter {c + 1} at the beach
    text_file: ch{c + 1}.md
    illustrations:
      - id: ch{c + 1}-1
        brief: An opener picture.
        image: images/ch{c + 1}-1.jpg
        placement: opener
      - id: ch{c + 1}-2
        brief: A picture in the middle.
        image: images/ch{c + 1}-2.jpg
        placement: half
"""
        )
    (root / "story.yaml").write_text(
        "spec_version: 1\nbook:\n  title: The Bench Book\n  authors: [Bench Writer]\nchapters:\n"
        + "".join(chapters)
        + "back_matter: {glossary: false, meet_the_scientist: false, activities: false, questions: false}\n"
        + "layout: {trim: 6x9}\n",
        encoding="utf-8",
    )
    return root / "story.yaml"


def weasy_html(story_path: Path) -> str:
    """The same book as one HTML file with print CSS, as a pandoc/WeasyPrint pipeline would produce."""
    from chapterbook.spec.load import load_story
    from chapterbook.text import blocks, inline_markup

    story = load_story(story_path)
    parts = []
    for i, chapter in enumerate(story.spec.chapters):
        ills = {ill.id: ill for ill in chapter.illustrations}
        opener = chapter.illustrations[0]
        parts.append(f'<section class="chapter"><p class="num">Chapter {i + 1}</p><h1>{html.escape(chapter.title)}</h1>')
        parts.append(f'<img class="opener" src="{story.root / opener.image}">')
        for b in blocks(story.chapter_text(i).text):
            if b.kind == "illustration":
                parts.append(f'<img class="half" src="{story.root / ills[b.ref].image}">')
            else:
                parts.append(f"<p>{inline_markup(b.text, bold='strong', italic='em')}</p>")
        parts.append("</section>")
    font = (FONT_DIR / "Andika-Regular.ttf").as_uri()
    bold = (FONT_DIR / "Andika-Bold.ttf").as_uri()
    css = f"""
    @font-face {{ font-family: Andika; src: url({font}); }}
    @font-face {{ font-family: Andika; font-weight: bold; src: url({bold}); }}
    @page {{ size: 6in 9in; bleed: 0.125in; margin: 0.7in 0.55in 0.75in 0.375in;
             @bottom-center {{ content: counter(page); font-family: Andika; font-size: 11pt; }} }}
    @page :left {{ margin-left: 0.55in; margin-right: 0.375in; }}
    @page :right {{ margin-left: 0.375in; margin-right: 0.55in; }}
    body {{ font-family: Andika; font-size: 15pt; line-height: 22.5pt; color: black; }}
    p {{ margin: 0 0 10pt 0; orphans: 2; widows: 2; }}
    .chapter {{ break-before: right; }}
    h1 {{ text-align: center; font-size: 27pt; }}
    .num {{ text-align: center; color: #666; }}
    img.opener {{ width: 100%; max-height: 40vh; object-fit: contain; }}
    img.half {{ width: 100%; }}
    """
    return f"<!doctype html><html><head><meta charset='utf-8'><style>{css}</style></head><body>{''.join(parts)}</body></html>"


def _descendants() -> list[int]:
    """The processes this one started, and theirs: chapterbook's picture workers (render/resample.py) and their server."""
    out, todo = [], [os.getpid()]
    while todo:
        pid = todo.pop()
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    kids = [int(c) for c in f.read().split()]
                out += kids
                todo += kids
        except (OSError, ValueError):
            continue
    return out


def _stat_fields(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    except OSError:
        return []


def _cpu() -> float:
    """CPU seconds of this process and of every process under it, alive (the picture workers) or ended."""
    own, ended = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    alive = 0
    for pid in _descendants():
        f = _stat_fields(pid)
        alive += int(f[11]) + int(f[12]) if f else 0  # utime, stime in clock ticks (proc(5), fields 14 and 15)
    return own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime + alive / os.sysconf("SC_CLK_TCK")


def _faults() -> int:
    """Minor page faults so far, this process's and its workers': each is a fresh page of memory, and on a virtual machine a costly one."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_minflt + resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    return own + sum(int(f[7]) for f in map(_stat_fields, _descendants()) if f)  # minflt, proc(5) field 10


def _tree_pss_mb() -> float:
    """Proportional set size (MB) of this process and all under it: shared pages counted once, split between sharers."""
    total = 0
    for pid in [os.getpid(), *_descendants()]:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
        except (OSError, ValueError):
            continue
    return total / 1024


class TreeMemory:
    """The peak of :func:`_tree_pss_mb` while the block runs, sampled every 20 ms on a thread."""

    def __enter__(self) -> TreeMemory:
        self.peak, self._stop = _tree_pss_mb(), threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _tree_pss_mb())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _tree_pss_mb())


def run_case(case: str, story_path: Path, out: Path, cache: Path) -> dict:
    """Run one case in this process and return its timing (wall and CPU) and peak memory.

    A case name ending in " setup" stops where the timing would start (for --instructions).
    """
    setup_only = case.endswith(" setup")
    if case.startswith("chapterbook"):
        from chapterbook.render.pdf import render_book
        from chapterbook.spec.load import load_story

        story = load_story(story_path)  # like the HTML for WeasyPrint, the input is ready before timing
        if setup_only:
            return {"case": case}
        with TreeMemory() as tree:
            m0, t0, c0, f0 = time.monotonic(), time.perf_counter(), _cpu(), _faults()
            result = render_book(story, out, cache)
            seconds, cpu, faults, m1 = time.perf_counter() - t0, _cpu() - c0, _faults() - f0, time.monotonic()
        pages = result.pages
    else:
        import weasyprint

        source = weasy_html(story_path)
        if setup_only:
            return {"case": case}
        with TreeMemory() as tree:
            m0, t0, c0, f0 = time.monotonic(), time.perf_counter(), _cpu(), _faults()
            doc = weasyprint.HTML(string=source, base_url=str(story_path.parent)).render()
            doc.write_pdf(out)
            seconds, cpu, faults, m1 = time.perf_counter() - t0, _cpu() - c0, _faults() - f0, time.monotonic()
        pages = len(doc.pages)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # m0/m1 (the system-wide monotonic clock) let the parent subtract the host's pauses (machine.PauseWatch).
    return {"case": case, "seconds": seconds, "cpu": cpu, "faults": faults, "peak_mb": peak_mb, "tree_mb": tree.peak, "pages": pages, "m0": m0, "m1": m1}


def ppi_of(pdf: Path) -> list[tuple[int, int]]:
    rows = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    return [(int(r.split()[12]), int(r.split()[13])) for r in rows]


# Variants of the cold case: how the same render runs with its pictures on threads (as before
# resampling moved to worker processes) and on one core (what a one-CPU machine or container gives).
VARIANTS = {"chapterbook cold, threads": ({"CHAPTERBOOK_RESAMPLE": "threads"}, []), "chapterbook cold, 1 core": ({}, ["taskset", "-c", "0"])}


def case_command(case: str, story: Path, out: Path, cache: Path) -> list[str]:
    """The command line of a child process that runs one case (see run_case)."""
    prefix = VARIANTS[case][1] if case in VARIANTS else []
    return [*prefix, sys.executable, __file__, "--case", case.split(",")[0], "--story", str(story), "--out", str(out), "--cache", str(cache)]


def instructions(cases: list[str], story: Path, out: Path, cache: Path) -> list[int]:
    """Machine instructions (valgrind cachegrind's Ir, all threads) of whole child processes, run side by side.

    The count does not depend on timing, so the cases may share the machine.
    """
    with tempfile.TemporaryDirectory() as tmp:
        # One report per process (%p): the picture workers and their server are processes of their own.
        reports = [Path(tmp) / f"{i}" for i in range(len(cases))]
        # A fixed hash seed: set and dict orders, and so the work done, are the same every run.
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        procs = [
            subprocess.Popen(
                [
                    "valgrind",
                    "--tool=cachegrind",
                    "--cache-sim=no",
                    "--trace-children=yes",
                    f"--cachegrind-out-file={report}.%p.cg",
                    *case_command(case, story, out, cache),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for case, report in zip(cases, reports)
        ]
        counts = []
        for case, proc, report in zip(cases, procs, reports):
            _, err = proc.communicate()
            files = list(report.parent.glob(f"{report.name}.*.cg"))
            summary = [line for f in files for line in f.read_text().splitlines() if line.startswith("summary:")]
            if proc.returncode != 0 or not summary:
                raise SystemExit(f"{case} under valgrind failed:\n{err[-2000:]}")
            counts.append(sum(int(line.split()[1]) for line in summary))  # the main process and its workers
        return counts


def count_instructions(work: Path, story: Path, weasyprint: int | None = None) -> int:
    """--instructions: the timed part of each case, in instructions, and the ratios.

    `weasyprint`: WeasyPrint's count from an earlier run, taken as given instead of counted
    again (about half an hour under valgrind; it changes only with WeasyPrint or the bench book).
    """
    if not shutil.which("valgrind"):
        raise SystemExit("--instructions needs valgrind: apt-get install valgrind")
    cache = work / "cache-ir"
    shutil.rmtree(cache, ignore_errors=True)
    counts: dict[str, int] = {}
    # Order matters only for the cache: cold fills it, warm then finds it full.
    if weasyprint is not None:
        counts["weasyprint"] = weasyprint
        print(f"  weasyprint         {weasyprint:>16,} timed part, as given (--weasyprint-instructions)", flush=True)
    for case, out in (("chapterbook cold", "chapterbook.pdf"), ("chapterbook warm", "chapterbook-warm.pdf"), ("weasyprint", "weasyprint.pdf")):
        if case in counts:
            continue
        print(f"  counting {case} (under valgrind this takes minutes; WeasyPrint's run about half an hour)…", flush=True)
        whole, setup = instructions([case, case + " setup"], story, work / out, cache)
        counts[case] = whole - setup
        print(f"  {case:<18} {whole:>16,} whole process  {setup:>16,} up to the timed part  {counts[case]:>16,} timed part", flush=True)
    counts["weasyprint"] = base = counts.pop("weasyprint")  # listed last
    print(f"{'case':<18} {'instructions':>16} {'vs weasy':>9}")
    for case, n in counts.items():
        print(f"{case:<18} {n:>16,} {n / base:>8.2f}x")
    cold, warm = counts["chapterbook cold"] / base, counts["chapterbook warm"] / base
    print(
        f"targets by instructions: cold <= 0.5x weasyprint: {'met' if cold <= 0.5 else 'NOT met'} ({cold:.2f}x); warm <= 0.1x: {'met' if warm <= 0.1 else 'NOT met'} ({warm:.2f}x)"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (the fastest and the median are reported)")
    parser.add_argument("--keep", type=Path, help="keep the bench book and PDFs in this folder")
    parser.add_argument("--instructions", action="store_true", help="count instructions under valgrind instead of timing (one run per case)")
    parser.add_argument(
        "--weasyprint-instructions", type=int, metavar="N", help="with --instructions: WeasyPrint's count from an earlier run, not counted again"
    )
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--story", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:  # a child process running one case
        print(json.dumps(run_case(args.case, args.story, args.out, args.cache)))
        return 0

    work = args.keep or Path(tempfile.mkdtemp(prefix="cb-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    story = make_book(work / "bench-book")
    words = sum(len((work / "bench-book" / f"ch{c + 1}.md").read_text().split()) for c in range(CHAPTERS))
    print(f"bench book: {CHAPTERS} chapters, {words} words, {CHAPTERS * 2} images of {IMAGE_PX[0]}x{IMAGE_PX[1]} px, 6x9 in")

    if args.instructions:
        status = count_instructions(work, story, args.weasyprint_instructions)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        return status

    def child(case: str, out: Path, cache: Path) -> dict:
        env = {**os.environ, **(VARIANTS[case][0] if case in VARIANTS else {})}
        done = subprocess.run(case_command(case, story, out, cache), capture_output=True, text=True, check=True, env=env)
        return json.loads(done.stdout.strip().splitlines()[-1])

    results: dict[str, list[dict]] = {"chapterbook cold": [], "chapterbook warm": [], "weasyprint": [], **{v: [] for v in VARIANTS}}
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with PauseWatch() as watch:
        for r in range(args.repeat):
            cache = work / f"cache-{r}"
            shutil.rmtree(cache, ignore_errors=True)
            results["chapterbook cold"].append(child("chapterbook cold", work / "chapterbook.pdf", cache))
            results["chapterbook warm"].append(child("chapterbook warm", work / "chapterbook-warm.pdf", cache))
            results["weasyprint"].append(child("weasyprint", work / "weasyprint.pdf", cache))
            for variant in VARIANTS:  # each from an empty cache of its own; its PDF must match the cold one
                shutil.rmtree(work / "cache-variant", ignore_errors=True)
                results[variant].append(child(variant, work / "chapterbook-variant.pdf", work / "cache-variant"))
                if (work / "chapterbook-variant.pdf").read_bytes() != (work / "chapterbook.pdf").read_bytes():
                    raise SystemExit(f"{variant}: the PDF differs from the cold build's")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for runs in results.values():
        for x in runs:
            x["running"] = watch.running(x["m0"], x["m1"])

    # On a shared machine other work only ever adds time, so the fastest of the runs is the best
    # estimate of each case's own cost (timeit's advice); the cases run interleaved, so a slow
    # stretch of the machine hits all of them alike. Medians are printed too, to show the noise.
    summary = {
        k: {
            "seconds": min(x["seconds"] for x in v),
            "cpu": min(x["cpu"] for x in v),
            "median": statistics.median(x["seconds"] for x in v),
            "running": min(x["running"] for x in v),
            "running_median": statistics.median(x["running"] for x in v),
            "faults": min(x["faults"] for x in v),
            "peak_mb": max(x["peak_mb"] for x in v),
            "tree_mb": max(x["tree_mb"] for x in v),
            "pages": v[0]["pages"],
        }
        for k, v in results.items()
    }
    weasy = summary["weasyprint"]

    def ratio(name: str, key: str) -> str:
        return f"{summary[name][key] / weasy[key]:>8.2f}x"

    print(f"calibration: a fixed pure-Python loop took {calibrate():.2f} s now (about 0.3 s on an idle modern core)")
    paused = sum(b - a for a, b in watch.pauses)
    print(f"the host paused this machine {len(watch.pauses)} times, {paused:.1f} s in all (machine.PauseWatch)")
    print(f"fastest of {args.repeat} runs per case (wall and CPU), the median wall time, and the same with the pauses taken out:")
    print(
        f"{'case':<18} {'wall s':>7} {'vs weasy':>9} {'cpu s':>7} {'vs weasy':>9} {'median s':>9} {'vs weasy':>9}"
        f" {'running s':>9} {'vs weasy':>9} {'median':>7} {'vs weasy':>9} {'faults':>7} {'peak MB':>8} {'tree MB':>8} {'pages':>6}"
    )
    for name, s in summary.items():
        print(
            f"{name:<18} {s['seconds']:>7.2f} {ratio(name, 'seconds')} {s['cpu']:>7.2f} {ratio(name, 'cpu')}"
            f" {s['median']:>9.2f} {ratio(name, 'median')} {s['running']:>9.2f} {ratio(name, 'running')}"
            f" {s['running_median']:>7.2f} {ratio(name, 'running_median')} {s['faults']:>7} {s['peak_mb']:>8.0f} {s['tree_mb']:>8.0f} {s['pages']:>6}"
        )
    ours = ppi_of(work / "chapterbook.pdf")
    theirs = ppi_of(work / "weasyprint.pdf")
    print(f"chapterbook images: {len(ours)}, ppi per pdfimages: {sorted(set(ours))}")
    print(f"weasyprint images:  {len(theirs)}, ppi per pdfimages: {sorted(set(theirs))}")
    same = (work / "chapterbook.pdf").read_bytes() == (work / "chapterbook-warm.pdf").read_bytes()
    print(f"cold and warm PDFs byte-identical: {same}")
    for key, label in (("seconds", "fastest wall"), ("running", "fastest running"), ("running_median", "median running")):
        cold, warm = (summary[f"chapterbook {c}"][key] / weasy[key] for c in ("cold", "warm"))
        print(
            f"targets by {label}: cold <= 0.5x weasyprint: {'met' if cold <= 0.5 else 'NOT met'} ({cold:.2f}x);"
            f" warm <= 0.1x: {'met' if warm <= 0.1 else 'NOT met'} ({warm:.2f}x)"
        )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
