"""Typed reads of JSON objects (trait attributes, command params) with one error type per use."""

import math
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from functions.core.errors import InvalidDevice, SmartHomeError

_MISSING = object()
MAX_MAGNITUDE = 2**53 - 1
"""The largest number ``number`` accepts (either sign): the range in which JSON numbers are
interoperable (RFC 8259, section 6) and every integer is exact as a double, so arithmetic on two
accepted numbers stays finite and within Firestore's 64-bit integers."""


class Fields:
    """Reads typed values from a JSON object; a bad value raises the error ``fail`` builds."""

    def __init__(self, data: Mapping[str, Any], fail: Callable[[str], Exception]) -> None:
        self._data = data
        self._fail = fail

    def __contains__(self, key: str) -> bool:
        return key in self._data

    def error(self, message: str) -> NoReturn:
        raise self._fail(message)

    def _get(self, key: str, required: bool, default: Any) -> Any:
        value = self._data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.error(f"{key} is required")
            return default
        return value

    def boolean(self, key: str, *, required: bool = False, default: bool | None = None) -> Any:
        value = self._get(key, required, default)
        if value is not default and not isinstance(value, bool):
            self.error(f"{key} must be a boolean")
        return value

    def number(
        self,
        key: str,
        *,
        required: bool = False,
        default: float | None = None,
        low: float | None = None,
        high: float | None = None,
        integer: bool = False,
    ) -> Any:
        value = self._get(key, required, default)
        if value is default:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(f"{key} must be a number")
        if isinstance(value, float) and not math.isfinite(value):
            self.error(f"{key} must be a finite number")
        if abs(value) > MAX_MAGNITUDE:
            self.error(f"{key} is beyond the magnitude {MAX_MAGNITUDE}")
        if integer and not float(value).is_integer():
            self.error(f"{key} must be an integer")
        if (low is not None and value < low) or (high is not None and value > high):
            self.error(f"{key}={value} is outside [{low}, {high}]")
        return int(value) if integer else value

    def integer(self, key: str, **kwargs: Any) -> Any:
        return self.number(key, integer=True, **kwargs)

    def string(
        self, key: str, *, required: bool = False, default: str | None = None, choices: Any = None
    ) -> Any:
        value = self._get(key, required, default)
        if value is default:
            return value
        if not isinstance(value, str) or not value:
            self.error(f"{key} must be a non-empty string")
        if choices is not None and value not in choices:
            self.error(f"{key}={value!r} is not one of {sorted(choices)}")
        return value

    def array(self, key: str, *, required: bool = False, min_items: int = 0) -> list[Any] | None:
        value = self._get(key, required, None)
        if value is None:
            return None
        if not isinstance(value, list) or len(value) < min_items:
            self.error(f"{key} must be a list of at least {min_items} item(s)")
        return value

    def strings(self, key: str, *, required: bool = False, min_items: int = 0) -> list[str] | None:
        value = self.array(key, required=required, min_items=min_items)
        if value is not None and not all(isinstance(v, str) and v for v in value):
            self.error(f"{key} must be a list of non-empty strings")
        return value

    def obj(self, key: str, *, required: bool = False) -> "Fields | None":
        value = self._get(key, required, None)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.error(f"{key} must be an object")
        return Fields(value, lambda message: self._fail(f"{key}.{message}"))

    def raw(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)


def attributes(data: Mapping[str, Any]) -> Fields:
    """Fields of a device's SYNC attributes; a bad value makes the device invalid."""
    return Fields(data, lambda message: InvalidDevice(f"attributes.{message}"))


def params(data: Mapping[str, Any], code: str = "valueOutOfRange") -> Fields:
    """Fields of an EXECUTE command's params; a bad value answers Google's ``code``."""
    return Fields(data, lambda message: SmartHomeError(code, message))
