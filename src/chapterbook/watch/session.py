"""One watched book: rebuild it on request, keep the last good build and the current problems.

The page a browser sees is always a whole build. A save that breaks the book (YAML
half-typed, a picture deleted, a chapter file renamed) leaves the last good preview
in place, with the problems shown above it, until the next save fixes them.
"""

from __future__ import annotations

import html
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from chapterbook.errors import ChapterbookError, Problem, Severity, SpecError


@dataclass(frozen=True)
class Build:
    """What one rebuild produced: the preview page, the print files, and what is wrong."""

    version: int
    preview: str | None  # the last good preview page (None until one has built)
    pdf: Path | None  # the last good book.pdf, with --pdf
    pages: int  # its page count (0 without a PDF)
    problems: tuple[Problem, ...] = ()  # errors and warnings of the latest attempt
    failed: bool = False  # the latest attempt did not build; preview/pdf are the previous good ones
    seconds: float = 0.0


@dataclass
class Session:
    """Rebuilds `story_path` into memory (and a private folder for the PDF) and remembers the result."""

    story_path: Path
    output_root: Path | None = None
    pdf: bool = False
    _current: Build = field(init=False)
    _changed: threading.Condition = field(init=False, default_factory=threading.Condition)
    _workdir: Path | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._current = Build(version=0, preview=None, pdf=None, pages=0)
        if self.pdf:
            # Private, and removed by close(): a watch session leaves no files of its own behind
            # (the picture cache in output/<book>/.cache is shared with `build` on purpose).
            self._workdir = Path(tempfile.mkdtemp(prefix="chapterbook-watch-"))

    @property
    def current(self) -> Build:
        return self._current

    def rebuild(self) -> Build:
        """Load, check and render the book once; returns (and publishes) the new Build."""
        started = time.perf_counter()
        previous = self._current
        try:
            preview, pdf, pages, problems = self._render()
        except ChapterbookError as exc:
            build = Build(previous.version + 1, previous.preview, previous.pdf, previous.pages, tuple(exc.problems()), failed=True)
        else:
            build = Build(previous.version + 1, preview, pdf if pdf is not None else previous.pdf, pages or previous.pages, tuple(problems))
        build = replace(build, seconds=time.perf_counter() - started)
        with self._changed:
            self._current = build
            self._changed.notify_all()
        return build

    def wait_for_change(self, seen: int, timeout: float) -> Build:
        """Block until a build newer than version `seen` exists, or `timeout` seconds pass."""
        with self._changed:
            self._changed.wait_for(lambda: self._current.version != seen, timeout=timeout)
            return self._current

    def wake(self) -> None:
        """Wake every waiter (used when the server stops)."""
        with self._changed:
            self._changed.notify_all()

    def close(self) -> None:
        """Remove the private working folder."""
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def _render(self) -> tuple[str, Path | None, int, list[Problem]]:
        # Imported here so `chapterbook watch --help` stays fast.
        from chapterbook.manuscript import render_preview
        from chapterbook.output import book_dir
        from chapterbook.spec.lint import errors, lint
        from chapterbook.spec.load import load_story
        from chapterbook.spec.memo import for_output
        from chapterbook.uptodate import out_dir_for

        # The memo a build keeps (output/<book>/.cache): after a save only the edited chapter is parsed and checked again.
        story = load_story(self.story_path, for_output(out_dir_for(self.story_path, self.output_root)))
        problems = lint(story)
        if errors(problems):
            raise SpecError(problems)  # warnings too, so the page shows everything at once
        cache = book_dir(story, self.output_root) / ".cache" / "images"
        preview = render_preview(story, cache)
        pdf_path, pages = None, 0
        if self.pdf and self._workdir is not None:
            pdf_path, pages, warnings = self._render_pdf(story, cache)
            problems = problems + warnings
        story.memo.save()
        return preview, pdf_path, pages, problems

    def _render_pdf(self, story, cache: Path) -> tuple[Path, int, list[Problem]]:
        """book.pdf into a fresh folder of the private workdir (the page may still be reading the old one)."""
        from chapterbook.render.pdf import render_book

        assert self._workdir is not None
        folder = Path(tempfile.mkdtemp(dir=self._workdir))
        interior = render_book(story, folder / "book.pdf", cache)
        old = self._current.pdf
        if old is not None and old.parent.parent == self._workdir:
            # One generation back is still being served to a page that has not reloaded yet; older is not.
            for stale in self._workdir.iterdir():
                if stale not in (folder, old.parent):
                    shutil.rmtree(stale, ignore_errors=True)
        return interior.pdf, interior.pages, list(interior.warnings)


def problems_html(build: Build) -> str:
    """The banner shown at the top of the page while a build has problems ('' when there are none)."""
    if not build.problems:
        return ""
    errors = [p for p in build.problems if p.severity == Severity.ERROR]
    head = (
        "This save has a problem, so you are looking at the last good version of the book."
        if build.failed and build.preview
        else "The book has a problem, so there is nothing to show yet."
        if build.failed
        else "The book built, with these warnings."
    )
    items = "".join(f"<li>{html.escape(p.format())}</li>" for p in build.problems)
    tone = "error" if errors or build.failed else "warning"
    return f'<div id="chapterbook-problems" class="{tone}" role="alert"><p>{html.escape(head)}</p><ul>{items}</ul></div>'
