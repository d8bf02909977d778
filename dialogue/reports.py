"""``report_issue`` (phản ánh hiện trường): collect what and where, an optional phone number, confirm, file a ticket.

The first message usually says what and often where ("cây đổ chắn đường Hùng
Vương"): what it already says is not asked again. Places come from the NLU's
``location`` entity, which gives current names for old ones (a pre-2025 ward or
district keeps its name when it was split, so a report is never routed to a
guessed ward); a place the gazetteer does not know ("đầu kiệt 47 Phan Đình Phùng")
is taken as the citizen wrote it. The phone number is asked once and may be
declined. Nothing is filed until the citizen confirms; "thôi"/"hủy" cancels at
any step.
"""

from __future__ import annotations

import re

from dialogue.context import Context, Effects
from dialogue.cues import asks
from dialogue.outcome import Outcome, Say
from dialogue.responses import Labels
from dialogue.tracker import Pending, ReportDraft
from dialogue.understanding import yes_no

MAX_FIELD = 500
# Words that announce a report without saying what it is about ("tôi muốn phản ánh", "báo sự cố").
_ANNOUNCE = set("""
phản ánh phan anh báo bao cáo cao muốn muon tôi toi tui em mình minh cho hỏi hoi gửi gui kiến kien nghị nghi
hiện hien trường truong sự su cố co việc viec về ve một mot cái cai ạ a dạ da ơi oi ad admin với voi giúp giup
cần can làm lam sao thế the nào nao có được duoc không khong ko nhé nhe nha xin chào chao
""".split())
_WORD = re.compile(r"\w+", re.UNICODE)


def says_what(ctx: Context) -> bool:
    """Whether the message describes a problem, beyond announcing a report and naming a place."""
    text = ctx.text
    for start, end in sorted(ctx.spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return any(w.lower() not in _ANNOUNCE and not w.isdigit() for w in _WORD.findall(text))


# The lane and house number before a street ("kiệt 45 Phan Chu Trinh", "đầu kiệt 12 Chi Lăng"): a crew needs
# them, and the gazetteer knows only the street.
_LANE = re.compile(r"(?:(?:đầu|cuối|trong|dau|cuoi)\s+)?(?:kiệt|kiet|hẻm|hem|ngõ|ngo|ngách|số nhà|so nha|số|so)\s*"
                   r"\d+[a-zA-Z]?(?:/\d+)*\s*$", re.IGNORECASE)
# ...and a lane on a street the gazetteer does not know, capitalised as citizens write names.
_LANE_ON_STREET = re.compile(r"\b(?:kiệt|kiet|hẻm|hem|ngõ|ngo)\s*\d+[a-zA-Z]?(?:/\d+)*(?:\s+[A-ZĐ][\wÀ-ỹ]*){1,4}")


def places(ctx: Context) -> str:
    """The places the message names, current names, joined ("kiệt 45 đường Phan Chu Trinh, cầu Trường Tiền")."""
    seen: list[str] = []
    for entity in ctx.entities("location"):
        lane = _LANE.search(ctx.text[:entity.start])
        place = f"{' '.join(lane.group().split())} {entity.value}" if lane else entity.value
        if place not in seen:
            seen.append(place)
    if not seen and (street := _LANE_ON_STREET.search(ctx.text)):
        seen.append(" ".join(street.group().split()))
    return ", ".join(seen)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_FIELD else text[: MAX_FIELD - 1] + "…"


class ReportFlow:
    def __init__(self, labels: Labels) -> None:
        self.labels = labels

    def start(self, ctx: Context) -> Outcome:
        draft = ReportDraft()
        if ctx.command is None and says_what(ctx):
            draft.description = _clip(ctx.text)
        draft.location = places(ctx)
        draft.phone = ctx.entity("phone_number")
        draft.phone_asked = draft.phone is not None
        ctx.tracker.report = draft
        return self.next_step(ctx, draft)

    def next_step(self, ctx: Context, draft: ReportDraft) -> Outcome:
        if not draft.description:
            ctx.tracker.pending = Pending(kind="report_what")
            return Outcome("report_ask_what", [Say("report_ask_what")], intent="report_issue")
        if not draft.location:
            ctx.tracker.pending = Pending(kind="report_where")
            return Outcome("report_ask_where", [Say("report_ask_where")], intent="report_issue")
        if not draft.phone_asked:
            draft.phone_asked = True
            ctx.tracker.pending = Pending(kind="report_phone")
            return Outcome("report_ask_phone", [Say("report_ask_phone")], intent="report_issue")
        ctx.tracker.pending = Pending(kind="report_confirm")
        return Outcome("report_confirm", [Say("report_confirm", {
            "description": draft.description, "location": draft.location,
            "phone": draft.phone or self.labels.not_stated})], intent="report_issue")

    def pending(self, ctx: Context, pending: Pending, effects: Effects) -> Outcome | None:
        """The reply to one of the report's questions; None when the citizen moved on to something else."""
        draft = ctx.tracker.report or ReportDraft()
        ctx.tracker.report = draft
        answer = yes_no(ctx.text) if ctx.command is None else {"affirm": True, "deny": False}.get(ctx.intent)
        if answer is None and ctx.intent in ("affirm", "deny") and not ctx.residual:
            answer = ctx.intent == "affirm"
        if pending.kind == "report_confirm":
            if answer is True:
                return self.file(ctx, draft, effects)
            if answer is False:
                return self.cancel(ctx)
            if pending.attempts == 0 and not self.moves_on(ctx):
                pending.attempts = 1
                return self.next_step(ctx, draft)
            return self.drop(ctx)
        if answer is False and pending.kind != "report_phone":
            return self.cancel(ctx)
        if pending.kind == "report_phone":
            phone = ctx.entity("phone_number")
            if phone is not None:
                draft.phone = phone
            elif answer is not False and self.moves_on(ctx):
                return self.drop(ctx)
            return self.next_step(ctx, draft)
        if self.moves_on(ctx):
            return self.drop(ctx)
        if pending.kind == "report_what":
            draft.description = _clip(ctx.text)
            draft.location = draft.location or places(ctx)
        elif pending.kind == "report_where":
            where = places(ctx)
            if not where and (asks(ctx.text) or ctx.intent == "check_status"):
                return self.drop(ctx)  # "mà cho tui hỏi cái hồ sơ đất tới đâu rồi": another matter, not a place
            if not where and not says_what(ctx):
                return self.next_step(ctx, draft)  # "phản ánh", "dạ": no place said, the question stands
            draft.location = where or _clip(ctx.text)
        draft.phone = draft.phone or ctx.entity("phone_number")
        draft.phone_asked = draft.phone_asked or draft.phone is not None
        return self.next_step(ctx, draft)

    @staticmethod
    def moves_on(ctx: Context) -> bool:
        """The citizen asks for something else instead of answering (a person, a status, a procedure)."""
        if ctx.intent == "request_human":
            return True
        if ctx.intent == "check_status" and ctx.entity("application_code"):
            return True
        return ctx.intent.startswith("ask_") and bool(ctx.entities("procedure")) and ctx.confidence >= 0.8

    def file(self, ctx: Context, draft: ReportDraft, effects: Effects) -> Outcome:
        ticket_id = effects.create_ticket(description=draft.description, location=draft.location,
                                          phone=draft.phone, photo_url=draft.photo_url)
        ctx.tracker.report = None
        ctx.tracker.pending = None
        return Outcome("report_created", [Say("report_created", {"ticket_id": ticket_id})], intent="report_issue",
                       ticket_id=ticket_id)

    @staticmethod
    def cancel(ctx: Context) -> Outcome:
        ctx.tracker.report = None
        ctx.tracker.pending = None
        return Outcome("report_cancelled", [Say("report_cancelled")], intent="report_issue")

    @staticmethod
    def drop(ctx: Context) -> None:
        ctx.tracker.report = None
        ctx.tracker.pending = None
        return None

