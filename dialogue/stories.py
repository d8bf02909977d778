"""Dialogue tests as stories: multi-turn conversations with what a good assistant does at each turn.

A story file (YAML, like Rasa's test stories)::

    statuses:                      # optional: applications the status look-up should know
      - {code: 000.00.21.H57-250312-0042, status: Đã có kết quả, updated_at: 2025-03-20, office: UBND phường Thuận Hóa}
    stories:
      - story: khai sinh, then the fee
        style: formal              # formal | colloquial | no_diacritics | teencode | spoken
        channel: web               # web (default) | zalo | voice
        steps:
          - user: Thủ tục đăng ký khai sinh cần những giấy tờ gì?
            intent: ask_documents  # the Turn's intent (one name or a list of acceptable ones)
            procedure: 1.001193    # what the turn answered, offered or asked about (code or list; null: none)
            action: answer_documents
          - user: còn lệ phí thì sao?
            action: answer_fee
            procedure: 1.001193
            template: answer_lead  # template(s) of responses.yaml the reply must use
            reply_contains: lệ phí # text(s) the rendered reply must contain (case-insensitive)
            handoff: false
            ticket: false          # true: a ticket id came back

Every key but ``user`` is optional; only what is given is checked. Each story
runs in a session of its own. ``hueai evaluate dialogue --stories FILE_OR_DIR``
and ``tests/test_stories.py`` run them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dialogue.assistant import DialogueAssistant
from dialogue.status import StatusRecord

Style = Literal["formal", "colloquial", "no_diacritics", "teencode", "spoken"]


def _listed(value: Any) -> Any:
    if value is None or isinstance(value, list):
        return value
    return [str(value)]


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str
    intent: list[str] | None = None
    action: list[str] | None = None
    procedure: list[str] | None = Field(default=None)
    no_procedure: bool = False  # "procedure: null" in the file
    template: list[str] | None = None
    reply_contains: list[str] | None = None
    handoff: bool | None = None
    ticket: bool | None = None

    @field_validator("intent", "action", "procedure", "template", "reply_contains", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _listed(value)


class Story(BaseModel):
    model_config = ConfigDict(extra="forbid")

    story: str
    style: Style
    channel: Literal["web", "zalo", "voice"] = "web"
    steps: list[Step] = Field(min_length=1)
    source: str = ""  # file it came from


class StoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statuses: list[StatusRecord] = Field(default_factory=list)
    stories: list[Story] = Field(default_factory=list)


class StoryError(ValueError):
    """A story file that cannot be read; the message names the file and the problem."""


def _steps_with_nulls(raw: Any) -> Any:
    # "procedure: null" means "no procedure" (checked), which pydantic would read as "not given".
    for story in (raw or {}).get("stories") or []:
        for step in story.get("steps") or [] if isinstance(story, dict) else []:
            if isinstance(step, dict) and "procedure" in step and step["procedure"] is None:
                step.pop("procedure")
                step["no_procedure"] = True
    return raw


class _Loader(yaml.SafeLoader):
    """YAML without implicit numbers: procedure codes (1.000650), phone numbers (0914…) and typed
    digits stay the text they are written as."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in ("tag:yaml.org,2002:int",
                                                                       "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_stories(path: Path) -> StoryFile:
    """Every story of a file, or of the ``*.yml``/``*.yaml`` files under a folder (sorted)."""
    files = sorted([*path.rglob("*.yml"), *path.rglob("*.yaml")]) if path.is_dir() else [path]
    if not files:
        raise StoryError(f"{path}: no story files (*.yml, *.yaml)")
    merged = StoryFile()
    for file in files:
        try:
            raw = _steps_with_nulls(yaml.load(file.read_text(encoding="utf-8"), Loader=_Loader))  # noqa: S506
            parsed = StoryFile.model_validate(raw or {})
        except (OSError, yaml.YAMLError) as exc:
            raise StoryError(f"{file}: {exc}") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            raise StoryError(f"{file}: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
        for story in parsed.stories:
            story.source = str(file)
        merged.statuses.extend(parsed.statuses)
        merged.stories.extend(parsed.stories)
    names = [s.story for s in merged.stories]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise StoryError(f"{path}: stories share a name: {', '.join(duplicates)}")
    return merged


class TurnCheck(BaseModel):
    index: int
    user: str
    problems: list[str]
    reply: str
    intent: str
    action: str
    procedure: str | None


class StoryResult(BaseModel):
    story: str
    style: str
    channel: str
    source: str
    passed: bool
    failed_turns: list[TurnCheck] = Field(default_factory=list)
    error: str | None = None


class StoryReport(BaseModel):
    results: list[StoryResult]

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0

    def by_style(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for r in self.results:
            passed, total = out.get(r.style, (0, 0))
            out[r.style] = (passed + r.passed, total + 1)
        return out


def check_step(step: Step, turn: Any, outcome: Any) -> list[str]:
    """What differs between a step's expectations and what the assistant did (empty: the step passed)."""
    problems = []
    if step.intent is not None and turn.intent not in step.intent:
        problems.append(f"intent {turn.intent!r}, expected {' or '.join(step.intent)}")
    if step.action is not None and turn.action not in step.action:
        problems.append(f"action {turn.action!r}, expected {' or '.join(step.action)}")
    if step.procedure is not None and outcome.procedure not in step.procedure:
        problems.append(f"procedure {outcome.procedure!r}, expected {' or '.join(step.procedure)}")
    if step.no_procedure and outcome.procedure is not None:
        problems.append(f"procedure {outcome.procedure!r}, expected none")
    if step.template is not None:
        missing = [t for t in step.template if t not in outcome.templates]
        if missing:
            problems.append(f"templates {outcome.templates}, expected {', '.join(missing)}")
    if step.reply_contains is not None:
        missing = [t for t in step.reply_contains if t.lower() not in turn.reply.lower()]
        if missing:
            problems.append(f"reply lacks {', '.join(repr(m) for m in missing)}")
    if step.handoff is not None and turn.handoff != step.handoff:
        problems.append(f"handoff {turn.handoff}, expected {step.handoff}")
    if step.ticket is not None and (turn.ticket_id is not None) != step.ticket:
        problems.append(f"ticket {turn.ticket_id!r}, expected {'one' if step.ticket else 'none'}")
    return problems


def run_story(assistant: DialogueAssistant, story: Story, *, session_prefix: str = "story") -> StoryResult:
    session = f"{session_prefix}-{uuid.uuid4().hex[:12]}"
    failed: list[TurnCheck] = []
    for index, step in enumerate(story.steps, 1):
        try:
            result = assistant.respond(session, step.user, channel=story.channel)
        except Exception as exc:  # a crash fails the story, not the run
            return StoryResult(story=story.story, style=story.style, channel=story.channel, source=story.source,
                               passed=False, failed_turns=failed, error=f"turn {index}: {type(exc).__name__}: {exc}")
        problems = check_step(step, result.turn, result.outcome)
        if problems:
            failed.append(TurnCheck(index=index, user=step.user, problems=problems, reply=result.turn.reply,
                                    intent=result.turn.intent, action=result.turn.action,
                                    procedure=result.outcome.procedure))
    return StoryResult(story=story.story, style=story.style, channel=story.channel, source=story.source,
                       passed=not failed, failed_turns=failed)


def run_stories(assistant: DialogueAssistant, stories: Iterable[Story]) -> StoryReport:
    return StoryReport(results=[run_story(assistant, story) for story in stories])


def format_report(report: StoryReport, *, verbose: bool = False) -> str:
    """Pass/fail per story, the failed turns with what differed, and the totals per style."""
    lines = []
    for result in report.results:
        lines.append(f"{'PASS' if result.passed else 'FAIL'}  [{result.style}/{result.channel}] {result.story}")
        if result.error:
            lines.append(f"      error: {result.error}")
        for turn in result.failed_turns:
            lines.append(f"      turn {turn.index}: {turn.user!r}")
            for problem in turn.problems:
                lines.append(f"        - {problem}")
            if verbose:
                lines.append("        reply: " + turn.reply.replace("\n", " ")[:300])
    lines.append("")
    for style, (passed, total) in sorted(report.by_style().items()):
        lines.append(f"{style:14s} {passed}/{total}")
    lines.append(f"stories passed: {report.passed}/{report.total} ({report.rate:.1%})")
    return "\n".join(lines)
