"""The assistant every channel talks to: :class:`DialogueAssistant`, an :class:`~dialogue.turns.Assistant`.

It is built from small callables, never from the runtime, so tests, benchmarks and
every process build it the same way::

    assistant = DialogueAssistant(
        parse=nlu_model.parse,                                   # str -> ParseResult
        search=index.search,                                     # (text, k=, channel=) -> SearchResponse
        procedure=lambda code: get_procedure(db, code),          # code -> Procedure | None
        store=ConversationStore(db),
        status=TableStatusAdapter(db),
        restore=lambda text: index.parse(text).restored,         # optional: diacritics for unaccented text
    )
    turn = assistant.handle("web-3f2a", "đăng ký khai sinh cần giấy tờ gì", channel="web")
    turn.reply, turn.sources, turn.quick_replies

One turn: the message is parsed (outside any lock: it depends on the text only),
and, when it looks like a question about a procedure, searched ahead; then the
session's row is locked (:meth:`ConversationStore.turn`), its tracker read, the
policy decides (:mod:`dialogue.policy`), the reply is worded for the channel
(:mod:`dialogue.render`), and the incoming message, the reply and the new tracker
are written in the same transaction. A database that fails mid-turn leaves nothing
half-written and raises :class:`DialogueUnavailable`, whose ``reply`` tells the
citizen to try again.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy.exc import DBAPIError, OperationalError

from core.types import CHANNELS, Channel
from dialogue.context import Command, Context
from dialogue.conversations import ConversationStore
from dialogue.masking import mask_pii
from dialogue.outcome import Outcome, Say
from dialogue.policy import Policy
from dialogue.procedures import FACETS, ProcedureFlow
from dialogue.render import Renderer
from dialogue.reports import ReportFlow
from dialogue.responses import Responses
from dialogue.status import StatusAdapter
from dialogue.status_flow import StatusFlow
from dialogue.tracker import Tracker
from dialogue.turns import Turn
from knowledge.index.query import InvalidQuery
from knowledge.index.results import SearchResponse
from knowledge.records import Procedure
from nlu.results import IntentScore, ParseResult

log = structlog.get_logger(__name__)

#: Characters of a message the NLU and the search read (the knowledge index refuses longer questions);
#: up to :data:`MAX_STORED` are kept in the transcript.
MAX_READ = 1000
MAX_STORED = 5000
MAX_SESSION_ID = 128
#: Characters of the last reply the tracker keeps, to say again ("nói lại đi"); a longer one is cut there.
MAX_REPEATED = 3000


class DialogueUnavailable(RuntimeError):
    """The conversation could not be read or written (the database is down); nothing was stored.
    ``reply`` is what to tell the citizen."""

    def __init__(self, reply: str, cause: Exception) -> None:
        super().__init__(f"conversation store unavailable: {type(cause).__name__}")
        self.reply = reply


@dataclass
class TurnResult:
    """A turn and what the policy decided (templates, the procedure), for stories and benchmarks."""

    turn: Turn
    outcome: Outcome


class DialogueAssistant:
    """See the module docstring. Thread-safe; any number of processes may share one database."""

    def __init__(
        self,
        *,
        parse: Callable[[str], ParseResult],
        search: Callable[..., SearchResponse],
        procedure: Callable[[str], Procedure | None],
        store: ConversationStore,
        status: StatusAdapter | None = None,
        responses: Responses | None = None,
        restore: Callable[[str], str] | None = None,
        handoff_after_failures: int = 2,
    ) -> None:
        self._parse = parse
        self._search = search
        self.store = store
        self.responses = responses or Responses.load()
        self.restore = restore
        self.renderer = Renderer(self.responses)
        labels = self.responses.labels
        self.policy = Policy(ProcedureFlow(procedure, labels), StatusFlow(status), ReportFlow(labels),
                             handoff_after_failures=handoff_after_failures)

    # -- the Assistant protocol ------------------------------------------------------------------------
    def handle(self, session_id: str, text: str, *, channel: Channel) -> Turn:
        return self.respond(session_id, text, channel=channel).turn

    def respond(self, session_id: str, text: str, *, channel: Channel) -> TurnResult:
        """:meth:`handle`, also returning what the policy decided."""
        if not isinstance(session_id, str) or not session_id.strip() or len(session_id) > MAX_SESSION_ID:
            raise ValueError(f"a session id is 1-{MAX_SESSION_ID} characters")
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")
        text = _clean(text if isinstance(text, str) else "")
        latency: dict[str, float] = {"parse": 0.0, "search": 0.0, "policy": 0.0, "store": 0.0}
        started = time.perf_counter()
        command = Command.read(text)
        read = text[:MAX_READ]
        parse = self._parse_text(read, command)
        latency["parse"] = _ms(started)
        ctx = Context(text=read, parse=parse, channel=channel, tracker=Tracker(), handoff_state=None,
                      search=self._searcher(channel, latency), restore=self.restore, command=command)
        self._search_ahead(ctx)
        try:
            return self._turn(session_id, text, ctx, latency, started)
        except (OperationalError, DBAPIError) as exc:
            log.error("dialogue.store_unavailable", session=session_id[:16], error=type(exc).__name__)
            raise DialogueUnavailable(self.responses.text("unavailable", channel), exc) from exc

    # -- the steps -----------------------------------------------------------------------------------------
    def _turn(self, session_id: str, text: str, ctx: Context, latency: dict[str, float], started: float
              ) -> TurnResult:
        store_started = time.perf_counter()
        with self.store.turn(session_id, ctx.channel) as writer:
            ctx.tracker = Tracker.from_state(writer.state)
            ctx.handoff_state = writer.handoff_state
            incoming = writer.add_message(
                "in", "citizen", text[:MAX_STORED], intent=ctx.parse.intent.name,
                confidence=round(ctx.parse.intent.confidence, 4),
                entities=[e.model_dump(mode="json") for e in ctx.parse.entities])
            policy_started = time.perf_counter()
            search_before = latency["search"]
            outcome = self._decide(ctx, writer)
            reply, quick_replies = self.renderer.render(outcome, ctx.channel)
            latency["policy"] = _ms(policy_started) - (latency["search"] - search_before)
            intent = outcome.intent or ctx.intent
            sources = [s.model_dump(mode="json") for s in outcome.sources]
            message_id = incoming
            if reply or outcome.action != "to_operator":
                # The stored latencies end here; the commit's share shows in the Turn's and the benchmark's.
                stored = dict(latency, store=self._store_ms(store_started, latency, search_before),
                              total=_ms(started))
                message_id = writer.add_message(
                    "out", "assistant", reply, intent=intent, confidence=round(ctx.confidence, 4), sources=sources,
                    quick_replies=[q.model_dump(mode="json") for q in quick_replies], action=outcome.action,
                    latency_ms={k: round(v, 2) for k, v in stored.items()}, reply_to=incoming)
            if reply and outcome.action not in ("repeat", "line_check", "choice_out_of_range", "hold"):
                ctx.tracker.last_reply = reply[:MAX_REPEATED]
                ctx.tracker.last_buttons = len(quick_replies)
            writer.state = ctx.tracker.to_state()
        latency["store"] = self._store_ms(store_started, latency, search_before)
        latency["total"] = _ms(started)
        turn = Turn(session_id=session_id, message_id=str(message_id), reply=reply, intent=intent,
                    confidence=round(ctx.confidence, 4), entities=ctx.parse.entities, sources=outcome.sources,
                    quick_replies=quick_replies, handoff=outcome.handoff, ticket_id=outcome.ticket_id,
                    action=outcome.action, latency_ms={k: round(v, 2) for k, v in latency.items()})
        log.info("dialogue.turn", session=session_id[:16], channel=ctx.channel, intent=intent, action=outcome.action,
                 procedure=outcome.procedure, handoff=outcome.handoff, total_ms=turn.latency_ms.get("total"))
        log.debug("dialogue.text", session=session_id[:16], text=mask_pii(text[:200]))
        return TurnResult(turn, outcome)

    def _decide(self, ctx: Context, writer: Any) -> Outcome:
        try:
            return self.policy.decide(ctx, writer)
        except (OperationalError, DBAPIError):
            raise
        except Exception:  # a bug must not cost the citizen an answer; it is logged with its trace
            # The trace as text, masked: a console renderer showing the frames' locals would print the message.
            log.error("dialogue.policy_failed", intent=ctx.intent, trace=mask_pii(traceback.format_exc()))
            return Outcome("error", [Say("not_understood")], failed=True)

    @staticmethod
    def _store_ms(store_started: float, latency: dict[str, float], search_before: float) -> float:
        """Time in the store: the whole locked section less the decision and searches made in it."""
        return max(_ms(store_started) - latency["policy"] - (latency["search"] - search_before), 0.0)

    def _parse_text(self, text: str, command: Command | None) -> ParseResult:
        if command is not None:
            score = IntentScore(name=command.name, confidence=1.0)
            return ParseResult(text=text, intent=score, intent_ranking=[score], entities=[])
        if not text.strip():
            score = IntentScore(name="nlu_fallback", confidence=0.0)
            return ParseResult(text=text, intent=score, intent_ranking=[score], entities=[])
        return self._parse(text)

    def _searcher(self, channel: str, latency: dict[str, float]) -> Callable[[str], SearchResponse]:
        """The search for this turn: the channel's threshold, each question searched once."""
        memo: dict[str, SearchResponse] = {}

        def search(question: str) -> SearchResponse:
            if question not in memo:
                started = time.perf_counter()
                try:
                    memo[question] = self._search(question, k=5, channel=channel if channel == "voice" else None)
                except InvalidQuery as exc:
                    memo[question] = SearchResponse(query=question[:200], results=[], confident=False,
                                                    confidence=0.0, reason=str(exc))
                latency["search"] += _ms(started)
            return memo[question]

        return search

    @staticmethod
    def _search_ahead(ctx: Context) -> None:
        """Search a question that looks like a new procedure question before the session is locked, so the
        lock is held for the decision and the writes only (the turn reuses the result)."""
        if ctx.command is not None or not ctx.text.strip():
            return
        if ctx.intent in FACETS or ctx.intent in ("nlu_fallback", "out_of_scope"):
            if ctx.residual or ctx.entities("procedure"):
                ctx.search(ctx.question)


def _clean(text: str) -> str:
    """Control characters out (a pasted NUL or escape code must not reach the NLU or the database)."""
    if text.isprintable():
        return text.strip()
    return "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text).strip()


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000.0
