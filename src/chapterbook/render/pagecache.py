"""The page cache: a chapter's pages kept by everything they depend on, put back on a rebuild instead of laid out.

Chapters start on a right-hand page, so a chapter's pages depend only on its own
content, the page geometry and the layout settings, not on where it starts: the
folio and running head of each page (the only things that do) are drawn again by
the document as on any page. So laying a chapter out records, per page, the
operators its flowables drew (before the page furniture), the pictures they named,
the page's kind and running head, the full-page art after it, and for the chapter
its contents entry, how far down its last page it ran, the pictures that floated
past its text, the placeholders it printed and what it did to the fonts' subsets
(rl_pages.FontTap). A later layout of the same book meeting the same chapter (same
key) in a document whose fonts are in a state where those bytes are right
(rl_pages.fonts_match) puts the pages back instead: the document turns its pages
with its own page machinery, so folios, running heads, art pages, blank versos and
the padding at the end are made as in a full layout, and so are the front matter,
the contents (its page numbers are forms filled in at the end) and the back matter,
which are always laid out. The result is the same PDF, byte for byte, as a full
layout (tests/test_pagecache.py), and the same page count and chapter ends, so the
gutter and runt passes of render_book decide the same things.

A chapter whose pages are in the cache is not even made into flowables: the
warnings making them gave (missing glyphs, crowded diagrams, an empty chapter) are
kept with its pages, as events replayed in their order, and used when the chapter
points at the same places (the spec file, its positions in it, its text file; a
line added above it in story.yaml moves them, and then it is made again for its
warnings while its pages still come from the cache). Should the fonts not match
when the layout reaches it, it is made then and laid out.

The key of a chapter: this format, LAYOUT_VERSION, the renderer's own source, the
ReportLab version, the page geometry, whether the layout is a trial (pictures not
drawn), the spec without its chapters (layout settings, palette, language...), the
chapter's spec entry and text, its number, whether it is set closer (a runt), its
pictures' resampled files (named by their content and size) and the font files.
Entries live in ``<cache_dir>/pages/``, one file per chapter and kind of layout,
written atomically with a checksum; an unreadable or foreign one is a miss (the
chapter is laid out). After each render the files it neither used nor wrote are
removed, so the folder holds one book's chapters at most twice (trial and final).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import marshal
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import reportlab

from chapterbook.errors import Location, Problem, Severity
from chapterbook.output import HashMemo, atomic_path
from chapterbook.render import rl_pages
from chapterbook.render.flowables import ChapterEnd, xobject_name
from chapterbook.render.interior.memo import LAYOUT_VERSION
from chapterbook.render.styles import TIGHT
from chapterbook.spec.load import Story

if TYPE_CHECKING:
    from chapterbook.render.document import BookDoc
    from chapterbook.render.fonts import FontFamily
    from chapterbook.render.geometry import PageGeometry
    from chapterbook.render.interior.plan import Pictures, Slot

PAGES_FORMAT = "1"  # bumped whenever what an entry holds changes
SUFFIX = ".pages"
_PACKAGE = Path(__file__).resolve().parent.parent


@functools.cache
def _source_digest() -> str:
    """A hash of the code that decides what a chapter's pages look like (the renderer, the text grammar, the book view)."""
    digest = hashlib.sha256()
    files = sorted([*(_PACKAGE / "render").rglob("*.py"), *(_PACKAGE / "text").rglob("*.py"), *_PACKAGE.glob("*.py")])
    for file in files:
        with contextlib.suppress(OSError):
            digest.update(file.relative_to(_PACKAGE).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


class PageCache:
    """One book's page cache folder, for the layouts of one render."""

    def __init__(self, folder: Path, story: Story, family: FontFamily, hashes: HashMemo):
        self.folder = folder
        self.story = story
        spec = story.spec
        base = hashlib.sha256(f"{PAGES_FORMAT}|{LAYOUT_VERSION}|{TIGHT}|reportlab {reportlab.Version}|{_source_digest()}".encode())
        base.update(json.dumps(spec.model_dump(mode="json", exclude={"chapters"}), sort_keys=True).encode())
        for file in family.files:
            base.update(f"|{file.name}:{hashes.sha256(file)}".encode())
        self._base = base
        self._chapters: list[str] = []
        for ci, chapter in enumerate(spec.chapters):
            source = story.chapter_text(ci)
            part = hashlib.sha256(f"{ci}|{chapter.model_dump_json()}".encode())
            part.update(b"\0" + (source.text if source is not None else "").encode())
            self._chapters.append(part.hexdigest())
        # Where each chapter's warnings point: the spec file and the chapter's positions in it, its text file.
        # Kept apart from the key: a line added to one chapter's spec entry moves every later chapter's
        # positions, which changes their warnings' line numbers but not their pages.
        groups: dict[int, list] = {}
        for path, pos in story.positions.items():
            if len(path) >= 2 and path[0] == "chapters" and isinstance(path[1], int):
                groups.setdefault(path[1], []).append((path, pos))
        common = repr((str(story.path), story.positions.get(("chapters",)), story.positions.get(())))
        self._wkeys = []
        for ci in range(len(spec.chapters)):
            source = story.chapter_text(ci)
            text_at = (str(source.file), source.first_line, source.indent) if source is not None else None
            self._wkeys.append(hashlib.sha256(f"{common}|{groups.get(ci, [])!r}|{text_at!r}".encode()).hexdigest())
        self.used: set[str] = set()
        self.new: dict[str, bytes] = {}
        self._read: dict[str, dict | None] = {}

    def layout(self, geo: PageGeometry, pictures: Pictures, tight: frozenset[int], trial: bool) -> PageLayout:
        """The cache as one layout of the book sees it."""
        return PageLayout(self, geo, pictures, tight, trial)

    def runt_keys(self, geo: PageGeometry, pictures: Pictures, back_matter: bool) -> list[str]:
        """Per chapter, the key of how it lays out with its usual spacing at `geo` (render_book remembers the runts by it).

        What a chapter's key covers but for the layout's kind (a trial breaks the pages as a real
        layout does; it only draws less) and its setting closer; and whether it is the last chapter,
        and what follows that one, since the pages it spans end where the next part of the book begins.
        """
        base = self._base.copy()
        base.update(f"|{geo!r}|runt".encode())
        last = len(self._chapters) - 1
        keys = []
        for ci, chapter in enumerate(self._chapters):
            digest = base.copy()
            digest.update(f"|{chapter}|last={ci == last and ('back' if back_matter else 'end')}".encode())
            _pictures_part(digest, pictures.slots(ci))
            keys.append(digest.hexdigest()[:40])
        return keys

    def read(self, key: str) -> dict | None:
        """The entry stored under `key`, or None when there is none or it cannot be trusted."""
        self.used.add(key)
        if key not in self._read:
            self._read[key] = self._load(key)
        return self._read[key]

    def _load(self, key: str) -> dict | None:
        blob = self.new.get(key)
        if blob is None:
            try:
                blob = (self.folder / (key + SUFFIX)).read_bytes()
            except OSError:
                return None
        if len(blob) < 4 or zlib.crc32(blob[4:]).to_bytes(4, "big") != blob[:4]:
            return None
        try:
            entry = marshal.loads(zlib.decompress(blob[4:]))
        except (EOFError, ValueError, TypeError, zlib.error):
            return None
        return entry if isinstance(entry, dict) and entry.get("format") == PAGES_FORMAT else None

    def keep(self, key: str, entry: dict) -> None:
        """Remember `entry` under `key`, written by save()."""
        body = zlib.compress(marshal.dumps(entry), 1)
        self.new[key] = zlib.crc32(body).to_bytes(4, "big") + body
        self.used.add(key)
        self._read[key] = entry

    def save(self) -> None:
        """Write the entries made by this render and remove those it did not use; a folder that cannot be written is left."""
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            for key, blob in self.new.items():
                with atomic_path(self.folder / (key + SUFFIX)) as tmp:
                    tmp.write_bytes(blob)
            for file in self.folder.glob("*" + SUFFIX):
                if file.name[: -len(SUFFIX)] not in self.used:
                    file.unlink(missing_ok=True)
        self.new.clear()


class PageLayout:
    """The page cache for one layout: keys, pictures and counts of chapters put back and laid out."""

    def __init__(self, cache: PageCache, geo: PageGeometry, pictures: Pictures, tight: frozenset[int], trial: bool):
        self.cache, self.pictures, self.tight, self.trial = cache, pictures, tight, trial
        base = cache._base.copy()
        base.update(f"|{geo!r}|trial={trial}".encode())
        self._base = base
        self.replayed = 0
        self.laid_out = 0
        self._files = {xobject_name(s.placed): s for s in self._slots() if s.placed is not None}
        self.events: dict[int, list] = {}  # chapter -> its warnings as made or cached (encoded)
        self.lazy: set[int] = set()  # chapters whose flowables were not made (their warnings came from the cache)
        self.make_chapter: Callable[[int], list] | None = None  # makes a lazy chapter's flowables after all

    def cached_events(self, ci: int) -> list[tuple] | None:
        """Chapter `ci`'s warnings from the cache when its pages are there and they point at the same places; else None."""
        entry = self.cache.read(self.key(ci))
        if entry is None or entry.get("wkey") != self.cache._wkeys[ci] or entry.get("events") is None:
            return None
        self.events[ci] = entry["events"]
        self.lazy.add(ci)
        return [_decode(e) for e in entry["events"]]

    def made_events(self, ci: int, events: list[tuple]) -> None:
        """The warnings making chapter `ci`'s flowables gave, to keep with its pages."""
        self.events[ci] = [_encode(e) for e in events]

    def _slots(self, ci: int | None = None) -> Iterable[Slot]:
        """Chapter `ci`'s illustrations (every chapter's when None), in spec order: known without its text parsed."""
        chapters = range(len(self.pictures.chapter_pictures)) if ci is None else [ci]
        return [slot for n in chapters for slot in self.pictures.slots(n)]

    def key(self, ci: int) -> str:
        """The key of chapter `ci`'s pages in this layout."""
        digest = self._base.copy()
        digest.update(f"|{self.cache._chapters[ci]}|tight={ci in self.tight}".encode())
        _pictures_part(digest, self._slots(ci))
        return digest.hexdigest()[:40]

    def file(self, name: str) -> Path | None:
        """The JPEG of picture `name` (waiting for its resampling); None in a trial, which draws no pictures."""
        slot = self._files.get(name)
        if self.trial or slot is None or slot.placed is None:
            return None
        return slot.placed.file

    def slot(self, ci: int, slot_id: str | None) -> Slot | None:
        """Chapter `ci`'s slot `slot_id`: an illustration of the spec, or a free brief its text marks."""
        if slot_id is None:
            return None
        found = next((s for s in self._slots(ci) if s.id == slot_id), None)
        if found is None:  # a free brief's placeholder: only the chapter's flow has it (its text parsed now)
            from chapterbook.render.interior.plan import Slot

            found = next((obj for _, obj in self.pictures.chapter_slots[ci] if isinstance(obj, Slot) and obj.id == slot_id), None)
        return found


def _pictures_part(digest, slots: Iterable[Slot]) -> None:
    """Add the pictures a chapter's pages draw (their resampled files, named by content and size) to its key."""
    for slot in slots:
        if slot.placed is not None:
            digest.update(f"|{slot.id}:{slot.placed.path.name}:{slot.placed.px}".encode())


class Recorder:
    """Takes down what laying out one chapter puts into the document, for the cache."""

    def __init__(self, doc: BookDoc, ci: int, key: str):
        self.ci, self.key = ci, key
        self.start = doc.page
        family = doc.family
        self.fonts = rl_pages.FontTap(doc.canv, (family.regular, family.bold, family.italic, family.bolditalic))
        self.toc0 = set(doc.toc)
        self.placeholders = len(doc.placeholder_pages)
        self.late = len(doc.late_floats)
        self.pages: list[list] = []  # [ops, forms, kind, running, placeholders, art pages]
        self.ok = True

    def _taken(self, doc: BookDoc) -> tuple[list[str], list[str], list[tuple[str, str]]]:
        ops = rl_pages.page_ops(doc.canv)
        if ops is None:
            self.ok = False
        new = doc.placeholder_pages[self.placeholders :]
        self.placeholders = len(doc.placeholder_pages)
        return ops or [], rl_pages.page_forms(doc.canv), [(i, b) for i, b, _ in new]

    def page_end(self, doc: BookDoc) -> None:
        """A page of the chapter ends: take what its flowables drew (the furniture is drawn after this)."""
        ops, forms, placeholders = self._taken(doc)
        self.pages.append([ops, forms, doc.page_kind, doc.running, placeholders, []])

    def art_page(self, doc: BookDoc) -> None:
        """A full-page illustration after the last page was drawn."""
        if not self.pages:
            self.ok = False
            return
        self.pages[-1][5].append(list(self._taken(doc)))

    def close(self, doc: BookDoc, layout: PageLayout) -> None:
        """The chapter's pages are all made: keep them, unless something in them cannot be put back."""
        fonts = self.fonts.close()
        if not self.ok or fonts is None or self.ci not in doc.chapter_ends or doc.pending_floats or doc.pending_art:
            return
        names = [n for p in self.pages for n in (p[1] + [f for art in p[5] for f in art[1]])]
        if any(n not in layout._files for n in names):
            return  # an XObject that is not one of the chapter's pictures
        end_page, used = doc.chapter_ends[self.ci]
        entry = {
            "format": PAGES_FORMAT,
            "wkey": layout.cache._wkeys[self.ci],
            "events": layout.events.get(self.ci),
            "pages": self.pages,
            "toc": [(k, p - self.start) for k, p in doc.toc.items() if k not in self.toc0],
            "end": (end_page - self.start, used),
            "late": [slot.id if slot is not None else None for slot, _ in doc.late_floats[self.late :]],
            "fonts": fonts,
        }
        layout.cache.keep(self.key, entry)


def start_chapter(doc: BookDoc, ci: int) -> None:
    """At chapter `ci`'s first page (begun, empty): put its pages back from the cache, or record them as it is laid out."""
    layout = doc.pages
    if layout is None:
        return
    key = layout.key(ci)
    entry = layout.cache.read(key)
    if entry is not None and rl_pages.fonts_match(doc.canv, entry["fonts"]) and _skip_flowables(doc, ci):
        _replay(doc, ci, entry, layout)
        layout.replayed += 1
        wkey, events = layout.cache._wkeys[ci], layout.events.get(ci)
        if (entry.get("wkey"), entry.get("events")) != (wkey, events):  # its warnings point elsewhere now
            layout.cache.keep(key, {**entry, "wkey": wkey, "events": events})
        return
    if ci in layout.lazy:  # only a stand-in in the flow: the chapter's flowables are made now
        assert layout.make_chapter is not None
        made = layout.make_chapter(ci)
        _skip_flowables(doc, ci)
        doc._flow[0:0] = made[2:]  # after the recto break and this action, already done
    layout.laid_out += 1
    doc.recorder = Recorder(doc, ci, key)


def _skip_flowables(doc: BookDoc, ci: int) -> bool:
    """Take chapter `ci`'s flowables (up to its ChapterEnd) out of the flow being laid out."""
    flow = doc._flow
    for i, f in enumerate(flow):
        if isinstance(f, ChapterEnd) and f.ci == ci:
            del flow[: i + 1]
            return True
    return False


def _replay(doc: BookDoc, ci: int, entry: dict, layout: PageLayout) -> None:
    """Make chapter `ci`'s pages from `entry`; its last page is left open, as its last line leaves it."""
    canv = doc.canv
    start = doc.page
    rl_pages.fonts_apply(canv, entry["fonts"])
    for key, rel in entry["toc"]:
        doc.toc[key] = start + rel
    for n, (ops, forms, kind, running, placeholders, arts) in enumerate(entry["pages"]):
        if n:
            doc.handle_pageEnd()  # the furniture and art pages of the last page, then this page begun
            doc.clean_hanging()
        rl_pages.put_page(canv, ops, forms, layout.file)
        doc.placeholder_pages += [(i, b, doc.page) for i, b in placeholders]
        doc.page_kind, doc.running = kind, running
        doc.pending_art = [functools.partial(_art, doc, art, layout) for art in arts]
        rl_pages.mark_filled(doc)
    rel, used = entry["end"]
    doc.chapter_ends[ci] = (start + rel, used)
    doc.late_floats += [(layout.slot(ci, slot_id), ci) for slot_id in entry["late"]]


def _location(where: Location | None) -> tuple | None:
    return None if where is None else (None if where.file is None else str(where.file), where.line, where.column)


def _at(where: tuple | None) -> Location | None:
    return None if where is None else Location(None if where[0] is None else Path(where[0]), where[1], where[2])


def _encode(event: tuple) -> tuple:
    """A warning event of InteriorBase (("glyphs", missing, where, what, field) or ("warn", Problem)) as plain data."""
    if event[0] == "glyphs":
        _, missing, where, what, field = event
        return ("glyphs", [tuple(m) for m in missing], _location(where), what, field)
    p: Problem = event[1]
    return ("warn", (p.message, _location(p.where), p.path, p.hint, p.severity.value, p.code))


def _decode(event: tuple) -> tuple:
    if event[0] == "glyphs":
        _, missing, where, what, field = event
        return ("glyphs", [tuple(m) for m in missing], _at(where), what, field)
    message, where, path, hint, severity, code = event[1]
    return ("warn", Problem(message, _at(where) or Location(), path, hint, Severity(severity), code))


def _art(doc: BookDoc, art: list, layout: PageLayout, canv, block) -> None:
    ops, forms, placeholders = art
    rl_pages.put_page(canv, ops, forms, layout.file)
    doc.placeholder_pages += [(i, b, doc.page) for i, b in placeholders]
