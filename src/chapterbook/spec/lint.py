"""Checks on a loaded story beyond its shape: references, files, reading level, and what a build would say.

Errors are things that stop a build (an unknown concept id, a missing image);
warnings are things an author should look at (a sentence too long for the age).
`lint` runs every function in CHECKS; each takes the Story and yields Problems,
so a new check is one function added to that tuple. What the renderer would
refuse or warn about (fonts, glyphs, picture resolution) is decided in
:mod:`chapterbook.render.checks` and reported from here, so `validate` knows it
before `build` draws a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from chapterbook.errors import ChapterbookError, Location, Problem, Severity
from chapterbook.print_rules import SHIPPED_FONTS
from chapterbook.spec.kinds import DIAGRAM_LABELS, DiagramKind
from chapterbook.spec.memo import content_key
from chapterbook.spec.story import IMAGE_FILE, IMAGE_SUFFIXES, TEMPLATE_FILE, Story, file_fault, format_path
from chapterbook.text import blocks, flesch_kincaid_grade, known_parses, line_col, paragraphs, sentences, words
from chapterbook.text.check import grammar_problems, heading_at_end_problems

MIN_WORDS_FOR_GRADE = 100


def shipped_fonts() -> list[str]:
    """Names of the font families that ship with chapterbook (print_rules.SHIPPED_FONTS)."""
    return sorted(SHIPPED_FONTS)


def lint(story: Story) -> list[Problem]:
    """Every cross-reference, file, reading-level and build problem in the story, errors first."""
    # Lint is the first to read the chapters' blocks: those an earlier run parsed come back from the memo.
    known_parses((source.text for source in story.texts if source is not None), story.memo)
    problems: list[Problem] = list(story.problems)
    for check in CHECKS:
        problems += check(story)
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
            [(("chapters", i, "illustrations", j, "id"), ill.id) for i, ch in enumerate(spec.chapters) for j, ill in enumerate(ch.illustrations)],
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
    from difflib import get_close_matches  # here: only a mistyped name needs it

    guess = get_close_matches(value, known, n=1, cutoff=0.5)
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
                yield _problem(
                    story,
                    ("chapters", i, "teaches", j),
                    f"concept '{cid}' has no fact {n}",
                    f"it has {len(spec.concepts[concepts.index(cid)].facts)} facts, numbered from 1",
                    "unknown-ref",
                )
        for j, cid in enumerate(chapter.characters):
            if cid not in characters:
                yield _unknown(story, ("chapters", i, "characters", j), "character", cid, characters)
        source = story.chapter_text(i)
        if source is None:
            continue
        slot_ids = [ill.id for ill in chapter.illustrations]
        for ref, start in _markers(story, source.text):
            if ref not in slot_ids:
                line, col = line_col(source.text, start)
                from difflib import get_close_matches

                guess = get_close_matches(ref, slot_ids, n=1, cutoff=0.5)
                yield Problem(
                    f"[illustration: {ref}] names no illustration of this chapter" + (f" — did you mean '{guess[0]}'?" if guess else ""),
                    source.location(line, col),
                    format_path(("chapters", i, "text")),
                    "add an illustration with this id under the chapter's 'illustrations:', or fix the id"
                    + (f" (this chapter has: {', '.join(slot_ids)})" if slot_ids else ""),
                    code="unknown-ref",
                )


def _markers(story: Story, text: str) -> list[tuple[str, int]]:
    """(id, offset) of each illustration marker in a chapter's text, kept by the text (story.memo): parsing is the cost."""
    return story.memo.cached("markers", content_key("markers", text), lambda: [(b.ref, b.start) for b in blocks(text) if b.kind == "illustration"])


def _files(story: Story) -> Iterable[Problem]:
    wanted = story.pictures()
    for key, rel in wanted:
        found = story.file(rel)
        if found.path is None:
            yield _problem(story, key, *file_fault(IMAGE_FILE, found))
        elif found.path.suffix.lower() not in IMAGE_SUFFIXES:
            yield _problem(story, key, f"'{rel}' is not an image type chapterbook reads", "use PNG, JPEG, WebP or TIFF", "bad-image-type")


def _templates(story: Story) -> Iterable[Problem]:
    """The story's own copies of the templates a build uses: inside the folder, and readable by Jinja."""
    from chapterbook import templating
    from chapterbook.build import used_templates

    own = story.root / "templates"
    if not own.is_dir():
        return
    for name in used_templates():
        if not (own / name).exists() and not (own / name).is_symlink():
            continue
        rel = (Path("templates") / name).as_posix()
        found = story.file(rel)
        where = Location(story.root / rel)
        if found.path is None:
            message, hint, code = file_fault(TEMPLATE_FILE, found)
            yield Problem(message, where, "", hint, Severity.ERROR, code)
            continue
        try:
            templating.compile_template(name, story.root)
        except ChapterbookError as exc:
            for p in exc.problems():
                yield Problem(p.message, p.where if p.where.file is not None else where, "", p.hint, Severity.ERROR, "template")


def _barcode(story: Story) -> Iterable[Problem]:
    if story.spec.layout.cover.barcode and not story.spec.book.isbn:  # the cover's barcode encodes the ISBN
        yield _problem(
            story,
            ("layout", "cover", "barcode"),
            "a barcode is asked for but the book has no ISBN",
            "add 'isbn:' under book, or remove 'barcode: true'",
            "barcode-without-isbn",
        )


def _build(story: Story) -> Iterable[Problem]:
    from chapterbook.render.checks import build_problems

    return build_problems(story)


def _reading_level(story: Story) -> Iterable[Problem]:
    rules = story.spec.reading_level
    band = rules.readability
    for i, chapter in enumerate(story.spec.chapters):
        source = story.chapter_text(i)
        # Worked out once per chapter text and limits (the memo): an edit re-counts only that chapter.
        text = source.text if source is not None else ""
        facts = None if source is None else story.memo.cached("reading", _reading_key(text, rules), lambda: _reading_facts(text, rules))  # noqa: B023 - called at once
        # A text of only headings, markers or breaks prints no story either (the PDF says so too).
        if source is None or facts is None or not facts[0]:
            if source is None and chapter.text_file is not None:
                continue  # the unreadable file is already reported
            yield Problem(
                f"chapter {i + 1} '{chapter.title}' has no text yet",
                story.where("chapters", i),
                format_path(("chapters", i, "title")),
                "write it under 'text:' or 'text_file:', or draft one with: chapterbook draft",
                Severity.WARNING,
                "no-text",
            )
            continue
        _, found, grade = facts
        for code, n, line, col, snippet in found:
            if code == "long-paragraph":
                yield Problem(
                    f"paragraph has {n} sentences; the limit for this book is {rules.max_sentences_per_paragraph}",
                    source.location(line, col),
                    format_path(("chapters", i, "text")),
                    "split it into two paragraphs",
                    Severity.WARNING,
                    "long-paragraph",
                )
            else:
                yield Problem(
                    f'sentence has {n} words; the limit for this book is {rules.max_words_per_sentence}: "{snippet}"',
                    source.location(line, col),
                    format_path(("chapters", i, "text")),
                    "split it into shorter sentences",
                    Severity.WARNING,
                    "long-sentence",
                )
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


def _reading_key(text: str, rules) -> str:
    return content_key(text, rules.max_sentences_per_paragraph, rules.max_words_per_sentence, MIN_WORDS_FOR_GRADE)


def _reading_facts(text: str, rules) -> tuple[bool, list[tuple[str, int, int, int, str]], float | None]:
    """(whether the text has a paragraph, [(code, count, line, column, snippet)] over the limits, its grade or None)."""
    paras = paragraphs(text)
    found: list[tuple[str, int, int, int, str]] = []
    for para in paras:
        sents = sentences(para.text, para.start)
        if len(sents) > rules.max_sentences_per_paragraph:
            found.append(("long-paragraph", len(sents), *line_col(text, para.start), ""))
        for sent in sents:
            n = len(words(sent.text))
            if n > rules.max_words_per_sentence:
                snippet = sent.text if len(sent.text) <= 60 else sent.text[:57] + "…"
                found.append(("long-sentence", n, *line_col(text, sent.start), snippet))
    # Readability formulas mean little on a few sentences; judge whole chapters only.
    grade = flesch_kincaid_grade(text) if paras and len(words(text)) >= MIN_WORDS_FOR_GRADE else None
    return bool(paras), found, grade


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
            extra = d.labels[len(room) :] if d is not None else []
            if d is None or not extra:
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


CHECKS: tuple[Callable[[Story], Iterable[Problem]], ...] = (
    _duplicate_ids,
    _references,
    _files,
    _templates,
    _reading_level,
    _coverage,
    _diagrams,
    _barcode,
    grammar_problems,  # chapter text outside the grammar (chapterbook.text.check)
    heading_at_end_problems,  # a chapter whose text ends on a heading (chapterbook.text.check)
    _build,
)


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == Severity.ERROR]


__all__ = ["Location", "errors", "lint", "shipped_fonts"]
