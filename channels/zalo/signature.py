"""The webhook signature Zalo puts on every event: ``X-ZEvent-Signature``.

Zalo's contract (Official Account API, "Webhook" → verifying events): the header holds
``mac=`` followed by the lowercase hex SHA-256 digest of four strings joined together, in
this order::

    sha256(app_id + raw_body + timestamp + oa_secret_key)

* ``app_id``: the Zalo app's id, as a string;
* ``raw_body``: the request body byte for byte (re-serialising the JSON would reorder keys
  and change the digest, so the bytes are kept before anything parses them);
* ``timestamp``: the ``timestamp`` field *inside* the body, as the string Zalo wrote;
* ``oa_secret_key``: the OA secret key of the console's webhook settings (not the app secret).

It is a plain digest of the concatenation, not an HMAC. The comparison is constant-time
(:func:`hmac.compare_digest`), and a header without the ``mac=`` prefix is accepted too.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "mac="


def signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret: str) -> str:
    """The hex digest Zalo sends for ``raw_body`` (without the ``mac=`` prefix)."""
    digest = hashlib.sha256()
    digest.update(app_id.encode("utf-8"))
    digest.update(raw_body)
    digest.update(timestamp.encode("utf-8"))
    digest.update(oa_secret.encode("utf-8"))
    return digest.hexdigest()


def header_value(app_id: str, raw_body: bytes, timestamp: str, oa_secret: str) -> str:
    """The whole header as Zalo writes it: ``mac=<hex>``."""
    return PREFIX + signature(app_id, raw_body, timestamp, oa_secret)


def verify(header: str | None, *, app_id: str, raw_body: bytes, timestamp: str, oa_secret: str) -> bool:
    """Whether ``header`` signs ``raw_body``; False for a missing or malformed header."""
    if not header:
        return False
    given = header.strip()
    if given[: len(PREFIX)].lower() == PREFIX:
        given = given[len(PREFIX):].strip()
    expected = signature(app_id, raw_body, timestamp, oa_secret)
    # compare_digest wants ASCII; anything else cannot match a hex digest anyway.
    if not given.isascii():
        return False
    return hmac.compare_digest(given.lower().encode("ascii"), expected.encode("ascii"))
