"""A new story folder: a commented story.yaml and a first chapter, both valid."""

from __future__ import annotations

from pathlib import Path

from chapterbook import templating
from chapterbook.errors import UsageError
from chapterbook.output import atomic_write
from chapterbook.print_rules import PAPER_THICKNESS_IN, SHIPPED_FONTS, TRIM_PRESETS


def new_story(folder: str | Path, title: str | None = None) -> Path:
    """Create `folder`/story.yaml and chapters/01-first-chapter.md; returns the spec path.

    Refuses to overwrite an existing story so an author never loses work.
    """
    folder = Path(folder)
    spec_path = folder / "story.yaml"
    if spec_path.exists():
        raise UsageError(f"{spec_path} already exists", hint="choose a new folder name; chapterbook never overwrites a story")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} exists and is not a folder", hint="choose another name")
    if title and (not title.strip() or any(ch in title for ch in "\n\r\x85\u2028\u2029") or not title.isprintable()):
        raise UsageError(
            f"the title {title[:60]!r} is empty, or holds a line break or control character",
            hint='give the title on one line, e.g. --title "The Falling Apple"',
        )
    # A folder name may hold anything a file name can: its words only, so the comments stay one line each.
    title = title or " ".join(folder.resolve().name.replace("-", " ").replace("_", " ").split()).title() or "My Book"
    shown_folder = " ".join(folder.as_posix().splitlines())
    # The choices the comments list come from the print rules, so they never fall behind them.
    choices = {
        "trims": ", ".join(TRIM_PRESETS),
        "fonts": ", ".join(SHIPPED_FONTS),
        "papers": ", ".join(list(PAPER_THICKNESS_IN)[:-1]) + " or " + list(PAPER_THICKNESS_IN)[-1],
    }
    spec_text = templating.render("new/story.yaml.j2", {"title": title, "folder": shown_folder, **choices})
    chapter_text = templating.render("new/chapter.md", {})
    (folder / "images").mkdir(parents=True, exist_ok=True)
    atomic_write(folder / "chapters" / "01-first-chapter.md", chapter_text)
    atomic_write(spec_path, spec_text)
    return spec_path
