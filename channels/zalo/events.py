"""The webhook events the channel reads, as Pydantic models of Zalo's published payloads.

Every event is a JSON object with ``app_id``, ``event_name`` and ``timestamp`` (milliseconds,
as a string; all ids are strings, too long for a double). Events a user sends to the OA
carry ``sender.id`` (the user) and ``recipient.id`` (the OA) and a ``message``::

    {"app_id": "360846524940903967", "user_id_by_app": "552177279717587730",
     "event_name": "user_send_text", "timestamp": "1735689600000",
     "sender": {"id": "2468458835296117922"}, "recipient": {"id": "388613280878808645"},
     "message": {"msg_id": "96d3cdf3af150460909", "text": "đăng ký khai sinh cần giấy tờ gì"}}

``user_send_image`` and ``user_send_location`` put ``attachments`` in the message:
``{"type": "image", "payload": {"thumbnail": "...", "url": "https://..."}}`` and
``{"type": "location", "payload": {"coordinates": {"latitude": "16.4637", "longitude": "107.5909"}}}``.
``follow`` and ``unfollow`` name the user as ``follower.id`` and the OA as ``oa_id``.
A button of type ``oa.query.hide`` comes back as an ordinary ``user_send_text`` whose text is
the button's payload.

The models accept what they do not know (``extra="allow"``): Zalo adds fields without notice,
and an unknown event is stored and ignored, never refused.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: Events the channel acts on; any other is stored and ignored.
HANDLED = frozenset({"user_send_text", "user_send_image", "user_send_location", "follow", "unfollow"})


def _text(value: Any) -> Any:
    """Ids and timestamps are strings on the wire; a number is read as its digits, not refused."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    return value


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Party(_Open):
    id: str

    _as_text = field_validator("id", mode="before")(_text)


class Attachment(_Open):
    type: str = ""
    payload: dict[str, Any] = Field(default_factory=dict)


class Message(_Open):
    msg_id: str | None = None
    text: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)

    _as_text = field_validator("msg_id", mode="before")(_text)


class Location(BaseModel):
    latitude: float
    longitude: float
    address: str | None = None

    def describe(self) -> str:
        """The place as a citizen would write it, with a map link an operator can open."""
        link = f"https://www.google.com/maps?q={self.latitude:.6f},{self.longitude:.6f}"
        where = self.address.strip() if self.address and self.address.strip() else (
            f"vĩ độ {self.latitude:.6f}, kinh độ {self.longitude:.6f}")
        return f"{where} ({link})"


class ZaloEvent(_Open):
    """One webhook event (see the module docstring); only what the channel reads is typed."""

    event_name: str
    app_id: str | None = None
    timestamp: str | None = None
    oa_id: str | None = None
    sender: Party | None = None
    recipient: Party | None = None
    follower: Party | None = None
    message: Message | None = None

    _as_text = field_validator("app_id", "timestamp", "oa_id", mode="before")(_text)

    @property
    def handled(self) -> bool:
        return self.event_name in HANDLED

    @property
    def user_id(self) -> str | None:
        """The citizen: the follower of a follow/unfollow, the sender of a message from a user."""
        if self.follower is not None:
            return self.follower.id
        if self.event_name.startswith("user_") and self.sender is not None:
            return self.sender.id
        return None

    @property
    def msg_id(self) -> str | None:
        return self.message.msg_id if self.message is not None else None

    @property
    def timestamp_ms(self) -> int | None:
        try:
            return int(self.timestamp) if self.timestamp is not None else None
        except ValueError:
            return None

    def key(self, raw: bytes) -> str:
        """What makes a delivery of this event the same event again (Zalo retries with the same body):
        the message id when there is one, else a digest of what identifies the event."""
        if self.msg_id:
            return f"msg:{self.msg_id}"[:160]
        if self.user_id is not None and self.timestamp is not None:
            seed = f"{self.event_name}|{self.user_id}|{self.timestamp}".encode()
        else:
            seed = raw
        return "sha256:" + hashlib.sha256(seed).hexdigest()

    def text(self) -> str:
        return (self.message.text if self.message is not None else None) or ""

    def image_url(self) -> str | None:
        for attachment in self.message.attachments if self.message is not None else []:
            if attachment.type in ("image", "gif"):
                url = attachment.payload.get("url") or attachment.payload.get("thumbnail")
                if isinstance(url, str) and url.strip():
                    return url.strip()
        return None

    def location(self) -> Location | None:
        for attachment in self.message.attachments if self.message is not None else []:
            if attachment.type != "location":
                continue
            coordinates = attachment.payload.get("coordinates") or attachment.payload
            if not isinstance(coordinates, dict):
                continue
            latitude = coordinates.get("latitude", coordinates.get("lat"))
            longitude = coordinates.get("longitude", coordinates.get("long", coordinates.get("lng")))
            try:
                return Location(latitude=float(latitude), longitude=float(longitude),  # type: ignore[arg-type]
                                address=attachment.payload.get("address"))
            except (TypeError, ValueError):
                continue
        return None


def parse_event(raw: bytes) -> ZaloEvent:
    """``raw`` as an event; :class:`ValueError` when it is not JSON, not an object, or has no event name."""
    data = json.loads(raw)  # ValueError (JSONDecodeError, UnicodeDecodeError) when not JSON
    if not isinstance(data, dict):
        raise ValueError("an event is a JSON object")
    return ZaloEvent.model_validate(data)  # ValidationError is a ValueError
