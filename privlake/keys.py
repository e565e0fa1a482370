"""Where the pseudonym key comes from: an environment variable named in the config.

Airflow deployments fill that variable from a secrets backend (a connection or a
variable marked secret); nothing in the repository holds a key, and the key is never
logged. Only its id, a public label, is recorded with every table so keys can rotate.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from privlake.config import PrivlakeConfig
from privlake.errors import BadInputError
from privlake.pseudonym import PseudonymKey

MIN_KEY_BYTES = 16


class MissingKeyError(BadInputError):
    """The pseudonym key is not set, or too short to be a key (exit code 2)."""


def pseudonym_key(config: PrivlakeConfig) -> PseudonymKey:
    """The key named by ``keys.pseudonym_key_env`` and its id from ``keys.pseudonym_key_id_env``.

    An unset id is fine (it is recorded as ``default``); an unset or short key is not. The
    message says which, and the length of a short one, never the key.
    """
    env, id_env = config.keys.pseudonym_key_env, config.keys.pseudonym_key_id_env
    secret = os.environ.get(env, "").encode()
    todo = (
        f"put a random secret of at least {MIN_KEY_BYTES} bytes in {env} (and a label for it in "
        f"{id_env}), e.g. `export {env}=$(openssl rand -hex 32)`; `privlake demo` creates a local one"
    )
    if not secret:
        raise MissingKeyError(f"the pseudonym key is not set: {env} is unset or empty; {todo}")
    if len(secret) < MIN_KEY_BYTES:
        raise MissingKeyError(
            f"the pseudonym key in {env} is shorter than {MIN_KEY_BYTES} bytes ({len(secret)} given); {todo}"
        )
    return PseudonymKey(key_id=os.environ.get(id_env) or "default", secret=secret)


def ensure_demo_key(config: PrivlakeConfig, key_file: Path) -> bool:
    """For the demo only: if no key is set, create (once) a random local key file and use it.

    Returns True when the local key is in use, so the demo can say so.
    """
    env, id_env = config.keys.pseudonym_key_env, config.keys.pseudonym_key_id_env
    if os.environ.get(env):
        return False
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(stat.S_IRUSR | stat.S_IWUSR)
    os.environ[env] = key_file.read_text().strip()
    os.environ.setdefault(id_env, "demo-local")
    return True
