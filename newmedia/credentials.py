"""Credentials by reference: an account stores ``env:NAME`` or ``file:PATH``, never the secret itself.

The secret is read at the moment of use and never logged or put into an error message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from core.i18n import media as M
from newmedia.base import AccountRef, AdapterError

MAX_SECRET_BYTES = 16 * 1024


def resolve(account: AccountRef, env: Mapping[str, str] | None = None) -> str:
    """The secret ``account.credential_ref`` points at, stripped. Raises :class:`AdapterError` (not
    retryable) naming the account and the reference's variable or path, never the secret."""
    env = os.environ if env is None else env
    ref = account.credential_ref
    if not ref:
        raise AdapterError(M.CREDENTIAL_MISSING.format(account=account.key))
    scheme, _, rest = ref.partition(":")
    rest = rest.strip()
    if scheme == "env" and rest:
        value = env.get(rest, "").strip()
        if not value:
            raise AdapterError(M.CREDENTIAL_ENV_MISSING.format(account=account.key, name=rest))
        return value
    if scheme == "file" and rest:
        try:
            with Path(rest).open("rb") as fh:
                return fh.read(MAX_SECRET_BYTES).decode("utf-8").strip()
        except (OSError, UnicodeDecodeError):
            raise AdapterError(M.CREDENTIAL_FILE_MISSING.format(account=account.key, path=rest)) from None
    raise AdapterError(M.CREDENTIAL_BAD.format(account=account.key))
