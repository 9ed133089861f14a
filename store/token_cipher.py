"""Workspace tokens encrypted at rest: Fernet with HANDOFF_ENCRYPTION_KEY, several keys for rotation."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

logger = logging.getLogger(__name__)


class UnreadableToken(Exception):
    """A stored token that none of the configured keys decrypts."""


class TokenCipher(Protocol):
    """Turns a token into what is stored, and back."""

    def encrypt(self, value: str) -> str: ...

    def decrypt(self, value: str) -> str: ...


class FernetCipher:
    """Encrypts with the first key; decrypts with any of them, so an old key keeps working until it is dropped."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str) -> str:
        try:
            return self._fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            raise UnreadableToken("no key in HANDOFF_ENCRYPTION_KEY decrypts this token") from None


class PlaintextCipher:
    """HANDOFF_INSECURE_DEV=1 without a key: tokens are stored as they are (a local trial only)."""

    def encrypt(self, value: str) -> str:
        return value

    def decrypt(self, value: str) -> str:
        return value


def build_cipher(keys: Sequence[str], *, insecure_dev: bool) -> TokenCipher:
    """The cipher for the configured keys; plain text only when there is no key and the operator said so."""
    if keys:
        return FernetCipher(keys)
    if not insecure_dev:
        raise ValueError("HANDOFF_ENCRYPTION_KEY is required unless HANDOFF_INSECURE_DEV=1")
    logger.warning("HANDOFF_INSECURE_DEV=1: workspace tokens are stored in plain text")
    return PlaintextCipher()
