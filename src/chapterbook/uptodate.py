"""Whether `chapterbook build` has nothing to do: every input as it was, every output present and whole.

After a successful build, :func:`record` writes ``.cache/uptodate/<settings>.json`` in the
book's output folder: the command's settings (story, formats, output folder,
--pdfx), every file the build read or would read if it appeared (the spec, the
chapter files, every picture and font the spec names, present or not, the
templates and the story's own templates/ folder), a fingerprint of chapterbook's
own files and of the installed packages, the outputs with their SHA-256, and what
the build printed (warnings, preflight findings, the kept files made from an
earlier version of the story).

A record is kept for each settings (a file each, named by them): a build of one format
keeps the other formats' files (chapterbook.build), so `--format pdf` after `--format epub`
after `--format pdf` has nothing to do. A later build keeps another settings' record only
while every file that record names is still there as it was (build.json, rewritten by every
build, is then taken at its new hash: it still lists those files, with the same hashes).
One file per settings, so a check reads only its own, and a build that is the only one of
its book (the warm ebook an author rebuilds after each save) reads no other.

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

RECORDS = Path(".cache") / "uptodate"  # a record per settings (record_file)
OLD_RECORD = Path(".cache") / "uptodate.json"  # the one record chapterbook kept before; removed by the next build
VERSION = 2
BUILD_RECORD = "build.json"  # chapterbook.build.RECORD (not imported: that module imports every renderer)
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


def record_file(out_dir: Path, wanted: dict) -> Path:
    """Where the record of a build with these settings is kept (named by all but the code: a new chapterbook replaces it)."""
    key = json.dumps({name: value for name, value in wanted.items() if name != "code"}, sort_keys=True)
    return out_dir / RECORDS / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"


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


def _file_state(path: Path, now: float, sha256=None) -> dict | None:
    """How a file is now (None: absent), with its hash (by `sha256`, e.g. the build's memo, which knows it by stat)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return {"dir": sorted(os.listdir(path))} if os.path.isdir(path) else None
    racy = now - max(st.st_mtime_ns, st.st_ctime_ns) / 1e9 < RACY_SECONDS
    return {"stat": [st.st_ino, st.st_size, st.st_mtime_ns], "sha256": (sha256 or _sha256)(path), "racy": racy}


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
    paths += [root / rel for _, rel in story.pictures()]  # the cover's art too: the ebook's cover is drawn from it
    if spec.layout.font:  # a shipped face's name or the story's own font file: as a path, absent for the former
        paths.append(root / spec.layout.font)
    templates = root / "templates"  # the story's own templates: a new one there changes the preview or the ebook
    paths.append(templates)
    if templates.is_dir():  # every folder's listing (a new epub/book.css is a new name in templates/epub) and every file
        for folder, _, files in os.walk(templates):
            paths += [Path(folder), *(Path(folder) / f for f in files)]
    try:
        recorded = json.loads((out_dir / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    for name in recorded.get("inputs", {}):  # whatever else the renderers reported reading
        if not name.startswith("font:"):  # shipped fonts are chapterbook's own files (the code fingerprint)
            paths.append(root / name)
    paths += [Path(t["path"]) for t in recorded.get("templates", {}).values() if isinstance(t, dict) and "path" in t]
    return list(dict.fromkeys(p.resolve() for p in paths))


def record(args, story, result, started: float, warnings: list[str] | None = None, earlier: list[list[str]] | None = None) -> None:
    """Write what a successful build read, wrote and printed, for the next :func:`check`.

    Nothing is recorded when an input changed after `started` (the build may have read
    the old content), nor for a build that printed failures. `warnings`: the build's
    warnings as already printed (each names its file, which is resolved again otherwise).
    `earlier`: [file, format] of the kept files made from an earlier version of the story.
    """
    from chapterbook.output import atomic_write

    now = time.time()
    inputs = {}
    for path in _inputs(story, result.out_dir):
        state = _file_state(path, now, story.memo.sha256)  # the pictures were hashed (or known by stat) by the build
        if state is not None and "stat" in state and max(os.stat(path).st_mtime, os.stat(path).st_ctime) >= started:
            return  # edited while the build ran: the next build must look again
        inputs[str(path)] = state
    outputs = [*result.outputs.values(), *([result.record] if result.record else [])]
    made = _recorded_hashes(result.record)
    wanted = settings(args)
    data = {
        "settings": wanted,
        "inputs": inputs,
        "outputs": {str(Path(p).resolve()): made.get(Path(p).name) or _sha256(Path(p)) for p in outputs},
        "written": [str(p) for p in outputs],
        "pdfx": [name for name in result.outputs if name.endswith("-pdfx")],
        "warnings": warnings if warnings is not None else [w.format() for w in result.warnings],
        "reports": [{"findings": [f.format() for f in r.findings], "verdict": r.verdict(), "ok": r.ok} for r in result.reports],
        "earlier": earlier or [],
    }
    own = record_file(result.out_dir, wanted)
    atomic_write(own, json.dumps(data))
    for other in own.parent.iterdir():
        if other != own and other.suffix == ".json":
            _update(other, data, made)
    (result.out_dir / OLD_RECORD).unlink(missing_ok=True)


def _update(path: Path, data: dict, made: dict[str, str]) -> None:
    """Keep another settings' record at `path` if the build just recorded in `data` left it true (updated to it); else remove it.

    `made`: every file build.json now lists (this build's and those it kept), with its hash. The record
    holds while each file it names is among them, as it was; build.json is taken at its new hash. Its
    "earlier" loses the files this build made: were that record still up to date, the story would be as
    it was then, and this build made them from the story as it is.
    """
    from chapterbook.output import atomic_write

    folder = path.parents[2].resolve()  # output/<book>/.cache/uptodate/x.json
    build_json = str(folder / BUILD_RECORD)
    written = {Path(p).name for p in data["written"]}
    try:
        other = json.loads(path.read_text(encoding="utf-8"))
        outputs = {Path(name): digest for name, digest in other["outputs"].items()}
        if all(p.parent == folder and made.get(p.name) == digest for p, digest in outputs.items() if str(p) != build_json):
            if build_json in other["outputs"]:
                other["outputs"][build_json] = data["outputs"][build_json]
            other["earlier"] = [[name, fmt] for name, fmt in other.get("earlier", []) if name not in written and name in made]
            atomic_write(path, json.dumps(other))
            return
    except (OSError, KeyError, TypeError, AttributeError, ValueError):
        pass  # unreadable, or not a record this chapterbook wrote
    path.unlink(missing_ok=True)


def _recorded_hashes(build_json: Path | None) -> dict[str, str]:
    """File name -> SHA-256 of the outputs build.json lists (just written by the build: an ebook is not hashed twice)."""
    try:
        recorded = json.loads(Path(build_json).read_text(encoding="utf-8"))["outputs"] if build_json else {}
        return {str(entry["file"]): str(entry["sha256"]) for entry in recorded.values()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def check(args) -> dict | None:
    """The last build's record when nothing changed since and its outputs are whole; else None."""
    out_dir = out_dir_for(args.story, args.output)
    try:
        wanted = settings(args)
        data = json.loads(record_file(out_dir, wanted).read_text(encoding="utf-8"))
        if data["settings"] != wanted:
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
    if data.get("earlier"):
        out(earlier_line(data["earlier"]))
    return 0 if all(r["ok"] for r in data["reports"]) else 1


def earlier_line(files: list[list[str]]) -> str:
    """The line that names kept files made from an earlier version of the story ([file, format] each) and how to update them."""
    names = [name for name, _ in files]
    formats = ",".join(dict.fromkeys(fmt for _, fmt in files))
    pdfx = " --pdfx" if any(name.endswith("-pdfx.pdf") for name in names) else ""
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    one = len(names) == 1
    return f"{listed} {'is' if one else 'are'} from an earlier version of the story: build with --format {formats}{pdfx} to update {'it' if one else 'them'}"


def _printer(stream):
    """print(text, style) to `stream` (console.line_printer: rich only on a terminal)."""
    from chapterbook.console import line_printer

    return line_printer(stream)
