"""Reading story.yaml safely: size and alias guards, every YAML fault as a Problem, and where each value sits.

Only this module reads YAML. It turns every way a file can be wrong (not UTF-8,
tabs, characters YAML refuses, bad syntax, tags, impossible dates, alias bombs)
into a :class:`~chapterbook.errors.Problem` with file:line:col.
"""

from __future__ import annotations

import functools
import hashlib
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chapterbook.errors import Location, Problem, SpecError
from chapterbook.spec.story import PathKey, format_path

if TYPE_CHECKING:
    from ruamel.yaml.error import YAMLError

    from chapterbook.spec.memo import Memo

# A story spec with all its chapter text inline is a few hundred kB; anything
# this large is a mistake (a wrong file, a pasted export) and is refused before
# it is parsed so it cannot eat memory.
MAX_SPEC_BYTES = 2 * 1024 * 1024
# Aliases let a tiny file expand into billions of nodes ("billion laughs").
# Expanding is what costs, so we count nodes as we expand and stop early.
MAX_EXPANDED_NODES = 200_000


@functools.cache
def _constructor() -> type:
    """ruamel's round-trip constructor, but a date-like value stays text.

    ruamel builds a `date` from anything shaped like 2026-13-45 and raises a bare
    ValueError (no line) when it is impossible; as text, the spec model parses
    the dates it wants and says where one is wrong. Made on first use: ruamel is
    only imported when a file is really parsed (not when its parse is in the memo).
    """
    from ruamel.yaml.constructor import RoundTripConstructor

    class _Constructor(RoundTripConstructor):
        pass

    _Constructor.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)
    return _Constructor


def _too_large(path: Path, size: int) -> Problem:
    return Problem(
        f"the file is {size / 1_000_000:.1f} MB; a story spec is normally under 0.5 MB and at most {MAX_SPEC_BYTES // (1024 * 1024)} MB",
        Location(path),
        hint="check this is the right file; keep long chapter text in separate files with 'text_file:'",
        code="too-large",
    )


def read_yaml(path: Path, memo: Memo | None = None, raw: bytes | None = None) -> tuple[Any, dict[PathKey, tuple[int, int]]]:
    """Parse a YAML file safely into plain data plus a (path -> line, col) map.

    With `memo`, a file whose bytes were parsed before (successfully) is not parsed
    again: the result depends on the bytes alone. A file with a fault is always parsed,
    so its message is worked out afresh. `raw`: the file's bytes, already read by
    :func:`read_spec_bytes`.
    """
    raw = read_spec_bytes(path) if raw is None else raw
    key = spec_key(raw)
    if memo is not None and (known := memo.get("yaml", key)) is not None:
        return known[0], dict(known[1])
    data, positions = _parse(raw, path)
    if memo is not None:
        memo.put("yaml", key, (data, positions))
    return data, positions


def spec_key(raw: bytes) -> str:
    """The memo's key for what is worked out from a spec file's bytes alone (its parse, its validated spec)."""
    return hashlib.sha256(raw).hexdigest()


def read_spec_bytes(path: Path) -> bytes:
    """The bytes of the story spec at `path`; a SpecError when it cannot be read or is far too large."""
    try:
        size = path.stat().st_size
        if size > MAX_SPEC_BYTES:
            raise SpecError([_too_large(path, size)])
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(
            [Problem(f"the file cannot be read ({exc.strerror or exc})", Location(path), hint="check the file's permissions", code="unreadable-file")]
        ) from None
    if len(raw) > MAX_SPEC_BYTES:  # grew since stat, or not a plain file
        raise SpecError([_too_large(path, len(raw))])
    return raw


def _parse(raw: bytes, path: Path) -> tuple[Any, dict[PathKey, tuple[int, int]]]:
    """`raw` (a story spec's bytes) as plain data and positions, or a SpecError naming every fault."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import ReusedAnchorWarning, YAMLError

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
    if not source.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in source.splitlines()):
        raise SpecError(
            [Problem("the file is empty", Location(path, 1, 1), hint="start from a commented example: chapterbook new stories/my-book", code="empty")]
        )

    yaml = YAML(typ="rt")
    yaml.Constructor = _constructor()
    yaml.allow_duplicate_keys = False
    root = None
    try:
        with warnings.catch_warnings():
            # An anchor given twice is legal YAML (the later one counts); ruamel only warns, on stderr.
            warnings.simplefilter("ignore", ReusedAnchorWarning)
            # Compose first (aliases stay shared references, so this is cheap even
            # for a bomb) and measure how big the document would be once expanded.
            root = yaml.compose(source)
            if _expanded_size(root, {}) > MAX_EXPANDED_NODES:
                raise SpecError([_alias_bomb(path)])
            doc = yaml.constructor.construct_document(root)  # from the composed nodes: the text is parsed once
    except YAMLError as exc:
        raise SpecError([_yaml_problem(exc, path, source, root)]) from None
    except RecursionError:
        raise SpecError([_too_deep(path)]) from None

    positions: dict[PathKey, tuple[int, int]] = {(): (1, 1)}
    budget = [MAX_EXPANDED_NODES]
    tags: list[Problem] = []
    try:
        data = _plain(doc, (), positions, budget, path, tags)
    except RecursionError:
        raise SpecError([_too_deep(path)]) from None
    if tags:
        raise SpecError(tags)
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


def _too_deep(path: Path) -> Problem:
    return Problem("the file nests too deeply to read", Location(path), hint="simplify the YAML structure", code="too-deep")


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "single piece of text"
    return type(value).__name__


def _line_col(source: str, index: int) -> tuple[int, int]:
    """1-based line and column of character `index` of `source`."""
    line = source.count("\n", 0, index) + 1
    return line, index - (source.rfind("\n", 0, index) + 1) + 1


def _yaml_problem(exc: YAMLError, path: Path, source: str, root: Any) -> Problem:
    from ruamel.yaml.error import MarkedYAMLError
    from ruamel.yaml.reader import ReaderError

    if isinstance(exc, ReaderError):
        # A control character YAML refuses (a NUL byte from a copy-paste, say); ruamel gives only an offset.
        at_line, at_col = _line_col(source, exc.position)
        code_point = exc.character if isinstance(exc.character, int) else 0
        name = "a NUL byte" if code_point == 0 else "an invisible control character"
        return Problem(
            f"the file holds {name} (U+{code_point:04X}) that YAML does not allow",
            Location(path, at_line, at_col),
            hint="delete it (it often comes from copying text out of another program), then save the file again",
            code="control-character",
        )
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
        key = problem.split('"')[1] if '"' in problem else "a field"
        first = _first_key_line(root, getattr(exc, "context_mark", None), key)
        first_at = f" (first given on line {first})" if first is not None else ""
        return Problem(
            f"'{key}' is given twice in the same block{first_at}",
            where,
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


def _first_key_line(root: Any, block: Any, key: str) -> int | None:
    """The line where `key` is first given in the mapping that starts at the mark `block` (ruamel only says where the block starts)."""
    if root is None or block is None:
        return None
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        value = getattr(node, "value", None)
        if not isinstance(value, list):
            continue
        pairs = [item for item in value if isinstance(item, tuple)]
        if pairs and node.start_mark.line == block.line and node.start_mark.column == block.column:
            for k, _ in pairs:
                if str(k.value) == key:
                    return int(k.start_mark.line) + 1
        for item in value:
            stack.extend(item if isinstance(item, tuple) else (item,))
    return None


def _alias_bomb(path: Path) -> Problem:
    return Problem(
        f"the file expands to more than {MAX_EXPANDED_NODES:,} values because YAML aliases ('*name') repeat each other",
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


def _tag_problem(tag: Any, key: PathKey, positions: dict, path: Path) -> Problem:
    line, col = positions.get(key, positions.get((), (1, 1)))
    return Problem(
        f"the YAML tag '{tag}' is not something a story spec understands"
        + (" (a story spec cannot include other files)" if str(tag).lower() in ("!include", "!inc") else ""),
        Location(path, line, col),
        format_path(key),
        "remove the tag and write the value itself; chapter text can live in its own file with 'text_file:'",
        code="yaml-tag",
    )


def _plain(node: Any, key: PathKey, positions: dict, budget: list[int], path: Path, tags: list[Problem]) -> Any:
    """Copy ruamel's round-trip objects into plain dicts/lists, recording positions.

    Aliases are expanded here, each node counting against the budget, so a
    "billion laughs" file stops after a few hundred thousand nodes. A value
    with a tag (`!include x.yaml`) is recorded in `tags`.
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar  # already loaded by the parse: a lookup

    budget[0] -= 1
    if budget[0] < 0:
        raise SpecError([_alias_bomb(path)])
    tag = getattr(node, "tag", None)
    tag_name = getattr(tag, "value", None) if tag is not None and not isinstance(tag, str) else tag
    if isinstance(node, TaggedScalar) or (isinstance(node, (CommentedMap, CommentedSeq)) and tag_name and str(tag_name).startswith("!")):
        tags.append(_tag_problem(tag_name, key, positions, path))
        return None
    if isinstance(node, CommentedMap):
        out: dict[Any, Any] = {}
        for k, v in node.items():
            sub = (*key, k)
            try:
                kl, kc = node.lc.key(k)
                positions[sub] = (kl + 1, kc + 1)
            except (KeyError, TypeError, AttributeError):
                pass
            out[k] = _plain(v, sub, positions, budget, path, tags)
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
            items.append(_plain(v, sub, positions, budget, path, tags))
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
