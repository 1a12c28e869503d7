"""What a Firestore document can hold: ids, field names, values; pure.

Every store adapter may rely on every id and state value it is given passing these checks
(https://firebase.google.com/docs/firestore/quotas#limits).
"""

import math
import re
from collections.abc import Mapping
from typing import Any

Document = Mapping[str, Any]
MAX_ID_BYTES = 1500
"""Firestore's limit on a document id, in UTF-8 bytes."""
MAX_FIELD_NAME_BYTES = 1500
"""Firestore's limit on a field name, in UTF-8 bytes."""
MAX_WRITES = 500
"""The most documents one atomic commit writes."""
MAX_VALUE_DEPTH = 16
"""Nesting allowed inside one state value; Firestore stops at 20 levels of maps and arrays and a
state value already sits two levels down (``states.<key>``)."""
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
"""Firestore integers are 64-bit."""
_RESERVED = re.compile(r"__.*__", re.DOTALL)


def _utf8_bytes(text: str) -> int | None:
    """The UTF-8 length of ``text``, or None when it holds lone surrogates (not Unicode)."""
    try:
        return len(text.encode())
    except UnicodeEncodeError:
        return None


def valid_id(value: object) -> bool:
    """True when Firestore can hold ``value`` as a document id: a non-empty Unicode string of at
    most 1,500 UTF-8 bytes, without ``/``, other than ``.`` and ``..``, and not ``__reserved__``."""
    if not isinstance(value, str) or not value or "/" in value or value in (".", ".."):
        return False
    size = _utf8_bytes(value)
    return size is not None and size <= MAX_ID_BYTES and not _RESERVED.fullmatch(value)


def unstorable(value: Any) -> str | None:
    """Why Firestore cannot hold ``value`` (a state value), or None when it can: only JSON
    values, finite numbers, 64-bit integers, Unicode strings, limited nesting and field names."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, Mapping | list | tuple):
            problem = _scalar_problem(item)
            if problem:
                return problem
            continue
        if depth >= MAX_VALUE_DEPTH:
            return f"nesting deeper than {MAX_VALUE_DEPTH} levels"
        if isinstance(item, Mapping):
            if not all(valid_field_name(key) for key in item):
                return "a map key Firestore cannot hold"
            item = list(item.values())
        stack.extend((child, depth + 1) for child in item)
    return None


def _scalar_problem(item: Any) -> str | None:
    if item is None or isinstance(item, bool):
        return None
    if isinstance(item, int):
        return None if INT64_MIN <= item <= INT64_MAX else "an integer outside 64 bits"
    if isinstance(item, float):
        return None if math.isfinite(item) else "a non-finite number"
    if isinstance(item, str):
        return None if _utf8_bytes(item) is not None else "a string that is not valid Unicode"
    return f"a {type(item).__name__}, not a JSON value"


def valid_field_name(name: object) -> bool:
    """True when Firestore can hold ``name`` as a field name (a map key)."""
    if not isinstance(name, str) or not name:
        return False
    size = _utf8_bytes(name)
    return size is not None and size <= MAX_FIELD_NAME_BYTES and not _RESERVED.fullmatch(name)
