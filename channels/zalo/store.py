"""The conversation store as the Zalo channel uses it: a turn also completes its event and fills the outbox.

The dialogue writes a turn in one transaction (:meth:`dialogue.conversations.ConversationStore.turn`:
the citizen's message, the reply, the new tracker state). :class:`OutboxStore` is that store with
one addition: while a thread processes a Zalo event (:meth:`OutboxStore.processing`), each turn
it writes also, **in the same transaction**,

1. puts what the event brought into the field report being collected (a photo, a location),
2. marks the event processed, by compare-and-set on its claim (:meth:`channels.zalo.inbox.Inbox.complete_in`;
   a claim that was taken over raises :class:`~channels.zalo.inbox.LostClaim` and the whole turn
   rolls back, so an event never produces two turns),
3. records that the user wrote (and may be sent to again, after an unfollow),
4. enqueues the turn's outgoing messages (:meth:`channels.zalo.outbox.Outbox.enqueue_in`).

So after a crash an event is either untouched (processed again from the start) or done with its
reply stored and queued; and a reply is queued exactly once. The assistant is given this store
instead of its own (:func:`with_store`): the dialogue itself is unchanged.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select

from channels.zalo.inbox import Inbox
from channels.zalo.outbox import Outbox, mark_stopped_in
from core.storage import Database
from dialogue.conversations import ConversationStore, TurnWriter
from dialogue.tables import MessageRow
from dialogue.tracker import Tracker

A = TypeVar("A")


@dataclass
class Job:
    """The claimed event a thread is processing, and what its turn must also do."""

    event_id: int
    token: str
    user_id: str
    inbound_at: datetime
    note: str | None = None  # a citizen's message to store before the turn's own ("[Ảnh] https://…")
    photo_url: str | None = None  # for the field report being collected
    location: str | None = None


class OutboxStore(ConversationStore):
    """:class:`ConversationStore` whose turns, during :meth:`processing`, complete the event and fill the outbox."""

    def __init__(self, db: Database, inbox: Inbox, outbox: Outbox) -> None:
        super().__init__(db)
        self.inbox = inbox
        self.outbox = outbox
        self._local = threading.local()

    @contextmanager
    def processing(self, job: Job) -> Iterator[Job]:
        """Turns written by this thread inside the block belong to ``job``'s event."""
        self._local.job = job
        try:
            yield job
        finally:
            self._local.job = None

    @contextmanager
    def turn(self, session_id: str, channel: str) -> Iterator[TurnWriter]:
        job: Job | None = getattr(self._local, "job", None)
        with super().turn(session_id, channel) as writer:
            if job is None:
                yield writer
                return
            # The session's row is locked: every message written from here on belongs to this turn.
            before = writer.session.scalar(select(func.max(MessageRow.id))
                                           .where(MessageRow.session_id == session_id)) or 0
            if job.note:
                writer.add_message("in", "citizen", job.note)
            yield writer
            self._finish(writer, job, before)

    def _finish(self, writer: TurnWriter, job: Job, before: int) -> None:
        if job.photo_url or job.location:
            tracker = Tracker.from_state(writer.state)
            if tracker.report is not None:
                if job.photo_url:
                    tracker.report.photo_url = job.photo_url
                if job.location:
                    tracker.report.location = job.location
                writer.state = tracker.to_state()
        session = writer.session
        self.inbox.complete_in(session, job.event_id, job.token)
        mark_stopped_in(session, job.user_id, False, inbound_at=job.inbound_at)
        replies = session.execute(select(MessageRow.id, MessageRow.text, MessageRow.quick_replies)
                                  .where(MessageRow.session_id == writer.session_id, MessageRow.id > before,
                                         MessageRow.direction == "out").order_by(MessageRow.id)).all()
        for reply in replies:
            self.outbox.enqueue_in(session, user_id=job.user_id, session_id=writer.session_id, message_id=reply.id,
                                   text=reply.text, quick_replies=reply.quick_replies)


def with_store(assistant: A, store: ConversationStore) -> A:
    """A shallow copy of ``assistant`` writing its turns through ``store`` (it keeps its models and policy).

    Works for any assistant that keeps its conversation store in a ``store`` attribute, as
    :class:`dialogue.assistant.DialogueAssistant` does.
    """
    if not hasattr(assistant, "store"):
        raise TypeError(f"{type(assistant).__name__} has no conversation store to replace")
    clone: Any = copy.copy(assistant)
    clone.store = store
    return clone  # type: ignore[no-any-return]
