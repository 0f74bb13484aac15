"""Bring older story specs forward to the current version, in code.

Each entry in MIGRATIONS upgrades data of version N to N+1. When spec v2
arrives, add ``MIGRATIONS[1] = _v1_to_v2`` and bump CURRENT_SPEC_VERSION: every
v1 file keeps working and nobody edits files by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from chapterbook.errors import Location, Problem, SpecError
from chapterbook.spec.kinds import CURRENT_SPEC_VERSION

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v2 only adds the optional chapters[].teaches; a v1 file means the same without it."""
    return data


MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2}
FIRST_SPEC_VERSION = 1


def migrate(data: dict[str, Any], path: Path, positions: dict) -> dict[str, Any]:
    """Return data upgraded to CURRENT_SPEC_VERSION, or raise a clear refusal."""
    if "spec_version" not in data:
        return data  # validation reports the missing field with the rest
    version = data["spec_version"]
    line, col = positions.get(("spec_version",), (1, 1))
    where = Location(path, line, col)
    if isinstance(version, bool) or not isinstance(version, int):
        return data  # validation reports the wrong type with the rest
    if version > CURRENT_SPEC_VERSION:
        raise SpecError(
            [
                Problem(
                    f"this story uses spec_version {version}, but this chapterbook reads versions up to {CURRENT_SPEC_VERSION}",
                    where,
                    "spec_version",
                    "update chapterbook (pip install -U chapterbook) to read this story",
                    code="spec-too-new",
                )
            ]
        )
    if version < FIRST_SPEC_VERSION:
        raise SpecError(
            [
                Problem(
                    f"spec_version {version} is not a version chapterbook knows",
                    where,
                    "spec_version",
                    f"set spec_version: {CURRENT_SPEC_VERSION}",
                    code="spec-unknown",
                )
            ]
        )
    while version < CURRENT_SPEC_VERSION:
        data = MIGRATIONS[version](dict(data))
        version += 1
        data["spec_version"] = version
    return data
