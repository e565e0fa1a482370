"""The ``accounts`` snapshot: one row per account holder, the same on every day."""

from __future__ import annotations

from collections.abc import Iterator

from privlake.generator.context import DayContext
from privlake.generator.files import ACCOUNTS, encode_row
from privlake.generator.truth import truth_head, truth_tail


def account_rows(ctx: DayContext) -> Iterator[tuple[bytes, str]]:
    for subject in ctx.subjects:
        owner = subject.account_id
        head = truth_head(ACCOUNTS, owner)  # a snapshot's row key is the account id
        identifiers = [
            ("account_id", "ACCOUNT_ID", owner),
            ("email", "EMAIL_ADDRESS", subject.email),
            ("phone", "PHONE_NUMBER", subject.phone_field),
            ("username", "USERNAME", subject.username),
            ("display_name", "PERSON", subject.display_name),
        ]
        truth = "".join(
            head + truth_tail(owner, column, entity, value, "pii")
            for column, entity, value in identifiers
            if value is not None
        )
        row = {
            "account_id": owner,
            "email": subject.email,
            "phone": subject.phone_field,
            "username": subject.username,
            "display_name": subject.display_name,
            "country_code": subject.profile.country_code,
            "created_at": subject.created_at,
            "is_installer": subject.is_installer,
            "marketing_opt_in": subject.marketing_opt_in,
            "birth_year": subject.birth_year,
        }
        yield encode_row(row), truth
