"""The layout memo: what a book's last layout found (chapters set closer, page count), kept for the next build."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from chapterbook.output import atomic_write
from chapterbook.print_rules import FONT_DIR, MIN_PAGES, SHIPPED_FONTS
from chapterbook.render.styles import TIGHT
from chapterbook.spec.load import Story, resolve_inside

# Bumped whenever a change to the layout could change which chapters need setting closer.
LAYOUT_VERSION = "2"  # 2: the inside margin at least the outside one (print_rules.GUTTER_TABLE)


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
        files.update((name, resolve_inside(story.root, name)) for name in named)
        for name, path in files.items():  # named as the spec names them, so a moved story folder still matches
            # A picture's content decides its shape; a missing one is a placeholder panel until it comes.
            digest.update(f"|{name}:{hashes.sha256(path) if path is not None and path.is_file() else '-'}".encode())
        self.key = digest.hexdigest()
        self.tight: frozenset[int] = frozenset()
        self.pages = MIN_PAGES
        self.hit = False
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            saved = json.loads(file.read_text(encoding="utf-8"))
            if saved.get("key") == self.key:
                self.tight = frozenset(int(ci) for ci in saved["tight"])
                self.pages = int(saved["pages"])
                self.hit = True
        self._saved = self._state()

    def _state(self) -> dict:
        return {"key": self.key, "tight": sorted(self.tight), "pages": self.pages}

    def save(self) -> None:
        if not self.hit or self._state() != self._saved:
            with contextlib.suppress(OSError):
                atomic_write(self.file, json.dumps(self._state()))
