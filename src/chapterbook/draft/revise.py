"""A revision run (draft --revise RUN): each draft of an earlier run, revised against its own compare findings.

For every draft of the parent run, compare's own measuring (compare.report.analyse)
and findings (compare.findings) say what is wrong with it; the revision prompt
(``prompts/revise.md.j2``, overridable in the story's templates/prompts/) carries
the draft and those findings in plain words. The requests go through the same run
machinery as drafting (draft.run.arun_drafts): cache, --replay, retries, the
reading chain, run.json, which names the parent run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from chapterbook.draft.prompts import REVISE_TEMPLATE, PromptMaker
from chapterbook.draft.records import ParentRun, RunRecord, read_run
from chapterbook.draft.run import (
    DraftJob,
    DraftOptions,
    chapter_request,
    check_reply,
    select_chapters,
)
from chapterbook.errors import UsageError, display_path
from chapterbook.spec.load import Story


@dataclass
class RevisionPlan:
    """The revision requests to send, the parent run they revise, and drafts left alone (with why)."""

    jobs: list[DraftJob]
    parent: ParentRun
    parent_record: RunRecord
    skipped: list[str] = field(default_factory=list)  # plain words, one line per draft not revised


def parent_run(story: Story, folder: Path) -> RunRecord:
    """The run.json of the run to revise; raises UsageError when `folder` is not a draft run of this book."""
    hint = "give a run folder made by 'chapterbook draft' for this story, e.g. output/<book>/drafts/<run-id>"
    if not folder.exists():
        raise UsageError(f"--revise: there is no folder {display_path(folder)}", hint=hint)
    if not folder.is_dir():
        raise UsageError(f"--revise: {display_path(folder)} is a file, not a draft run folder", hint=hint)
    manifest = folder / "run.json"
    if not manifest.is_file():
        raise UsageError(f"--revise: {display_path(folder)} is not a draft run folder (it has no run.json)", hint=hint)
    try:
        record = read_run(manifest)
    except (ValidationError, ValueError, UnicodeDecodeError):
        raise UsageError(f"--revise: the run.json in {display_path(folder)} cannot be read as a draft run's record", hint=hint) from None
    if record.book != story.spec.book.title:
        raise UsageError(
            f"--revise: {display_path(folder)} holds drafts of another book (“{record.book}”), not of “{story.spec.book.title}”",
            hint=hint,
        )
    return record


def plan_revisions(story: Story, folder: Path, options: DraftOptions) -> RevisionPlan:
    """One revision request per draft of the run at `folder` that compare finds something wrong with.

    `options.models` (at most one) asks that model for every revision; empty, each
    draft is revised by the model that wrote it. `options.chapters` limits the chapters.
    """
    # Imported here: compare's measuring loads word lists, which only a revision needs.
    from chapterbook.compare import readability
    from chapterbook.compare.findings import findings
    from chapterbook.compare.report import analyse
    from chapterbook.compare.versions import human_versions, run_versions

    check_reply(options)
    if len(options.models) > 1:
        raise UsageError("--revise takes at most one --model", hint="leave out --model to have each draft revised by the model that wrote it")
    if options.samples != 1:
        raise UsageError("--revise makes one revision per draft; leave out -n")
    record = parent_run(story, folder)
    wanted = set(select_chapters(story, options.chapters))
    collected = run_versions(folder, len(story.spec.chapters))
    # The human text takes part in measuring: it decides which facts each chapter teaches.
    collected.versions = human_versions(story) + collected.versions
    goals = readability.targets(story.spec)
    prompts = PromptMaker(story, REVISE_TEMPLATE)
    by_file = {d.file: d for d in record.drafts if d.file}
    jobs: list[DraftJob] = []
    skipped = [f"{f.label}, chapter {f.chapter + 1}: no draft to revise ({f.status})" for f in collected.failed if f.chapter + 1 in wanted]
    samples: dict[tuple[int, str], int] = {}
    for chapter in analyse(story, collected):
        number = chapter.index + 1
        if number not in wanted:
            continue
        for result in chapter.versions:
            version = result.version
            if version.origin.get("kind") != "draft":
                continue
            found = findings(result.metrics, goals)
            if not found:
                skipped.append(f"{version.label}, chapter {number}: compare found nothing to fix")
                continue
            file = Path(str(version.origin["file"])).name
            original = by_file.get(file)
            model = options.models[0] if options.models else (original.model if original else str(version.origin.get("model")))
            samples[(number, model)] = sample = samples.get((number, model), 0) + 1
            draft = {"title": version.title, "text": version.text.strip(), "model": version.origin.get("model"), "sample": version.origin.get("sample")}
            prompt = prompts.prompt(chapter.index, reply=options.reply, extra={"draft": draft, "findings": [f.text for f in found]})
            jobs.append(DraftJob(number, model, sample, prompt, chapter_request(prompt, model, sample, options), revises=file))
    parent = ParentRun(run_id=record.run_id, folder=str(folder))
    return RevisionPlan(jobs, parent, record, skipped)
