"""One run of a privacy request: what erasure and restriction share.

The request is validated before anything else (bad input exits 2 before Spark starts); a
run gets its own id and writes the ledger rows of the states it reaches; a completed
request returns its stored evidence instead of running again; the evidence starts from the
resolution, with hashes and counts only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from privlake.config import PrivlakeConfig, load_config
from privlake.errors import PrivlakeError
from privlake.keys import pseudonym_key
from privlake.privacy.evidence import (
    IdentifierEvidence,
    RequestEvidence,
    RequestResult,
    SubjectEvidence,
    read_evidence,
)
from privlake.privacy.ledger import (
    COMPLETED,
    RECEIVED,
    LedgerEntry,
    check_same_request,
    last_progress,
    record_state,
    request_history,
)
from privlake.privacy.manifest import Action, PrivacyRequest, build_request
from privlake.privacy.resolution import Resolution, SubjectProfile, describe_identifiers
from privlake.pseudonym import PseudonymKey

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class OpenRequest(NamedTuple):
    spark: SparkSession
    config: PrivlakeConfig
    request: PrivacyRequest
    key: PseudonymKey


def open_request(args: argparse.Namespace, action: Action) -> OpenRequest:
    """The configuration, the request from a job's arguments (``add_request_arguments``, and
    ``--purge`` and ``--dry-run`` where the job has them), the key, then Spark: a bad
    configuration or request fails (exit 2) before Spark starts, like every job's."""
    config = load_config(args.config)
    request = build_request(
        args.request_id,
        action,
        args.subject,
        args.manifest,
        purge=getattr(args, "purge", False),
        dry_run=getattr(args, "dry_run", False),
    )
    key = pseudonym_key(config)
    from privlake.spark import get_spark

    return OpenRequest(get_spark(config, app_name=f"privlake-{action}"), config, request, key)


CarryOut = Callable[["SparkSession", PrivlakeConfig, PrivacyRequest, PseudonymKey], RequestResult]


def job_run(action: Action, carry_out: CarryOut) -> Callable[[argparse.Namespace], int]:
    """The ``run`` of a request job (``jobs/erase.py``, ``restrict.py``, ``unrestrict.py``): the
    request from its arguments (``open_request``), ``carry_out``, the evidence summary printed."""

    def run(args: argparse.Namespace) -> int:
        from privlake.console import console
        from privlake.console.privacy import print_evidence

        print_evidence(console(), carry_out(*open_request(args, action)))
        return 0

    run.__doc__ = f"Carry out the {action} request the arguments name; 0 when done."
    return run


class RequestLedger:
    """The ledger rows (``privacy/privacy_requests``) one run of a request writes."""

    def __init__(
        self,
        spark: SparkSession,
        config: PrivlakeConfig,
        request: PrivacyRequest,
        identifier_hashes: Sequence[str],
        history: Sequence[LedgerEntry],
    ) -> None:
        self.spark, self.config, self.request = spark, config, request
        self.identifier_hashes = tuple(identifier_hashes)
        # until this run resolves the subjects, what an earlier run resolved
        self.subject_hashes: tuple[str, ...] = history[-1].subject_hashes if history else ()
        self.run_id = uuid.uuid4().hex

    def record(self, state: str, reason: str | None = None, evidence_path: str | None = None) -> None:
        entry = LedgerEntry(
            request_id=self.request.request_id,
            action=self.request.action,
            state=state,
            identifier_hashes=self.identifier_hashes,
            subject_hashes=self.subject_hashes,
            purge=self.request.purge,
            reason=reason,
            run_id=self.run_id,
            evidence=evidence_path,
        )
        record_state(self.spark, self.config, entry)


def request_ledger(
    spark: SparkSession, config: PrivlakeConfig, request: PrivacyRequest, secret: bytes
) -> tuple[RequestLedger, list[LedgerEntry]]:
    """This run's ledger and the request's history; a request id reused for another action or
    other subjects fails here (``LedgerError``)."""
    hashes = request.identifier_hashes(secret)
    history = request_history(spark, config, request.request_id)
    check_same_request(history, request.action, hashes)
    return RequestLedger(spark, config, request, hashes, history), history


def completed_result(
    config: PrivlakeConfig, request_id: str, history: Sequence[LedgerEntry], error: type[PrivlakeError]
) -> RequestResult | None:
    """The stored evidence when the request completed before (it is not run again), else None."""
    if last_progress(list(history)) != COMPLETED:
        return None
    done = read_evidence(config, request_id)
    if done is None:
        raise error(f"request {request_id}: completed, but its evidence record is missing")
    return RequestResult(done, already_done=True)


def new_evidence(request: PrivacyRequest, resolution: Resolution, key: PseudonymKey) -> RequestEvidence:
    """The evidence record of a request as resolved: identifier and subject hashes, no value."""
    return RequestEvidence(
        request_id=request.request_id,
        action=request.action,
        state=RECEIVED,
        key_id=key.key_id,
        run_ids=[],
        received_at=dt.datetime.now(dt.UTC),
        purge=request.purge,
        identifiers=[
            IdentifierEvidence(
                kind=r.kind,
                identifier_hash=r.identifier_hash,
                resolved=r.resolved,
                subject_hashes=r.subject_hashes,
                sources=r.sources,
            )
            for r in resolution.identifiers
        ],
        subjects=[subject_evidence(p, key.secret) for p in resolution.subjects],
    )


def subject_evidence(profile: SubjectProfile, key: bytes) -> SubjectEvidence:
    described = describe_identifiers(profile, key)
    return SubjectEvidence(
        subject_hash=described["subject"],
        identifiers=described["identifiers"],
        shared_with_other_subjects=described["shared_with_other_subjects"],
        datasets=described["datasets"],
    )
