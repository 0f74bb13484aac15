"""The layout memo: what a book's last layout found (chapters set closer, page count), kept for the next build."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from chapterbook.output import atomic_write
from chapterbook.print_rules import FONT_DIR, MIN_PAGES, SHIPPED_FONTS
from chapterbook.render.styles import TIGHT
from chapterbook.spec.load import Story

# Bumped whenever a change to the layout could change which chapters need setting closer.
LAYOUT_VERSION = "3"  # 3: pictures float or shrink rather than leave a hole (flowables.Float); 2: inside margin >= outside


class LayoutMemo:
    """Which chapters were set closer, and how many pages the book came to (its gutter), remembered
    by everything the layout depends on.

    Finding a runt last page takes a whole layout, and the gutter depends on the page
    count, so without this a book with a runt, or of 151 pages or more, would be laid
    out twice on every build (and its pictures first planned at the wrong width). The
    key covers the spec, the chapter texts, the font and picture files (read before any
    picture is queued) and LAYOUT_VERSION; a stale choice could only leave a runt or a
    gutter to correct (found and set again in the same build) or a chapter a little
    closer than it needed.
    """

    def __init__(self, file: Path, story: Story, hashes):
        self.file = file
        spec = story.spec
        digest = hashlib.sha256(f"{LAYOUT_VERSION}|{TIGHT}|{spec.model_dump_json()}".encode())
        for ci in range(len(spec.chapters)):
            source = story.chapter_text(ci)
            digest.update(b"\0" + (source.text if source is not None else "").encode())
        shipped = SHIPPED_FONTS.get(spec.layout.font)
        files: dict[str, Path | None] = {name: FONT_DIR / name for name in shipped.values()} if shipped else {}
        named = [] if shipped else [spec.layout.font]  # the story's own .ttf
        named += [ill.image for ch in spec.chapters for ill in ch.illustrations if ill.image]
        named += [s.portrait for s in spec.scientists if s.portrait]
        files.update((name, story.file(name).path) for name in named)
        for name, path in files.items():  # named as the spec names them, so a moved story folder still matches
            # A picture's content decides its shape; a missing one is a placeholder panel until it comes.
            digest.update(f"|{name}:{hashes.sha256(path) if path is not None and path.is_file() else '-'}".encode())
        self.key = digest.hexdigest()
        self.tight: frozenset[int] = frozenset()
        self.pages = MIN_PAGES
        self.hit = False
        # The runts: chapters that ended on a runt page laid out with their usual spacing, by their runt key
        # (PageCache.runt_keys: content, geometry, pictures), each with the pages it spanned so laid out.
        # Kept across edits, unlike the rest, which an edit anywhere makes stale (see render_book).
        self.runts: dict[str, int] = {}
        self.laid_out_before = False  # this output folder has a book laid out by this version (a runts table)
        self._runts_used: set[str] = set()
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            saved = json.loads(file.read_text(encoding="utf-8"))
            if isinstance(saved.get("runts"), dict):
                self.runts = {str(k): int(v) for k, v in saved["runts"].items()}
                self.laid_out_before = True
            if saved.get("key") == self.key:
                self.tight = frozenset(int(ci) for ci in saved["tight"])
                self.pages = int(saved["pages"])
                self.hit = True
        self._saved = self._state()

    def assume_runts(self, keys: list[str]) -> frozenset[int]:
        """The chapters (indexes) known to end on a runt page with their usual spacing: `keys` are their runt keys."""
        found = frozenset(ci for ci, key in enumerate(keys) if key in self.runts)
        self._runts_used.update(keys[ci] for ci in found)
        return found

    def note_runt(self, key: str, span: int) -> None:
        """A chapter laid out with its usual spacing ended on a runt page, and spanned `span` pages."""
        self.runts[key] = span
        self._runts_used.add(key)

    def _state(self) -> dict:
        return {"key": self.key, "tight": sorted(self.tight), "pages": self.pages, "runts": self.runts}

    def save(self) -> None:
        if not self.hit:  # the runts this build met: the table holds one book's, not every edit's
            self.runts = {k: v for k, v in self.runts.items() if k in self._runts_used}
        if not self.hit or self._state() != self._saved:
            with contextlib.suppress(OSError):
                atomic_write(self.file, json.dumps(self._state()))
