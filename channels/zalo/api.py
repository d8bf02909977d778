"""The calls the channel makes to Zalo, with Zalo's answers read into typed results.

===============================================  =============================================
call                                             Zalo's contract
===============================================  =============================================
:meth:`ZaloApi.send`                             ``POST {api_base}/v3.0/oa/message/cs``, header
                                                 ``access_token: <token>`` (a bare header, not
                                                 ``Authorization``), JSON body (:mod:`.render`);
                                                 ``{"data": {"message_id", "user_id", ...},
                                                 "error": 0, "message": "Success"}``
:meth:`ZaloApi.conversation`                     ``GET {api_base}/v2.0/oa/conversation?data=
                                                 {"user_id","offset","count"}`` (``count`` ≤ 10),
                                                 header ``access_token``; ``data`` is the list of
                                                 the conversation's latest messages, newest first,
                                                 each ``{"src": 0|1, "time": ms, "type",
                                                 "message", "message_id", "from_id", "to_id"}``
                                                 (``src`` 0: sent by the OA, 1: by the user)
:meth:`ZaloApi.refresh`                          ``POST {oauth_base}/v4/oa/access_token``, header
                                                 ``secret_key: <app secret>``, form
                                                 ``refresh_token``, ``app_id``,
                                                 ``grant_type=refresh_token``; ``{"access_token",
                                                 "refresh_token", "expires_in": "90000"}`` (strings),
                                                 or ``{"error": -14014, "error_name": ...}``
===============================================  =============================================

Application errors arrive with HTTP 200 and a non-zero ``error``; every answer is checked for
it. Failures are :class:`~channels.zalo.errors.Failure` values, never exceptions, so the
outbox decides what each means (:mod:`channels.zalo.errors`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from channels.zalo.errors import Failure, Kind, kind_of

#: Messages the conversation call returns per request (Zalo's maximum).
PAGE = 10


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class SendData(_Open):
    message_id: str

    @field_validator("message_id", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class ConversationMessage(_Open):
    src: int
    time: int
    message_id: str
    message: Any = None
    type: str | None = None

    @field_validator("message_id", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @property
    def from_oa(self) -> bool:
        return self.src == 0

    @property
    def text(self) -> str:
        return self.message if isinstance(self.message, str) else ""


class TokenPair(BaseModel):
    """A fresh pair from OAuth v4; ``expires_in`` (seconds) comes as a string."""

    access_token: str
    refresh_token: str
    expires_in: int = 90000
    refresh_token_expires_in: int | None = None


@dataclass(frozen=True)
class Sent:
    message_id: str


def _body(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def _http_failure(response: httpx.Response) -> Failure:
    """A non-2xx answer: 429 is a rate limit; 5xx may have sent the message (uncertain)."""
    status = response.status_code
    if status == 429:
        return Failure(Kind.rate_limited, status, "HTTP 429", retry_after=_retry_after(response))
    if status >= 500:
        return Failure(Kind.server, status, f"HTTP {status}", uncertain=True, retry_after=_retry_after(response))
    return Failure(Kind.unknown, status, f"HTTP {status}")


def _zalo_failure(body: dict[str, Any]) -> Failure:
    code = body.get("error")
    try:
        code = int(code)
    except (TypeError, ValueError):
        return Failure(Kind.unknown, None, f"unexpected answer: {json.dumps(body)[:200]}")
    message = str(body.get("message") or body.get("error_name") or body.get("error_description") or "")
    return Failure(kind_of(code), code, message[:500])


def _transport_failure(exc: httpx.HTTPError) -> Failure:
    """A call that got no answer. Failing to connect means nothing was sent; a timeout or a broken
    connection after the request went out leaves it open."""
    sent_nothing = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
    return Failure(Kind.network, None, f"{type(exc).__name__}: {exc}"[:300], uncertain=not sent_nothing)


class ZaloApi:
    """One HTTP client (keep-alive, thread-safe) for both hosts."""

    def __init__(self, *, api_base: str, oauth_base: str, app_id: str | None, app_secret: str | None,
                 timeout: float = 10.0, transport: httpx.BaseTransport | None = None) -> None:
        self.api_base = api_base.rstrip("/")
        self.oauth_base = oauth_base.rstrip("/")
        self.app_id = app_id
        self.app_secret = app_secret
        self.client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)), transport=transport,
                                   limits=httpx.Limits(max_connections=64, max_keepalive_connections=32))

    def close(self) -> None:
        self.client.close()

    def _answer(self, method: str, url: str, *, garbled_may_have_sent: bool, **request: Any
                ) -> dict[str, Any] | Failure:
        """Zalo's JSON answer to one call, or why there is none (no answer, an HTTP error, not JSON).

        ``garbled_may_have_sent``: a 200 that is not JSON leaves open whether a send (or a refresh, which
        spends the refresh token) took effect.
        """
        try:
            response = self.client.request(method, url, **request)
        except httpx.HTTPError as exc:
            return _transport_failure(exc)
        if response.status_code != 200:
            return _http_failure(response)
        answer = _body(response)
        if answer is None:
            return Failure(Kind.server, 200, "not JSON", uncertain=garbled_may_have_sent)
        return answer

    def send(self, access_token: str, body: dict[str, Any]) -> Sent | Failure:
        """Send one consultation message (``POST /v3.0/oa/message/cs``)."""
        answer = self._answer("POST", f"{self.api_base}/v3.0/oa/message/cs", garbled_may_have_sent=True,
                              json=body, headers={"access_token": access_token})
        if isinstance(answer, Failure):
            return answer
        if answer.get("error") not in (0, "0"):
            return _zalo_failure(answer)
        try:
            return Sent(SendData.model_validate(answer.get("data") or {}).message_id)
        except ValidationError:
            return Failure(Kind.server, 200, "success without a message_id", uncertain=True)

    def conversation(self, access_token: str, user_id: str, *, offset: int = 0, count: int = PAGE
                     ) -> list[ConversationMessage] | Failure:
        """The latest messages between the OA and ``user_id``, newest first (``GET /v2.0/oa/conversation``)."""
        data = json.dumps({"user_id": user_id, "offset": offset, "count": min(count, PAGE)}, separators=(",", ":"))
        answer = self._answer("GET", f"{self.api_base}/v2.0/oa/conversation", garbled_may_have_sent=False,
                              params={"data": data}, headers={"access_token": access_token})
        if isinstance(answer, Failure):
            return answer
        if answer.get("error") not in (0, "0"):
            return _zalo_failure(answer)
        items = answer.get("data") or []
        if not isinstance(items, list):
            return Failure(Kind.server, 200, "conversation data is not a list")
        out = []
        for item in items:
            try:
                out.append(ConversationMessage.model_validate(item))
            except ValidationError:
                continue
        return out

    def refresh(self, refresh_token: str) -> TokenPair | Failure:
        """Exchange the (single-use) refresh token for a new pair (``POST /v4/oa/access_token``)."""
        if not self.app_id or not self.app_secret:
            return Failure(Kind.oa_config, None, "HUEAI_ZALO_APP_ID and HUEAI_ZALO_APP_SECRET are needed to refresh")
        answer = self._answer(
            "POST", f"{self.oauth_base}/v4/oa/access_token", garbled_may_have_sent=True,
            headers={"secret_key": self.app_secret},
            data={"refresh_token": refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"})
        if isinstance(answer, Failure):
            return answer
        if answer.get("error") not in (None, 0, "0") or not answer.get("access_token"):
            failure = _zalo_failure(answer) if answer.get("error") not in (None, 0, "0") else Failure(
                Kind.unknown, None, "no access_token in the answer")
            return Failure(Kind.token, failure.code, failure.message or "refresh refused")
        try:
            return TokenPair.model_validate(answer)
        except ValidationError as exc:
            return Failure(Kind.token, None, f"malformed token answer: {exc.errors()[0]['msg']}")
