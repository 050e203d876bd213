"""Strict keys: a key that names nothing is an error that names the nearest valid key.

Settings (the TOML file, ``DOCSIEVE_`` variables, arguments) and analysis
profiles refuse unknown keys here, before pydantic validates them, so that the
error names where the key came from and what was probably meant, in one line:
``unknown setting chunk.max_token in docsieve.toml; did you mean chunk.max_tokens?``.
The models also say ``extra="forbid"``, so nothing slips past by another road.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, get_args, get_origin

from pydantic import AliasChoices, BaseModel

from docsieve.errors import UnknownKeyError, nearest


def _submodel(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (``ChunkSettings``, ``list[Question]``, ``X | None``), if any."""
    if inspect.isclass(annotation) and get_origin(annotation) is None:
        return annotation if issubclass(annotation, BaseModel) else None
    for arg in get_args(annotation):
        found = _submodel(arg)
        if found is not None:
            return found
    return None


def _names(model: type[BaseModel]) -> dict[str, type[BaseModel] | None]:
    """Every key ``model`` accepts (field names and alias choices), with its submodel."""
    out: dict[str, type[BaseModel] | None] = {}
    for name, info in model.model_fields.items():
        sub = _submodel(info.annotation)
        out[name] = sub
        if isinstance(info.validation_alias, AliasChoices):
            out.update({c: sub for c in info.validation_alias.choices if isinstance(c, str)})
    return out


def _unknown_key(
    data: Mapping[str, Any], model: type[BaseModel]
) -> tuple[list[str | int], str | None, list[str]] | None:
    """The first key of ``data`` (in nested tables and lists of them too) that ``model``
    does not define: its path, the nearest valid name, and the valid names there."""
    names = _names(model)
    for key, value in data.items():
        if key not in names:
            valid = sorted(model.model_fields)
            return [key], nearest(key, valid), valid
        sub = names[key]
        if sub is None:
            continue
        items: list[tuple[int | None, Any]] = [(None, value)] if isinstance(value, Mapping) else []
        if isinstance(value, list):
            items = [(i, v) for i, v in enumerate(value) if isinstance(v, Mapping)]
        for index, item in items:
            found = _unknown_key(item, sub)
            if found is not None:
                path, suggestion, valid = found
                return [key, *([] if index is None else [index]), *path], suggestion, valid
    return None


def _dotted(path: list[str | int]) -> str:
    """``["questions", 2, "hint"]`` -> ``questions[2].hint``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def refuse_unknown(
    data: Mapping[str, Any], model: type[BaseModel], where: str, kind: str = "setting"
) -> None:
    """Raise :class:`UnknownKeyError` for the first key of ``data`` that ``model`` lacks."""
    found = _unknown_key(data, model)
    if found is not None:
        path, suggestion, valid = found
        better = _dotted([*path[:-1], suggestion]) if suggestion else None
        raise UnknownKeyError(_dotted(path), where, better, valid, kind=kind)


def refuse_unknown_variables(
    environ: Mapping[str, str],
    model: type[BaseModel],
    prefix: str,
    ignore: frozenset[str] = frozenset(),
    ignore_prefix: str | None = None,
) -> None:
    """Raise :class:`UnknownKeyError` for a ``prefix`` variable that names no key of
    ``model`` (any case; ``__`` goes down into a group), unless it is ``ignore``d."""
    for var in sorted(environ):
        up = var.upper()
        if not up.startswith(prefix) or up in ignore:
            continue
        if ignore_prefix and up.startswith(ignore_prefix):
            continue
        parts = up[len(prefix) :].lower().split("__")
        current: type[BaseModel] | None = model
        for i, part in enumerate(parts):
            names = _names(current) if current is not None else {}
            if part not in names:
                valid = sorted(current.model_fields) if current is not None else []
                near = nearest(part, valid)
                better = prefix + "__".join([*parts[:i], near]).upper() if near else None
                raise UnknownKeyError(var, "the environment", better, valid)
            current = names[part]
