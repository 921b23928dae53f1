"""Credentials at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key from settings.

The key is TOWNHALL_CREDENTIALS_KEY when set, else derived from the secret key, so
rotating either makes stored credentials unreadable (they must be entered again).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = settings.CREDENTIALS_KEY
    if not key:
        digest = hashlib.sha256(f"townhall-credentials:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt(values: dict[str, Any]) -> str:
    """Encrypt a mapping of secrets to a token safe to store in a text column."""
    return _fernet().encrypt(json.dumps(values).encode()).decode() if values else ""


def decrypt(token: str) -> dict[str, Any]:
    """The secrets back; a clear error when the key changed."""
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise ValueError(
            "stored credentials cannot be decrypted: the secret or credentials key changed; enter them again"
        ) from None
