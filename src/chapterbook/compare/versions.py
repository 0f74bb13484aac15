"""Collect the versions of each chapter: the human text, a draft run, a pasted file.

Everything becomes a :class:`chapterbook.text.ChapterVersion`; drafts that
failed (refusal, error, ...) become :class:`FailedDraft` so the report can show
them instead of silently dropping them.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from chapterbook.compare import chatter
from chapterbook.errors import ChapterbookError, Location, UsageError, display_path
from chapterbook.spec.load import Story
from chapterbook.text import ChapterVersion, Heading, IllustrationMarker, Paragraph, blocks, parse

DRAFT_FILE = re.compile(r"^chapter-(?P<n>\d{2,})\.(?P<model>.+)\.s(?P<k>\d+)\.md$")
TITLE_MATCH = 0.6  # difflib ratio above which a heading names a spec chapter


@dataclass
class FailedDraft:
    """A draft the drafting stage tried and did not get (or got cut short)."""

    chapter: int  # 0-based
    label: str
    status: str
    error: str = ""


@dataclass
class Collected:
    versions: list[ChapterVersion] = field(default_factory=list)
    failed: list[FailedDraft] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # plain-words remarks for the user and the report
    source: str = ""  # "run <id>", "pasted <file>", "" (human only)


# --- human ----------------------------------------------------------------------------


def human_versions(story: Story) -> list[ChapterVersion]:
    """The author's own text of every chapter that has one."""
    out = []
    for i, ch in enumerate(story.spec.chapters):
        src = story.chapter_text(i)
        if src is None or not src.text.strip():
            continue
        # Slots marked in the text, shown by their briefs; then slots placed by after_paragraph.
        by_id = {ill.id: ill.brief for ill in ch.illustrations}
        marked = [b.ref for b in blocks(src.text) if b.kind == "illustration"]
        ills = [by_id.get(ref, ref) for ref in marked] + [ill.brief for ill in ch.illustrations if ill.id not in marked]
        out.append(
            ChapterVersion(
                chapter=i,
                label="human",
                text=src.text,
                origin={"kind": "human", "file": display_path(src.file), "line": src.first_line},
                title=ch.title,
                illustrations=ills,
            )
        )
    return out


# --- draft runs ---------------------------------------------------------------------------


def latest_run(drafts_root: Path) -> Path | None:
    """The newest run folder under output/<book>/drafts/ (run ids sort by time)."""
    if not drafts_root.is_dir():
        return None
    runs = sorted(p for p in drafts_root.iterdir() if p.is_dir() and not p.name.startswith("."))
    return runs[-1] if runs else None


def _split_title(text: str) -> tuple[str | None, str]:
    """(title, body) of a draft file: its first line '# Title' is the title (as draft/reply.py writes it)."""
    text = text.lstrip("\ufeff")
    first = next(iter(parse(text, tolerant=True).blocks), None)
    if isinstance(first, Heading) and first.level == 1 and first.line == 0:
        return first.text.plain.strip(), "\n".join(text.splitlines()[first.end :]).lstrip("\n")
    return None, text


# How the drafting stage read each reply (run.json's read_as), in words for the report.
READ_AS_WORDS = {"json": "followed the JSON structure", "json-in-chat": "JSON with chat around it", "text": "plain text, read as a pasted chapter"}


def _draft_version(path: Path, chapter: int, model: str, sample: int, run_id: str, status: str, read_as: str | None = None) -> ChapterVersion:
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ChapterbookError(f"the draft {path.name} is not UTF-8 text", where=Location(path)) from None
    title, body = _split_title(raw)
    ills = [b.ref for b in blocks(body) if b.kind == "illustration"]
    return ChapterVersion(
        chapter=chapter,
        label=f"{model} #{sample}",
        text=body,
        origin={
            "kind": "draft",
            "run": run_id,
            "model": model,
            "sample": sample,
            "file": display_path(path),
            "status": status,
            "read_as": READ_AS_WORDS.get(read_as or "", read_as),
        },  # fmt: skip
        title=title,
        illustrations=ills,
    )


def run_versions(run_dir: Path, n_chapters: int) -> Collected:
    """Drafts of one run folder, from run.json (or, without it, from the file names)."""
    got = Collected(source=f"draft run {run_dir.name}")
    manifest = run_dir / "run.json"
    entries: list[dict] = []
    if manifest.is_file():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ChapterbookError(
                f"the draft run's record {manifest.name} cannot be read: {exc}",
                where=Location(manifest),
                hint="the drafting run may have been interrupted; run 'chapterbook draft' again",
            ) from None
        entries = [e for e in data.get("drafts", []) if isinstance(e, dict)]
    else:
        got.notes.append(f"{run_dir.name} has no run.json; reading the chapter-NN.*.md files directly")
        for p in sorted(run_dir.glob("chapter-*.md")):
            m = DRAFT_FILE.match(p.name)
            if m:
                entries.append({"chapter": int(m["n"]), "model": m["model"], "sample": int(m["k"]), "file": p.name, "status": "ok"})
    for e in entries:
        try:
            number = int(e.get("chapter"))  # type: ignore[arg-type]  # run.json is read as it is; a bad value is skipped
        except (TypeError, ValueError):
            continue
        model = str(e.get("model") or "model")
        sample = int(e.get("sample") or 1)
        status = str(e.get("status") or "ok")
        label = f"{model} #{sample}"
        if not 1 <= number <= n_chapters:
            got.notes.append(f"{label}: the run has a draft for chapter {number}, but the story has {n_chapters} chapters; skipped")
            continue
        file = e.get("file")
        path = run_dir / file if file else None
        if path is not None and not path.is_file():
            got.failed.append(FailedDraft(number - 1, label, "missing", f"the file {file} is not in the run folder"))
            continue
        if path is None:
            got.failed.append(FailedDraft(number - 1, label, status if status != "ok" else "missing", str(e.get("error") or "")))
            continue
        version = chatter.clean(_draft_version(path, number - 1, model, sample, run_dir.name, status, e.get("read_as")), got.notes)
        got.versions.append(version)
        if status != "ok":
            # Kept (the text exists) but marked, e.g. 'length': the model was cut off.
            got.failed.append(FailedDraft(number - 1, label, status, str(e.get("error") or "")))
    got.versions.sort(key=lambda v: (v.chapter, v.label))
    return got


# --- pasted -------------------------------------------------------------------------------

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
_CHAPTER_HEADING = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*|__)?\s*chapter\s+(?P<num>\d+|[a-z]+)\b\s*[:.\-–—)]?\s*(?P<title>.*?)\s*(?:\*\*|__)?\s*#*\s*$",
    re.I,
)


@dataclass
class _Section:
    number: int | None
    title: str
    lines: list[str]
    line: int  # 1-based line of the heading (or 1)


def _norm_title(s: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", "", s.lower().replace("’", "'")).strip()


def _heading(block: Heading | Paragraph, first_line: str) -> tuple[int | None, str] | None:
    """(chapter number or None, title) when a block starts a section: a Markdown heading, a
    'Chapter N: Title' line (the block's first line) or a short line all in **bold**."""
    typed = block.text.plain if isinstance(block, Heading) else first_line
    m = _CHAPTER_HEADING.match(typed)
    if m:
        raw = m["num"].lower()
        num = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw)
        if num is not None:
            return num, m["title"].strip(" *_:")
    if isinstance(block, Heading):
        return None, block.text.plain.strip(" *_")
    spans = block.text.spans
    if block.end - block.line == 1 and spans and all(sp.strong for sp in spans) and len(block.text.plain) <= 80:
        return None, block.text.plain.strip(" *_")
    return None


def _sections(text: str) -> list[_Section]:
    """The file cut at its headings (chapterbook.text.grammar reads it), marker lines in the author spelling."""
    lines = text.splitlines()
    starts: dict[int, tuple[int | None, str, int]] = {}  # line -> (number, title, first body line)
    markers: dict[int, str] = {}
    for block in parse(text, tolerant=True).blocks:
        if isinstance(block, IllustrationMarker):
            markers[block.line] = f"[illustration: {block.ref}]"
        elif isinstance(block, (Heading, Paragraph)):
            found = _heading(block, lines[block.line].strip())
            if found is not None:
                starts[block.line] = (*found, block.end if isinstance(block, Heading) else block.line + 1)
    out: list[_Section] = []
    current = _Section(None, "", [], 1)
    skip_to = 0
    for n, line in enumerate(lines):
        if n in starts:
            out.append(current)
            num, title, skip_to = starts[n]
            current = _Section(num, title, [], n + 1)
        elif n >= skip_to:
            current.lines.append(markers.get(n, line))
    out.append(current)
    return [s for s in out if s.title or any(ln.strip() for ln in s.lines)]


def _match_title(title: str, spec_titles: list[str]) -> tuple[int | None, float]:
    t = _norm_title(title)
    if not t:
        return None, 0.0
    best, score = None, 0.0
    for i, st in enumerate(spec_titles):
        r = difflib.SequenceMatcher(None, t, _norm_title(st)).ratio()
        if r > score:
            best, score = i, r
    return (best, score) if score >= TITLE_MATCH else (None, score)


def pasted_versions(path: Path, story: Story, chapter: int | None = None) -> Collected:
    """Versions from a file pasted from a chat window: one chapter or a whole book.

    Sections start at "Chapter N: Title" lines (also "## Chapter N", "**Chapter
    Two**") or Markdown headings; each is matched to a spec chapter by number,
    else by title. `chapter` (1-based) forces a single-chapter file onto that chapter.
    """
    if not path.is_file():
        raise UsageError(f"there is no file at {path}", hint="give a draft run folder or a text file with a pasted chapter")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ChapterbookError(f"{path.name} is not UTF-8 text", where=Location(path), hint="save it as UTF-8 (plain text)") from None
    spec_titles = [c.title for c in story.spec.chapters]
    n = len(spec_titles)
    got = Collected(source=f"pasted file {path.name}")
    sections = _sections(text)
    with_body = [s for s in sections if any(ln.strip() for ln in s.lines)]
    if not with_body:
        raise ChapterbookError(f"{path.name} has no chapter text in it", where=Location(path), hint="paste the chapter text into the file")

    if chapter is not None:
        if not 1 <= chapter <= n:
            raise UsageError(f"--chapter {chapter} is not a chapter of this story (it has {n})")
        if len(with_body) > 1:
            numbered = [s for s in with_body if s.number is not None or _match_title(s.title, spec_titles)[0] is not None]
            if len(numbered) > 1:
                raise UsageError(
                    f"{path.name} holds {len(with_body)} chapters; --chapter is only for a file with one chapter",
                    hint="leave out --chapter: the chapters are matched by their headings",
                )
        # Sub-headings inside one pasted chapter are kept as text, not treated as chapters.
        body = "\n".join(ln for sec in with_body for ln in ([sec.title, ""] if sec is not with_body[0] and sec.title else []) + sec.lines)
        title = next((sec.title for sec in sections if sec.title), None)
        got.versions.append(chatter.clean(_pasted(chapter - 1, body, title, path, 1), got.notes))
        return got
    if n > 1 and len(with_body) == 1 and with_body[0].number is None and not with_body[0].title:
        raise UsageError(
            f"{path.name} has no chapter heading, and this story has {n} chapters: which one is it?",
            hint=f"add --chapter N (1-{n}) for a file with one chapter, or start it with a heading like 'Chapter 1: {spec_titles[0]}'",
        )

    used: dict[int, int] = {}
    for s in with_body:
        idx: int | None = None
        how = ""
        if s.number is not None:
            if 1 <= s.number <= n:
                idx, how = s.number - 1, "number"
                t_idx, _ = _match_title(s.title, spec_titles)
                if s.title and t_idx is not None and t_idx != idx:
                    got.notes.append(
                        f"line {s.line}: 'Chapter {s.number}: {s.title}' has the number of chapter {s.number} "
                        f"but the title of chapter {t_idx + 1} ('{spec_titles[t_idx]}'); matched by number"
                    )
            else:
                got.notes.append(f"line {s.line}: 'Chapter {s.number}' is not in this story (it has {n} chapters); that section was left out")
                continue
        else:
            idx, _score = _match_title(s.title, spec_titles)
            how = "title"
            if idx is None and len(with_body) == 1 and n == 1:
                idx, how = 0, "only chapter"
        if idx is None:
            where = f"line {s.line}: the section '{s.title}'" if s.title else "the text at the top of the file"
            got.notes.append(
                f"{where} could not be matched to a chapter of the story; it was left out. "
                f"Start it with a heading like 'Chapter 2: {spec_titles[min(1, n - 1)]}', or use --chapter N for a one-chapter file"
            )
            continue
        used[idx] = used.get(idx, 0) + 1
        got.versions.append(chatter.clean(_pasted(idx, "\n".join(s.lines), s.title or None, path, used[idx], how), got.notes))
    if not got.versions:
        raise ChapterbookError(
            f"no chapter in {path.name} could be matched to the story's chapters",
            where=Location(path),
            hint="start each chapter with a heading like 'Chapter 1: " + spec_titles[0] + "', or, for a file with one chapter, add --chapter N",
        )
    got.versions.sort(key=lambda v: (v.chapter, v.label))
    return got


def _pasted(chapter: int, body: str, title: str | None, path: Path, k: int, how: str = "--chapter") -> ChapterVersion:
    ills = [b.ref for b in blocks(body) if b.kind == "illustration"]
    return ChapterVersion(
        chapter=chapter,
        label="pasted" if k == 1 else f"pasted #{k}",
        text=body.strip("\n") + "\n",
        origin={"kind": "pasted", "file": display_path(path), "matched_by": how},
        title=title,
        illustrations=ills,
    )


def collect(story: Story, drafts: Path | None, book_output: Path, chapter: int | None = None) -> Collected:
    """Human text plus drafts: a run folder, a pasted file, or the latest run if none is given."""
    n = len(story.spec.chapters)
    if drafts is None:
        run = latest_run(book_output / "drafts")
        got = run_versions(run, n) if run is not None else Collected()
        if run is None:
            got.notes.append(
                "no drafts were found (looked in "
                + str(book_output / "drafts")
                + "); make some with 'chapterbook draft "
                + str(story.path)
                + "', or compare a chapter pasted from a chat window with --drafts pasted.md"
            )
    elif drafts.is_dir():
        got = run_versions(drafts, n)
        if not got.versions and not got.failed:
            got.notes.append(f"the folder {drafts} has no drafts in it")
    else:
        got = pasted_versions(drafts, story, chapter)
    got.versions = human_versions(story) + got.versions
    got.versions.sort(key=lambda v: (v.chapter, 0 if v.label == "human" else 1, v.label))
    return got
