"""What each stored event does: one conversation turn (or a small write) in the event's own transaction.

=====================  ========================================================================
event                  what happens
=====================  ========================================================================
``user_send_text``     the text goes to the dialogue as the citizen's message. A button
                       (``oa.query.hide``) arrives as its payload (``/ask_fee``); a bare number
                       answers the numbered options of the last message when they were sent as
                       text (:func:`channels.zalo.render.chosen`).
``user_send_image``    the photo is added to the field report being collected, or to the report
                       filed in the last hour (:meth:`ConversationStore.attach_photo`), and the
                       citizen is told so; with no report under way one is started
                       (``/report_issue``: the dialogue asks what happened) with the photo in it.
``user_send_location`` the place answers the report's "where?" when that is the question asked;
                       is added to a report under way otherwise; else starts a report with it.
``follow``             the dialogue's greeting (what the assistant can do, with buttons).
``unfollow``           nothing more is sent to the user: undelivered replies are cancelled,
                       until the user writes or follows again.
=====================  ========================================================================

Every turn goes through :class:`channels.zalo.store.OutboxStore`, so the event is marked
processed and the reply queued in the turn's transaction. Session ids are ``zalo:<user id>``.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from channels.zalo import texts
from channels.zalo.events import ZaloEvent, parse_event
from channels.zalo.inbox import ClaimedEvent, Inbox
from channels.zalo.outbox import Outbox, mark_stopped_in, options_of, session_id_of
from channels.zalo.render import chosen
from channels.zalo.store import Job, OutboxStore
from core.storage import Database
from dialogue.tracker import Tracker
from dialogue.turns import Assistant

log = structlog.get_logger(__name__)


class NotReady(RuntimeError):
    """The assistant is not available yet (the models are loading): the event waits, stored."""


class EventProcessor:
    def __init__(self, db: Database, inbox: Inbox, outbox: Outbox, store: OutboxStore,
                 assistant: Callable[[OutboxStore], Assistant | None]) -> None:
        """``assistant(store)`` is the assistant writing through ``store``, or None while it cannot answer."""
        self.db = db
        self.inbox = inbox
        self.outbox = outbox
        self.store = store
        self._assistant = assistant

    def ready(self) -> bool:
        return self._assistant(self.store) is not None

    def assistant(self) -> Assistant:
        found = self._assistant(self.store)
        if found is None:
            raise NotReady("the assistant is not ready")
        return found

    def process(self, claimed: ClaimedEvent) -> None:
        """Do what ``claimed`` asks; raises what the caller must retry or set aside (see the worker)."""
        event = parse_event(claimed.raw.encode("utf-8"))
        job = Job(event_id=claimed.id, token=claimed.token, user_id=claimed.user_id, inbound_at=claimed.received_at)
        session_id = session_id_of(claimed.user_id)
        handler = {"user_send_text": self.text, "user_send_image": self.image,
                   "user_send_location": self.location, "follow": self.follow,
                   "unfollow": self.unfollow}.get(event.event_name)
        if handler is None:  # stored as ignored already; an older version's pending row ends here
            self.inbox.complete(claimed, state="ignored")
            return
        handler(event, job, session_id)

    # -- the events ----------------------------------------------------------------------------------
    def _turn(self, job: Job, session_id: str, text: str) -> None:
        assistant = self.assistant()
        with self.store.processing(job):
            assistant.handle(session_id, text, channel="zalo")

    def text(self, event: ZaloEvent, job: Job, session_id: str) -> None:
        text = event.text()
        picked = chosen(text, options_of(self.db, job.user_id))
        self._turn(job, session_id, picked or text)

    def image(self, event: ZaloEvent, job: Job, session_id: str) -> None:
        url = event.image_url()
        if url is None:  # an image event without an image: nothing to attach
            self.inbox.complete(self._claimed(job), state="ignored")
            return
        attached = self.store.attach_photo(session_id, url)  # idempotent: the same URL again on a retry
        note = texts.PHOTO_NOTE.format(url=url)
        if attached is None:
            job.note, job.photo_url = note, url
            self._turn(job, session_id, texts.START_REPORT)
            return
        reply = texts.PHOTO_TO_DRAFT if attached == "draft" else texts.PHOTO_TO_TICKET.format(ticket_id=attached)
        self._say(job, session_id, note, reply, action="zalo_photo_attached")

    def location(self, event: ZaloEvent, job: Job, session_id: str) -> None:
        place = event.location()
        if place is None:
            self.inbox.complete(self._claimed(job), state="ignored")
            return
        where = place.describe()
        tracker = Tracker.from_state(self.store.state(session_id))
        if tracker.report is not None and tracker.pending is not None and tracker.pending.kind == "report_where":
            self._turn(job, session_id, where)  # the answer to "where?": the dialogue moves on
        elif tracker.report is not None:
            job.location = where
            self._say(job, session_id, texts.LOCATION_NOTE.format(where=where),
                      texts.LOCATION_TO_DRAFT.format(where=where), action="zalo_location_attached")
        else:
            job.note, job.location = texts.LOCATION_NOTE.format(where=where), where
            self._turn(job, session_id, texts.START_REPORT)

    def follow(self, event: ZaloEvent, job: Job, session_id: str) -> None:
        self._turn(job, session_id, texts.WELCOME)

    def unfollow(self, event: ZaloEvent, job: Job, session_id: str) -> None:
        with self.db.session() as session:
            self.inbox.complete_in(session, job.event_id, job.token)
            mark_stopped_in(session, job.user_id, True)
            cancelled = self.outbox.cancel_user_in(session, job.user_id)
        log.info("zalo.unfollowed", user=job.user_id[-6:], cancelled=cancelled)

    # -- helpers -------------------------------------------------------------------------------------
    def _say(self, job: Job, session_id: str, note: str, reply: str, *, action: str) -> None:
        """A turn the channel writes itself: the citizen's note and a short reply, queued like any other."""
        with self.store.processing(job), self.store.turn(session_id, "zalo") as writer:
            question = writer.add_message("in", "citizen", note)
            writer.add_message("out", "assistant", reply, action=action, reply_to=question)

    @staticmethod
    def _claimed(job: Job) -> ClaimedEvent:
        return ClaimedEvent(id=job.event_id, token=job.token, event_name="", user_id=job.user_id, raw="",
                            attempts=0, received_at=job.inbound_at)
