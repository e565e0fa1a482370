"""The minors sweep's console output: counts per step, then the erasure's evidence summary
(hashes and counts only, ``privlake.console.privacy``). Never an account id."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from privlake.console import console
from privlake.console.privacy import print_evidence
from privlake.privacy.minors import MINOR_ACCOUNTS_TABLE, MinorsSweep


def print_sweep(sweep: MinorsSweep, out: Console | None = None) -> None:
    out = out or console()
    mode = "dry run, nothing changed" if sweep.dry_run else "executed"
    if sweep.already_done:
        mode = "already done: nothing changed"
    table = Table(title=f"minors sweep as of {sweep.as_of} ({mode})", title_justify="left")
    table.add_column("what")
    table.add_column("accounts", justify="right")
    erased = "to erase (request " if sweep.dry_run else "erased (request "
    for label, n in (
        (f"checked ({sweep.dataset} snapshot on or before {sweep.as_of})", sweep.accounts_checked),
        ("no birth year (not swept)", sweep.unknown_birth_year),
        ("minors found", sweep.minors_found),
        ("kept: a legal hold names them", sweep.held),
        (f"{erased}{sweep.request_id})", sweep.erased),
    ):
        table.add_row(label, f"{n:,}")
    out.print(table)
    if sweep.erasure is not None:
        print_evidence(out, sweep.erasure)
    if sweep.erased and not sweep.dry_run:
        where = f"privacy/{MINOR_ACCOUNTS_TABLE}, request {sweep.request_id}"
        out.print(f"- accounts to terminate upstream: {where}")
    if not sweep.erased:
        out.print("- no minor to erase")
