"""Password hashing with argon2id (argon2-cffi's defaults: RFC 9106's low-memory profile).

>>> stored = hash_password("a long passphrase")
>>> verify_password(stored, "a long passphrase")
True
>>> verify_password(stored, "wrong")
False

:func:`verify_password` never raises for a wrong password or a malformed hash;
:func:`needs_rehash` says when a stored hash was made with older parameters.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()
#: Verified when a name is unknown, so that an unknown name takes as long as a wrong password.
_DUMMY = _HASHER.hash("not a password anyone has")


def hash_password(password: str) -> str:
    """The argon2id PHC string of ``password`` (random salt; safe to store)."""
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; ``stored=None`` spends the same time and says no."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
