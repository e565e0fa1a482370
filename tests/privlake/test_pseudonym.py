"""Keyed pseudonyms: stable, normalized, keyed, and the Spark twin equals the Python one."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from anonymizers.pseudonym import normalize, pseudonymize
from privlake.pseudonym import PseudonymKey, pseudonym_column

KEY = b"k" * 32

SAMPLES = [
    ("account_id", "acc-0000000042"),
    ("device_serial", "a1b2c3d4e5f60718"),
    ("mac_address", "AA-BB-CC-DD-EE-0F"),
    ("mac_address", "aabb.ccdd.ee0f"),
    ("ip_address", " 2001:DB8::1 "),
    ("ip_address", "10.105.160.95"),
    ("email", "Anna.K+hub@Mail.Example.de"),
    ("phone", "+49 30 1234567"),
    ("phone", "0049 (30) 123-4567"),
    ("username", "Anna_K"),
    ("ssid", "FRITZ!Box Müller"),
    ("ssid", "Zoë's iPhone 🙂"),
]


def test_pseudonym_is_hmac_sha256_of_kind_and_normalized_value() -> None:
    expected = hmac.new(KEY, b"email:anna@example.de", hashlib.sha256).hexdigest()[:20]
    assert pseudonymize("  Anna@Example.DE ", "email", KEY) == "email_" + expected


@pytest.mark.parametrize(
    ("kind", "a", "b"),
    [
        ("mac_address", "aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF"),
        ("mac_address", "aa:bb:cc:dd:ee:ff", "aabb.ccdd.eeff"),
        ("mac_address", "aa:bb:cc:dd:ee:ff", "AABBCCDDEEFF"),
        ("email", "anna@example.de", "ANNA@example.DE"),
        ("phone", "+49 30 1234567", "0049 30 1234567"),
        ("device_serial", "a1b2c3d4e5f60718", "A1B2C3D4E5F60718"),
        ("ip_address", "2001:DB8::1", "2001:db8::1"),
    ],
)
def test_notations_of_one_identifier_give_one_pseudonym(kind: str, a: str, b: str) -> None:
    assert pseudonymize(a, kind, KEY) == pseudonymize(b, kind, KEY)


def test_kinds_and_keys_separate_pseudonyms() -> None:
    assert pseudonymize("anna", "username", KEY) != pseudonymize("anna", "ssid", KEY)
    assert pseudonymize("anna", "username", KEY) != pseudonymize("anna", "username", b"other-key-0123456")
    assert normalize("AA:BB:CC:DD:EE:FF", "mac_address") == "aabbccddeeff"


def test_spark_expression_equals_python_function(spark: SparkSession) -> None:
    df = spark.createDataFrame([(k, v) for k, v in SAMPLES] + [("email", None)], "kind string, value string")
    for kind in {k for k, _ in SAMPLES}:
        rows = df.where(F.col("kind") == kind).select(
            "value", pseudonym_column(F.col("value"), kind, KEY).alias("p")
        )
        for row in rows.collect():
            expected = None if row.value is None else pseudonymize(row.value, kind, KEY)
            assert row.p == expected, kind


def test_long_keys_are_hashed_first_as_hmac_requires(spark: SparkSession) -> None:
    long_key = bytes(range(100))
    row = (
        spark.createDataFrame([("x",)], "v string")
        .select(pseudonym_column(F.col("v"), "ssid", long_key))
        .first()
    )
    assert row is not None and row[0] == pseudonymize("x", "ssid", long_key)


def test_key_repr_hides_the_secret() -> None:
    assert "s3cret" not in repr(PseudonymKey("k1", b"s3cret-s3cret-s3cret"))
