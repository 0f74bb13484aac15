"""One sandboxed Jinja environment for every template chapterbook renders.

Search path: the story folder's own ``templates/`` first, then the templates
that ship with chapterbook. Story text is passed in as data (and autoescaped in
HTML); it is never compiled as a template.

:func:`render` keeps one environment per search path for the whole process, so
a template is compiled once, not per call. Compiled code is deliberately not
kept on disk (Jinja's bytecode cache): those files are loaded as Python code, so
anyone able to write the cache folder could step around the sandbox, and a
compile costs only milliseconds once per process.
"""

from __future__ import annotations

import functools
import hashlib
import os
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from chapterbook.errors import ChapterbookError, Location
from chapterbook.spec.story import TEMPLATE_FILE, file_fault, story_file
from chapterbook.text import Inline, markup, typeset

if TYPE_CHECKING:
    import jinja2


@functools.cache  # where chapterbook is installed does not change while it runs (resolved once, not per render)
def packaged_templates_dir() -> Path:
    """The templates that ship with chapterbook.

    In a wheel they are package data (chapterbook/templates); in a source
    checkout they are the repo's top-level templates/ folder.
    """
    inside = Path(__file__).resolve().parent / "templates"
    if inside.is_dir():
        return inside
    return Path(__file__).resolve().parents[2] / "templates"


def search_path(story_root: Path | None) -> list[Path]:
    paths = []
    if story_root is not None and (story_root / "templates").is_dir():
        paths.append(story_root / "templates")
    paths.append(packaged_templates_dir())
    return paths


def _story_template(folder: str, candidate: Path) -> None:
    """Raise the author's error when `candidate`, in a story's templates folder, is not a file the story may use."""
    # The story's own copy goes through the one path check before Jinja opens it: a link
    # to /etc/passwd must not be printed into manuscript.md, nor a FIFO hang the build.
    root = Path(folder).parent
    found = story_file(root, candidate.relative_to(root).as_posix())
    if not found.ok:
        message, hint, _ = file_fault(TEMPLATE_FILE, found)
        raise ChapterbookError(message, where=Location(candidate), hint=hint)


@functools.cache
def _loader_class() -> type:
    """The Jinja loader (made on first use: a build that renders no template never imports Jinja)."""
    import jinja2

    class _Loader(jinja2.FileSystemLoader):
        """A FileSystemLoader whose templates also go stale when another file would now be found first.

        Jinja's own check only looks at the mtime of the file it loaded; with an environment
        kept for the whole process, a story that gains its own copy of a template later (the
        folder already existed) must get that copy, as a fresh environment would.
        """

        def __init__(self, searchpath: list[str], story_dirs: tuple[str, ...] = ()):
            super().__init__(searchpath)
            self.story_dirs = story_dirs  # search folders inside a story: what is found there must stay in the story

        def get_source(self, environment: jinja2.Environment, template: str):
            pieces = jinja2.loaders.split_template_path(template)
            for folder in self.story_dirs:
                candidate = Path(folder, *pieces)
                if candidate.exists() or candidate.is_symlink():
                    _story_template(folder, candidate)
                    break
            source, filename, uptodate = super().get_source(environment, template)

            def still_current() -> bool:
                if not uptodate():
                    return False
                first = next((f for f in (posixpath.join(p, *pieces) for p in self.searchpath) if os.path.isfile(f)), None)
                return first is not None and os.path.normpath(first) == filename

            return source, filename, still_current

    return _Loader


def _isbn(value: str) -> str:
    """`{{ book.isbn | isbn }}`: the ISBN with its registration-group hyphens, as the print files show it."""
    from chapterbook.render.barcode import hyphenated

    return hyphenated(value)


def _curly(value: object, on: bool = True) -> object:
    """`{{ text | curly(quotes) }}`: typographer's quotes, dashes and ellipses in story text when `on`."""
    return typeset(value) if on and isinstance(value, str) and not isinstance(value, Markup) else value


def _inline_html(value: Inline | str, quotes: bool = False) -> Markup:
    """`{{ text | inline_html(quotes) }}`: story text (a parsed block's or a Markdown string) as escaped HTML
    with <em>/<strong> for its *emphasis*."""
    return Markup(markup(value, bold="strong", italic="em", quotes=quotes))


# Where templates' compiled code is kept between runs (see keep_compiled); None: compiled in every process.
_compiled_folder: str | None = None


def keep_compiled(folder: Path | None) -> None:
    """From now on, keep the templates' compiled code in `folder` (an existing folder), as Jinja's bytecode cache.

    Compiling the ebook's templates was a third of a warm ebook build. Jinja files the
    code under the template's name and path and checks it against the source's checksum,
    so an edited template is compiled again; the code depends on nothing else.
    """
    global _compiled_folder
    wanted = str(folder) if folder is not None else None
    if wanted != _compiled_folder:
        _compiled_folder = wanted
        _shared.cache_clear()  # the environments made so far keep their code elsewhere


def _bytecode_cache(folder: str):
    import jinja2

    class Quiet(jinja2.FileSystemBytecodeCache):
        """A cache that cannot be written (its folder removed, a full disk) only costs a compile next time."""

        def dump_bytecode(self, bucket) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass

    return Quiet(folder)


def _new_environment(paths: tuple[str, ...]) -> jinja2.Environment:
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    shipped = str(packaged_templates_dir())
    env = ImmutableSandboxedEnvironment(
        loader=_loader_class()(list(paths), tuple(p for p in paths if p != shipped)),
        bytecode_cache=_bytecode_cache(_compiled_folder) if _compiled_folder else None,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "xml", "xhtml", "html.j2", "htm.j2", "xml.j2", "xhtml.j2"), default_for_string=False
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(curly=_curly, inline_html=_inline_html, isbn=_isbn)
    return env


def environment(story_root: Path | None = None) -> jinja2.Environment:
    """A new sandboxed environment that looks in the story's templates/ first (the caller's own)."""
    return _new_environment(tuple(str(p) for p in search_path(story_root)))


@functools.lru_cache(maxsize=32)
def _shared(paths: tuple[str, ...]) -> jinja2.Environment:
    return _new_environment(paths)


def shared_environment(story_root: Path | None = None) -> jinja2.Environment:
    """The process's environment for this search path: templates are compiled once, not per render.

    Keyed by the search path as it is now, so a story that gains a templates/ folder
    gets a new one.
    Callers must not change it (filters, globals): use :func:`environment` for that.
    """
    paths = tuple(str(p) for p in search_path(story_root))
    return _shared(paths)


def render(name: str, context: dict, story_root: Path | None = None) -> str:
    """Render template `name` with `context`; template mistakes become plain errors."""
    return _plainly(name, story_root, lambda: shared_environment(story_root).get_template(name).render(**context))


def load_ahead(names: list[str], story_root: Path | None = None) -> None:
    """Import Jinja and load the templates `names` into the shared environment now, ahead of their render.

    Only moves work earlier (build.parse_ahead: while a helper process parses). A template
    that cannot be loaded is left for its render, which meets the same mistake and says it
    in its place.
    """
    for name in names:
        try:
            compile_template(name, story_root)
        except Exception:  # noqa: BLE001, S112 - the render reports it plainly (see _plainly)
            continue


def compile_template(name: str, story_root: Path | None = None) -> None:
    """Find and compile template `name` as a build would (without rendering it); mistakes raise plain errors."""
    _plainly(name, story_root, lambda: shared_environment(story_root).get_template(name))


def _plainly(name: str, story_root: Path | None, work):
    """`work()`'s result, with Jinja's exceptions turned into ChapterbookErrors an author can act on."""
    import jinja2

    try:
        return work()
    except jinja2.TemplateNotFound as exc:
        raise ChapterbookError(
            f"template '{exc.name}' was not found",
            hint="looked in: " + ", ".join(str(p) for p in search_path(story_root)),
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise ChapterbookError(
            f"template has a syntax error: {exc.message}",
            where=Location(Path(exc.filename) if exc.filename else None, exc.lineno),
            hint="fix the template, or delete your copy to use the one that ships with chapterbook",
        ) from None
    except jinja2.UndefinedError as exc:
        raise ChapterbookError(
            f"template '{name}' uses something that does not exist: {exc.message}",
            hint="check the names used in your template copy against the shipped one",
        ) from None
    except jinja2.exceptions.SecurityError as exc:
        raise ChapterbookError(f"template '{name}' tried something unsafe: {exc}", hint="templates may only read data") from None


def template_hash(name: str, story_root: Path | None = None) -> tuple[str, str]:
    """(path, sha256) of the template file that `name` resolves to.

    Found as the loader finds it (the story's templates/ first, through the same path
    check), without Jinja: build.json records the templates of every build, a PDF-only
    one too, which renders none.
    """
    shipped = str(packaged_templates_dir())
    pieces = [p for p in name.split("/") if p and p != "."]
    for folder in (str(p) for p in search_path(story_root)):
        candidate = posixpath.join(folder, *pieces)
        if folder != shipped and (os.path.exists(candidate) or os.path.islink(candidate)):
            _story_template(folder, Path(candidate))
        if os.path.isfile(candidate):
            with open(candidate, encoding="utf-8") as fh:  # as Jinja's FileSystemLoader reads it (text mode: its line ends)
                source = fh.read()
            return os.path.normpath(candidate), hashlib.sha256(source.encode("utf-8")).hexdigest()
    raise ChapterbookError(f"template '{name}' was not found", hint="looked in: " + ", ".join(str(p) for p in search_path(story_root)))
