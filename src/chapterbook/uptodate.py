"""Whether `chapterbook build` has nothing to do: every input as it was, every output present and whole.

After a successful build, :func:`record` writes ``.cache/uptodate.json`` in the
book's output folder: the command's settings (story, formats, output folder,
--pdfx), every file the build read or would read if it appeared (the spec, the
chapter files, every picture and font the spec names, present or not, the
templates and the story's own templates/ folder), a fingerprint of chapterbook's
own files and of the installed packages, the outputs with their SHA-256, and what
the build printed (warnings, preflight findings).

:func:`check` runs before the spec is even parsed. An input whose stat (inode,
size, modification time) is as recorded is taken as unchanged, as git's index
does; one whose stat changed is hashed again and still counts as unchanged when
its content is (a `touch` does not force a rebuild). Every output is hashed and
compared, so a damaged, truncated or edited output is rebuilt. Then the build's
messages are printed again and nothing is written. Anything unexpected (no
record, an unreadable one, another chapterbook) means a full build: the check
can only ever save work, never change what a build makes.

Only the command line uses this; :func:`chapterbook.build.build` always builds.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import time
from pathlib import Path

RECORD = Path(".cache") / "uptodate.json"
VERSION = 1
DEFAULT_OUTPUT_ROOT = "output"  # as chapterbook.output.DEFAULT_OUTPUT_ROOT (kept light: that module imports the spec's)
# A file changed this close to when it was recorded may change again within the same clock tick
# without its stat changing (output.HashMemo's rule): such a file is hashed at every check.
RACY_SECONDS = 2.0


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def story_file(story: str | Path) -> Path:
    """The story.yaml a `build` argument names (a folder means its story.yaml), as load_story reads it."""
    path = Path(story)
    return path / "story.yaml" if path.is_dir() else path


def out_dir_for(story: str | Path, output_root: str | Path | None) -> Path:
    """The book's output folder, by the rule of Story.slug (a different answer would only mean a full build)."""
    resolved = story_file(story).resolve()
    name = (resolved.parent.name if resolved.name == "story.yaml" else resolved.stem) or "book"
    return Path(output_root if output_root is not None else DEFAULT_OUTPUT_ROOT) / name


def settings(args) -> dict:
    """What, besides the files, decides a build's outputs: the command's options and the code that runs."""
    formats = [f.strip().lower() for f in (args.format or "").split(",") if f.strip()]
    return {
        "version": VERSION,
        "story": str(story_file(args.story).resolve()),
        "formats": list(dict.fromkeys(formats)) or None,
        "output": str(Path(args.output).resolve()) if args.output is not None else None,
        "pdfx": bool(args.pdfx),
        "code": code_fingerprint(),
    }


@functools.lru_cache(maxsize=1)  # chapterbook and its packages do not change while it runs
def code_fingerprint() -> str:
    """chapterbook's own files (code, fonts, templates) and the installed packages, by stat.

    Installing or upgrading a package changes its site-packages folder's time; an
    edited chapterbook file changes its own stat. Either means a full build.
    """
    import chapterbook

    h = hashlib.sha256(f"{sys.version}|{sys.executable}".encode())
    package = Path(chapterbook.__file__).resolve().parent
    for root in (package, package.parents[1] / "templates"):  # the second: a source checkout's templates
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                st = os.stat(os.path.join(dirpath, name))
                h.update(f"{dirpath}/{name}:{st.st_size}:{st.st_mtime_ns}\0".encode())
    for entry in sys.path:  # installed packages only: the current folder (sys.path[0] under -m) changes all the time
        if os.path.basename(entry) in ("site-packages", "dist-packages") and os.path.isdir(entry):
            h.update(f"{entry}:{os.stat(entry).st_mtime_ns}\0".encode())
    return h.hexdigest()


def _file_state(path: Path, now: float) -> dict | None:
    """How a file is now (None: absent), with its hash."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return {"dir": sorted(os.listdir(path))} if os.path.isdir(path) else None
    racy = now - max(st.st_mtime_ns, st.st_ctime_ns) / 1e9 < RACY_SECONDS
    return {"stat": [st.st_ino, st.st_size, st.st_mtime_ns], "sha256": _sha256(path), "racy": racy}


def _unchanged(path: Path, was: dict | None) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return was is None
    if was is None:
        return False
    if "dir" in was:
        return os.path.isdir(path) and sorted(os.listdir(path)) == was["dir"]
    if not os.path.isfile(path):
        return False
    if not was.get("racy") and [st.st_ino, st.st_size, st.st_mtime_ns] == was.get("stat"):
        return True
    return st.st_size == was["stat"][1] and _sha256(path) == was.get("sha256")


def _inputs(story, out_dir: Path) -> list[Path]:
    """Every file the build read, or would have read had it been there."""
    spec, root = story.spec, story.root
    paths = [story.path]
    paths += [root / ch.text_file for ch in spec.chapters if ch.text_file]
    paths += [root / ill.image for ch in spec.chapters for ill in ch.illustrations if ill.image]
    paths += [root / s.portrait for s in spec.scientists if s.portrait]
    if spec.layout.font:  # a shipped face's name or the story's own font file: as a path, absent for the former
        paths.append(root / spec.layout.font)
    templates = root / "templates"  # the story's own templates: a new one there changes the preview
    paths.append(templates)
    if templates.is_dir():
        paths += [Path(d) / f for d, _, files in os.walk(templates) for f in files]
    try:
        recorded = json.loads((out_dir / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    for name in recorded.get("inputs", {}):  # whatever else the renderers reported reading
        if not name.startswith("font:"):  # shipped fonts are chapterbook's own files (the code fingerprint)
            paths.append(root / name)
    paths += [Path(t["path"]) for t in recorded.get("templates", {}).values() if isinstance(t, dict) and "path" in t]
    return list(dict.fromkeys(p.resolve() for p in paths))


def record(args, story, result, started: float) -> None:
    """Write what a successful build read, wrote and printed, for the next :func:`check`.

    Nothing is recorded when an input changed after `started` (the build may have read
    the old content), nor for a build that printed failures.
    """
    from chapterbook.output import atomic_write

    now = time.time()
    inputs = {}
    for path in _inputs(story, result.out_dir):
        state = _file_state(path, now)
        if state is not None and "stat" in state and max(os.stat(path).st_mtime, os.stat(path).st_ctime) >= started:
            return  # edited while the build ran: the next build must look again
        inputs[str(path)] = state
    outputs = [*result.outputs.values(), *([result.record] if result.record else [])]
    data = {
        "settings": settings(args),
        "inputs": inputs,
        "outputs": {str(Path(p).resolve()): _sha256(Path(p)) for p in outputs},
        "written": [str(p) for p in outputs],
        "pdfx": [name for name in result.outputs if name.endswith("-pdfx")],
        "warnings": [w.format() for w in result.warnings],
        "reports": [{"findings": [f.format() for f in r.findings], "verdict": r.verdict(), "ok": r.ok} for r in result.reports],
    }
    atomic_write(result.out_dir / RECORD, json.dumps(data))


def check(args) -> dict | None:
    """The last build's record when nothing changed since and its outputs are whole; else None."""
    out_dir = out_dir_for(args.story, args.output)
    try:
        data = json.loads((out_dir / RECORD).read_text(encoding="utf-8"))
        if data["settings"] != settings(args):
            return None
        for path, was in data["inputs"].items():
            if not _unchanged(Path(path), was):
                return None
        for path, digest in data["outputs"].items():
            if _sha256(Path(path)) != digest:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return data


def replay(data: dict) -> int:
    """Print what the recorded build printed (its warnings and preflight findings); returns the exit code."""
    from chapterbook.errors import display_path

    err, out = _printer(sys.stderr), _printer(sys.stdout)
    for warning in data["warnings"]:
        err(warning)
    for path in data["written"]:
        pdfx = " (PDF/X-3)" if Path(path).stem.endswith("-pdfx") else ""
        out(f"up to date: {display_path(Path(path))}{pdfx}")
    for report in data["reports"]:
        for finding in report["findings"]:
            out(finding)
        out(report["verdict"], "bold green" if report["ok"] else "bold red")
    out("nothing changed since the last build, so nothing was rebuilt")
    return 0 if all(r["ok"] for r in data["reports"]) else 1


def _printer(stream):
    """print(text, style) to `stream`: through rich on a terminal (colours, as a build prints), else plain.

    rich writes plain text when not on a terminal anyway, and importing it is most of
    what a build with nothing to do would otherwise cost.
    """
    if stream.isatty():
        from rich.console import Console

        console = Console(file=stream, highlight=False, soft_wrap=True)
        return lambda text, style=None: console.print(text, style=style, markup=False)
    return lambda text, style=None: print(text, file=stream)
