"""What Zalo's answers mean for a reply: send again, refresh the token, or stop and tell an operator.

Zalo answers almost every application error with HTTP 200 and a body ``{"error": <code>,
"message": "..."}``; ``error == 0`` is success. The codes below are those of the Official
Account API's error table (``docs/official-account/phu-luc/ma-loi``) that a consultation
message (``POST /v3.0/oa/message/cs``) can meet. Each is put in one :class:`Kind`, and the
kind alone decides what the outbox does:

================  ===========================================================  ======================
kind              codes                                                        outbox
================  ===========================================================  ======================
token             -216 invalid, -220 expired or removed, -124 invalid           refresh once, resend;
                                                                                then alert, retry
rate_limited      -32 app or OA over its calls per minute; HTTP 429             retry with backoff
quota             -211 out of quota, -218 recipient's quota, -311 reply quota   retry until given up
server            -200 send failed; HTTP 5xx                                    retry with backoff
network           connection refused, timeouts                                  retry with backoff
oa_config         -204, -205, -209, -212, -219, -221, -223, -224, -235,         alert, retry until
                  -320, -321: the OA or app is not set up for this              given up
outside_window    -230 no interaction in 7 days, -232 last interaction          failed: Zalo lets an
                  expired, -305 cannot reply after 48 hours                     OA reply only after
                                                                                the citizen writes
unfollowed        -213 user has not followed the OA                             failed; user stopped
blocked           -217 user blocked the OA, -244 restricted this message type,  failed
                  -227 user banned or inactive for 45 days
invalid           -201 a parameter is invalid, -210 parameter over its limit,   buttons: resend as
                  -233 message type not supported                               numbered text; else
                                                                                failed
refused           -248 violates platform standards                              failed
unknown           any other code                                                retry until given up
================  ===========================================================  ======================

A timeout or a 5xx leaves it open whether Zalo sent the message: :attr:`Failure.uncertain`
is then true, and the outbox looks the message up before sending it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(str, Enum):
    token = "token"
    rate_limited = "rate_limited"
    quota = "quota"
    server = "server"
    network = "network"
    oa_config = "oa_config"
    outside_window = "outside_window"
    unfollowed = "unfollowed"
    blocked = "blocked"
    invalid = "invalid"
    refused = "refused"
    unknown = "unknown"


CODES: dict[int, Kind] = {
    -216: Kind.token, -220: Kind.token, -124: Kind.token,
    -32: Kind.rate_limited,
    -211: Kind.quota, -218: Kind.quota, -311: Kind.quota,
    -200: Kind.server,
    -204: Kind.oa_config, -205: Kind.oa_config, -209: Kind.oa_config, -212: Kind.oa_config,
    -219: Kind.oa_config, -221: Kind.oa_config, -223: Kind.oa_config, -224: Kind.oa_config,
    -235: Kind.oa_config, -320: Kind.oa_config, -321: Kind.oa_config,
    -230: Kind.outside_window, -232: Kind.outside_window, -305: Kind.outside_window,
    -213: Kind.unfollowed,
    -217: Kind.blocked, -244: Kind.blocked, -227: Kind.blocked,
    -201: Kind.invalid, -210: Kind.invalid, -233: Kind.invalid,
    -248: Kind.refused,
}
#: Kinds after which the same message is never sent again.
PERMANENT = frozenset({Kind.outside_window, Kind.unfollowed, Kind.blocked, Kind.invalid, Kind.refused})
#: Kinds that need a person (a token to re-consent, an OA package) and are raised as alerts.
ALERTS = frozenset({Kind.token, Kind.oa_config})

#: What operators read for each kind (``hueai zalo status``).
EXPLAINED: dict[Kind, str] = {
    Kind.token: "the access token was refused (refreshed once; if it persists the OA must be re-authorised)",
    Kind.rate_limited: "Zalo's rate limit (calls per minute) was reached",
    Kind.quota: "the OA's message quota is used up",
    Kind.server: "Zalo's server failed",
    Kind.network: "Zalo could not be reached in time",
    Kind.oa_config: "the OA or the app is not set up for this API (package, verification, permissions)",
    Kind.outside_window: "outside the reply window: the citizen has not written to the OA recently",
    Kind.unfollowed: "the citizen no longer follows the OA",
    Kind.blocked: "the citizen blocked the OA or cannot receive messages",
    Kind.invalid: "Zalo refused the message's format",
    Kind.refused: "Zalo refused the message's content",
    Kind.unknown: "an error code this version does not know",
}


def kind_of(code: int) -> Kind:
    return CODES.get(code, Kind.unknown)


@dataclass(frozen=True)
class Failure:
    """Why one call to Zalo did not succeed."""

    kind: Kind
    code: int | None = None  # Zalo's error code, or the HTTP status for a 4xx/5xx without one
    message: str = ""
    uncertain: bool = False  # the message may have been sent all the same
    retry_after: float | None = None  # seconds, when Zalo said (HTTP Retry-After)

    @property
    def permanent(self) -> bool:
        return self.kind in PERMANENT

    def describe(self) -> str:
        code = f" {self.code}" if self.code is not None else ""
        return f"{self.kind.value}{code}: {self.message or EXPLAINED[self.kind]}"[:1000]
