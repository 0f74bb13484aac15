"""What every spec model shares: the strict base (unknown fields are mistakes), the id type, the empty-list default."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Id = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        max_length=64,
        description="A short name used to refer to this item elsewhere: lowercase letters, digits, '-' or '_'.",
    ),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_default=True)


def empty_list() -> list:
    """A new empty list: the `default_factory` of the spec's list fields, in place of `list` itself.

    Pydantic asks every default factory for its signature (may it take the validated data?),
    and a builtin's signature is parsed from its text with tokenize, each time: for the spec's
    16 list fields that was 10-25 ms of every command's start. A Python function's is read directly.
    """
    return []
