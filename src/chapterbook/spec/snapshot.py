"""A validated spec kept in the memo, and given back without Pydantic when story.yaml has not changed.

Importing Pydantic and building the spec's models is a third of a warm ebook build
(about 0.4 G instructions of 1.3 G); after an author saves a chapter file, story.yaml is
as it was, and so is what validating it gives. :func:`freeze` turns a validated
:class:`~chapterbook.spec.models.StorySpec` into plain data (marshal's types: the memo
keeps it under the file's SHA-256, and the memo is dropped whole when chapterbook's code
or an installed package changes, Pydantic included). :func:`thaw` gives it back as
:class:`Thawed` objects: the same field values, in the same order, the same enums and
dates, the models' own methods (from :mod:`chapterbook.spec.kinds`) and their
`model_dump` and `model_dump_json`. Only the build command asks for a thawed spec, and
only for builds without the print PDF (see :func:`chapterbook.spec.load.load_story`).

Nothing in the memo is run as code: a model is named by its class name, an enum is
looked up among the spec's own, and anything else unknown is a miss (validated again).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from enum import Enum
from typing import TYPE_CHECKING, Any

from chapterbook.spec.kinds import ArrowRules, DiagramKind, Fit, LayoutRules, MotionPathKind, Paper, PartsShape, Placement, Side, StoryLookups

if TYPE_CHECKING:
    from chapterbook.spec.models import StorySpec

FORMAT = "spec-snapshot-1"  # bumped whenever what freeze writes changes
ENUMS: dict[str, type[Enum]] = {e.__name__: e for e in (Placement, Fit, Side, Paper, DiagramKind, MotionPathKind, PartsShape)}
RULES: dict[str, tuple[type, ...]] = {"StorySpec": (StoryLookups,), "Layout": (LayoutRules,), "DiagramArrow": (ArrowRules,)}


class Unfrozen(Exception):
    """A value freeze does not know how to keep (the spec is then validated every time, as before)."""


class Thawed:
    """A spec model's values as validation left them, without Pydantic (see the module's docstring)."""

    __slots__ = ("__dict__", "_json")
    _json: str  # the whole spec's JSON as Pydantic wrote it (set on the StorySpec only; not one of its fields)
    __hash__ = None  # type: ignore[assignment]  # as a (mutable) Pydantic model: not hashable

    def __eq__(self, other: object) -> bool:
        return type(other).__name__ == type(self).__name__ and getattr(other, "__dict__", None) == self.__dict__

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"

    def __str__(self) -> str:  # as a Pydantic model prints (an author's template may print one)
        return " ".join(f"{k}={v!r}" for k, v in self.__dict__.items())

    def __iter__(self):  # as a Pydantic model iterates: (field, value) pairs
        return iter(self.__dict__.items())

    def model_dump(self, *, mode: str = "python", exclude: set[str] | None = None) -> dict[str, Any]:
        """The values as a dict, nested models as dicts (mode="json": enums as their values, dates as text), as Pydantic's."""
        return {k: _dump(v, mode == "json") for k, v in self.__dict__.items() if not exclude or k not in exclude}

    def model_dump_json(self) -> str:
        """The JSON text: Pydantic's own for the whole spec (kept when frozen); for a part, the same values as compact JSON."""
        kept = getattr(self, "_json", None)
        return kept if kept is not None else json.dumps(self.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))


def _dump(value: Any, as_json: bool) -> Any:
    if isinstance(value, Thawed):
        return value.model_dump(mode="json" if as_json else "python")
    if isinstance(value, list):
        return [_dump(v, as_json) for v in value]
    if as_json and isinstance(value, Enum):
        return value.value
    if as_json and isinstance(value, dt.date):
        return value.isoformat()
    return value


def freeze(spec: StorySpec) -> tuple:
    """`spec` as plain data for the memo (Unfrozen if it holds a value of a kind this module does not keep)."""
    return (FORMAT, _encode(spec), spec.model_dump_json())


def _encode(value: Any) -> Any:
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        # Every field, in the model's order (what model_dump gives), the values as validation left them.
        return ("M", type(value).__name__, [(name, _encode(getattr(value, name))) for name in type(value).model_fields])
    if isinstance(value, Enum):
        if ENUMS.get(type(value).__name__) is not type(value):
            raise Unfrozen(f"enum {type(value).__name__}")
        return ("E", type(value).__name__, value.value)
    if type(value) is dt.date:
        return ("D", value.isoformat())
    if type(value) is list:
        return [_encode(v) for v in value]
    if value is None or type(value) in (str, int, float, bool):
        return value
    raise Unfrozen(type(value).__name__)


def thaw(frozen: Any) -> StorySpec | None:
    """The spec `frozen` holds, as :class:`Thawed` objects; None when it is not what freeze writes."""
    try:
        fmt, body, whole = frozen
        if fmt != FORMAT or not isinstance(whole, str):
            return None
        spec = _decode(body)
    except (TypeError, ValueError, KeyError):
        return None
    if not isinstance(spec, Thawed) or type(spec).__name__ != "StorySpec":
        return None
    spec._json = whole
    return spec  # type: ignore[return-value]  # the same fields and methods, without Pydantic


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, tuple):
        tag = value[0]
        if tag == "M":
            obj = _thawed_class(str(value[1]))()
            obj.__dict__.update((str(name), _decode(v)) for name, v in value[2])
            return obj
        if tag == "E":
            return ENUMS[value[1]](value[2])
        if tag == "D":
            return dt.date.fromisoformat(value[1])
        raise ValueError(f"unknown tag {tag!r}")
    if value is None or type(value) in (str, int, float, bool):
        return value
    raise ValueError(f"unexpected {type(value).__name__}")


@functools.cache
def _thawed_class(name: str) -> type[Thawed]:
    """The class a thawed `name` model gets: its name, and the methods the model has (spec/kinds.py)."""
    if not name.isidentifier():
        raise ValueError(f"not a model name: {name!r}")
    return type(name, (*RULES.get(name, ()), Thawed), {"__module__": __name__})
