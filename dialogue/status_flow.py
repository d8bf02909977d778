"""``check_status``: collect the application code, check its form, look it up.

The NLU's ``application_code`` entity already reads a code typed with spaces
("000.00.21.h57 250312 0042") or read out digit by digit on the phone, and writes
it canonically. A message that tries to give a code but does not make one (too
few digits, no agency part) is answered once with the expected form; a second
miss ends the attempt with where else to look and a button for a person.
"""

from __future__ import annotations

import re
from datetime import datetime

import structlog

from dialogue.context import Context
from dialogue.outcome import Outcome, Say
from dialogue.status import StatusAdapter, StatusUnavailable
from dialogue.tracker import Pending
from dialogue.understanding import says_unsure, yes_no
from nlu.entities.spoken import digit_symbol
from nlu.text import normalize

log = structlog.get_logger(__name__)

CODE_FORM = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.H\d{2}-\d{6}-\d{4}$")
# A message trying to give a code: five digits or more in all, or the agency part ("H57").
_AGENCY = re.compile(r"\bh\s?\d{1,2}\b", re.IGNORECASE)
_DIGITS = re.compile(r"\d")
_DIGIT_RUN = re.compile(r"\d[\d\s.\-]*")


#: Digits read out in a row that make an attempt at a code (the NLU's receipt-code reading wants 7).
SPOKEN_CODE_DIGITS = 5


def digits_said(text: str) -> str:
    """``text`` with runs of :data:`SPOKEN_CODE_DIGITS` or more digits read out as words ("không chín không
    một hai") written as digits, by the NLU's table of digit words (:func:`nlu.entities.spoken.digit_symbol`)."""
    out: list[str] = []
    run: list[tuple[str, str]] = []  # (word, digit)

    def flush() -> None:
        out.extend(["".join(d for _, d in run)] if len(run) >= SPOKEN_CODE_DIGITS else [w for w, _ in run])
        run.clear()

    for word in text.split():
        bare = word.strip(".,;:!?")
        symbol = None if bare.isdigit() else digit_symbol(normalize(bare))
        if symbol is not None and len(symbol) == 1 and symbol.isdigit():
            run.append((word, symbol))
        else:
            flush()
            out.append(word)
    flush()
    return " ".join(out)


def attempted_code(text: str) -> str | None:
    """The part of ``text`` that looks like an attempt at a code (to quote back), or None; digits read out
    as words count ("mã là không chín không một hai ba bốn năm" -> "09012345")."""
    text = digits_said(text)
    if len(_DIGITS.findall(text)) < 5 and not _AGENCY.search(text):
        return None
    match = _DIGIT_RUN.search(text) or _AGENCY.search(text)
    if match is None:
        return None
    start = match.start()
    end = match.end()
    # Widen to the whole token run the citizen typed ("000.00.21.H5-2503").
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end].strip(" ,.;:")[:40]


class StatusFlow:
    def __init__(self, adapter: StatusAdapter | None) -> None:
        self.adapter = adapter

    def start(self, ctx: Context) -> Outcome:
        code = ctx.entity("application_code")
        if code is not None:
            return self.lookup(ctx, code)
        tried = attempted_code(ctx.text)
        if tried is not None and not ctx.entities("phone_number"):
            ctx.tracker.pending = Pending(kind="status_code", attempts=1)
            return Outcome("status_bad_code", [Say("status_bad_code", {"code": tried})], intent="check_status")
        ctx.tracker.pending = Pending(kind="status_code")
        return Outcome("status_ask_code", [Say("status_ask_code")], intent="check_status")

    def pending(self, ctx: Context, pending: Pending) -> Outcome | None:
        """The reply to "mã hồ sơ là gì?"; None when it is something else (handled afresh)."""
        code = ctx.entity("application_code")
        if code is not None:
            return self.lookup(ctx, code)
        tried = attempted_code(ctx.text)
        if tried is not None:
            if pending.attempts == 0:
                pending.attempts = 1
                return Outcome("status_bad_code", [Say("status_bad_code", {"code": tried})], intent="check_status")
            ctx.tracker.pending = None
            return Outcome("status_give_up", [Say("status_give_up")], intent="check_status")
        if yes_no(ctx.text) is False or says_unsure(ctx.text) or ctx.intent == "deny":  # "không nhớ mã"
            ctx.tracker.pending = None
            return Outcome("status_give_up", [Say("status_give_up")], intent="check_status")
        ctx.tracker.pending = None
        return None

    def lookup(self, ctx: Context, code: str) -> Outcome:
        ctx.tracker.pending = None
        if not CODE_FORM.match(code):
            ctx.tracker.pending = Pending(kind="status_code", attempts=1)
            return Outcome("status_bad_code", [Say("status_bad_code", {"code": code})], intent="check_status")
        if self.adapter is None:
            return Outcome("status_unavailable", [Say("status_unavailable")], intent="check_status")
        try:
            status = self.adapter.lookup(code)
        except StatusUnavailable as exc:
            log.warning("dialogue.status_unavailable", error=str(exc)[:200])
            return Outcome("status_unavailable", [Say("status_unavailable")], intent="check_status")
        if status is None:
            return Outcome("status_not_found", [Say("status_not_found", {"code": code})], intent="check_status")
        details = []  # said after the status, each only when the source gives it
        if status.updated_at is not None:
            details.append(Say("status_details", {"updated_at": _date(status.updated_at)}))
        if status.office:
            details.append(Say("status_office", {"office": status.office}))
        return Outcome("status_found", [Say("status_found", {"code": status.code, "status": status.status.rstrip("."),
                                                              "details": details})], intent="check_status")


def _date(value: datetime | None) -> str:
    return f"{value:%d/%m/%Y}" if value is not None else ""
