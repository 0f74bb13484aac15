"""The story spec: models, loading with positions, and lint checks."""

from typing import TYPE_CHECKING, Any

from chapterbook.spec.kinds import CURRENT_SPEC_VERSION
from chapterbook.spec.load import SourceText, Story, load_story

if TYPE_CHECKING:
    from chapterbook.spec.models import StorySpec


def __getattr__(name: str) -> Any:
    # StorySpec on first use: the models load Pydantic, which a build from a thawed spec never needs.
    if name == "StorySpec":
        from chapterbook.spec.models import StorySpec

        return StorySpec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CURRENT_SPEC_VERSION", "SourceText", "Story", "StorySpec", "load_story"]
