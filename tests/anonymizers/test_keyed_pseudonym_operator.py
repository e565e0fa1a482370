"""The keyed_pseudonym operator: stable, keyed, equal to anonymizers.pseudonym, and usable
from Presidio's own AnonymizerEngine."""

from __future__ import annotations

import pytest
from presidio_anonymizer.entities import InvalidParamError, RecognizerResult
from presidio_anonymizer.operators import OperatorType

from anonymizers.operators import KeyedPseudonym, build_anonymizer, operator_configs
from anonymizers.pseudonym import pseudonymize

OTHER_KEY = b"another-key-of-sufficient-length!"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("A1B2C3D4E5F60718", "device_serial"),
        ("aa:bb:cc:dd:ee:ff", "mac_address"),
        ("acc_2f9a81", "account_id"),
        ("anna@example.com", "email"),
        ("+49 30 1234567", "phone"),
        ("bob", "username"),
        ("HomeNet", "ssid"),
        ("10.0.0.5", "ip_address"),
    ],
)
def test_operator_equals_pseudonymize(value: str, kind: str, key: bytes) -> None:
    operator = KeyedPseudonym()
    token = operator.operate(value, {"kind": kind, "key": key})
    assert token == pseudonymize(value, kind, key)
    assert token == operator.operate(value, {"kind": kind, "key": key}), "stable across calls"
    assert token != operator.operate(value, {"kind": kind, "key": OTHER_KEY}), "depends on the key"


def test_notations_of_one_mac_share_a_pseudonym(key: bytes) -> None:
    operator = KeyedPseudonym()
    tokens = {
        operator.operate(mac, {"kind": "mac_address", "key": key})
        for mac in ("aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff", "AABBCCDDEEFF")
    }
    assert len(tokens) == 1
    assert tokens.pop().startswith("mac_")


def test_operator_metadata() -> None:
    operator = KeyedPseudonym()
    assert operator.operator_name() == "keyed_pseudonym"
    assert operator.operator_type() == OperatorType.Anonymize


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "shoe_size", "key": b"k" * 32},
        {"kind": "email", "key": b"short"},
        {"kind": "email", "key": "str-key"},
        {},
    ],
)
def test_validate_rejects_bad_params_without_echoing_the_key(params: dict[str, object]) -> None:
    with pytest.raises(InvalidParamError) as raised:
        KeyedPseudonym().validate(params)
    assert "short" not in str(raised.value) and "str-key" not in str(raised.value)


def test_validate_accepts_good_params(key: bytes) -> None:
    KeyedPseudonym().validate({"kind": "device_serial", "key": key})


def test_presidio_anonymizer_engine_uses_the_operator(key: bytes) -> None:
    text = "device A1B2C3D4E5F60718 mailed anna@example.com"
    results = [
        RecognizerResult("DEVICE_SERIAL", 7, 23, 0.9),
        RecognizerResult("EMAIL_ADDRESS", 31, 47, 1.0),
    ]
    anonymized = build_anonymizer().anonymize(
        text=text,
        analyzer_results=results,
        operators=operator_configs({"DEVICE_SERIAL": "device_serial"}, key),
    )
    serial_token = pseudonymize("A1B2C3D4E5F60718", "device_serial", key)
    assert anonymized.text == f"device {serial_token} mailed <EMAIL_ADDRESS>"
