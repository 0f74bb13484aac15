"""Structured output: making a Pydantic model's JSON schema one that strict servers accept."""

from __future__ import annotations

from typing import Any


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of a Pydantic JSON schema made acceptable to OpenAI's strict structured outputs."""
    return _strict_node(schema)


def _strict_node(node: Any) -> Any:
    # Walk schema nodes only: the keys of "properties" and "$defs" are field and type
    # names (a field may well be called "title"), so they are kept as they are.
    if isinstance(node, list):
        return [_strict_node(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("title", "default"):
            continue  # strict mode refuses defaults; titles only add tokens
        if key in ("properties", "$defs"):
            out[key] = {name: _strict_node(sub) for name, sub in value.items()}
        else:
            out[key] = _strict_node(value)
    if out.get("type") == "object" and "properties" in out:
        out["additionalProperties"] = False
        out["required"] = list(out["properties"])
    return out
