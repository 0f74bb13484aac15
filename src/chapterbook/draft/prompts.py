"""The messages that ask a model for one chapter, filled from the story spec through Jinja templates.

Templates: ``prompts/system.md.j2`` and ``prompts/chapter.md.j2``, looked up
in the story's own ``templates/`` first (so an author can change the wording)
and then in the ones chapterbook ships. The hash of each template used goes
into run.json, so a draft always says which wording produced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chapterbook import templating
from chapterbook.spec.load import Story
from chapterbook.spec.models import StorySpec

SYSTEM_TEMPLATE = "prompts/system.md.j2"
CHAPTER_TEMPLATE = "prompts/chapter.md.j2"
REVISE_TEMPLATE = "prompts/revise.md.j2"  # the user message of a revision (--revise)


@dataclass(frozen=True)
class ChapterPrompt:
    """The messages for one chapter and the hashes of the templates that made them."""

    chapter: int  # 1-based
    messages: list[dict[str, str]]
    template_hashes: dict[str, str]  # template name -> sha256 of its source
    template_sources: dict[str, str]  # template name -> "story" or "chapterbook"


def prompt_context(spec: StorySpec, index: int) -> dict[str, Any]:
    """Everything the prompt templates may use for chapter `index` (0-based), as plain data."""
    chapter = spec.chapters[index]
    ids = chapter.characters or [c.id for c in spec.characters]
    characters = [spec.character(i) for i in ids]
    concepts = []
    for concept_id in chapter.concepts:
        concept = spec.concept(concept_id)
        if concept is None:
            continue  # lint reports unknown ids; the prompt just leaves them out
        scientist = spec.scientist(concept.scientist) if concept.scientist else None
        concepts.append(
            {
                "name": concept.name,
                "explanation": concept.explanation,
                "scientist": scientist.name if scientist else None,
                "facts": list(concept.facts),
                "misconceptions": list(concept.misconceptions),
                "key_terms": [{"term": t.term, "definition": t.definition} for t in concept.key_terms],
            }
        )
    earlier = [
        {"number": i + 1, "title": c.title, "summary": c.synopsis or "; ".join(c.beats) or "(no outline given)"} for i, c in enumerate(spec.chapters[:index])
    ]
    band = spec.reading_level.readability
    return {
        "book": {
            "title": spec.book.title,
            "subtitle": spec.book.subtitle,
            "series": spec.book.series,
            "age_min": spec.book.age_range.min,
            "age_max": spec.book.age_range.max,
            "language": spec.book.language,
            "genre": spec.book.genre,
        },
        "reading_level": {
            "max_words_per_sentence": spec.reading_level.max_words_per_sentence,
            "max_sentences_per_paragraph": spec.reading_level.max_sentences_per_paragraph,
            "grade_min": f"{band.min:g}",
            "grade_max": f"{band.max:g}",
        },
        "characters": [{"name": c.name, "role": c.role, "description": c.description, "appearance": c.appearance} for c in characters if c is not None],
        "concepts": concepts,
        "chapter": {
            "number": index + 1,
            "title": chapter.title,
            "setting": chapter.setting,
            "synopsis": chapter.synopsis,
            "beats": list(chapter.beats),
            "illustrations": [
                {"id": i.id, "brief": i.brief, "placement": i.placement.value, "after_paragraph": i.after_paragraph} for i in chapter.illustrations
            ],
            "activity": chapter.activity.title if chapter.activity else None,
        },
        "earlier": earlier,
        "chapter_count": len(spec.chapters),
    }


def chapter_prompt(story: Story, index: int) -> ChapterPrompt:
    """The system and user messages asking for chapter `index` (0-based) of `story`."""
    return PromptMaker(story).prompt(index)


class PromptMaker:
    """Fills the prompt templates for many chapters of one story, compiling each template once."""

    def __init__(self, story: Story, user_template: str = CHAPTER_TEMPLATE):
        self.story = story
        self.user_template = user_template
        self._env = templating.shared_environment(story.root)  # compiled once per process
        self._templates: dict[str, Any] = {}
        self.template_hashes: dict[str, str] = {}
        self.template_sources: dict[str, str] = {}
        for name in (SYSTEM_TEMPLATE, user_template):
            try:
                self._templates[name] = self._env.get_template(name)
            except Exception:
                # templating.render turns every template mistake into a plain message with file:line.
                templating.render(name, {}, story.root)
                raise
            path, digest = templating.template_hash(name, story.root)
            self.template_hashes[name] = digest
            self.template_sources[name] = "story" if _inside(Path(path), story.root) else "chapterbook"

    def prompt(self, index: int, *, reply: str = "auto", extra: dict[str, Any] | None = None) -> ChapterPrompt:
        """The messages for chapter `index` (0-based); `reply` ("auto", "json", "text") is the templates' `reply`.

        `extra` adds names the user template may use (a revision's `draft` and `findings`).
        """
        context = {**prompt_context(self.story.spec, index), "reply": reply, **(extra or {})}
        messages = []
        for role, name in (("system", SYSTEM_TEMPLATE), ("user", self.user_template)):
            try:
                text = self._templates[name].render(**context)
            except Exception:
                templating.render(name, context, self.story.root)  # raises the plain-words error
                raise
            messages.append({"role": role, "content": _tidy(text)})
        return ChapterPrompt(index + 1, messages, dict(self.template_hashes), dict(self.template_sources))


def _tidy(text: str) -> str:
    # Templates are easier to read with spare blank lines; the model does not need them.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False
