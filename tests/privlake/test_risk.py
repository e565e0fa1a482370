"""Re-identification risk: classes by distinct subjects, shares unique and below k."""

from __future__ import annotations

import pytest
from pyspark.sql import SparkSession

from privlake.risk import risk_summary


def test_records_and_subjects_in_small_classes_are_counted(spark: SparkSession) -> None:
    # (DE, 1985): s1 s2 s3 (s1 twice); (FR, 1990): s4 alone; (SE, NULL): s5 s6
    rows = [
        ("s1", "DE", 1985),
        ("s1", "DE", 1985),
        ("s2", "DE", 1985),
        ("s3", "DE", 1985),
        ("s4", "FR", 1990),
        ("s5", "SE", None),
        ("s6", "SE", None),
        (None, "SE", None),  # no subject: not a record of anyone
    ]
    records = spark.createDataFrame(rows, "subject string, country string, born int")
    r = risk_summary(records, ["country", "born"], "subject", k=3).first()
    assert r is not None
    assert (r.records, r.subjects, r.classes, r.smallest_class) == (7, 6, 3, 1)
    assert (r.records_unique, r.subjects_unique) == (1, 1)  # s4
    assert (r.records_below_k, r.subjects_below_k) == (3, 3)  # s4, s5, s6
    assert r.highest_risk == 1.0
    assert r.average_risk == pytest.approx((4 / 3 + 1 + 2 / 2) / 7)
