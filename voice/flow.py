"""What the hotline does next, decided from what happened: the call flow without any audio in it.

:class:`CallFlow` is given events (the call started, the caller said something, keyed a digit,
stayed silent, the call ran too long) and returns :data:`Action` s: :class:`Say` something,
then maybe :class:`Transfer` to the operators or :class:`Hangup`. The pipeline's
:class:`~voice.processors.CallDirector` carries them out; keeping the decisions here, free of
frames and sockets, lets them be tested as plain calls.

==================  ==================================================================
greeting            says it is an automated assistant and that the call may be recorded;
                    without a speech model, the keypad menu follows
speech              the dialogue's turn on the ``voice`` channel; ``emergency`` and
                    ``request_human`` (and any handoff) transfer after one sentence
``0``               transfer to an operator
``9``               repeat what was last said
``*`` digits ``#``  an application code keyed in (19 digits: 000.00.21.H57-250312-0042
                    without the H), looked up by the dialogue
``1`` ``2`` ``#``   the keypad menu (no speech model): procedures by category, status
silence             "Alo, anh chị còn nghe máy không ạ?" once, then a polite goodbye
too long            a polite goodbye at ``HUEAI_CALL_MAX_SECONDS``
==================  ==================================================================
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import structlog

from dialogue.turns import Turn
from voice.prompts import Menu, Prompts
from voice.timing import TurnTiming

log = structlog.get_logger(__name__)

CODE_DIGITS = 19
_SENTENCE_END = re.compile(r"(?<=[.?!])\s")


@dataclass
class TurnRecord:
    """One exchange as the call log keeps it (see :class:`voice.tables.CallTurnRow`)."""

    source: str  # speech | dtmf | system
    reply: str
    transcript: str | None = None
    keys: str | None = None
    intent: str | None = None
    action: str | None = None
    barge_in: bool = False
    timing: TurnTiming = field(default_factory=TurnTiming)


@dataclass(frozen=True)
class Say:
    text: str
    record: TurnRecord | None = None
    interruptible: bool = True


@dataclass(frozen=True)
class Transfer:
    reason: str  # emergency | request_human | dtmf | busy | error


@dataclass(frozen=True)
class Hangup:
    reason: str  # silence | max_length


Action = Say | Transfer | Hangup
Ask = Callable[[str], Awaitable[Turn]]


class DialogueFailed(RuntimeError):
    """The dialogue could not answer (its database is down); ``reply`` is what to tell the caller."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


def first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0] if text.strip() else text


def keyed_code(digits: str) -> str | None:
    """19 keyed digits as a receipt code (the agency part's H cannot be keyed); None otherwise."""
    if len(digits) != CODE_DIGITS or not digits.isdigit():
        return None
    d = digits
    return f"{d[0:3]}.{d[3:5]}.{d[5:7]}.H{d[7:9]}-{d[9:15]}-{d[15:19]}"


class CallFlow:
    def __init__(self, ask: Ask, prompts: Prompts, menu: Menu, *, speech: bool) -> None:
        self.ask = ask
        self.prompts = prompts
        self.menu = menu
        self.speech = speech
        self.last_said = ""
        self.silences = 0
        self.ending = False
        self._keying: list[str] | None = None  # digits of a code being keyed after "*"
        self._category: int | None = None  # keypad menu: the category chosen
        self._choice_pending = False  # the dialogue asked "số 1, … số 2, …"

    # -- events ----------------------------------------------------------------------------------------
    def greeting(self) -> list[Action]:
        text = self.prompts.greeting if self.speech else f"{self.prompts.greeting_keypad} {self.prompts.menu}"
        return [self._say(text, TurnRecord("system", text, action="greeting"), interruptible=False)]

    def heard_caller(self) -> None:
        self.silences = 0

    async def on_transcript(self, text: str, timing: TurnTiming) -> list[Action]:
        self.heard_caller()
        if self.ending:
            return []
        if not text.strip():
            return [self._say(self.prompts.not_heard, TurnRecord("speech", self.prompts.not_heard, transcript="",
                                                                 action="not_heard", timing=timing))]
        return await self._dialogue(text, TurnRecord("speech", "", transcript=text, timing=timing))

    async def on_key(self, digit: str) -> list[Action]:
        self.heard_caller()
        if self.ending:
            return []
        if self._keying is not None:
            return await self._code_key(digit)
        if digit == "0":
            return self._transfer("dtmf", digit)
        if digit == "9":
            text = self.last_said or self.prompts.menu
            return [self._say(text, TurnRecord("dtmf", text, keys=digit, action="repeat"), remember=False)]
        if digit == "*" or (not self.speech and digit == "2" and self._category is None):
            self._keying = []
            return [self._say(self.prompts.code_prompt, TurnRecord("dtmf", self.prompts.code_prompt, keys=digit,
                                                                   action="code_prompt"))]
        if self.speech:
            if digit.isdigit() and self._choice_pending:  # "số 2": the dialogue reads the number
                return await self._dialogue(digit, TurnRecord("dtmf", "", keys=digit))
            return []
        return await self._menu_key(digit)

    def on_silence(self) -> list[Action]:
        if self.ending:
            return []
        self.silences += 1
        if self.silences == 1:
            return [self._say(self.prompts.silence, TurnRecord("system", self.prompts.silence, action="silence"),
                              remember=False)]
        self.ending = True
        return [self._say(self.prompts.goodbye_silence, TurnRecord("system", self.prompts.goodbye_silence,
                                                                   action="goodbye_silence")), Hangup("silence")]

    def on_max_length(self) -> list[Action]:
        if self.ending:
            return []
        self.ending = True
        return [self._say(self.prompts.goodbye_max, TurnRecord("system", self.prompts.goodbye_max,
                                                               action="goodbye_max")), Hangup("max_length")]

    # -- the dialogue ----------------------------------------------------------------------------------
    async def _dialogue(self, text: str, record: TurnRecord) -> list[Action]:
        try:
            turn = await self.ask(text)
        except DialogueFailed as exc:
            record.reply, record.action = exc.reply, "dialogue_unavailable"
            self.ending = True
            return [self._say(first_sentence(exc.reply), record), Transfer("dialogue_unavailable")]
        record.intent, record.action = turn.intent, turn.action
        record.timing.dialogue_model_ms = float(turn.latency_ms.get("total", 0.0))
        self._choice_pending = turn.action.startswith("ask_choice") or "số 1" in turn.reply
        if turn.handoff and turn.action in ("emergency", "handoff", "handoff_waiting"):
            self.ending = True
            reason = "emergency" if turn.action == "emergency" else "request_human"
            sentence = self.prompts.transfer_emergency if reason == "emergency" else first_sentence(turn.reply)
            record.reply = sentence
            return [self._say(sentence, record, interruptible=False), Transfer(reason)]
        reply = turn.reply.strip() or self.prompts.not_heard
        record.reply = reply
        if not self.speech:
            reply = f"{reply} {self.prompts.after_answer}"
        return [self._say(reply, record)]

    async def _code_key(self, digit: str) -> list[Action]:
        assert self._keying is not None
        if digit == "*":
            self._keying = []
            return []
        if digit.isdigit():
            self._keying.append(digit)
            if len(self._keying) < CODE_DIGITS:
                return []
        digits, self._keying = "".join(self._keying), None
        code = keyed_code(digits)
        if code is None:
            self._keying = []
            return [self._say(self.prompts.code_bad, TurnRecord("dtmf", self.prompts.code_bad, keys=f"*{digits}#",
                                                                action="code_bad"))]
        return await self._dialogue(f"tra cứu hồ sơ {code}", TurnRecord("dtmf", "", keys=f"*{digits}#"))

    async def _menu_key(self, digit: str) -> list[Action]:
        categories = self.menu.categories
        if digit == "#":
            self._category = None
            return [self._say(self.prompts.menu, TurnRecord("dtmf", self.prompts.menu, keys=digit, action="menu"))]
        if not digit.isdigit():
            return []
        index = int(digit) - 1
        if self._category is None:
            if digit == "1":
                self._category = -1  # listing the categories
                text = Menu.listing(self.prompts.category_intro, [c.name for c in categories])
                return [self._say(text, TurnRecord("dtmf", text, keys=digit, action="menu_categories"))]
            return []
        if self._category == -1:
            if not 0 <= index < len(categories):
                return []
            self._category = index
            text = Menu.listing(self.prompts.item_intro, [item.name for item in categories[index].items])
            return [self._say(text, TurnRecord("dtmf", text, keys=digit, action="menu_items"))]
        items = categories[self._category].items
        if not 0 <= index < len(items):
            return []
        return await self._dialogue(items[index].question, TurnRecord("dtmf", "", keys=digit))

    # -- helpers ------------------------------------------------------------------------------------------
    def _transfer(self, reason: str, keys: str | None = None) -> list[Action]:
        self.ending = True
        return [self._say(self.prompts.transfer, TurnRecord("dtmf" if keys else "system", self.prompts.transfer,
                                                            keys=keys, action="transfer"), interruptible=False),
                Transfer(reason)]

    def _say(self, text: str, record: TurnRecord, *, interruptible: bool = True, remember: bool = True) -> Say:
        if remember:
            self.last_said = text
        return Say(text, record, interruptible)
