"""Read story.yaml into a :class:`Story`: the spec plus where every value came from.

The steps live in their own modules: :mod:`yaml_source` reads the YAML (guards
and positions), :mod:`messages` turns the model's errors into Problems,
:mod:`chapter_text` reads the chapters, and :mod:`story` holds the Story and
the one check on paths a story names. Every fault is reported as a
:class:`~chapterbook.errors.Problem` with file:line:col, all at once.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import TYPE_CHECKING

from chapterbook.errors import Problem, SpecError, UsageError
from chapterbook.spec.chapter_text import chapter_texts
from chapterbook.spec.memo import Memo
from chapterbook.spec.migrate import migrate
from chapterbook.spec.story import (
    PathKey,
    SourceText,
    Story,
    format_path,
    locate,
    resolve_inside,
    story_file,
)
from chapterbook.spec.yaml_source import MAX_EXPANDED_NODES, MAX_SPEC_BYTES, read_spec_bytes, read_yaml, spec_key

if TYPE_CHECKING:
    from chapterbook.spec.models import StorySpec

SNAPSHOT = "spec"  # the memo's kind for a validated spec (spec/snapshot.py), under the file's key as "yaml"


def load_story(path: str | Path, memo: Memo | None = None, *, thawed: bool = False) -> Story:
    """Load and validate a story spec; raises SpecError listing every problem.

    `memo` keeps what is worked out from the book's content between builds (the YAML's
    parse here, lint's results later: see :mod:`chapterbook.spec.memo`); it becomes `story.memo`.
    With `memo`, the validated spec is kept there too; `thawed` lets a story.yaml whose bytes
    were validated before come back as that spec without Pydantic (:mod:`chapterbook.spec.snapshot`:
    the same values and methods, for callers that only read the spec).

    Chapter text files are read too; a missing or unreadable one is recorded
    in ``story.problems`` (reported by lint) rather than raised, so one run lists
    everything. Cross-reference and reading-level checks are in
    :mod:`chapterbook.spec.lint`.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "story.yaml"
    if not path.exists():
        raise UsageError(
            f"there is no story file at {path}",
            hint="give the path to a story.yaml, or create one with: chapterbook new stories/my-book",
        )
    if not stat.S_ISREG(path.stat().st_mode):
        raise UsageError(f"{path} is not a regular file", hint="give the path to a story.yaml")

    keep = memo is not None
    memo = memo if memo is not None else Memo()
    raw = read_spec_bytes(path)
    key = spec_key(raw)
    found = _thaw(memo, key) if thawed else None
    if found is not None:
        spec, positions = found
    else:
        data, positions = read_yaml(path, memo, raw)
        data = migrate(data, path, positions)
        spec = validate_data(data, path, positions)
        if keep and not memo.keep(SNAPSHOT, key):
            _freeze(memo, key, spec)
    story = Story(spec=spec, path=path, positions=positions, memo=memo)
    story.texts, story.problems = chapter_texts(story)
    return story


def _thaw(memo: Memo, key: str) -> tuple[StorySpec, dict[PathKey, tuple[int, int]]] | None:
    """The spec validated from these bytes before, thawed, and the positions; None when the memo has them not."""
    from chapterbook.spec.snapshot import thaw

    # The positions come with the YAML's parse (looked up too, so the memo keeps it for the next full load).
    if (parsed := memo.get("yaml", key)) is None or (frozen := memo.get(SNAPSHOT, key)) is None:
        return None
    spec = thaw(frozen)
    return (spec, dict(parsed[1])) if spec is not None else None


def _freeze(memo: Memo, key: str, spec: StorySpec) -> None:
    from chapterbook.spec.snapshot import Unfrozen, freeze

    try:
        memo.put(SNAPSHOT, key, freeze(spec))
    except Unfrozen:  # a value the snapshot does not keep: this spec is validated every time
        pass


def validate_data(data: dict, path: Path, positions: dict[PathKey, tuple[int, int]]) -> StorySpec:
    """Validate plain data against StorySpec, turning every error into a Problem."""
    from pydantic import ValidationError  # here, not at import: a thawed spec needs no Pydantic

    from chapterbook.spec.messages import problem_from_error
    from chapterbook.spec.models import StorySpec

    try:
        return StorySpec.model_validate(data)
    except ValidationError as exc:
        problems: list[Problem] = [problem_from_error(err, data, path, positions) for err in exc.errors()]
        problems.sort(key=lambda p: (p.where.line or 0, p.where.column or 0))
        raise SpecError(problems) from None


__all__ = [
    "MAX_EXPANDED_NODES",
    "MAX_SPEC_BYTES",
    "PathKey",
    "SourceText",
    "Story",
    "format_path",
    "load_story",
    "locate",
    "read_yaml",
    "resolve_inside",
    "story_file",
    "validate_data",
]
