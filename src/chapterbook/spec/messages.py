"""Pydantic's validation errors as Problems an author can act on: plain words, file:line:col, the fix."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from chapterbook.errors import Problem
from chapterbook.spec.models import StorySpec
from chapterbook.spec.story import PathKey, format_path, locate

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


def problem_from_error(err: Mapping[str, Any], data: Any, path: Path, positions: dict) -> Problem:
    """The Problem for one of Pydantic's errors (an entry of ValidationError.errors()), located in `path`."""
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind = err["type"]
    field_path = format_path(loc)
    where = locate(path, positions, loc)
    value = err.get("input")
    if kind == "extra_forbidden":
        name = _clip(str(loc[-1]))
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
    if kind.startswith("date") and isinstance(value, str):
        # A date-shaped value that is no real day (2026-13-45, 2026-02-30): say so, not "expected a date".
        reason = str(err.get("ctx", {}).get("error", "")).replace("_", " ")
        return Problem(
            f"{_short(value)} is not a real date" + (f" ({reason})" if reason and "invalid character" not in reason else ""),
            where,
            field_path,
            "write the date as YEAR-MONTH-DAY with a real month and day, e.g. 2026-09-01",
            code="bad-date",
        )
    if kind == "string_unicode":
        return Problem(
            "this text holds half of a character pair (an escape such as \\ud800), which no font can print",
            where,
            field_path,
            "remove the \\u escape, or type the character itself",
            code="bad-character",
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
            f"{_short(value)} is not one of the allowed values: {expected}",
            where,
            field_path,
            "use one of the values listed",
            code="bad-choice",
        )
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
        return Problem(
            f"{_short(value)} cannot be used as an id",
            where,
            field_path,
            "use lowercase letters, digits, '-' or '_' (for example 'beach-cart')",
            code="bad-id",
        )
    if kind == "value_error":
        msg = str(err.get("ctx", {}).get("error", err["msg"]))
        if isinstance(value, str) and len(value) > 40 and value in msg:
            msg = msg.replace(value, _clip(value))  # a pasted paragraph is not echoed whole
        code = "bad-isbn" if loc and loc[-1] == "isbn" else "bad-value"
        hint = (
            "an ISBN-13 has 13 digits and a check digit; copy it again from your ISBN agency's record"
            if code == "bad-isbn"
            else "fix the value" + _field_help(loc)
        )
        return Problem(msg, where, field_path, hint, code=code)
    if kind in ("too_short", "string_too_short") and isinstance(value, (list, str)) and not value:
        return Problem("this must not be empty", where, field_path, "fill it in" + _field_help(loc), code="empty-value")
    return Problem(err["msg"].rstrip(".").lower(), where, field_path, "fix the value" + _field_help(loc), code=kind)


def _clip(text: str, limit: int = 40) -> str:
    """`text` cut to `limit` characters with an ellipsis, so a 5 KB value is not echoed whole."""
    return text if len(text) <= limit else text[: limit - 3] + "…"


def _short(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, dict):
        return "a block of fields"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return repr(value) if len(value) <= 38 else repr(value[:35])[:-1] + "…'"
    return _clip(str(value))


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
