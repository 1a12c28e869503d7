"""Every errorCode the product can answer is one Google lists: an unknown code makes Assistant
say a generic "isn't available right now"."""

import ast
from pathlib import Path

import pytest

from functions.devices.error_codes import ERROR_CODES, EXCEPTION_CODES

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def raised_codes() -> set[tuple[str, str]]:
    """(module, code) for every ``SmartHomeError("code", ...)`` with a literal code."""
    found = set()
    for path in FUNCTIONS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "SmartHomeError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add((path.relative_to(FUNCTIONS).as_posix(), node.args[0].value))
    return found


def test_the_scan_finds_the_trait_codes() -> None:
    codes = {code for _, code in raised_codes()}
    assert {"valueOutOfRange", "functionNotSupported", "volumeAlreadyMax"} <= codes
    assert len(codes) >= 40


@pytest.mark.parametrize(("module", "code"), sorted(raised_codes()))
def test_every_raised_code_is_googles(module: str, code: str) -> None:
    assert code in ERROR_CODES, f"{module} raises {code}, which Google does not list"


def test_the_lists_hold_the_codes_the_product_answers_itself() -> None:
    product = {"deviceNotFound", "deviceOffline", "hardError", "protocolError", "transientError"}
    assert product <= ERROR_CODES
    assert {"lowBattery", "deviceJammingDetected", "runCycleFinished"} <= EXCEPTION_CODES
    assert "madeUpCode" not in ERROR_CODES | EXCEPTION_CODES
