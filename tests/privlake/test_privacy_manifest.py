"""Request intake without Spark: subject arguments, JSON and CSV manifests, DAG forms, errors
that name where but never the value, and the normalization shared with the pseudonymizer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from anonymizers.pseudonym import pseudonymize
from privlake.privacy import SUBJECT_LINES_PATTERN
from privlake.privacy.identifiers import keyed_hash
from privlake.privacy.manifest import ManifestError, build_request, load_manifest, request_argv

KEY = b"test-key-not-secret-0123456789abcdef"


def test_subjects_are_normalized_like_the_pseudonymizer() -> None:
    request = build_request(
        "r-1",
        "erase",
        ["email= Anna.K@Example.DE ", "phone=0049 151 2345 6789", "device_serial=0a1b2c3d4e5f6a7b"],
    )
    by_kind = {s.kind: s.value for s in request.subjects}
    assert by_kind == {
        "email": "anna.k@example.de",
        "phone": "+4915123456789",
        "device_serial": "0A1B2C3D4E5F6A7B",
    }
    # the keyed hash of a request identifier is the silver pseudonym of the same value
    assert keyed_hash("email", by_kind["email"], KEY) == pseudonymize("ANNA.K@example.de", "email", KEY)
    assert keyed_hash("phone", by_kind["phone"], KEY) == pseudonymize("+49 151 23456789", "phone", KEY)


def test_json_and_csv_manifests_give_the_same_request(tmp_path: Path) -> None:
    subjects = [{"kind": "email", "value": "a@b.de"}, {"kind": "account_id", "value": "acc-0000000001"}]
    as_json = tmp_path / "m.json"
    as_json.write_text(json.dumps({"subjects": subjects}))
    as_csv = tmp_path / "m.csv"
    as_csv.write_text("kind,value\nemail,a@b.de\naccount_id,acc-0000000001\n")
    assert load_manifest(as_json) == load_manifest(as_csv)
    assert len(build_request("r-2", "erase", manifest=as_csv).subjects) == 2


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("m.csv", "kind,value\nemail,a@b.de\nemial,secret@x.de\n", r"m\.csv: line 3: kind"),
        ("m.csv", "who,what\nemail,a@b.de\n", r"line 1: expected the header 'kind,value'"),
        (
            "m.json",
            '{"subjects": [{"kind": "phone", "value": "0151 999999"}]}',
            r"subjects\[0\]: value: give the phone",
        ),
        ("m.json", '{"subject": []}', r"subject: Extra inputs are not permitted"),
        ("m.txt", "email=a@b.de", r"unknown manifest format"),
    ],
)
def test_bad_manifests_name_where_and_never_the_value(
    tmp_path: Path, name: str, content: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ManifestError, match=expected) as raised:
        build_request("r-3", "erase", manifest=path)
    assert "secret@x.de" not in str(raised.value) and "999999" not in str(raised.value)


def test_request_needs_exactly_one_source_and_a_valid_id(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="either as --subject"):
        build_request("r-4", "erase")
    with pytest.raises(ManifestError, match="request_id"):
        build_request("bad id!", "erase", ["email=a@b.de"])
    with pytest.raises(ManifestError, match="subject 1: unknown kind 'ssn'"):
        build_request("r-5", "erase", ["ssn=123"])


def test_dag_form_becomes_job_arguments(tmp_path: Path) -> None:
    lines = "# from ticket 42\nemail=a@b.de\n\naccount_id=acc-1\n"
    assert re.match(SUBJECT_LINES_PATTERN, lines)
    assert not re.match(SUBJECT_LINES_PATTERN, "email=a@b.de\nname=Anna")
    form = {"request_id": "r-6", "subjects": lines, "manifest": "", "purge": True, "dry_run": False}
    assert request_argv("erase", form) == [
        "--request-id", "r-6", "--subject", "email=a@b.de", "--subject", "account_id=acc-1", "--purge",
    ]  # fmt: skip
    manifest = tmp_path / "m.csv"
    manifest.write_text("kind,value\nemail,a@b.de\n")
    form = {"request_id": "r-7", "subjects": "", "manifest": str(manifest), "action": "unrestrict"}
    assert request_argv("unrestrict", form) == [
        "--request-id",
        "r-7",
        "--manifest",
        str(manifest),
    ]
    with pytest.raises(ManifestError, match="one of them"):
        request_argv("erase", {"request_id": "r-8", "subjects": "email=a@b.de", "manifest": str(manifest)})
