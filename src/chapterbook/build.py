"""Build a book: check it, render each requested format, record what went in.

Renderers register in FORMATS as ``fn(story, out_dir) -> {name: path}``. A
build refuses to start when the spec has errors, so nothing is rendered from
a broken book.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chapterbook import manuscript, templating
from chapterbook.errors import Problem, SpecError, UsageError
from chapterbook.output import book_dir, build_record, input_hashes, sha256_text, write_json
from chapterbook.spec.lint import errors, lint
from chapterbook.spec.load import Story

Renderer = Callable[[Story, Path], dict[str, Path]]

FORMATS: dict[str, Renderer] = {
    "md": manuscript.write_manuscript,
    "html": manuscript.write_preview,
}
DEFAULT_FORMATS: tuple[str, ...] = ("md", "html")


@dataclass
class BuildResult:
    out_dir: Path
    outputs: dict[str, Path]
    warnings: list[Problem] = field(default_factory=list)
    record: Path | None = None


def parse_formats(text: str | None) -> list[str]:
    """'md,html' -> ['md', 'html']; unknown names are a usage error."""
    if not text:
        return list(DEFAULT_FORMATS)
    wanted = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise UsageError(
            f"unknown format {', '.join(repr(u) for u in unknown) or '(none given)'}",
            hint="choose from: " + ", ".join(FORMATS) + " (comma-separated, e.g. --format md,html)",
        )
    return list(dict.fromkeys(wanted))


def build(story: Story, formats: list[str] | None = None, output_root: str | Path | None = None) -> BuildResult:
    """Render `formats` of the story into output/<book>/ and write build.json."""
    problems = lint(story)
    if errors(problems):
        raise SpecError(errors(problems))
    out_dir = book_dir(story, output_root)
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, Path] = {}
    for fmt in formats or list(DEFAULT_FORMATS):
        outputs.update(FORMATS[fmt](story, out_dir))
    templates = {}
    for name in manuscript.used_templates():
        path, digest = templating.template_hash(name, story.root)
        templates[name] = {"path": path, "sha256": digest}
    record = build_record(
        story,
        outputs,
        input_hashes(story),
        templates=templates,
        spec_sha256=sha256_text(story.spec.model_dump_json()),
        formats=formats or list(DEFAULT_FORMATS),
    )
    record_path = write_json(out_dir / "build.json", record)
    return BuildResult(out_dir, outputs, [p for p in problems if p not in errors(problems)], record_path)
