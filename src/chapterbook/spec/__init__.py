"""The story spec: models, loading with positions, and lint checks."""

from chapterbook.spec.load import SourceText, Story, load_story
from chapterbook.spec.models import CURRENT_SPEC_VERSION, StorySpec

__all__ = ["CURRENT_SPEC_VERSION", "SourceText", "Story", "StorySpec", "load_story"]
