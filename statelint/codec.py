"""A data-only, typed encoding of statelint's facts and results for the cache.

Bytes read back from the cache folder are never trusted: they are parsed as
JSON (which can only make strings, numbers, booleans, None, lists and dicts)
and then checked against the type annotations of the expected dataclass, field
by field, before any object is built.  Anything unexpected -- a wrong type, a
wrong number of fields, an unknown tag, nesting deeper than ``MAX_DEPTH`` --
raises ``CodecError``.

The encoding is compact: a dataclass is the JSON list of its field values in
declaration order, with trailing fields that equal their defaults left out; a
``tuple[...]`` or ``list[...]`` field is a JSON list.  The one field typed
``Any``, ``Value.literal``, holds a constant from the source (see
``statelint.facts``); it is encoded so that decoding gives back an equal value
of the same type: JSON scalars and lists stand for themselves, and the other
containers are one-key objects, ``{"t": [...]}`` for a tuple, ``{"d": [[k, v],
...]}`` for a dict (keys of any literal type, order kept), ``{"s": [...]}`` a
set, ``{"f": [...]}`` a frozenset, ``{"b": "<base64>"}`` bytes, ``{"c": [re,
im]}`` a complex number and ``{"e": 0}`` the Ellipsis.

Decoders are built once per type, from ``typing.get_type_hints``, on first
use; decoding an object costs a type check per field and the constructor call.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import types
import typing
from collections.abc import Callable
from operator import attrgetter, itemgetter
from typing import Any

#: How deeply dataclasses and literal containers may nest in one decoded value.
#: Facts nest a few levels (a module, a function, a call, its value summary,
#: ``statelint.facts.MAX_VALUE_DEPTH`` levels of arguments, a literal's items).
MAX_DEPTH = 64

_NONE = type(None)
_SCALARS = frozenset({str, int, float, bool, _NONE})

Decoder = Callable[[Any, int], Any]


class CodecError(ValueError):
    """The data is not a valid encoding of the expected type."""


def _fail(message: str) -> typing.NoReturn:
    raise CodecError(message)


# ---------------------------------------------------------------------------
# Literals: the constants ``Value.literal`` holds
# ---------------------------------------------------------------------------


def literal_to_data(value: Any) -> Any:
    """``value`` as JSON data that ``literal_from_data`` turns back into it."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list:
        if all(type(item) in _SCALARS for item in value):
            return value
        return [literal_to_data(item) for item in value]
    if kind is tuple:
        return {"t": [literal_to_data(item) for item in value]}
    if kind is dict:
        return {"d": [[literal_to_data(key), literal_to_data(item)] for key, item in value.items()]}
    if kind is set:
        return {"s": [literal_to_data(item) for item in value]}
    if kind is frozenset:
        return {"f": [literal_to_data(item) for item in value]}
    if kind is bytes:
        return {"b": base64.b64encode(value).decode("ascii")}
    if kind is complex:
        return {"c": [value.real, value.imag]}
    if value is Ellipsis:
        return {"e": 0}
    raise TypeError(f"cannot encode a literal of type {kind.__name__}")


def _literal_items(data: Any, depth: int) -> list[Any]:
    if type(data) is not list:
        _fail("a literal container's items must be a list")
    return [literal_from_data(item, depth) for item in data]


def literal_from_data(data: Any, depth: int = 0) -> Any:
    """The literal ``data`` encodes (see ``literal_to_data``)."""
    kind = type(data)
    if kind in _SCALARS:
        return data
    if depth >= MAX_DEPTH:
        _fail("literal nested too deeply")
    depth += 1
    if kind is list:
        if all(type(item) in _SCALARS for item in data):
            return data
        return [literal_from_data(item, depth) for item in data]
    if kind is not dict or len(data) != 1:
        _fail("not a literal")
    ((tag, body),) = data.items()
    try:
        if tag == "t":
            return tuple(_literal_items(body, depth))
        if tag == "d":
            if type(body) is not list:
                _fail("a dict literal must be a list of pairs")
            result = {}
            for pair in body:
                if type(pair) is not list or len(pair) != 2:
                    _fail("a dict literal must be a list of pairs")
                result[literal_from_data(pair[0], depth)] = literal_from_data(pair[1], depth)
            return result
        if tag == "s":
            return set(_literal_items(body, depth))
        if tag == "f":
            return frozenset(_literal_items(body, depth))
        if tag == "b":
            if type(body) is not str:
                _fail("bytes must be base64 text")
            return base64.b64decode(body.encode("ascii"), validate=True)
        if tag == "c":
            if (type(body) is not list or len(body) != 2
                    or any(type(part) is not float for part in body)):
                _fail("a complex literal must be two floats")
            return complex(body[0], body[1])
        if tag == "e" and body == 0 and type(body) is int:
            return Ellipsis
    except (TypeError, binascii.Error, UnicodeError) as error:  # unhashable key, bad base64
        raise CodecError(f"bad literal: {error}") from error
    _fail(f"unknown literal tag {tag!r}")


# ---------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------

_ENCODERS: dict[type, Callable[[Any], list[Any]]] = {}
_MISSING = object()
_HINTS: dict[type, dict[str, Any]] = {}


def _type_hints(cls: type) -> dict[str, Any]:
    """``typing.get_type_hints(cls)``, worked out once per class.

    (It evaluates the annotations of statelint's own source, never anything read
    from the cache; the model's are worked out when this module is imported.)
    """
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _same(value: Any, default: Any) -> bool:
    return value is default or (type(value) is type(default) and value == default)


def _dataclass_encoder(cls: type) -> Callable[[Any], list[Any]]:
    hints = _type_hints(cls)
    names = [item.name for item in dataclasses.fields(cls)]
    defaults = []
    for item in dataclasses.fields(cls):
        if item.default is not dataclasses.MISSING:
            defaults.append(item.default)
        elif item.default_factory is not dataclasses.MISSING:
            defaults.append(item.default_factory())
        else:
            defaults.append(_MISSING)
    required = sum(1 for default in defaults if default is _MISSING)
    literal = [index for index, name in enumerate(names) if hints[name] is Any]
    getter = attrgetter(*names) if len(names) > 1 else (lambda obj: (getattr(obj, names[0]),))

    def encode(obj: Any) -> list[Any]:
        values = list(getter(obj))
        for index in literal:
            values[index] = literal_to_data(values[index])
        count = len(values)
        while count > required and _same(values[count - 1], defaults[count - 1]):
            count -= 1
        if count < len(values):
            del values[count:]
        return values

    return encode


def _default(obj: Any) -> Any:
    encode = _ENCODERS.get(type(obj))
    if encode is None:
        if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
            raise TypeError(f"cannot encode {type(obj).__name__}")
        encode = _ENCODERS[type(obj)] = _dataclass_encoder(type(obj))
    return encode(obj)


def to_json(value: Any) -> str:
    """``value`` (dataclasses, tuples, lists, strings, numbers) as compact JSON text."""
    return json.dumps(value, default=_default, separators=(",", ":"), check_circular=False)


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------

_DECODERS: dict[Any, Decoder] = {}


def decoder(spec: Any) -> Decoder:
    """The decoder of ``spec`` (a dataclass or a type annotation), built once."""
    found = _DECODERS.get(spec)
    if found is None:
        found = _build(spec)
        _DECODERS[spec] = found
    return found


def _scalar(kind: type) -> Decoder:
    def decode(data: Any, depth: int) -> Any:
        if type(data) is not kind:
            _fail(f"expected {kind.__name__}, got {type(data).__name__}")
        return data

    return decode


def _build(spec: Any) -> Decoder:
    if spec is Any:
        return literal_from_data
    if spec in (str, int, float, bool, _NONE, None):
        return _scalar(_NONE if spec is None else spec)
    if dataclasses.is_dataclass(spec) and isinstance(spec, type):
        return _dataclass_decoder(spec)
    origin = typing.get_origin(spec)
    args = typing.get_args(spec)
    if origin is typing.Literal:
        allowed = frozenset(args)
        kinds = frozenset(type(arg) for arg in args)

        def decode_choice(data: Any, depth: int) -> Any:
            if type(data) not in kinds or data not in allowed:
                _fail(f"{data!r} is not one of {sorted(map(repr, allowed))}")
            return data

        return decode_choice
    if origin in (typing.Union, types.UnionType):
        rest = [arg for arg in args if arg is not _NONE]
        if len(rest) != 1 or len(args) != 2:
            raise TypeError(f"unsupported union {spec!r}")
        inner = decoder(rest[0])

        def decode_optional(data: Any, depth: int) -> Any:
            return None if data is None else inner(data, depth)

        return decode_optional
    if origin in (tuple, list):
        build = tuple if origin is tuple else list
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis or origin is list:
            item = args[0]
            if item in (str, int, float, bool):
                wanted = {item}

                def decode_plain(data: Any, depth: int) -> Any:
                    if type(data) is not list or (data and set(map(type, data)) != wanted):
                        _fail(f"expected a list of {item.__name__}")
                    return build(data)

                return decode_plain
            inner = decoder(item)

            def decode_items(data: Any, depth: int) -> Any:
                if type(data) is not list:
                    _fail("expected a list")
                return build([inner(element, depth) for element in data])

            return decode_items
        if origin is tuple and args:
            parts = [decoder(arg) for arg in args]
            size = len(parts)

            def decode_fixed(data: Any, depth: int) -> Any:
                if type(data) is not list or len(data) != size:
                    _fail(f"expected a list of {size} items")
                return tuple([part(element, depth) for part, element in zip(parts, data, strict=True)])

            return decode_fixed
    raise TypeError(f"no decoder for {spec!r}")


def _dataclass_decoder(cls: type) -> Decoder:
    # One plan per list length a valid encoding can have (trailing defaults are left
    # out): a getter of the fields of plain types with the exact types they must
    # have, compared in one go, and the decoders of the other fields by index.
    plans: list[tuple[Callable[[list[Any]], tuple[Any, ...]], tuple[type, ...],
                      tuple[tuple[int, Decoder], ...]] | None] = []
    name = cls.__name__

    def decode(data: Any, depth: int) -> Any:
        if type(data) is not list:
            _fail(f"expected a {name} (a list), got {type(data).__name__}")
        count = len(data)
        plan = plans[count] if count < len(plans) else None
        if plan is None:
            _fail(f"a {name} cannot have {count} fields")
        if depth >= MAX_DEPTH:
            _fail("nested too deeply")
        getter, kinds, nested = plan
        if kinds and tuple(map(type, getter(data))) != kinds:
            _fail(f"a {name} with fields of the wrong types: "
                  f"{[type(value).__name__ for value in data]}")
        depth += 1
        for index, inner in nested:
            data[index] = inner(data[index], depth)
        return cls(*data)

    _DECODERS[cls] = decode  # before the fields: ``Value`` holds ``Value``s
    hints = _type_hints(cls)
    members = dataclasses.fields(cls)
    specs = [hints[item.name] for item in members]
    decoders = [None if spec in (str, int, float, bool) else decoder(spec) for spec in specs]
    required = sum(1 for item in members if item.default is dataclasses.MISSING
                   and item.default_factory is dataclasses.MISSING)
    for count in range(len(members) + 1):
        if count < required:
            plans.append(None)
            continue
        plain = [index for index in range(count) if decoders[index] is None]
        if len(plain) > 1:
            getter = itemgetter(*plain)
        elif plain:
            getter = (lambda only: lambda data: (data[only],))(plain[0])
        else:
            getter = tuple
        plans.append((getter, tuple(specs[index] for index in plain),
                      tuple((index, decoders[index]) for index in range(count)
                            if decoders[index] is not None)))
    return decode


def from_data(spec: Any, data: Any) -> Any:
    """Decode parsed JSON ``data`` as ``spec``; raises ``CodecError`` on anything unexpected."""
    try:
        return decoder(spec)(data, 0)
    except CodecError:
        raise
    except (TypeError, ValueError, RecursionError, MemoryError, IndexError) as error:
        raise CodecError(f"{type(error).__name__}: {error}") from error


def from_json(spec: Any, text: str | bytes) -> Any:
    """Parse and decode JSON ``text`` as ``spec``; raises ``CodecError`` on anything unexpected."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError, MemoryError) as error:
        raise CodecError(f"not JSON: {error}") from error
    return from_data(spec, data)


def _prepare() -> None:
    """Build the decoders of the model's results and facts (and so their type hints)."""
    from statelint import model

    for cls in (model.ModuleFacts, model.Handler, model.Finding, model.Verdict):
        decoder(cls)


_prepare()
