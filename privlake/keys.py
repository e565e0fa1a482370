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
from privlake.errors import PrivlakeError
from privlake.pseudonym import PseudonymKey

MIN_KEY_BYTES = 16


class MissingKeyError(PrivlakeError):
    """The pseudonym key is not set (or too short)."""


def pseudonym_key(config: PrivlakeConfig) -> PseudonymKey:
    """The key named by ``keys.pseudonym_key_env`` and its id from ``keys.pseudonym_key_id_env``."""
    env, id_env = config.keys.pseudonym_key_env, config.keys.pseudonym_key_id_env
    secret = os.environ.get(env, "")
    if len(secret.encode()) < MIN_KEY_BYTES:
        raise MissingKeyError(
            f"the pseudonym key is not set: put a secret of at least {MIN_KEY_BYTES} bytes in the "
            f"environment variable {env} (and a label for it in {id_env}); "
            "`privlake demo` creates a local one for you"
        )
    return PseudonymKey(key_id=os.environ.get(id_env) or "default", secret=secret.encode())


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
