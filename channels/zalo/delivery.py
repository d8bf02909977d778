"""Delivering one claimed outbox row to Zalo, and deciding what Zalo's answer means for it.

0. A row of a user who unfollowed meanwhile is cancelled.
1. **A row that may have been sent already** (its earlier sender died mid-call, or the call
   timed out, or Zalo answered 5xx) is first looked up in the OA's conversation with the user
   (``GET /v2.0/oa/conversation``, newest first): a message from the OA with the same text, sent
   since the earlier attempt began (less ``reconcile_skew``), whose Zalo id no other row claims.
   Found: the row is ``sent``, and nothing is sent again.
2. A row older than ``give_up_after`` is given up.
3. It is sent with the current access token. Zalo refusing the token (``-216``/``-220``) gets
   one refresh (or the token another worker just refreshed) and one more try; a second refusal
   raises an alert. Buttons Zalo refuses (``-201``/``-210``/``-233`` on a message with buttons)
   are sent again at once as numbered text.
4. The answer decides the row's state (:mod:`channels.zalo.errors`): ``sent``; ``pending`` again
   after a backoff; or ``failed`` for good, which is logged as an error for operators and shown by
   ``hueai zalo status`` (and "user unfollowed" stops all sending to that user).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import structlog

from channels.zalo.api import ConversationMessage, Sent, ZaloApi
from channels.zalo.errors import Failure, Kind
from channels.zalo.outbox import ClaimedReply, Outbox
from channels.zalo.render import normalise, text_of, without_buttons
from channels.zalo.tokens import TokenStore, TokenUnavailable

log = structlog.get_logger(__name__)
#: Pages of the conversation read when looking for a message (10 messages each).
LOOKUP_PAGES = 5
#: ``observe(outcome, seconds since the reply was queued)``: sent, retry, failed, gave_up.
Observe = Callable[[str, float], None]


class Deliverer:
    def __init__(self, outbox: Outbox, api: ZaloApi, tokens: TokenStore, *, reconcile_skew_seconds: float = 120.0,
                 observe: Observe | None = None) -> None:
        self.outbox = outbox
        self.api = api
        self.tokens = tokens
        self.skew = timedelta(seconds=reconcile_skew_seconds)
        self.observe = observe or (lambda outcome, seconds: None)

    def deliver(self, claimed: ClaimedReply) -> str:
        """Deliver ``claimed``; returns what became of it: sent, retry, failed, gave_up, cancelled or lost."""
        if claimed.stopped:  # unfollowed while this waited (or was being retried)
            self.outbox.cancel(claimed)
            return "cancelled"
        token = self.tokens.current()
        if claimed.check_since is not None:
            if token is None:
                return self._retry(claimed, Failure(Kind.token, None, "no access token", uncertain=True))
            found = self.find(token, claimed)
            if isinstance(found, Failure):
                return self._retry(claimed, Failure(found.kind, found.code, found.message, uncertain=True,
                                                    retry_after=found.retry_after))
            if found is not None:
                log.info("zalo.reconciled", row=claimed.id, zalo_message_id=found)
                return self._sent(claimed, found)
        if self.outbox.given_up(claimed):
            return self._fail(claimed, Failure(Kind.unknown, None, "not delivered in time"), gave_up=True)
        if token is None:
            self.tokens.alert("no access token: set HUEAI_ZALO_ACCESS_TOKEN and HUEAI_ZALO_REFRESH_TOKEN")
            return self._retry(claimed, Failure(Kind.token, None, "no access token"))
        result = self.api.send(token, claimed.payload)
        if isinstance(result, Failure) and result.kind is Kind.token:
            result = self._with_new_token(claimed, token, result)
        if isinstance(result, Failure) and result.kind is Kind.invalid:
            rewritten = without_buttons(claimed.payload)
            if rewritten is not None:  # Zalo does not take the buttons here: the options as numbered text
                log.warning("zalo.buttons_refused", row=claimed.id, error=result.describe())
                claimed = self.outbox.rewrite(claimed, *rewritten)
                result = self._send_again(claimed)
        if isinstance(result, Sent):
            return self._sent(claimed, result.message_id)
        if result.kind is Kind.unfollowed:
            self.outbox.stop_user(claimed.user_id)
        if result.permanent:
            return self._fail(claimed, result)
        if self.outbox.given_up(claimed):
            return self._fail(claimed, result, gave_up=True)
        return self._retry(claimed, result)

    # -- the token ------------------------------------------------------------------------------------
    def _with_new_token(self, claimed: ClaimedReply, refused: str, failure: Failure) -> Sent | Failure:
        try:
            token = self.tokens.refresh(used=refused)
        except TokenUnavailable as exc:
            return Failure(Kind.token, failure.code, f"{failure.message}; refresh: {exc}")
        result = self.api.send(token, claimed.payload)
        if isinstance(result, Failure) and result.kind is Kind.token:
            self.tokens.alert(f"Zalo refused a refreshed access token ({result.code} {result.message}): "
                              "check the app and re-authorise the OA")
        return result

    def _send_again(self, claimed: ClaimedReply) -> Sent | Failure:
        token = self.tokens.current()
        if token is None:
            return Failure(Kind.token, None, "no access token")
        return self.api.send(token, claimed.payload)

    # -- looking a message up -------------------------------------------------------------------------
    def find(self, token: str, claimed: ClaimedReply) -> str | None | Failure:
        """Zalo's id of ``claimed``'s message if the conversation shows it was sent, else None."""
        assert claimed.check_since is not None
        since_ms = (claimed.check_since - self.skew).timestamp() * 1000
        text = normalise(text_of(claimed.payload))
        matches: list[ConversationMessage] = []
        for page in range(LOOKUP_PAGES):
            messages = self.api.conversation(token, claimed.user_id, offset=page * 10, count=10)
            if isinstance(messages, Failure):
                return messages
            matches += [m for m in messages if m.from_oa and m.time >= since_ms and normalise(m.text) == text]
            if len(messages) < 10 or min(m.time for m in messages) < since_ms:
                break
        if not matches:
            return None
        taken = self.outbox.attributed([m.message_id for m in matches])
        free = [m for m in sorted(matches, key=lambda m: m.time) if m.message_id not in taken]
        return free[0].message_id if free else None

    # -- outcomes --------------------------------------------------------------------------------------
    def _age(self, claimed: ClaimedReply) -> float:
        return max((datetime.now(claimed.created_at.tzinfo) - claimed.created_at).total_seconds(), 0.0)

    def _sent(self, claimed: ClaimedReply, zalo_message_id: str) -> str:
        if not self.outbox.sent(claimed, zalo_message_id):
            log.warning("zalo.claim_lost", row=claimed.id)
            return "lost"
        self.observe("sent", self._age(claimed))
        return "sent"

    def _retry(self, claimed: ClaimedReply, failure: Failure) -> str:
        self.outbox.retry(claimed, failure)
        log.warning("zalo.delivery_retry", row=claimed.id, attempts=claimed.attempts, error=failure.describe())
        self.observe("retry", self._age(claimed))
        return "retry"

    def _fail(self, claimed: ClaimedReply, failure: Failure, *, gave_up: bool = False) -> str:
        self.outbox.fail(claimed, failure, gave_up=gave_up)
        outcome = "gave_up" if gave_up else "failed"
        log.error("zalo.delivery_failed", row=claimed.id, user=claimed.user_id[-6:], session=claimed.session_id,
                  outcome=outcome, error=failure.describe())
        self.observe(outcome, self._age(claimed))
        return outcome

