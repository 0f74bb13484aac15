"""Checks on a loaded story beyond its shape: references, files, reading level.

Errors are things that stop a build (an unknown concept id, a missing image);
warnings are things an author should look at (a sentence too long for the age).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from chapterbook.errors import Location, Problem, Severity
from chapterbook.print_rules import SHIPPED_FONTS
from chapterbook.spec.load import Story, format_path, resolve_inside
from chapterbook.spec.models import DIAGRAM_LABELS, DiagramKind
from chapterbook.text import blocks, flesch_kincaid_grade, line_col, paragraphs, sentences, words
from chapterbook.text.check import grammar_problems

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff"}
MIN_WORDS_FOR_GRADE = 100


def shipped_fonts() -> list[str]:
    """Names of the font families that ship with chapterbook (print_rules.SHIPPED_FONTS)."""
    return sorted(SHIPPED_FONTS)


def lint(story: Story) -> list[Problem]:
    """Every cross-reference, file and reading-level problem in the story."""
    problems: list[Problem] = list(story.problems)
    problems += _duplicate_ids(story)
    problems += _references(story)
    problems += _files(story)
    problems += _reading_level(story)
    problems += _coverage(story)
    problems += _diagrams(story)
    if story.spec.layout.cover.barcode and not story.spec.book.isbn:  # the cover's barcode encodes the ISBN
        problems.append(_problem(story, ("layout", "cover", "barcode"), "a barcode is asked for but the book has no ISBN", "add 'isbn:' under book, or remove 'barcode: true'", "barcode-without-isbn"))
    problems += grammar_problems(story)  # chapter text outside the grammar (chapterbook.text.check)
    problems.sort(key=lambda p: (p.severity != Severity.ERROR, str(p.where.file), p.where.line or 0, p.where.column or 0))
    return problems


def _problem(story: Story, key: tuple, message: str, hint: str, code: str, severity=Severity.ERROR) -> Problem:
    return Problem(message, story.where(*key), format_path(key), hint, severity, code)


def _duplicate_ids(story: Story) -> Iterable[Problem]:
    spec = story.spec
    groups: list[tuple[str, list[tuple[tuple, str | None]]]] = [
        ("character", [(("characters", i, "id"), c.id) for i, c in enumerate(spec.characters)]),
        ("scientist", [(("scientists", i, "id"), s.id) for i, s in enumerate(spec.scientists)]),
        ("concept", [(("concepts", i, "id"), c.id) for i, c in enumerate(spec.concepts)]),
        ("chapter", [(("chapters", i, "id"), c.id) for i, c in enumerate(spec.chapters)]),
        (
            "illustration",
            [
                (("chapters", i, "illustrations", j, "id"), ill.id)
                for i, ch in enumerate(spec.chapters)
                for j, ill in enumerate(ch.illustrations)
            ],
        ),
    ]
    for kind, items in groups:
        seen: dict[str, tuple] = {}
        for key, value in items:
            if value is None:
                continue
            if value in seen:
                first = story.where(*seen[value])
                yield _problem(
                    story,
                    key,
                    f"{kind} id '{value}' is used twice (first on line {first.line})",
                    f"give each {kind} its own id",
                    "duplicate-id",
                )
            else:
                seen[value] = key


def _unknown(story: Story, key: tuple, kind: str, value: str, known: list[str]) -> Problem:
    guess = difflib.get_close_matches(value, known, n=1, cutoff=0.5)
    msg = f"unknown {kind} id '{value}'"
    if guess:
        msg += f" — did you mean '{guess[0]}'?"
    listed = ", ".join(known) if known else f"none are defined; add one under '{kind}s:'"
    return _problem(story, key, msg, f"use one of the {kind} ids defined in the spec: {listed}", "unknown-ref")


def _references(story: Story) -> Iterable[Problem]:
    spec = story.spec
    concepts = [c.id for c in spec.concepts]
    characters = [c.id for c in spec.characters]
    scientists = [s.id for s in spec.scientists]
    for i, concept in enumerate(spec.concepts):
        if concept.scientist is not None and concept.scientist not in scientists:
            yield _unknown(story, ("concepts", i, "scientist"), "scientist", concept.scientist, scientists)
    for i, chapter in enumerate(spec.chapters):
        for j, cid in enumerate(chapter.concepts):
            if cid not in concepts:
                yield _unknown(story, ("chapters", i, "concepts", j), "concept", cid, concepts)
        for j, ref in enumerate(chapter.teaches or []):  # 'concept' or 'concept.N' (fact N, from 1)
            cid, _, n = ref.partition(".")
            if cid not in concepts:
                yield _unknown(story, ("chapters", i, "teaches", j), "concept", cid, concepts)
            elif n and int(n) > len(spec.concepts[concepts.index(cid)].facts):
                yield _problem(story, ("chapters", i, "teaches", j), f"concept '{cid}' has no fact {n}", f"it has {len(spec.concepts[concepts.index(cid)].facts)} facts, numbered from 1", "unknown-ref")
        for j, cid in enumerate(chapter.characters):
            if cid not in characters:
                yield _unknown(story, ("chapters", i, "characters", j), "character", cid, characters)
        source = story.chapter_text(i)
        if source is None:
            continue
        slot_ids = [ill.id for ill in chapter.illustrations]
        for block in blocks(source.text):
            if block.kind == "illustration" and block.ref not in slot_ids:
                line, col = line_col(source.text, block.start)
                guess = difflib.get_close_matches(block.ref, slot_ids, n=1, cutoff=0.5)
                yield Problem(
                    f"[illustration: {block.ref}] names no illustration of this chapter"
                    + (f" — did you mean '{guess[0]}'?" if guess else ""),
                    source.location(line, col),
                    format_path(("chapters", i, "text")),
                    "add an illustration with this id under the chapter's 'illustrations:', or fix the id"
                    + (f" (this chapter has: {', '.join(slot_ids)})" if slot_ids else ""),
                    code="unknown-ref",
                )


def _files(story: Story) -> Iterable[Problem]:
    spec = story.spec
    wanted: list[tuple[tuple, str]] = []
    for i, ch in enumerate(spec.chapters):
        for j, ill in enumerate(ch.illustrations):
            if ill.image:
                wanted.append((("chapters", i, "illustrations", j, "image"), ill.image))
    for i, s in enumerate(spec.scientists):
        if s.portrait:
            wanted.append((("scientists", i, "portrait"), s.portrait))
    if spec.layout.cover_image:
        wanted.append((("layout", "cover_image"), spec.layout.cover_image))
    for key, rel in wanted:
        target = resolve_inside(story.root, rel)
        if target is None:
            yield _problem(
                story, key, f"image path '{rel}' leaves the story folder", "keep images inside the story folder, e.g. images/cart.png", "outside-story"
            )
        elif not target.is_file():
            yield _problem(
                story,
                key,
                f"image file '{rel}' does not exist",
                f"add the file under {story.root}, fix the path, or remove 'image:' to get a placeholder with the brief",
                "missing-file",
            )
        elif target.suffix.lower() not in IMAGE_SUFFIXES:
            yield _problem(
                story, key, f"'{rel}' is not an image type chapterbook reads", "use PNG, JPEG, WebP or TIFF", "bad-image-type"
            )
    font = spec.layout.font
    if font.lower().endswith((".ttf", ".otf")):
        target = resolve_inside(story.root, font)
        if target is None or not target.is_file():
            yield _problem(story, ("layout", "font"), f"font file '{font}' does not exist in the story folder", "fix the path or use a shipped font: " + ", ".join(shipped_fonts()), "missing-file")
    elif font not in shipped_fonts():
        guess = difflib.get_close_matches(font, shipped_fonts(), n=1)
        yield _problem(
            story,
            ("layout", "font"),
            f"font '{font}' does not ship with chapterbook" + (f" — did you mean '{guess[0]}'?" if guess else ""),
            "use one of: " + ", ".join(shipped_fonts()) + ", or the path of a .ttf file in the story folder",
            "unknown-font",
        )


def _reading_level(story: Story) -> Iterable[Problem]:
    rules = story.spec.reading_level
    band = rules.readability
    for i, chapter in enumerate(story.spec.chapters):
        source = story.chapter_text(i)
        # A text of only headings, markers or breaks prints no story either (the PDF says so too).
        if source is None or not paragraphs(source.text):
            if source is None and chapter.text_file is not None:
                continue  # the unreadable file is already reported
            yield _problem(
                story,
                ("chapters", i, "title"),
                f"chapter {i + 1} '{chapter.title}' has no text yet",
                "write it under 'text:' or 'text_file:', or draft one with: chapterbook draft",
                "no-text",
                Severity.WARNING,
            )
            continue
        for para in paragraphs(source.text):
            sents = sentences(para.text, para.start)
            if len(sents) > rules.max_sentences_per_paragraph:
                line, col = line_col(source.text, para.start)
                yield Problem(
                    f"paragraph has {len(sents)} sentences; the limit for this book is {rules.max_sentences_per_paragraph}",
                    source.location(line, col),
                    format_path(("chapters", i, "text")),
                    "split it into two paragraphs",
                    Severity.WARNING,
                    "long-paragraph",
                )
            for sent in sents:
                n = len(words(sent.text))
                if n > rules.max_words_per_sentence:
                    line, col = line_col(source.text, sent.start)
                    snippet = sent.text if len(sent.text) <= 60 else sent.text[:57] + "…"
                    yield Problem(
                        f"sentence has {n} words; the limit for this book is {rules.max_words_per_sentence}: \"{snippet}\"",
                        source.location(line, col),
                        format_path(("chapters", i, "text")),
                        "split it into shorter sentences",
                        Severity.WARNING,
                        "long-sentence",
                    )
        # Readability formulas mean little on a few sentences; judge whole chapters only.
        grade = flesch_kincaid_grade(source.text) if len(words(source.text)) >= MIN_WORDS_FOR_GRADE else None
        if grade is not None and not (band.min <= grade <= band.max):
            side = "above" if grade > band.max else "below"
            yield Problem(
                f"chapter {i + 1} reads at Flesch-Kincaid grade {grade:.1f}, {side} the target {band.min:g}-{band.max:g}",
                source.location(0, 0),
                format_path(("chapters", i, "text")),
                "use shorter sentences and shorter words" if side == "above" else "this may be too simple for the age",
                Severity.WARNING,
                "readability",
            )


def _coverage(story: Story) -> Iterable[Problem]:
    taught = {cid for ch in story.spec.chapters for cid in ch.concepts}
    for i, concept in enumerate(story.spec.concepts):
        if concept.id not in taught:
            yield _problem(
                story,
                ("concepts", i, "id"),
                f"concept '{concept.id}' is not taught in any chapter",
                "list it under a chapter's 'concepts:' or remove it",
                "unused-concept",
                Severity.WARNING,
            )


def _diagrams(story: Story) -> Iterable[Problem]:
    """Labels a diagram has no room for, and a second object it does not draw, would silently not be printed."""
    for ci, chapter in enumerate(story.spec.chapters):
        for ii, ill in enumerate(chapter.illustrations):
            d = ill.diagram
            if d is not None and d.other_object and d.kind not in (DiagramKind.action_reaction, DiagramKind.gravity):
                yield _problem(
                    story,
                    ("chapters", ci, "illustrations", ii, "diagram", "other_object"),
                    f"a {d.kind.value} diagram shows one thing; other_object '{d.other_object}' is not drawn",
                    "remove it, or use kind: action_reaction (two things pushing on each other) or gravity (two bodies pulling)",
                    "diagram-labels",
                    Severity.WARNING,
                )
            room = DIAGRAM_LABELS[d.kind] if d is not None else ()
            extra = d.labels[len(room):] if d is not None else []
            if not extra:
                continue
            shown = ", ".join(f"'{x}'" for x in extra)
            yield _problem(
                story,
                ("chapters", ci, "illustrations", ii, "diagram", "labels"),
                f"a {d.kind.value} diagram has room for {len(room)} label{'s' if len(room) > 1 else ''} ({', '.join(room)}); "
                f"{shown} {'is' if len(extra) == 1 else 'are'} not drawn",
                f"remove {'it' if len(extra) == 1 else 'them'}, or say {'it' if len(extra) == 1 else 'them'} in the diagram's caption",
                "diagram-labels",
                Severity.WARNING,
            )


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == Severity.ERROR]


__all__ = ["lint", "errors", "shipped_fonts", "Location"]
