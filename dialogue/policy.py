"""The policy: from a message, read in context, to what the assistant does.

Order matters, and is the same on every channel:

1. an empty message is asked for again;
2. an **emergency** comes before anything else: safety guidance with 113/114/115 and an
   urgent request for a person, whatever was going on;
3. while an operator has the conversation, the assistant stays silent;
4. a question the assistant asked (which procedure? which code? where?) is answered by the
   reply when the reply answers it; a reply that asks something else is handled afresh;
5. a few words read whatever the intent model says: leave asked to ask ("cho em hỏi": the question is
   invited), the topic asked again for someone ("cho con gái", "con thứ hai");
6. otherwise the intent decides: a person, a status look-up, a field report, a procedure
   question (:mod:`dialogue.procedures`), where a former ward or district belongs now
   (:mod:`dialogue.places`), a statement of the citizen's situation (``inform``: see
   :meth:`Policy.inform`), or a short polite reply.

The ward or commune a citizen says they live in is kept for the conversation (a field report's
place is not theirs): answers about where to submit then name its People's Committee.

Two turns in a row that the assistant did not understand end with an offer of a person
(``HUEAI_HANDOFF_AFTER_FAILURES``).
"""

from __future__ import annotations

from dialogue.context import Context, Effects
from dialogue.cues import (about_someone, about_the_bot, asks, asks_contact, asks_for_person, asks_leave_to_ask,
                           asks_more, asks_paperwork, asks_repeat, asks_who, checks_line, correction, for_someone, holds,
                           in_danger, starts_with_no, thanks)
from dialogue.outcome import Outcome, Say
from dialogue.places import PlaceFlow
from dialogue.procedures import FACETS, ProcedureFlow
from dialogue.reports import ReportFlow
from dialogue.status_flow import StatusFlow
from dialogue.tracker import Pending
from dialogue.understanding import facet_from_words, rejects, words, yes_no
from knowledge.answers import Facet

#: Intents answered with a template of the same name.
SMALL_TALK = ("greet", "goodbye", "thank", "bot_challenge")
#: Intents (and commands) that are never an answer to a pending "which procedure?" question.
ELSEWHERE = frozenset({"greet", "goodbye", "thank", "bot_challenge", "request_human", "check_status",
                       "report_issue", "emergency", "ask_admin_unit", "inform"})
#: Below this, a "report_issue" from the intent model that a conversation explains otherwise (a person is being
#: waited for; a procedure is being discussed) is not taken for a street report.
_SURE_REPORT = 0.8
#: Intents whose place is not where the citizen lives: a field report's, an emergency's.
_ELSEWHERE_PLACES = frozenset({"report_issue", "emergency"})


class Policy:
    def __init__(self, procedures: ProcedureFlow, status: StatusFlow, reports: ReportFlow, *,
                 places: PlaceFlow | None = None, handoff_after_failures: int = 2) -> None:
        self.procedures = procedures
        self.status = status
        self.reports = reports
        self.places = places or PlaceFlow()
        self.handoff_after_failures = handoff_after_failures

    def decide(self, ctx: Context, effects: Effects) -> Outcome:
        if not ctx.text.strip():
            return Outcome("empty_message", [Say("empty_message")])
        if (ctx.intent == "emergency" or in_danger(ctx.text)) and not self.not_an_emergency(ctx):
            return self.emergency(ctx, effects)
        if ctx.handoff_state == "active":
            return Outcome("to_operator", [], handoff=True)
        if ctx.command is None and ctx.tracker.pending is not None and holds(ctx.text):
            return Outcome("hold", [Say("hold")])  # "khoan đã", "chờ chút để tui coi": the question stands
        if ctx.handoff_state == "waiting" and ctx.command is None and (
                checks_line(ctx.text) or ctx.intent in ("greet", "bot_challenge")):
            return Outcome("handoff_waiting", [Say("handoff_waiting")], handoff=True)  # "alo, có ai nghe không"
        if ctx.command is None and ctx.tracker.last_reply:
            if asks_repeat(ctx.text):  # "hả?", "nghe không rõ, nói lại đi": the same reply again
                return Outcome("repeat", [Say("repeat", {"reply": ctx.tracker.last_reply})])
            if checks_line(ctx.text):  # "alo alo" in the middle of a call: still here, nothing lost
                return Outcome("line_check", [Say("line_check")])
            number = ctx.text.strip(" .")
            if number.isdecimal() and ctx.tracker.pending is None and int(number) > ctx.tracker.last_buttons > 0:
                # "9" under six buttons: which numbers there are, not "em chưa hiểu".
                return Outcome("choice_out_of_range", [Say("choice_out_of_range", {"count": ctx.tracker.last_buttons})])
        if ctx.intent not in _ELSEWHERE_PLACES and ctx.tracker.report is None:
            ctx.tracker.ward = self.places.ward_of(ctx) or ctx.tracker.ward
        outcome = self.pending(ctx, effects) if ctx.tracker.pending is not None else None
        if outcome is None:
            outcome = self.route(ctx, effects)
        return self.account(ctx, outcome)

    def not_an_emergency(self, ctx: Context) -> bool:
        """An "emergency" from the NLU that is plainly something else: a reply picking one of the offered
        procedures ("cấp xã"), or a follow-up naming only a qualifier ("vs ng nước ngoài thì s"). Anything
        with words of its own stays an emergency (better one needless alarm than a missed one), unless it names a
        procedure and asks for paperwork with no word of danger now: "xin cấp lại sổ đỏ bị cháy"."""
        if ctx.entities("procedure") and asks_paperwork(ctx.text):
            return True
        if ctx.residual:
            return False
        pending = ctx.tracker.pending
        if pending is not None and pending.kind == "choose_procedure":
            return self.procedures.picks(ctx, pending) is not None
        return ctx.tracker.topic is not None and (ctx.qualifiers.foreign is not None or bool(ctx.levels))

    # -- what the conversation was waiting for -------------------------------------------------------
    def pending(self, ctx: Context, effects: Effects) -> Outcome | None:
        pending = ctx.tracker.pending
        assert pending is not None
        command = ctx.command
        if command is not None and command.name not in ("affirm", "deny", "choose"):
            ctx.tracker.pending = None
            return None
        if command is not None and command.name == "choose":
            return None  # the route reads the pending options
        if pending.kind == "choose_procedure":
            outcome = self.procedures.pending_choice(ctx, pending)
        elif pending.kind == "which_procedure":
            outcome = self.which_procedure(ctx, pending)
        elif pending.kind == "status_code":
            outcome = self.status.pending(ctx, pending)
        elif pending.kind.startswith("report_"):
            outcome = self.reports.pending(ctx, pending, effects)
        elif pending.kind == "offer_handoff":
            outcome = self.offered_handoff(ctx, effects)
        else:
            outcome = None
        if outcome is None and ctx.tracker.pending is pending:
            ctx.tracker.pending = None  # the question lapses; the message is handled afresh
        return outcome

    def which_procedure(self, ctx: Context, pending: Pending) -> Outcome | None:
        if ctx.intent in ELSEWHERE:
            return None
        ctx.tracker.pending = None
        asked = FACETS.get(ctx.intent) if not ctx.names_no_facet else None
        facet = asked if asked not in (None, Facet.overview) else facet_from_words(ctx.view) or pending.facet
        outcome = self.procedures.ask(ctx, facet, search_first=True)
        return outcome or Outcome("no_answer", [Say("no_answer")], failed=True)

    def offered_handoff(self, ctx: Context, effects: Effects) -> Outcome | None:
        # "vậy tôi hỏi ai", "ừ cho gặp đi": a person, yes.
        answer = True if asks_who(ctx.text) or "gap" in words(ctx.text) else self.yes_or_no(ctx)
        ctx.tracker.pending = None
        if answer is True:
            return self.handoff(ctx, effects, "not_understood")
        if answer is False:
            return Outcome("handoff_declined", [Say("handoff_declined")])
        return None

    # -- a fresh message -------------------------------------------------------------------------------
    def route(self, ctx: Context, effects: Effects) -> Outcome:
        command, intent, topic = ctx.command, ctx.intent, ctx.tracker.topic
        if command is not None:
            if command.name == "full":
                return self.procedures.full(ctx) or self.not_understood()
            if command.name == "choose" and command.argument:
                return self.procedures.choose(ctx, command.argument)
            if command.name in FACETS:
                facet = FACETS[command.name]
                if topic is not None:
                    return self.procedures.answer(ctx, topic.code, facet, siblings=topic.siblings,
                                                  question=topic.question)
                return self.procedures.ask_which(ctx, facet)
        meant = correction(ctx.text)
        if meant is not None and intent not in ("request_human", "check_status", "report_issue"):
            # "Không phải, ý tui là cccd của con tui, làm lần đầu": what was meant is the question now.
            outcome = self.procedures.ask(ctx, facet_from_words(meant), search_first=True, meant=meant)
            return outcome or Outcome("answer_rejected", [Say("choice_declined")])
        if topic is not None and command is None and asks_more(ctx.text) and len(ctx.residual) <= 2 and (
                FACETS.get(intent) in (None, Facet.overview, topic.facet)):
            # "đọc tiếp đi", "còn giấy tờ chi nữa": the rest of what was shown briefly (the "Xem đầy đủ" button)
            return self.procedures.full(ctx) or self.not_understood()
        if topic is not None and ctx.entities("location") and not ctx.entities("procedure") and (
                rejects(ctx.text) or starts_with_no(ctx.text)):
            return self.inform(ctx)  # "k phải, đất ở hương trà chứ ko phải phú vang": the place is corrected
        if topic is not None and rejects(ctx.text) and not ctx.entities("procedure"):
            # "Không phải cái đó": the last answer was about the wrong procedure; it is no longer the topic.
            ctx.tracker.topic = None
            return Outcome("answer_rejected", [Say("choice_declined")], procedure=None)
        if ctx.handoff_state == "waiting" and self.yes_or_no(ctx) is False:  # "thôi, không cần nữa"
            effects.cancel_handoff()
            return Outcome("handoff_cancelled", [Say("handoff_cancelled")])
        if asks_leave_to_ask(ctx.text):  # "cho em hỏi": nothing asked yet, and no failure
            return Outcome("ask_go_ahead", [Say("ask_go_ahead")])
        if topic is not None and for_someone(ctx.text) and not asks_for_person(ctx.text):
            # "cho con gái", "còn cho vợ tui", "con thứ hai": the topic again, for someone else, whatever the intent
            # model made of so few words (it read "cho con gái" as asking for a person).
            return self.procedures.follow_up(ctx, topic, facet_from_words(ctx.view))
        if intent == "request_human" or asks_for_person(ctx.text):
            return self.handoff(ctx, effects, "request_human")
        if (asks_contact(ctx.text) and not ctx.entities("procedure") and not ctx.entities("phone_number")
                and not facet_from_words(ctx.view)):
            # A phone number, an address, opening hours: not in the records; said so, and a person offered.
            ctx.tracker.pending = Pending(kind="offer_handoff", question=ctx.text)
            return Outcome("contact_unknown", [Say("contact_unknown")])
        if ctx.entity("application_code") is not None and intent != "report_issue" or intent == "check_status":
            return self.status.start(ctx)
        if intent == "report_issue":
            if ctx.handoff_state == "waiting" and ctx.confidence < _SURE_REPORT:  # "tôi vẫn đang chờ" is no report
                return Outcome("handoff_waiting", [Say("handoff_waiting")], handoff=True)
            if topic is not None and ctx.confidence < _SURE_REPORT and not asks(ctx.text):
                # "bé sinh ở bệnh viện trung ương huế" after a birth registration: a place in the citizen's story,
                # which the intent model half took for a street report, not one; nor a matter of its own to search
                # ("bé sinh ở bệnh viện" alone finds the mobile registration).
                return self.inform(ctx, search=False)
            if asks(ctx.text):
                # A question about a matter the city's base lacks ("bệnh viện … khám bhyt trái tuyến có được
                # hưởng ko", "cúp điện từ sáng, gọi ai") is told so, not filed as a street report.
                # So is one about a procedure the base holds ("xây nhà mới ở xã Phong Hiền thì có cần xin
                # phép xây dựng không"): answered, not filed.
                response = ctx.search(ctx.question)
                answered = (self.procedures.from_search(ctx, response, facet_from_words(ctx.view) or Facet.overview)
                            if response.missing or response.results else None)
                if answered is not None:
                    return answered
            return self.reports.start(ctx)
        if intent == "ask_admin_unit":
            return self.places.answer(ctx)
        if intent == "inform":
            return self.inform(ctx)
        if intent in FACETS:
            asked = FACETS[intent] if not ctx.names_no_facet else Facet.overview
            if asked is Facet.place and facet_from_words(ctx.view) is Facet.duration:
                asked = Facet.duration  # Huế's "khi mô có" asks when, though "mô" is also "where"
            # "ask_procedure" on a follow-up without facet words keeps the topic's facet.
            facet = asked if asked is not Facet.overview else facet_from_words(ctx.view) or (
                None if topic is not None and len(ctx.residual) <= 1 else Facet.overview)
            outcome = self.procedures.ask(ctx, facet)
            if outcome is None and topic is not None and intent == "ask_procedure" and not asks(ctx.text) and (
                    not ctx.entities("procedure") and facet_from_words(ctx.view) is None):
                # "xe mua lại của người quen ở tỉnh khác" after a vehicle transfer: the situation told, which no
                # procedure of its own matches, not another question ("em chưa tìm thấy thủ tục nào").
                outcome = self.inform(ctx)
            outcome = outcome or Outcome("no_answer", [Say("no_answer")], failed=True)
            outcome.parts.extend(self.places.notes(ctx))  # "xã Phú Mậu cũ": which ward's office is theirs now
            return outcome
        if intent in ("affirm", "deny"):
            if topic is not None and not ctx.residual and (ctx.qualifiers.foreign is not None or ctx.levels):
                return self.procedures.follow_up(ctx, topic, None)  # "có yếu tố nước ngoài": a qualifier
            if ctx.residual and yes_no(ctx.text) is None and (outcome := self.named_only(ctx)) is not None:
                return outcome  # "cải chính hộ tịch", read as "affirm", says no yes and names a procedure
            return Outcome(f"{intent}_idle", [Say(f"{intent}_idle")])
        if thanks(ctx.text) and intent not in ("goodbye",):
            return Outcome("thank", [Say("thank")])  # "ok thanks", "tks ad"
        if intent in SMALL_TALK and (intent != "bot_challenge" or about_the_bot(ctx.text)):
            return Outcome(intent, [Say(intent)])
        facet = facet_from_words(ctx.view)
        if intent == "out_of_scope":
            if ctx.residual:
                response = ctx.search(ctx.text)
                if response.results or response.missing:
                    outcome = self.procedures.from_search(ctx, response, facet or Facet.overview)
                    if outcome is not None:
                        return outcome
            return Outcome("out_of_scope", [Say("out_of_scope")])
        # Not understood by the NLU model: a follow-up, a procedure named without a question, or nothing.
        if topic is not None and not ctx.residual and (facet or ctx.qualifiers.foreign is not None or ctx.levels):
            return self.procedures.follow_up(ctx, topic, facet)  # "có yếu tố nước ngoài"
        if ctx.residual or facet is not None:
            outcome = self.procedures.ask(ctx, facet)
            if outcome is not None:
                return outcome
        if ctx.entities("procedure"):  # "xin cấp giấy phép bán rượu": understood, but not in the knowledge base
            return Outcome("no_answer", [Say("no_answer")], failed=True)
        return self.named_only(ctx) or self.not_understood()

    def named_only(self, ctx: Context) -> Outcome | None:
        """A message that only names what it is about ("hộ nghèo", "người có công", "hưởng bảo hiểm xã hội một
        lần"), which the NLU model reads as a statement or not at all: the question it is, when the index finds
        the procedure with confidence or knows that the base lacks it. None otherwise, and for a message that tells
        about someone ("em là sinh viên": no question about student housing): the caller acknowledges."""
        if about_someone(ctx.text):
            return None
        response = self.procedures.search(ctx)
        if response.results or response.missing:
            return self.procedures.from_search(ctx, response, Facet.overview)
        return None

    def inform(self, ctx: Context, *, search: bool = True) -> Outcome:
        """A statement of the citizen's situation, with no question in it.

        A foreign spouse or nationality is a qualifier of the topic ("vợ tôi là người Nhật" after a birth
        registration: the one with a foreign element); a ward said while the topic's place was asked gets
        the place answer again, now naming that ward's office; otherwise the assistant notes it and asks
        what the citizen needs (a former ward also gets where it belongs now). ``search``: whether a statement
        that names another matter is searched for it (see :meth:`named_only`).
        """
        if ctx.handoff_state == "waiting":  # "tôi vẫn đang chờ": for the operator, who has the transcript
            return Outcome("handoff_waiting", [Say("handoff_waiting")], handoff=True)
        asked = facet_from_words(ctx.view)
        if asked is not None and ctx.residual:
            # "Vợ tui mới sinh em bé, giờ phải làm giấy tờ chi": a situation told, and a question asked about it.
            outcome = self.procedures.ask(ctx, asked, search_first=True)
            if outcome is not None:
                return outcome
        topic = ctx.tracker.topic
        notes = self.places.notes(ctx)
        said_ward = ctx.tracker.ward if self.places.ward_of(ctx) else None
        if topic is not None and ctx.qualifiers.foreign is not None:
            return self.procedures.follow_up(ctx, topic, None)
        if topic is not None and said_ward and topic.facet is Facet.place:
            outcome = self.procedures.answer(ctx, topic.code, Facet.place, siblings=topic.siblings,
                                             question=topic.question)
            outcome.parts.extend(notes)
            return outcome
        # Another matter named ("hộ nghèo" after a birth registration) takes two words; one ("tuổi" of "15 tuổi")
        # qualifies the topic.
        names_matter = search and len(ctx.residual) >= (1 if topic is None else 2) and not said_ward
        if names_matter and (outcome := self.named_only(ctx)) is not None:
            return outcome
        # One acknowledgement: where a former ward went (it names the current one), the ward noted, or a "yes".
        parts = notes or [Say("inform_ward", {"ward": said_ward}) if said_ward else Say("inform_ack")]
        parts.append(Say("inform_topic", {"name": topic.name}) if topic is not None else Say("inform_idle"))
        return Outcome("inform_noted", parts)

    # -- people ----------------------------------------------------------------------------------------------
    def emergency(self, ctx: Context, effects: Effects) -> Outcome:
        effects.open_handoff("emergency", urgent=True)
        ctx.tracker.pending = None
        ctx.tracker.report = None
        return Outcome("emergency", [Say("emergency")], handoff=True)

    def handoff(self, ctx: Context, effects: Effects, reason: str) -> Outcome:
        ctx.tracker.pending = None
        ctx.tracker.failures = 0
        if ctx.handoff_state == "waiting":
            return Outcome("handoff_waiting", [Say("handoff_waiting")], handoff=True, intent="request_human")
        effects.open_handoff(reason)
        return Outcome("handoff", [Say("handoff_started")], handoff=True, intent="request_human")

    @staticmethod
    def not_understood() -> Outcome:
        return Outcome("not_understood", [Say("not_understood")], failed=True)

    @staticmethod
    def yes_or_no(ctx: Context) -> bool | None:
        if ctx.command is not None:
            return {"affirm": True, "deny": False}.get(ctx.command.name)
        answer = yes_no(ctx.text)
        if answer is None and ctx.intent in ("affirm", "deny") and not ctx.residual:
            answer = ctx.intent == "affirm"
        return answer

    def account(self, ctx: Context, outcome: Outcome) -> Outcome:
        """Count failures (offer a person after too many) and mark a conversation that is with a person."""
        tracker = ctx.tracker
        if ctx.handoff_state in ("waiting", "active") and outcome.action not in ("handoff_cancelled",):
            outcome.handoff = True
            if outcome.failed:  # a person is on the way: no need to apologise twice
                return Outcome("handoff_waiting", [Say("handoff_waiting")], handoff=True)
        if not outcome.failed:
            tracker.failures = 0
            return outcome
        tracker.failures += 1
        if tracker.failures >= self.handoff_after_failures and not outcome.handoff:
            tracker.failures = 0
            tracker.pending = Pending(kind="offer_handoff")
            return Outcome("offer_handoff", [Say("not_understood_offer")], failed=True)
        return outcome
