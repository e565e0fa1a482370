"""Ingest: every landing line ends up in bronze or quarantine, with its reason; re-runs are idempotent."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.testing import assertDataFrameEqual

from privlake.config import load_config
from privlake.ingestion import LandingDataError, ingest
from privlake.keys import pseudonym_key
from privlake.privacy.denylist import DENY_LIST_TABLE, add_subjects
from privlake.pseudonym import pseudonymize
from tests.conftest import write_config

DAY = dt.date(2026, 11, 28)


def account(i: int, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "account_id": f"acc-{i:010d}",
        "email": f"user{i}@mail.example.de",
        "phone": "+49 30 1234567",
        "username": f"user_{i}",
        "display_name": "Zoë Müller",
        "country_code": "DE",
        "created_at": "2024-01-01T10:00:00+01:00",
        "is_installer": False,
        "marketing_opt_in": True,
        "birth_year": 1980 + i,
    }
    row.update(fields)
    return row


def line(row: dict[str, object]) -> bytes:
    return json.dumps(row, ensure_ascii=False).encode()


# Each bad line with the reason ingest must give it.
BAD_LINES: list[tuple[bytes, str]] = [
    (b'{"account_id": "acc-x", ', "invalid_json"),
    (b"[1, 2, 3]", "invalid_json"),
    (b'"acc-99"', "invalid_json"),  # valid JSON, but not an object
    (b"null", "invalid_json"),
    (b"{}", "missing_required_field"),  # an object, with none of the fields
    (line({k: v for k, v in account(90).items() if k != "account_id"}), "missing_required_field"),
    (line(account(91, account_id=None)), "missing_required_field"),
    (line(account(92, birth_year="nineteen eighty")), "wrong_type"),
    (line(account(93, is_installer="yes")), "wrong_type"),
    (line(account(94, birth_year=2**40)), "wrong_type"),
    (line(account(95, shoe_size=44)), "unknown_field"),
    (b'{"account_id": "acc-96", "display_name": "Ren\xe9e"}', "invalid_utf8"),
    (b'{"account_id": "acc-97", "display_name": "a\x00b"}', "nul_byte"),
    (line(account(98, display_name="x" * 70_000)), "oversize_line"),
]


def write_landing(root: Path, dataset: str, name: str, lines: list[bytes], gz: bool = False) -> Path:
    folder = root / "landing" / dataset / f"dt={DAY}"
    folder.mkdir(parents=True, exist_ok=True)
    data = b"\n".join(lines) + b"\n"
    path = folder / (name + (".jsonl.gz" if gz else ".jsonl"))
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def quarantined(spark: SparkSession, lake: Path, dataset: str) -> list[tuple[str, int, str]]:
    df = spark.read.format("delta").load(str(lake / "warehouse" / "quarantine" / dataset))
    return sorted((Path(r.source_file).name, r.line_number, r.reason) for r in df.collect())


def test_every_kind_of_bad_line_is_quarantined_with_its_reason(spark: SparkSession, lake: Path) -> None:
    good = [line(account(i)) for i in range(20)]
    lines = good[:10] + [bad for bad, _ in BAD_LINES] + good[10:] + [good[3]]  # last: a repeated key
    write_landing(lake, "accounts", "snapshot", lines)
    record = ingest(spark, load_config(), "accounts", DAY)

    expected = [("snapshot.jsonl", 11 + i, reason) for i, (_, reason) in enumerate(BAD_LINES)]
    expected.append(("snapshot.jsonl", len(lines), "duplicate_key"))
    assert quarantined(spark, lake, "accounts") == sorted(expected)
    assert record.rows_in == len(lines)
    assert record.rows_out == 20
    assert record.rows_quarantined == len(BAD_LINES) + 1
    assert record.rows_in == record.rows_out + record.rows_quarantined
    bronze = spark.read.format("delta").load(str(lake / "warehouse" / "bronze" / "accounts"))
    assert sorted(r.account_id for r in bronze.collect()) == [f"acc-{i:010d}" for i in range(20)]


def test_quarantine_keeps_the_raw_line_and_names_fields_not_values(spark: SparkSession, lake: Path) -> None:
    write_landing(
        lake, "accounts", "a", [line(account(1, birth_year="1980")), line(account(2, shoe_size=44))]
    )
    ingest(spark, load_config(), "accounts", DAY)
    rows = spark.read.format("delta").load(str(lake / "warehouse" / "quarantine" / "accounts")).collect()
    by_reason = {r.reason: r for r in rows}
    assert by_reason["wrong_type"].detail == "fields: birth_year"
    assert by_reason["unknown_field"].detail == "fields: shoe_size"
    assert json.loads(bytes(by_reason["wrong_type"].raw_line))["birth_year"] == "1980"
    assert all("user" not in (r.detail or "") for r in rows)


def test_plain_and_gzip_files_with_line_numbers(spark: SparkSession, lake: Path) -> None:
    write_landing(lake, "accounts", "one", [line(account(i)) for i in range(5)])
    write_landing(lake, "accounts", "two", [line(account(i)) for i in range(5, 9)] + [b"{oops"], gz=True)
    record = ingest(spark, load_config(), "accounts", DAY)
    assert (record.rows_out, record.rows_quarantined) == (9, 1)
    assert quarantined(spark, lake, "accounts") == [("two.jsonl.gz", 5, "invalid_json")]
    bronze = spark.read.format("delta").load(str(lake / "warehouse" / "bronze" / "accounts"))
    lineage = sorted((Path(r._source_file).name, r._line_number) for r in bronze.collect())
    assert lineage == [("one.jsonl", n) for n in range(1, 6)] + [("two.jsonl.gz", n) for n in range(1, 5)]


def test_line_numbers_stay_right_when_a_file_is_split(spark: SparkSession, lake: Path) -> None:
    lines = [line(account(i, display_name="n" * 200)) for i in range(3000)]
    lines[2500] = b"{broken"
    write_landing(lake, "accounts", "big", lines)
    spark.conf.set("spark.sql.files.maxPartitionBytes", "65536")  # ~12 splits
    try:
        ingest(spark, load_config(), "accounts", DAY)
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    assert quarantined(spark, lake, "accounts") == [("big.jsonl", 2501, "invalid_json")]
    bronze = spark.read.format("delta").load(str(lake / "warehouse" / "bronze" / "accounts"))
    numbers = sorted(r._line_number for r in bronze.select("_line_number").collect())
    assert numbers == [n for n in range(1, 3001) if n != 2501]


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_a_line_ends_at_lf_only_and_a_crlf_cr_is_not_part_of_it(
    spark: SparkSession, lake: Path, gz: bool
) -> None:
    # A bare CR between JSON tokens is whitespace: the line is valid and stays one line. A raw
    # CR inside a string is a control character strict JSON refuses (so does Spark's
    # parse_json): one invalid_json line. An escaped "\r" is a CR in the value, kept as such.
    a1, a2, a3 = (line(account(i)) for i in (1, 2, 3))
    lines = [
        a1 + b"\r",  # CRLF
        a2.replace(b'", "email"', b'",\r"email"', 1),  # bare CR between tokens
        a3.replace("Zoë Müller".encode(), "Zoë\rMüller".encode(), 1),  # raw CR in a string
        line(account(4, display_name="Zoë\r\nMüller")),  # escaped: valid
        b"{oops\r",  # CRLF: the quarantined raw line has no CR
        line(account(5)) + b"\r",
    ]
    folder = lake / "landing" / "accounts" / f"dt={DAY}"
    folder.mkdir(parents=True)
    data = b"\n".join([*lines, line(account(6))])  # the last line has no LF
    (folder / ("a.jsonl" + (".gz" if gz else ""))).write_bytes(gzip.compress(data) if gz else data)
    record = ingest(spark, load_config(), "accounts", DAY)

    assert (record.rows_in, record.rows_out, record.rows_quarantined) == (7, 5, 2)
    name = "a.jsonl.gz" if gz else "a.jsonl"
    assert bronze_lineage(spark, lake, "accounts") == [
        (name, n, f"acc-{i:010d}") for n, i in ((1, 1), (2, 2), (4, 4), (6, 5), (7, 6))
    ]
    bronze = spark.read.format("delta").load(str(lake / "warehouse" / "bronze" / "accounts"))
    names = {r.account_id: r.display_name for r in bronze.collect()}
    assert names[f"acc-{4:010d}"] == "Zoë\r\nMüller"
    assert set(names.values()) == {"Zoë Müller", "Zoë\r\nMüller"}
    quarantine = spark.read.format("delta").load(str(lake / "warehouse" / "quarantine" / "accounts"))
    raw = sorted((r.line_number, r.reason, bytes(r.raw_line)) for r in quarantine.collect())
    assert raw == [(3, "invalid_json", lines[2]), (5, "invalid_json", b"{oops")]


def landing_with_crs_at_split_boundaries(count: int, split: int) -> tuple[bytes, dict[int, str]]:
    """``count`` lines of accounts; near every ``split`` boundary one line has a CR placed on
    or next to it, in turn: a bare CR (between tokens) just before the boundary and on it, a
    CRLF whose CR or LF is on it, a raw CR inside a string on it. Returns the file and the
    lines (1-based) that must be quarantined as invalid_json."""
    out, bad, boundary, case = bytearray(), {}, split, 0
    for i in range(count):
        normal = line(account(i, display_name="n" * 200)) + b"\n"
        if len(out) + 2 * len(normal) <= boundary:
            out += normal
            continue
        rest = line({k: v for k, v in account(i).items() if k != "display_name"})[1:]  # no "{"
        head = b'{"display_name": "'
        cr = boundary - 1 + (case % 5 in (1, 3, 4))  # where the CR goes
        if case % 5 in (0, 1):  # bare CR between tokens
            special = head + b"n" * (cr - len(out) - len(head) - 2) + b'",\r' + rest + b"\n"
        elif case % 5 in (2, 3):  # CRLF: the CR at boundary - 1 (LF on it), or on it
            body = line(account(i, display_name=""))
            pad = b"n" * (cr - len(out) - len(body))
            special = body.replace(b'"display_name": ""', b'"display_name": "' + pad + b'"') + b"\r\n"
        else:  # a raw CR inside a string, on the boundary
            special = head + b"n" * (cr - len(out) - len(head)) + b'\rn",' + rest + b"\n"
            bad[i + 1] = f"acc-{i:010d}"
        assert special.index(b"\r") == cr - len(out), case
        out += special
        boundary, case = boundary + split, case + 1
    return bytes(out), bad


def test_line_numbers_stay_true_when_a_split_boundary_falls_near_a_cr(
    spark: SparkSession, lake: Path
) -> None:
    data, bad = landing_with_crs_at_split_boundaries(2000, 65536)
    folder = lake / "landing" / "accounts" / f"dt={DAY}"
    folder.mkdir(parents=True)
    (folder / "big.jsonl").write_bytes(data)
    with small_splits(spark):
        assert splits(spark, folder) >= 10
        record = ingest(spark, load_config(), "accounts", DAY)
    assert len(bad) >= 2 and record.rows_in == 2000
    assert quarantined(spark, lake, "accounts") == [("big.jsonl", n, "invalid_json") for n in sorted(bad)]
    expected = [("big.jsonl", i + 1, f"acc-{i:010d}") for i in range(2000) if i + 1 not in bad]
    assert bronze_lineage(spark, lake, "accounts") == expected


@contextmanager
def small_splits(spark: SparkSession, max_bytes: int = 65536) -> Iterator[None]:
    """Spark splits plain files into ``max_bytes`` blocks, one task each."""
    key = "spark.sql.files.maxPartitionBytes"
    before = spark.conf.get(key, None)
    spark.conf.set(key, str(max_bytes))
    try:
        yield
    finally:
        if before is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, before)


def splits(spark: SparkSession, path: Path) -> int:
    return spark.read.text(str(path)).rdd.getNumPartitions()


def bronze_lineage(spark: SparkSession, lake: Path, dataset: str) -> list[tuple[str, int, str]]:
    df = spark.read.format("delta").load(str(lake / "warehouse" / "bronze" / dataset))
    return sorted((Path(r._source_file).name, r._line_number, r.account_id) for r in df.collect())


def test_line_numbers_are_true_in_late_blocks_of_several_split_files(spark: SparkSession, lake: Path) -> None:
    # "b" is the larger file, so Spark reads its blocks first: read order is not file order.
    a = [line(account(i, display_name="a" * 200)) for i in range(1500)]
    b = [line(account(2000 + i, display_name="b" * 200)) for i in range(3000)]
    a[1400], b[1800], b[2999] = b"{broken", line(account(9000, birth_year="1980")), b"[1]"
    write_landing(lake, "accounts", "a", a)
    write_landing(lake, "accounts", "b", b)
    with small_splits(spark):
        assert splits(spark, lake / "landing" / "accounts" / f"dt={DAY}") > 10
        record = ingest(spark, load_config(), "accounts", DAY)
    assert quarantined(spark, lake, "accounts") == [
        ("a.jsonl", 1401, "invalid_json"),
        ("b.jsonl", 1801, "wrong_type"),
        ("b.jsonl", 3000, "invalid_json"),
    ]
    expected = [("a.jsonl", n + 1, f"acc-{n:010d}") for n in range(1500) if n != 1400]
    expected += [("b.jsonl", n + 1, f"acc-{2000 + n:010d}") for n in range(3000) if n not in (1800, 2999)]
    assert bronze_lineage(spark, lake, "accounts") == sorted(expected)
    assert (record.rows_in, record.rows_out, record.rows_quarantined) == (4500, 4497, 3)


def test_first_line_of_a_repeated_key_wins_across_files_and_blocks(spark: SparkSession, lake: Path) -> None:
    # Keys 1-3 repeat: across files (the smaller file "a" sorts first, Spark reads "b"
    # first) and across blocks of "b"; a bad line with a repeated key is not a first line.
    a = [line(account(100 + i, display_name="a" * 200)) for i in range(1000)]
    b = [line(account(5000 + i, display_name="b" * 200)) for i in range(3000)]
    a[900] = line(account(1, display_name="a" * 200))  # a:901 wins over b:1 and b:2950
    b[0] = line(account(1, display_name="b" * 200))
    b[2949] = line(account(1, display_name="b" * 200))
    b[10] = line(account(2, birth_year="late"))  # b:11 is a wrong type, not the first key 2
    b[20] = line(account(2, display_name="b" * 200))  # b:21 wins over b:2500
    b[2499] = line(account(2, display_name="b" * 200))
    b[1999] = line(account(3, display_name="b" * 200))  # b:2000 wins over b:2998 (both late)
    b[2997] = line(account(3, display_name="b" * 200))
    write_landing(lake, "accounts", "a", a)
    write_landing(lake, "accounts", "b", b)
    with small_splits(spark):
        record = ingest(spark, load_config(), "accounts", DAY)
    assert quarantined(spark, lake, "accounts") == [
        ("b.jsonl", 1, "duplicate_key"),
        ("b.jsonl", 11, "wrong_type"),
        ("b.jsonl", 2500, "duplicate_key"),
        ("b.jsonl", 2950, "duplicate_key"),
        ("b.jsonl", 2998, "duplicate_key"),
    ]
    winners = [
        r for r in bronze_lineage(spark, lake, "accounts") if r[2] in {f"acc-{k:010d}" for k in (1, 2, 3)}
    ]
    assert winners == [
        ("a.jsonl", 901, "acc-0000000001"),
        ("b.jsonl", 21, "acc-0000000002"),
        ("b.jsonl", 2000, "acc-0000000003"),
    ]
    assert record.reasons == {"duplicate_key": 4, "wrong_type": 1}
    assert (record.rows_in, record.rows_out) == (4000, 3995)


def test_one_gzip_file_is_ingested_on_every_core(spark: SparkSession, lake: Path) -> None:
    lines = [line(account(i)) for i in range(1000)]
    lines[876] = b"{broken"
    path = write_landing(lake, "accounts", "day", lines, gz=True)
    assert splits(spark, path) == 1
    record = ingest(spark, load_config(), "accounts", DAY)
    assert (record.rows_out, record.rows_quarantined) == (999, 1)
    assert quarantined(spark, lake, "accounts") == [("day.jsonl.gz", 877, "invalid_json")]
    assert [n for _, n, _ in bronze_lineage(spark, lake, "accounts")] == [
        n for n in range(1, 1001) if n != 877
    ]
    bronze = spark.read.format("delta").load(str(lake / "warehouse" / "bronze" / "accounts"))
    assert bronze.select("_metadata.file_path").distinct().count() > 1  # written by several tasks


def test_ingest_twice_gives_identical_tables(spark: SparkSession, lake: Path) -> None:
    write_landing(lake, "accounts", "a", [line(account(i)) for i in range(30)] + [BAD_LINES[0][0]])
    config = load_config()
    ingest(spark, config, "accounts", DAY)
    bronze_path = config.table_path("bronze", "accounts")
    quarantine_path = config.table_path("quarantine", "accounts")
    first = spark.read.format("delta").load(bronze_path).collect()
    first_q = spark.read.format("delta").load(quarantine_path).collect()
    ingest(spark, config, "accounts", DAY)
    assertDataFrameEqual(spark.read.format("delta").load(bronze_path), first)
    assertDataFrameEqual(spark.read.format("delta").load(quarantine_path), first_q)


def test_other_dates_are_untouched_by_a_rerun(spark: SparkSession, lake: Path) -> None:
    config = load_config()
    write_landing(lake, "accounts", "a", [line(account(i)) for i in range(4)])
    ingest(spark, config, "accounts", DAY)
    other = DAY - dt.timedelta(days=1)
    folder = lake / "landing" / "accounts" / f"dt={other}"
    folder.mkdir(parents=True)
    (folder / "b.jsonl").write_bytes(b"\n".join(line(account(i)) for i in range(7)) + b"\n")
    ingest(spark, config, "accounts", other)
    ingest(spark, config, "accounts", DAY)
    bronze = spark.read.format("delta").load(config.table_path("bronze", "accounts"))
    counts = {r.dt: r["count"] for r in bronze.groupBy("dt").count().collect()}
    assert counts == {DAY: 4, other: 7}


def test_run_record_is_stored_in_the_privacy_zone(spark: SparkSession, lake: Path) -> None:
    write_landing(lake, "accounts", "a", [line(account(1)), b"{"])
    config = load_config()
    record = ingest(spark, config, "accounts", DAY)
    runs = spark.read.format("delta").load(config.table_path("privacy", "runs")).collect()
    assert [(r.run_id, r.rows_in, r.rows_out, r.rows_quarantined, r.reasons) for r in runs] == [
        (record.run_id, 2, 1, 1, {"invalid_json": 1})
    ]


def test_a_duplicate_key_line_says_which_key_column_repeats(spark: SparkSession, lake: Path) -> None:
    write_landing(lake, "accounts", "a", [line(account(1)), line(account(2)), line(account(1, username="x"))])
    ingest(spark, load_config(), "accounts", DAY)
    rows = spark.read.format("delta").load(str(lake / "warehouse" / "quarantine" / "accounts")).collect()
    assert [(r.line_number, r.reason, r.detail) for r in rows] == [
        (3, "duplicate_key", "key column: account_id")
    ]


def test_reasons_of_the_run_record_name_only_quarantined_lines(spark: SparkSession, lake: Path) -> None:
    # An erased subject's lines, good and bad, are dropped: their reasons are not quarantine's.
    config = load_config()
    erased = pseudonymize(str(account(1)["account_id"]), "account_id", pseudonym_key(config).secret)
    add_subjects(spark, config, DENY_LIST_TABLE, [erased], "req-erased")
    lines = [
        line(account(1)),
        line(account(1, shoe_size=44)),
        line(account(2)),
        line(account(3, birth_year="x")),
    ]
    write_landing(lake, "accounts", "a", lines)
    record = ingest(spark, config, "accounts", DAY)
    assert (record.rows_in, record.rows_out, record.rows_dropped, record.rows_quarantined) == (4, 1, 2, 1)
    assert record.reasons == {"wrong_type": 1}
    runs = spark.read.format("delta").load(config.table_path("privacy", "runs")).collect()
    assert [r.reasons for r in runs] == [{"wrong_type": 1}]


def test_schema_drift_can_reject_the_run(spark: SparkSession, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, ingest={"on_unknown_fields": "reject"}))
    write_landing(tmp_path, "accounts", "a", [line(account(1)), line(account(2, shoe_size=44))])
    with pytest.raises(LandingDataError) as err:
        ingest(spark, config, "accounts", DAY)
    message = str(err.value)
    assert "a.jsonl line 2" in message and "shoe_size" in message and "acc-" not in message
    assert not Path(config.table_path("bronze", "accounts")).exists()


def test_missing_landing_folder_is_a_clear_error(spark: SparkSession, lake: Path) -> None:
    with pytest.raises(LandingDataError, match="no landing folder"):
        ingest(spark, load_config(), "device_logs", DAY)


def test_device_logs_arrays_and_numbers_are_typed(spark: SparkSession, lake: Path) -> None:
    event = {
        "event_id": "e1",
        "event_time": "2026-11-28T13:04:05.123+01:00",
        "account_id": "acc-1",
        "device_serial": "A1B2C3D4E5F60718",
        "wifi_networks": ["FRITZ!Box Müller", "Anna's iPhone"],
        "latitude": 52,
        "longitude": 13.405,
        "memory_mb": 512,
        "message": "heartbeat ok",
    }
    write_landing(
        lake, "device_logs", "a", [line(event), line({**event, "event_id": "e2", "memory_mb": 1.5})]
    )
    record = ingest(spark, load_config(), "device_logs", DAY)
    assert record.reasons == {"wrong_type": 1}
    row = spark.read.format("delta").load(str(lake / "warehouse" / "bronze" / "device_logs")).first()
    assert row is not None
    assert row.wifi_networks == ["FRITZ!Box Müller", "Anna's iPhone"]
    assert row.latitude == 52.0 and row.memory_mb == 512 and row.dt == DAY


def test_generated_day_quarantines_exactly_the_planted_bad_lines(spark: SparkSession, lake: Path) -> None:
    from privlake.generate import generate_day, load_bad_lines

    summary = generate_day(lake / "landing", DAY, accounts=20, rows=1200, seed=3)
    config = load_config()
    for name in config.datasets:
        record = ingest(spark, config, name, DAY)
        assert record.rows_out == summary.datasets[name].rows, name
    expected = sorted(
        (b["dataset"], Path(b["file"]).name, b["line_number"], b["reason"])
        for b in load_bad_lines(lake / "ground_truth", DAY)
    )
    found = sorted(
        (name, file, line_number, reason)
        for name in config.datasets
        for file, line_number, reason in quarantined(spark, lake, name)
    )
    assert found == expected
