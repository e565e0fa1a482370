"""The raw identifiers of a request in progress, encrypted, between its steps.

Resolution finds a subject's identifiers in the data that erasure then deletes, so a run
killed after erasing could not find them again. They are kept in one AES-GCM encrypted file
per request under ``privacy/erasure_work/`` (key derived from the pseudonym key with HMAC,
so no second secret is needed) and deleted when the request completes: no raw identifier is
ever written in the clear, and the verification scan finds nothing in the file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from privlake.config import PrivlakeConfig
from privlake.errors import PrivlakeError
from privlake.storage import StorageError, file_store

WORK_FOLDER = "erasure_work"
_CONTEXT = b"privlake/privacy-request-work-state/v1"
_NONCE_BYTES = 12


class WorkStateError(PrivlakeError):
    """The work file is missing or cannot be decrypted (e.g. the pseudonym key changed)."""


def _cipher(secret: bytes) -> AESGCM:
    return AESGCM(hmac.new(secret, _CONTEXT, hashlib.sha256).digest())


def work_path(config: PrivlakeConfig, request_id: str) -> str:
    return f"{config.table_path('privacy', WORK_FOLDER)}/{request_id}.sealed"


def seal(config: PrivlakeConfig, request_id: str, state: dict[str, Any], secret: bytes) -> None:
    nonce = os.urandom(_NONCE_BYTES)
    data = nonce + _cipher(secret).encrypt(nonce, json.dumps(state).encode(), request_id.encode())
    file_store(config.warehouse_root, config.s3).write_bytes(work_path(config, request_id), data)


def unseal(config: PrivlakeConfig, request_id: str, secret: bytes) -> dict[str, Any]:
    path = work_path(config, request_id)
    try:
        data = file_store(config.warehouse_root, config.s3).read_bytes(path)
    except StorageError:
        raise WorkStateError(
            f"request {request_id}: its work file {path} is gone, so the resolved identifiers cannot "
            "be recovered; run the request again under a new id"
        ) from None
    try:
        plain = _cipher(secret).decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], request_id.encode())
    except InvalidTag:
        raise WorkStateError(
            f"request {request_id}: {path} cannot be decrypted with the current pseudonym key"
        ) from None
    result: dict[str, Any] = json.loads(plain)
    return result


def discard(config: PrivlakeConfig, request_id: str) -> None:
    file_store(config.warehouse_root, config.s3).delete(work_path(config, request_id))
