"""Before and after: a revision run's drafts (draft --revise) next to the drafts they revise.

A revision run's run.json names its parent run, and each of its drafts names the
parent draft it revises (``revises``). The parent's drafts are measured the same
way as any version (compare.report.analyse); each revised draft then shows every
metric as original → revised, and which of the original's findings
(compare.findings) the revision fixed, which it left, and which it brought in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from chapterbook.compare.findings import Finding, Outcome, findings, outcome
from chapterbook.errors import display_path
from chapterbook.spec.load import Story

if TYPE_CHECKING:
    from chapterbook.compare.report import ChapterResult, VersionResult


@dataclass
class RevisionPair:
    """One revised draft and the draft it revises."""

    chapter: int  # 0-based
    original: VersionResult
    revised: VersionResult
    outcome: Outcome
    rows: list[dict]  # report.metric_rows of [original, revised]: one row per metric, two cells

    def to_json(self) -> dict[str, Any]:
        """The metrics.json form: labels, files, each metric before and after, the findings' fate."""

        def words(fs: list[Finding]) -> list[dict[str, str]]:
            return [{"key": f.key, "level": f.level, "text": f.text} for f in fs]

        return {
            "label": self.revised.version.label,
            "file": self.revised.version.origin.get("file"),
            "revises": {"label": self.original.version.label, "file": self.original.version.origin.get("file")},
            "metrics": [
                {"metric": r["label"], "target": r["target"], "original": r["cells"][0]["text"], "revised": r["cells"][1]["text"], "changed": r["changed"]}
                for r in self.rows
            ],
            "fixed": words(self.outcome.fixed),
            "left": words(self.outcome.left),
            "new": words(self.outcome.new),
        }


@dataclass
class Revision:
    """The before/after of a whole revision run."""

    parent_run: str
    pairs: list[RevisionPair] = field(default_factory=list)

    def of_chapter(self, index: int) -> list[RevisionPair]:
        return [p for p in self.pairs if p.chapter == index]


def _file_name(result: VersionResult) -> str:
    return Path(str(result.version.origin.get("file") or "")).name


def revision(story: Story, run_dir: Path | None, chapters: list[ChapterResult], goals: dict, notes: list[str]) -> Revision | None:
    """The before/after of `run_dir` when it is a revision run (run.json names a parent); else None.

    Problems (the parent run is gone) become plain-words `notes`, never errors:
    the revised drafts are still compared as drafts.
    """
    from chapterbook.compare.report import analyse, metric_rows
    from chapterbook.compare.versions import human_versions, run_versions
    from chapterbook.draft.records import read_run

    if run_dir is None or not (run_dir / "run.json").is_file():
        return None
    try:
        record = read_run(run_dir / "run.json")
    except (ValidationError, ValueError, UnicodeDecodeError):
        return None  # compare's own reading of run.json reports what is wrong with it
    if record.parent is None:
        return None
    # The parent is a sibling folder; where it was when revised is the fallback (e.g. another --output).
    parent_dir = next((p for p in (run_dir.parent / record.parent.run_id, Path(record.parent.folder)) if (p / "run.json").is_file()), None)
    if parent_dir is None:
        notes.append(f"this run revises run {record.parent.run_id}, which is no longer in {display_path(run_dir.parent)}; no before/after to show")
        return None
    parent = run_versions(parent_dir, len(story.spec.chapters))
    parent.versions = human_versions(story) + parent.versions
    originals = {_file_name(r): r for ch in analyse(story, parent) for r in ch.versions if r.version.origin.get("kind") == "draft"}
    revises = {d.file: d.revises for d in record.drafts if d.file and d.revises}
    out = Revision(record.parent.run_id)
    for ch in chapters:
        for r in ch.versions:
            original = originals.get(revises.get(_file_name(r)) or "")
            if original is None:
                continue
            rows = metric_rows([original, r], goals)
            for row in rows:
                row["changed"] = row["cells"][0]["text"] != row["cells"][1]["text"]
            before: list[Finding] = findings(original.metrics, goals)
            after = findings(r.metrics, goals)
            out.pairs.append(RevisionPair(ch.index, original, r, outcome(before, after), rows))
    return out
