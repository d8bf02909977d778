"""The desk over the dialogue's :class:`~dialogue.conversations.ConversationStore` (the one conversation store).

A thin adapter: it renames (``UnknownSession`` → :class:`UnknownConversation`),
converts the store's views into the desk's models, and reads back what a write
produced (the stored reply, the closing notice) so that the channel can deliver
exactly what was stored.
"""

from __future__ import annotations

from sqlalchemy import select

from channels.desk.models import DeskMessage, HandedOver, UnknownConversation, UnknownMessage
from core.storage import Database
from dialogue.conversations import ConversationStore, MessageView, UnknownSession
from dialogue.conversations import UnknownMessage as StoreUnknownMessage
from dialogue.tables import ConversationRow


def _message(view: MessageView) -> DeskMessage:
    return DeskMessage(message_id=view.id, session_id=view.session_id, channel=view.channel,
                       direction=view.direction, sender=view.sender,
                       text=view.text, intent=view.intent, confidence=view.confidence, sources=view.sources,
                       quick_replies=view.quick_replies, action=view.action, operator=view.operator,
                       created_at=view.created_at)


class DialogueDesk:
    """:class:`channels.desk.OperatorDesk` over the dialogue's conversation store."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.store = ConversationStore(db)

    def handed_over(self) -> list[HandedOver]:
        return [HandedOver(session_id=h.session_id, channel=h.channel, state=h.state, reason=h.reason,
                           urgent=h.urgent, operator=h.operator, since=h.created_at,
                           last_text=h.messages[-1].text if h.messages else None)
                for h in self.store.handoffs(transcript=1)]

    def in_handoff(self, session_id: str) -> bool:
        # the store mirrors the open handoff on the conversation's row; one indexed read
        with self.db.session() as session:
            state = session.scalar(select(ConversationRow.handoff_state).where(ConversationRow.id == session_id))
        return state is not None

    def transcript(self, session_id: str) -> list[DeskMessage]:
        messages = self.store.transcript(session_id)
        if not messages and not self.store.exists(session_id):
            raise UnknownConversation(f"no conversation {session_id!r}")
        return [_message(m) for m in messages]

    def messages_after(self, session_id: str, after: str | None) -> list[DeskMessage]:
        try:
            return [_message(m) for m in self.store.messages_after(session_id, after)]
        except StoreUnknownMessage:  # not a message id at all
            return []

    def _last_id(self, session_id: str) -> str | None:
        last = self.store.transcript(session_id, limit=1)
        return last[0].id if last else None

    def operator_reply(self, session_id: str, text: str, operator: str) -> DeskMessage:
        before = self._last_id(session_id)
        try:
            message_id = self.store.operator_reply(session_id, text, operator)
        except UnknownSession as exc:
            raise UnknownConversation(str(exc)) from None
        written = [m for m in self.store.messages_after(session_id, before) if m.id == message_id]
        return _message(written[0])

    def close_handoff(self, session_id: str, operator: str) -> list[DeskMessage]:
        before = self._last_id(session_id)
        try:
            closed = self.store.close_handoff(session_id, operator)
        except UnknownSession as exc:
            raise UnknownConversation(str(exc)) from None
        if not closed:
            return []
        return [_message(m) for m in self.store.messages_after(session_id, before) if m.action == "handoff_closed"]

    def record_feedback(self, session_id: str, message_id: str, *, helpful: bool, comment: str | None = None,
                        correct_code: str | None = None, operator: str | None = None) -> None:
        try:
            self.store.record_feedback(message_id, helpful, comment, correct_code, session_id=session_id,
                                       operator=operator)
        except StoreUnknownMessage as exc:
            raise UnknownMessage(str(exc)) from None
