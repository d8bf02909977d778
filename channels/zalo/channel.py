"""The Zalo channel of one server process, assembled: intake, queues, token, delivery, background worker.

>>> zalo = ZaloChannel(db, settings.zalo, assistant=lambda store: with_store(runtime.assistant, store))
>>> zalo.start()                                   # in the app's lifespan
>>> zalo.intake.receive(raw_body, signature)       # POST /webhooks/zalo (then zalo.wake())
>>> await zalo.deliver(desk_message, closed)       # the staff desk's delivery of an operator's reply
>>> zalo.stop()

``assistant(store)`` returns the assistant that writes its turns through ``store`` (an
:class:`~channels.zalo.store.OutboxStore`), or None while it cannot answer yet (models loading):
stored events then wait.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from starlette.concurrency import run_in_threadpool

from channels.desk.models import DeskMessage
from channels.settings import ZaloSettings
from channels.zalo.api import ZaloApi
from channels.zalo.delivery import Deliverer, Observe
from channels.zalo.inbox import Inbox
from channels.zalo.outbox import Outbox, user_id_of
from channels.zalo.processor import EventProcessor
from channels.zalo.store import OutboxStore
from channels.zalo.tokens import TokenStore
from channels.zalo.webhook import Intake
from channels.zalo.worker import ZaloWorker
from core.storage import Database
from dialogue.turns import Assistant


def _secret(value: object) -> str | None:
    getter = getattr(value, "get_secret_value", None)
    return getter() if getter is not None else None


class ZaloChannel:
    def __init__(self, db: Database, settings: ZaloSettings, *,
                 assistant: Callable[[OutboxStore], Assistant | None], observe: Observe | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.db = db
        self.settings = settings
        self.api = ZaloApi(api_base=settings.api_base, oauth_base=settings.oauth_base, app_id=settings.app_id,
                           app_secret=_secret(settings.app_secret), timeout=settings.http_timeout_seconds,
                           transport=transport)
        self.tokens = TokenStore(db, self.api, access_token=_secret(settings.access_token),
                                 refresh_token=_secret(settings.refresh_token),
                                 margin_seconds=settings.refresh_margin_seconds, lease_seconds=settings.lease_seconds)
        self.inbox = Inbox(db, lease_seconds=settings.lease_seconds)
        self.outbox = Outbox(db, buttons=settings.buttons, lease_seconds=settings.lease_seconds,
                             retry_base_seconds=settings.retry_base_seconds,
                             retry_max_seconds=settings.retry_max_seconds,
                             give_up_after_seconds=settings.give_up_after_seconds)
        self.store = OutboxStore(db, self.inbox, self.outbox)
        self.intake = Intake(self.inbox, settings)
        self.processor = EventProcessor(db, self.inbox, self.outbox, self.store, assistant)
        self.deliverer = Deliverer(self.outbox, self.api, self.tokens,
                                   reconcile_skew_seconds=settings.reconcile_skew_seconds, observe=observe)
        workers = settings.workers or (1 if db.engine.dialect.name == "sqlite" else 4)
        self.worker = ZaloWorker(inbox=self.inbox, outbox=self.outbox, processor=self.processor,
                                 deliverer=self.deliverer, tokens=self.tokens, workers=workers,
                                 senders=settings.senders, poll_seconds=settings.poll_seconds,
                                 retry_base_seconds=settings.retry_base_seconds,
                                 retry_max_seconds=settings.retry_max_seconds,
                                 max_event_attempts=settings.max_event_attempts)

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()
        self.api.close()

    def wake(self) -> None:
        """A new event was stored: process it now rather than at the next poll."""
        self.worker.wake_inbound()

    async def deliver(self, message: DeskMessage, closed: bool = False) -> None:
        """The staff desk's delivery (:class:`channels.desk.delivery.Deliveries`, channel ``"zalo"``): the stored
        operator's message is queued at once (the worker's sweep would find it within ``poll_seconds`` too)."""
        if message.direction != "out" or user_id_of(message.session_id) is None:
            return
        await run_in_threadpool(self.outbox.enqueue_messages, [int(message.message_id)])
        self.worker.wake_outbound()
