"""What an erasure or restriction does about copies already published in other regions.

After a request recomputes gold for its subjects' dates, those dates are marked for every
destination that received them (``privacy/republish``). With ``publish.republish: next_run``
(the default) the next ``publish`` to each destination replaces them; with ``with_request``
the request publishes them itself, right away. Either way the request's evidence lists each
destination, date and table with its state, and a publish run that replaces a marked date
updates the evidence of the requests that marked it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from privlake.errors import PrivlakeError, error_note
from privlake.privacy.evidence import RequestEvidence
from privlake.publish.republish import copies_evidence, mark_for_republish, marks_of_request

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from privlake.config import PrivlakeConfig


def republish_after_request(
    spark: SparkSession,
    config: PrivlakeConfig,
    days: Sequence[dt.date],
    request_id: str,
    key: bytes,
    evidence: RequestEvidence,
) -> None:
    """Mark the request's recomputed dates at every destination and, with ``with_request``,
    publish them now; the outcome goes into the evidence (a failed republish leaves the
    dates pending for the next run, and says why, without failing the request)."""
    if not config.publish.destinations:
        return
    mark_for_republish(spark, config, days, request_id)
    notes = []
    if config.publish.republish == "with_request":
        from privlake.publish.transfer import publish

        for name in sorted(config.publish.destinations):
            try:
                publish(spark, config, name, [], key)
            except PrivlakeError as exc:
                notes.append(
                    f"{name}: republish failed, left pending for the next publish run ({error_note(exc)})"
                )
    else:
        notes.append("replaced at each destination by its next publish run")
    evidence.published_copies = copies_evidence(marks_of_request(spark, config, request_id))
    evidence.republish_note = "; ".join(notes)
