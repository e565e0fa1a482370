"""Column policies compile to native expressions that generalize and pseudonymize as configured."""

from __future__ import annotations

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from anonymizers.pseudonym import pseudonymize
from privlake.config import CoordinateGrid, IpPrefix, NumericBand, TruncateTime, load_config
from privlake.policy import deidentify_columns, generalization_failures, generalized
from privlake.pseudonym import PseudonymKey
from tests.conftest import CONFIG, bronze_frame

KEY = PseudonymKey("k1", b"k" * 32)


def one(spark: SparkSession, value: object, ddl: str, expr_of):  # type: ignore[no-untyped-def]
    row = spark.createDataFrame([(value,)], f"v {ddl}").select(expr_of(F.col("v")).alias("out")).first()
    assert row is not None
    return row.out


def test_ip_prefixes(spark: SparkSession) -> None:
    rule = IpPrefix(method="ip_prefix")
    cases = {
        "10.105.160.95": "10.105.160.0/24",
        " 192.168.1.23 ": "192.168.1.0/24",
        "2001:db8:85a3::8a2e:370:7334": "2001:db8:85a3::/48",
        "2001:0DB8:0000:0000:0000:0000:0000:0001": "2001:db8:0::/48",
        "::1": "0:0:0::/48",
        "not an ip": None,
        "999.1.1.1": None,
        "4.1.7_0012": None,
    }
    for value, expected in cases.items():
        assert one(spark, value, "string", lambda c: generalized(rule, c)) == expected, value
    rule16 = IpPrefix(method="ip_prefix", ipv4_prefix=16, ipv6_prefix=32)
    assert one(spark, "10.105.160.95", "string", lambda c: generalized(rule16, c)) == "10.105.0.0/16"
    assert one(spark, "2001:db8:85a3::1", "string", lambda c: generalized(rule16, c)) == "2001:db8::/32"


def test_coordinates_bands_and_time(spark: SparkSession) -> None:
    grid = CoordinateGrid(method="grid", cell_degrees=0.01)
    assert one(spark, 52.520008, "double", lambda c: generalized(grid, c)) == 52.52
    assert one(spark, -13.40495, "double", lambda c: generalized(grid, c)) == -13.41
    band = NumericBand(method="band", width=5)
    assert one(spark, 1987, "int", lambda c: generalized(band, c)) == 1985
    hour = TruncateTime(method="truncate_time", unit="hour")
    out = one(spark, "2026-11-28T13:04:05.123+01:00", "string", lambda c: generalized(hour, c))
    assert out.isoformat() == "2026-11-28T12:00:00"  # UTC
    assert one(spark, "yesterday", "string", lambda c: generalized(hour, c)) is None


def test_device_logs_policy_on_a_row(spark: SparkSession) -> None:
    logs = load_config(CONFIG).dataset("device_logs")
    row: dict[str, object] = dict(
        event_id="e1",
        event_time="2026-11-28T13:04:05+01:00",
        account_id="acc-0000000001",
        device_serial="A1B2C3D4E5F60718",
        firmware="4.1.7_0012",
        ip_address="10.105.160.95",
        mac_address="AA-BB-CC-DD-EE-FF",
        wifi_networks=["FRITZ!Box Müller", "Anna's iPhone"],
        latitude=52.520008,
        longitude=13.404954,
        altitude=37.5,
        message="heartbeat ok",
    )
    bronze = bronze_frame(spark, "device_logs", [row])
    out = deidentify_columns(bronze, logs, KEY).first()
    assert out is not None
    assert out.account_id == pseudonymize("acc-0000000001", "account_id", KEY.secret)
    assert out.device_serial.startswith("dev_")
    assert out.mac_address == pseudonymize("aa:bb:cc:dd:ee:ff", "mac_address", KEY.secret)
    assert out.wifi_networks == [
        pseudonymize(s, "ssid", KEY.secret) for s in ("FRITZ!Box Müller", "Anna's iPhone")
    ]
    assert out.ip_address == "10.105.160.0/24"
    assert (out.latitude, out.longitude, out.altitude) == (52.52, 13.4, 0)
    assert out.event_time.isoformat() == "2026-11-28T12:00:00"
    assert out.firmware == "4.1.7_0012" and out.event_id == "e1"
    failures = bronze.select(generalization_failures(logs)).first()
    assert failures is not None and failures[0] is None


def test_dropped_columns_disappear_and_plan_has_no_python_udf(spark: SparkSession) -> None:
    accounts = load_config(CONFIG).dataset("accounts")
    df = bronze_frame(spark, "accounts", [])
    out = deidentify_columns(df, accounts, KEY)
    assert "display_name" not in out.columns
    plan = out._jdf.queryExecution().executedPlan().toString()
    assert "PythonUDF" not in plan and "BatchEvalPython" not in plan and "ArrowEvalPython" not in plan


def test_unparseable_quasi_identifiers_are_flagged(spark: SparkSession) -> None:
    usage = load_config(CONFIG).dataset("usage_history")
    df = bronze_frame(
        spark,
        "usage_history",
        [dict(event_id="e", event_time="28/11/2026 13:00", account_id="a", client_ip="router")],
    )
    failed = df.select(generalization_failures(usage)).first()
    assert failed is not None and failed[0] == "event_time,client_ip"
