"""Read story.yaml into a :class:`Story`: the spec plus where every value came from.

Only this module reads YAML. It turns every way a file can be wrong (not UTF-8,
tabs, bad syntax, wrong types, unknown fields, alias bombs) into
:class:`~chapterbook.errors.Problem` objects with file:line:col, and reports
them all at once.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from chapterbook.errors import Location, Problem, SpecError, UsageError
from chapterbook.spec.migrate import migrate
from chapterbook.spec.models import StorySpec

# A story spec with all its chapter text inline is a few hundred kB; anything
# this large is a mistake (a wrong file, a pasted export) and is refused before
# it is parsed so it cannot eat memory.
MAX_SPEC_BYTES = 2 * 1024 * 1024
# Aliases let a tiny file expand into billions of nodes ("billion laughs").
# Expanding is what costs, so we count nodes as we expand and stop early.
MAX_EXPANDED_NODES = 200_000

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class SourceText:
    """A chapter's Markdown text and where its first line sits in which file."""

    text: str
    file: Path
    first_line: int  # 1-based line of the text's first line in `file`
    indent: int = 0  # columns of YAML indentation before each line (inline text)

    def location(self, line_in_text: int, column_in_line: int = 0) -> Location:
        """The file location of a 0-based line/column inside the text."""
        return Location(self.file, self.first_line + line_in_text, self.indent + column_in_line + 1)


@dataclass
class Story:
    """A loaded book: the validated spec, its folder and positions for messages."""

    spec: StorySpec
    path: Path
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    texts: list[SourceText | None] = field(default_factory=list)
    # Problems found while reading chapter files; lint reports them with the rest
    # so one run lists everything.
    problems: list[Problem] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def slug(self) -> str:
        """The folder name used under output/ (the story folder's name)."""
        resolved = self.path.resolve()
        name = resolved.parent.name if resolved.name == "story.yaml" else resolved.stem
        return name or "book"

    def where(self, *key: str | int) -> Location:
        """The location of a field path, or of its nearest parent that has one."""
        return locate(self.path, self.positions, key)

    def chapter_text(self, index: int) -> SourceText | None:
        return self.texts[index] if index < len(self.texts) else None


def locate(file: Path, positions: dict[PathKey, tuple[int, int]], key: PathKey) -> Location:
    key = tuple(key)
    while key:
        if key in positions:
            line, col = positions[key]
            return Location(file, line, col)
        key = key[:-1]
    return Location(file, positions.get((), (1, 1))[0], 1)


def format_path(key: PathKey) -> str:
    """('chapters', 0, 'title') -> 'chapters[0].title'."""
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# --- reading ------------------------------------------------------------------


def load_story(path: str | Path) -> Story:
    """Load and validate a story spec; raises SpecError listing every problem.

    Chapter text files are read too; a missing or unreadable one is recorded
    in ``story.problems`` (reported by lint) rather than raised, so one run lists
    everything. Cross-reference and reading-level checks are in
    :mod:`chapterbook.spec.lint`.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "story.yaml"
    if not path.exists():
        raise UsageError(
            f"there is no story file at {path}",
            hint="give the path to a story.yaml, or create one with: chapterbook new stories/my-book",
        )
    if not path.is_file():
        raise UsageError(f"{path} is not a file", hint="give the path to a story.yaml")

    data, positions = read_yaml(path)
    data = migrate(data, path, positions)
    spec = validate_data(data, path, positions)
    story = Story(spec=spec, path=path, positions=positions)
    story.texts, story.problems = _chapter_texts(story)
    return story


def read_yaml(path: Path) -> tuple[Any, dict[PathKey, tuple[int, int]]]:
    """Parse a YAML file safely into plain data plus a (path -> line, col) map."""
    size = path.stat().st_size
    if size > MAX_SPEC_BYTES:
        raise SpecError(
            [
                Problem(
                    f"the file is {size / 1_000_000:.1f} MB; a story spec is normally under 0.5 MB and at most "
                    f"{MAX_SPEC_BYTES // (1024 * 1024)} MB",
                    Location(path),
                    hint="check this is the right file; keep long chapter text in separate files with 'text_file:'",
                    code="too-large",
                )
            ]
        )
    raw = path.read_bytes()
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError(
            [
                Problem(
                    f"the file is not UTF-8 text: byte 0x{raw[exc.start]:02X} cannot be read",
                    Location(path, line, col),
                    hint="save the file as UTF-8 (most editors offer 'Save with encoding… UTF-8')",
                    code="not-utf8",
                )
            ]
        ) from None
    if not source.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in source.splitlines()
    ):
        raise SpecError(
            [
                Problem(
                    "the file is empty",
                    Location(path, 1, 1),
                    hint="start from a commented example: chapterbook new stories/my-book",
                    code="empty",
                )
            ]
        )

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        # Compose first (aliases stay shared references, so this is cheap even
        # for a bomb) and measure how big the document would be once expanded.
        root = yaml.compose(source)
        if _expanded_size(root, {}) > MAX_EXPANDED_NODES:
            raise SpecError([_alias_bomb(path)])
        doc = yaml.constructor.construct_document(root)  # from the composed nodes: the text is parsed once
    except YAMLError as exc:
        raise SpecError([_yaml_problem(exc, path, source)]) from None
    except RecursionError:
        raise SpecError(
            [Problem("the file nests too deeply to read", Location(path), hint="simplify the YAML structure", code="too-deep")]
        ) from None

    positions: dict[PathKey, tuple[int, int]] = {(): (1, 1)}
    budget = [MAX_EXPANDED_NODES]
    try:
        data = _plain(doc, (), positions, budget, path)
    except RecursionError:
        raise SpecError(
            [Problem("the file nests too deeply to read", Location(path), hint="simplify the YAML structure", code="too-deep")]
        ) from None
    if not isinstance(data, dict):
        raise SpecError(
            [
                Problem(
                    f"the file holds a {_kind(data)}, but a story spec is a set of 'field: value' lines",
                    Location(path, 1, 1),
                    hint="start from a commented example: chapterbook new stories/my-book",
                    code="not-a-mapping",
                )
            ]
        )
    return data, positions


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "single piece of text"
    return type(value).__name__


def _yaml_problem(exc: YAMLError, path: Path, source: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    col = mark.column + 1 if mark is not None else None
    where = Location(path, line, col)
    problem = (getattr(exc, "problem", None) or str(exc)).strip()
    lines = source.splitlines()
    if "\t" in problem or (line and line <= len(lines) and "\t" in lines[line - 1][: (col or 1)]):
        return Problem(
            "this line is indented with a tab; YAML only allows spaces for indentation",
            where,
            hint="replace the tab with spaces (set your editor to 'indent using spaces')",
            code="tab",
        )
    if type(exc).__name__ == "DuplicateKeyError":
        first = getattr(exc, "context_mark", None)
        first_at = f" (first given on line {first.line + 1})" if first is not None else ""
        key = problem.split('"')[1] if '"' in problem else "a field"
        return Problem(
            f"'{key}' is given twice in the same block{first_at}",
            Location(path, line, col),
            hint="keep one of the two and delete the other",
            code="duplicate-key",
        )
    if isinstance(exc, MarkedYAMLError):
        context = (exc.context or "").strip()
        detail = f"{context}: {problem}" if context else problem
        return Problem(
            f"the YAML cannot be read here ({detail})",
            where,
            hint="check indentation, a missing ':' or an unclosed quote or bracket on this line or the one above",
            code="yaml-syntax",
        )
    return Problem(f"the YAML cannot be read ({problem})", where, code="yaml-syntax")


def _alias_bomb(path: Path) -> Problem:
    return Problem(
        f"the file expands to more than {MAX_EXPANDED_NODES:,} values because YAML aliases ('*name') repeat "
        "each other",
        Location(path),
        hint="remove the '&anchor' / '*alias' repetitions; a story spec never needs them nested",
        code="alias-bomb",
    )


def _expanded_size(node: Any, memo: dict[int, int]) -> int:
    """How many values `node` becomes with every alias expanded (memoised: linear time)."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # guards against recursive aliases
    value = node.value
    if isinstance(value, list):
        total = 1
        for item in value:
            if isinstance(item, tuple):
                total += _expanded_size(item[0], memo) + _expanded_size(item[1], memo)
            else:
                total += _expanded_size(item, memo)
    else:
        total = 1
    memo[key] = total
    return total


def _plain(node: Any, key: PathKey, positions: dict, budget: list[int], path: Path) -> Any:
    """Copy ruamel's round-trip objects into plain dicts/lists, recording positions.

    Aliases are expanded here, each node counting against the budget, so a
    "billion laughs" file stops after a few hundred thousand nodes.
    """
    budget[0] -= 1
    if budget[0] < 0:
        raise SpecError([_alias_bomb(path)])
    if isinstance(node, CommentedMap):
        out: dict[Any, Any] = {}
        for k, v in node.items():
            sub = (*key, k)
            try:
                kl, kc = node.lc.key(k)
                positions[sub] = (kl + 1, kc + 1)
            except (KeyError, TypeError, AttributeError):
                pass
            out[k] = _plain(v, sub, positions, budget, path)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, v in enumerate(node):
            sub = (*key, i)
            try:
                il, ic = node.lc.item(i)
                positions[sub] = (il + 1, ic + 1)
            except (KeyError, TypeError, AttributeError, IndexError):
                pass
            items.append(_plain(v, sub, positions, budget, path))
        return items
    if isinstance(node, str):
        return str(node)  # drop ruamel's scalar-string subclasses
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


# --- validating -------------------------------------------------------------------


def validate_data(data: dict, path: Path, positions: dict[PathKey, tuple[int, int]]) -> StorySpec:
    """Validate plain data against StorySpec, turning every error into a Problem."""
    try:
        return StorySpec.model_validate(data)
    except ValidationError as exc:
        problems = [_pydantic_problem(err, data, path, positions) for err in exc.errors()]
        problems.sort(key=lambda p: (p.where.line or 0, p.where.column or 0))
        raise SpecError(problems) from None


_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list (lines starting with '- ')",
    "dict_type": "a block of 'field: value' lines",
    "model_type": "a block of 'field: value' lines",
    "model_attributes_type": "a block of 'field: value' lines",
    "date_type": "a date like 2026-09-01",
    "date_parsing": "a date like 2026-09-01",
    "date_from_datetime_parsing": "a date like 2026-09-01",
}


def _pydantic_problem(err: dict, data: Any, path: Path, positions: dict) -> Problem:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind = err["type"]
    field_path = format_path(loc)
    where = locate(path, positions, loc)
    value = err.get("input")
    if kind == "extra_forbidden":
        name = str(loc[-1])
        allowed = sorted(_fields_at(loc[:-1]))
        guess = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        msg = f"unknown field '{name}'"
        if guess:
            msg += f" — did you mean '{guess[0]}'?"
            hint = f"rename it to '{guess[0]}'"
        else:
            hint = "remove it, or use one of: " + ", ".join(allowed) if allowed else "remove it"
        return Problem(msg, where, field_path, hint, code="unknown-field")
    if kind == "missing":
        parent = format_path(loc[:-1]) or "the top level"
        return Problem(
            f"'{loc[-1]}' is required here but missing",
            locate(path, positions, loc[:-1]),
            field_path,
            f"add '{loc[-1]}:' under {parent}" + _field_help(loc),
            code="missing-field",
        )
    if kind in _TYPE_WORDS:
        shown = _short(value)
        return Problem(
            f"expected {_TYPE_WORDS[kind]}, found {shown}",
            where,
            field_path,
            "change the value" + _field_help(loc),
            code="wrong-type",
        )
    if kind == "enum" or kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return Problem(
            f"'{value}' is not one of the allowed values: {expected}",
            where,
            field_path,
            "use one of the values listed",
            code="bad-choice",
        )
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
        return Problem(
            f"'{value}' cannot be used as an id",
            where,
            field_path,
            "use lowercase letters, digits, '-' or '_' (for example 'beach-cart')",
            code="bad-id",
        )
    if kind == "value_error":
        msg = str(err.get("ctx", {}).get("error", err["msg"]))
        code = "bad-isbn" if loc and loc[-1] == "isbn" else "bad-value"
        hint = (
            "an ISBN-13 has 13 digits and a check digit; copy it again from your ISBN agency's record"
            if code == "bad-isbn"
            else "fix the value" + _field_help(loc)
        )
        return Problem(msg, where, field_path, hint, code=code)
    if kind in ("too_short", "string_too_short") and isinstance(value, (list, str)) and not value:
        return Problem(
            "this must not be empty", where, field_path, "fill it in" + _field_help(loc), code="empty-value"
        )
    return Problem(err["msg"].rstrip(".").lower(), where, field_path, "fix the value" + _field_help(loc), code=kind)


def _short(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, dict):
        return "a block of fields"
    if isinstance(value, list):
        return "a list"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _field_help(loc: PathKey) -> str:
    info = _field_info_at(loc)
    if info is not None and info.description:
        return f" ({info.description.rstrip('.')})"
    return ""


def _model_at(loc: PathKey) -> type[BaseModel] | None:
    """The model class that holds fields at a location like ('chapters', 0)."""
    model: Any = StorySpec
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return None
        model = _inner_model(model.model_fields[part].annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    """Unwrap Optional[...] / list[...] to the model class inside, if any."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list):
        for arg in typing.get_args(annotation):
            inner = _inner_model(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
        return None
    return annotation


def _fields_at(loc: PathKey) -> list[str]:
    model = _model_at(loc)
    return list(model.model_fields) if model else []


def _field_info_at(loc: PathKey):
    names = [p for p in loc if isinstance(p, str)]
    if not names:
        return None
    parent = _model_at(loc[: max(i for i, p in enumerate(loc) if isinstance(p, str))])
    if parent is None:
        return None
    return parent.model_fields.get(names[-1])


# --- chapter text -------------------------------------------------------------------


def _chapter_texts(story: Story) -> tuple[list[SourceText | None], list[Problem]]:
    problems: list[Problem] = []
    texts: list[SourceText | None] = []
    for i, chapter in enumerate(story.spec.chapters):
        if chapter.text is not None:
            texts.append(_inline_text(story, i, chapter.text))
            continue
        texts.append(None)
        if chapter.text_file is None:
            continue

        def problem(message: str, hint: str, code: str) -> None:
            key = ("chapters", i, "text_file")
            problems.append(Problem(message, story.where(*key), format_path(key), hint, code=code))

        target = resolve_inside(story.root, chapter.text_file)
        if target is None:
            problem(
                f"'{chapter.text_file}' points outside the story folder",
                "keep chapter files inside the story folder, e.g. chapters/01.md",
                "outside-story",
            )
        elif not target.is_file():
            problem(
                f"chapter file '{chapter.text_file}' does not exist",
                f"create the file, or fix the path: it is relative to the folder that holds {story.path.name}",
                "missing-file",
            )
        else:
            try:
                texts[i] = SourceText(target.read_bytes().decode("utf-8-sig"), target, 1, 0)
            except UnicodeDecodeError:
                problem(f"chapter file '{chapter.text_file}' is not UTF-8 text", "save it as UTF-8", "not-utf8")
    return texts, problems


def _inline_text(story: Story, index: int, text: str) -> SourceText:
    line, _ = story.positions.get(("chapters", index, "text"), (1, 1))
    # A block scalar ('text: |') starts on the next line; find its indentation
    # from the file so sentence locations land on the right column.
    try:
        lines = story.path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return SourceText(text, story.path, line, 0)
    first = text.strip().split("\n", 1)[0].strip()[:40]
    for n in range(line - 1, min(len(lines), line + 200)):
        column = lines[n].find(first) if first else -1
        if column >= 0:
            indent = column if n == line - 1 else len(lines[n]) - len(lines[n].lstrip(" "))
            return SourceText(text, story.path, n + 1, indent)
    return SourceText(text, story.path, line, 0)


def resolve_inside(root: Path, relative: str) -> Path | None:
    """The file `relative` to the story folder, or None if it leaves the folder."""
    candidate = (root / relative).resolve()
    try:
        candidate.relative_to(root.resolve())
    except ValueError:
        return None
    return candidate
