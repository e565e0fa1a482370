"""The pseudonym key: a key problem says which problem, never the key."""

from __future__ import annotations

import pytest

from privlake.config import load_config
from privlake.keys import MIN_KEY_BYTES, MissingKeyError, pseudonym_key
from tests.conftest import CONFIG

SHORT = "s3cr3t-short"  # 12 bytes


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "is not set"), ("", "is not set"), (SHORT, f"shorter than {MIN_KEY_BYTES} bytes (12 given)")],
)
def test_a_key_problem_says_which(monkeypatch: pytest.MonkeyPatch, value: str | None, expected: str) -> None:
    config = load_config(CONFIG)
    if value is None:
        monkeypatch.delenv(config.keys.pseudonym_key_env, raising=False)
    else:
        monkeypatch.setenv(config.keys.pseudonym_key_env, value)
    with pytest.raises(MissingKeyError) as error:
        pseudonym_key(config)
    assert expected in str(error.value) and config.keys.pseudonym_key_env in str(error.value)
    assert SHORT not in str(error.value) and error.value.exit_code == 2


def test_a_key_without_an_id_is_used_as_default(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(CONFIG)
    monkeypatch.setenv(config.keys.pseudonym_key_env, "k" * MIN_KEY_BYTES)
    monkeypatch.delenv(config.keys.pseudonym_key_id_env, raising=False)
    key = pseudonym_key(config)
    assert key.key_id == "default" and key.secret == b"k" * MIN_KEY_BYTES
