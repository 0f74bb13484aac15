"""Build a book: check it, render each requested format, record what went in.

Renderers register in FORMATS as ``fn(story, out_dir, cache_dir) -> {name: path}``.
A build refuses to start when the spec has errors, so nothing is rendered from
a broken book. It is one transaction: the files are written into a staging
folder (output.staging) and moved into output/<book>/ together once every one
has passed, with the build.json that describes them; a build that fails, is
stopped or does not pass its print checks leaves the last good build as it was.
The files of formats not asked for stay (an ebook build keeps book.pdf), and
build.json lists them too, with the build that made them (see _keep).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chapterbook import manuscript, progress, templating
from chapterbook.errors import ChapterbookError, Problem, Severity, SpecError, UsageError
from chapterbook.output import book_dir, build_record, input_hashes, package_versions, sha256_text, staging, write_json
from chapterbook.render.checks import colour_left_to_render, unique_warnings
from chapterbook.render.printfiles import write_pdf
from chapterbook.spec.lint import errors, lint
from chapterbook.spec.load import Story
from chapterbook.text.grammar import parse_elsewhere, parsing_elsewhere, stop_parsing_elsewhere

Renderer = Callable[[Story, Path, Path], dict[str, Path]]

FORMATS: dict[str, Renderer] = {
    "md": manuscript.write_manuscript,
    "html": manuscript.write_preview,
    "pdf": write_pdf,  # book.pdf + cover.pdf, preflighted; see chapterbook.render.printfiles
    "epub": lambda story, out_dir, cache_dir: _epub(story, out_dir),  # book.epub (only when asked for); see chapterbook.render.epub
}
DEFAULT_FORMATS: tuple[str, ...] = ("md", "html", "pdf")
PRUNE_MARGIN_S = 10.0
RENDERED = frozenset({"md", "html", "epub"})  # the formats made through templates (Jinja)
STAGES = {"md": "Writing the manuscript", "html": "Writing the HTML preview", "pdf": "Making the print PDFs", "epub": "Making the ebook"}
RECORD = "build.json"
# Every file a build can make, and its format. A build removes the files of its formats that it did not make this
# time (cover-pdfx.pdf after a build without --pdfx); the other formats' files stay, as the last build.json recorded
# them (an ebook build keeps book.pdf). A file of these names that no build.json lists is removed: build.json could
# not say where it came from. Files no format makes any more (a renamed one) go too. See _keep.
FILE_FORMATS = {
    "manuscript.md": "md",
    "preview.html": "html",
    "book.pdf": "pdf",
    "cover.pdf": "pdf",
    "book-pdfx.pdf": "pdf",
    "cover-pdfx.pdf": "pdf",
    "book.epub": "epub",
}
MADE = set(FILE_FORMATS)
# What build.json says about the build that made its files; copied under "kept" for the files of another format.
BUILD_FIELDS = ("argv", "inputs", "spec_sha256", "templates", "versions")
# The formats that show the printed book: the PDF, and the preview (its pages as they print, grey included).
PRINT_VIEWS = {"pdf", "html"}
# Warnings about the printed book alone: a black-and-white interior printing a colour picture in grey, a
# picture below 300 ppi at its printed size, no hyphenation patterns for the print layout. The ebook is in
# colour, at screen sizes, hyphenated by the reader, so a build without PRINT_VIEWS (the ebook, the
# manuscript) does not say them; validate, which is about the whole book, still does.
PRINT_ONLY = {"colour-picture", "low-ppi", "hyphenation"}


@dataclass
class BuildResult:
    out_dir: Path
    outputs: dict[str, Path]
    warnings: list[Problem] = field(default_factory=list)
    record: Path | None = None
    reports: list = field(default_factory=list)  # preflight reports of the PDFs written
    summary: list[str] = field(default_factory=list)  # a line per format that has one (pdf: pages, trim, ink, spine, cover)
    # False when the new files were not moved in (print checks failed, or --strict found warnings):
    # out_dir still holds the last good build, and `outputs` name where the files would have gone.
    committed: bool = True
    strict_failed: bool = False
    # Files of other formats kept from an earlier build that was made from an earlier version of the story
    # (its spec, or a file it read, has changed since), in FILE_FORMATS' order.
    earlier: list[str] = field(default_factory=list)


class Kept:
    """The other formats' files a build leaves in place, and the builds that made them, as build.json recorded them."""

    # A plain class, not a dataclass: @dataclass writes and compiles its methods at import, which every
    # warm ebook build would pay for (2 M instructions, a quarter of a percent of bench_epub's count).
    def __init__(self) -> None:
        self.outputs: dict[str, dict] = {}  # build.json's entries, by output name, each with its "format"
        self.builds: list[dict] = []  # BUILD_FIELDS of each build, and "formats": those whose files are kept


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


def build(story: Story, formats: list[str] | None = None, output_root: str | Path | None = None, *, pdfx: bool = False, strict: bool = False) -> BuildResult:
    """Render `formats` of the story into output/<book>/ with build.json, all or nothing; returns what was made.

    `pdfx` also converts book.pdf and cover.pdf to PDF/X-3 (book-pdfx.pdf,
    cover-pdfx.pdf) with Ghostscript, and preflights those too. `strict` treats
    warnings (the spec's, the renderers', preflight's) as failures: the files are
    then not moved in, as when preflight fails.
    """
    formats = list(formats or DEFAULT_FORMATS)
    if pdfx:
        if "pdf" not in formats:
            raise UsageError("--pdfx converts the print PDFs, and this build makes none", hint="add pdf to --format, or leave --format out")
        from chapterbook.render.pdfx import ghostscript

        ghostscript()  # before anything is built: without it, say what to install and do nothing
    shows_print = bool(PRINT_VIEWS & set(formats))
    try:
        parse_ahead(story, formats, output_root)
        # With the print PDF, the renderer reports colour pictures as it resamples them (no second decode);
        # without a print view nobody does, so lint does not judge them either (for a cold ebook, a decode each).
        with colour_left_to_render(("pdf" in formats and not strict) or not shows_print):
            problems = lint(story)  # the first reader of the blocks: takes the helper's (text.grammar.known_parses)
    finally:
        stop_parsing_elsewhere()  # only a helper lint did not wait for (it stopped first): none is left running
    if not shows_print:
        problems = [p for p in problems if not (p.code in PRINT_ONLY and p.severity == Severity.WARNING)]
    if errors(problems):
        raise SpecError(errors(problems))
    if strict and problems:  # every one a warning; nothing is rendered, as mkdocs --strict does
        raise SpecError([*problems, Problem("--strict: the warnings above count as errors", hint="fix them, or build without --strict")])
    started = time.time()
    out_dir = book_dir(story, output_root)
    cache = out_dir / ".cache" / "images"
    with staging(out_dir, caches=(cache,)) as stage:
        outputs: dict[str, Path] = {}
        made_as: dict[str, str] = {}  # output name -> the format that made it, for build.json
        # A renderer may also return warnings, preflight reports and extra inputs (images, fonts).
        extra_warnings: list[Problem] = []
        reports: list = []
        extra_inputs: dict[str, Path] = {}
        summary: list[str] = []
        templating.keep_compiled(_compiled_folder(out_dir))  # templates compiled once, not in every build (by their source)
        for fmt in formats:
            progress.report(STAGES[fmt])
            written = FORMATS[fmt](story, stage.folder, cache)
            outputs.update(written)
            made_as.update(dict.fromkeys(written, fmt))
            extra_warnings += getattr(written, "warnings", [])
            reports += getattr(written, "reports", [])
            extra_inputs.update(getattr(written, "inputs", {}))
            summary += [getattr(written, "summary", "")] if getattr(written, "summary", "") else []
        inputs = input_hashes(story, extra_inputs)  # by stat through the memo: unchanged pictures are not read again
        spec_sha256 = sha256_text(story.spec.model_dump_json())
        last = _last_record(out_dir)
        kept = _keep(last, out_dir, formats)
        earlier = _earlier(story, kept, spec_sha256, inputs)
        # The installed packages are part of the memo's key (uptodate.code_fingerprint), so their versions are kept there.
        versions = story.memo.cached("versions", "installed", package_versions)
        story.memo.save()  # what lint and the renderers worked out, for the next build (output/<book>/.cache)
        if set(formats) >= set(DEFAULT_FORMATS):
            # Every format was built, so every picture still wanted was used (and marked) just now. The margin
            # allows for file systems that store times coarsely (FAT: 2 s).
            from chapterbook.render import images  # Pillow: not imported by a build that opens no picture

            images.prune(cache, started - PRUNE_MARGIN_S)
        pdfx_failed: ChapterbookError | None = None
        if pdfx:
            try:
                reports += _write_pdfx(story, outputs, stage.folder)
            except ChapterbookError as exc:
                pdfx_failed = exc  # book.pdf and cover.pdf are fine: move them in without PDF/X copies, then report it
                outputs = {name: path for name, path in outputs.items() if not name.endswith("-pdfx")}
            made_as.update(dict.fromkeys((name for name in outputs if name.endswith("-pdfx")), "pdf"))
        # lint (validate) already found what the renderer warns about: each is reported once.
        warnings = unique_warnings(problems + extra_warnings)
        strict_failed = strict and bool(warnings or any(r.warnings for r in reports))
        committed = all(r.ok for r in reports) and not strict_failed
        record_path = None
        if committed:
            templates = {}
            for name in used_templates(formats):
                path, digest = templating.template_hash(name, story.root)
                templates[name] = {"path": path, "sha256": digest}
            record = build_record(
                story,
                outputs,
                inputs,
                versions,
                templates=templates,
                spec_sha256=spec_sha256,
                formats=formats,
                kept=kept.builds,
            )
            for name, entry in record["outputs"].items():
                entry["format"] = made_as[name]
            record["outputs"].update(kept.outputs)  # so build.json lists every file in the folder
            write_json(stage.folder / RECORD, record)
            keep = {entry["file"] for entry in kept.outputs.values()}
            stage.commit([p.name for p in outputs.values()], RECORD, (MADE | _last_recorded(last)) - keep)
            record_path = out_dir / RECORD
        outputs = {name: out_dir / path.name for name, path in outputs.items()}
        for report in reports:  # the staging folder is gone: name each file where it is (or would be)
            for attr in ("pdf", "path"):  # a PDF's preflight report, an ebook's
                if isinstance(getattr(report, attr, None), Path):
                    setattr(report, attr, out_dir / getattr(report, attr).name)
    if pdfx_failed is not None:
        raise pdfx_failed
    return BuildResult(
        out_dir, outputs, warnings, record_path, reports, summary, committed=committed, strict_failed=strict_failed, earlier=earlier if committed else []
    )


def _last_record(out_dir: Path) -> dict:
    """The last build.json ({} if it is missing or unreadable)."""
    try:
        record = json.loads((out_dir / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _entries(record: dict) -> dict[str, dict]:
    """A build.json's output entries that name a file (others are not ours to trust)."""
    outputs = record.get("outputs")
    if not isinstance(outputs, dict):
        return {}
    return {name: entry for name, entry in outputs.items() if isinstance(entry, dict) and isinstance(entry.get("file"), str)}


def _compiled_folder(out_dir: Path) -> Path:
    """Where the templates' compiled code is kept (output/<book>/.cache/templates), made if need be."""
    folder = out_dir / ".cache" / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def parse_ahead(story: Story, formats: list[str], output_root: str | Path | None = None) -> None:
    """Parse the story's new chapter texts in a helper process while this one loads the build's templates.

    A build of the manuscript, the preview or the ebook loads markdown-it (to parse an edited
    chapter) and Jinja (to render it), a fifth of a warm ebook build, one after the other; with
    the parse in a helper (text.grammar.parse_elsewhere) they load on two cores at once, and lint
    takes the helper's blocks. The command calls this before its progress display starts (a
    thread: the helper is a fork, made only while no other thread runs) and while the cycle
    collector is paused for start-up work (Jinja's classes and functions live as long as the
    process); build() calls it too, for callers of the library. Nothing happens when a helper
    runs already or none is started (see parse_elsewhere): the templates then load when rendered.
    """
    out_dir = book_dir(story, output_root)
    # Only for a book built before (its caches are there): a first build that stops at a mistake leaves no
    # output folder behind, and has every template to compile anyway.
    if not RENDERED & set(formats) or parsing_elsewhere() or not (out_dir / ".cache").is_dir():
        return
    if parse_elsewhere([source.text for source in story.texts if source is not None], story.memo):
        templating.keep_compiled(_compiled_folder(out_dir))
        templating.load_ahead(used_templates(formats), story.root)  # work the render would do anyway, done meanwhile


def used_templates(formats: list[str] | None = None) -> list[str]:
    """The templates a build of `formats` reads (None: every format), by their names under templates/.

    build.json records them (a story's own copy is then an input of the up-to-date check) and
    lint checks a story's own copies. The manuscript and preview's are recorded for every
    build, as they always were; the ebook's only for a build that makes the ebook.
    """
    names = manuscript.used_templates()
    if formats is None or "epub" in formats:
        from chapterbook.render.epub import TEMPLATES

        names += [name for name in TEMPLATES if name not in names]
    return names


def _last_recorded(record: dict) -> set[str]:
    """The files a build.json listed."""
    names = {entry["file"] for entry in _entries(record).values()}
    return {n for n in names if Path(n).name == n and not n.startswith(".")}  # a file beside it, nothing else


def _keep(last: dict, out_dir: Path, formats: list[str]) -> Kept:
    """The files of formats other than `formats` that `last` (build.json) lists and that are still there, with their builds.

    Their hashes are build.json's, not worked out again: the ebook's warm build does not read the PDFs.
    """
    older = last.get("kept")  # the builds of the files that build itself kept, newest first
    builds = [last, *(b for b in older if isinstance(b, dict))] if isinstance(older, list) else [last]
    made_by: dict[str, dict] = {}  # format -> the newest build that made its files here
    for made in builds:
        made_formats = made.get("formats")
        for fmt in made_formats if isinstance(made_formats, list) else ():
            made_by.setdefault(fmt, made)
    kept = Kept()
    for name, entry in _entries(last).items():
        fmt = entry.get("format", FILE_FORMATS.get(entry["file"]))  # build.json before this rule: by its name
        if FILE_FORMATS.get(entry["file"]) != fmt or fmt in formats or fmt not in made_by:
            continue
        if (out_dir / entry["file"]).is_file():  # deleted by hand since: build.json must not list it
            kept.outputs[name] = {**entry, "format": fmt}
    kept_formats = {entry["format"] for entry in kept.outputs.values()}
    for made in builds:
        mine = [fmt for fmt in FORMATS if fmt in kept_formats and made_by.get(fmt) is made]
        if mine:
            kept.builds.append({**{key: made[key] for key in BUILD_FIELDS if key in made}, "formats": mine})
    return kept


def _earlier(story: Story, kept: Kept, spec_sha256: str, inputs: dict[str, str]) -> list[str]:
    """The kept files whose build read an earlier version of the story, in FILE_FORMATS' order."""
    stale = {fmt for made in kept.builds if _story_changed(story, made, spec_sha256, inputs) for fmt in made["formats"]}
    files = {entry["file"] for entry in kept.outputs.values() if entry["format"] in stale}
    return [name for name in FILE_FORMATS if name in files]


def _story_changed(story: Story, made: dict, spec_sha256: str, inputs: dict[str, str]) -> bool:
    """Whether the spec, or a file of the story that build `made` read, is not as it was then."""
    if made.get("spec_sha256") != spec_sha256:
        return True
    recorded = made.get("inputs")
    for name, digest in recorded.items() if isinstance(recorded, dict) else ():
        if name.startswith("font:"):  # a shipped font: chapterbook's own, not the story's
            continue
        now = inputs.get(name)
        if now is None:  # read by that build's formats only (a picture the ebook does not use): known by stat in the memo
            path = Path(name) if Path(name).is_absolute() else story.root / name
            try:
                now = story.memo.sha256(path)
            except OSError:
                return True  # gone since
        if now != digest:
            return True
    return False


def _epub(story: Story, out_dir: Path):
    from chapterbook.render.epub import write_epub  # imported only when an ebook is asked for

    return write_epub(story, out_dir)


def _write_pdfx(story: Story, outputs: dict[str, Path], out_dir: Path) -> list:
    """PDF/X-3 copies of the interior and the cover, added to `outputs`; returns their preflight reports."""
    from chapterbook.preflight import preflight
    from chapterbook.render.pdfx import to_pdfx

    reports = []
    for name, kind in (("pdf", "interior"), ("cover", "cover")):
        source = outputs[name]
        progress.report(f"Converting {source.name} to PDF/X-3")
        target = to_pdfx(source, out_dir / f"{source.stem}-pdfx.pdf", story.spec.book.title)
        outputs[f"{name}-pdfx"] = target
        reports.append(preflight(target, kind=kind, trim_in=story.spec.layout.trim_inches()))
    return reports
