"""The assistant's wording: ``dialogue/data/responses.yaml``, validated when loaded.

Operators edit the sentences; the code fixes which templates exist and which
``{placeholders}`` each may use (:data:`TEMPLATES`), so a typo in the file fails
at start-up with the template's name rather than in a citizen's conversation::

    >>> responses = Responses.load()
    >>> responses.text("thank", "voice")
    'Dạ, không có chi ạ. Anh chị cần hỏi thêm gì cứ nói với em.'

A template's ``text`` serves every channel unless it has its own ``web``,
``zalo`` or ``voice`` variant.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.types import Channel
from knowledge.answers import Facet

DEFAULT_RESPONSES = Path(__file__).resolve().parent / "data" / "responses.yaml"

#: Every template the code uses -> the placeholders it may use.
TEMPLATES: dict[str, frozenset[str]] = {name: frozenset(fields) for name, fields in {
    "greet": (), "goodbye": (), "thank": (), "bot_challenge": (), "out_of_scope": (), "ask_go_ahead": (),
    "affirm_idle": (), "deny_idle": (), "empty_message": (), "not_understood": (), "not_understood_offer": (),
    "no_answer": (),
    "kb_missing": ("topic",), "variant_unheld": ("variant",),
    "alias_notes": ("notes",), "answer_lead": (), "answer_more": (), "level_lead": ("name", "level"),
    "ask_choice": ("options",), "ask_level_choice": ("options",), "ask_confirm": ("name",),
    "choice_repeat": ("options",), "choice_declined": (), "ask_which_procedure": ("facet",),
    "no_sibling": ("name", "qualifier"), "procedure_missing": ("code",),
    "status_ask_code": (), "status_bad_code": ("code",), "status_give_up": (),
    "status_found": ("code", "status", "details"), "status_details": ("updated_at",),
    "status_office": ("office",), "status_not_found": ("code",), "status_unavailable": (),
    "report_ask_what": (), "report_ask_where": (), "report_ask_phone": (),
    "report_confirm": ("description", "location", "phone"), "report_created": ("ticket_id",),
    "report_cancelled": (), "emergency": (), "handoff_started": (), "handoff_waiting": (), "handoff_offer": (),
    "handoff_declined": (), "handoff_cancelled": (), "unavailable": (),
    "unit_former": ("name", "district", "current"), "unit_former_via": ("name", "via", "district", "current"),
    "unit_district": ("district", "groups"), "unit_group": ("current", "former"),
    "unit_current": ("current", "former"), "unit_which": (), "unit_unknown": ("name",),
    "inform_ward": ("ward",), "inform_ack": (), "inform_topic": ("name",), "inform_idle": (),
    "repeat": ("reply",), "line_check": (), "same_at_levels": ("facet", "levels"),
    "answered_at_level": ("facet", "level", "others"), "not_in_record": ("name", "asked"),
    "choice_out_of_range": ("count",), "hold": (), "contact_unknown": (),
}.items()}
#: Payload commands a quick reply may send (see the file's header).
COMMANDS = frozenset({"/affirm", "/deny", "/request_human", "/check_status", "/report_issue", "/ask_documents",
                      "/ask_fee", "/ask_duration", "/ask_place", "/ask_online", "/ask_procedure", "/full", "/choose"})


class QuickReplySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=100)  # Zalo's button titles stop at 100 characters
    payload: str = Field(min_length=1, max_length=1000)


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    web: str | None = None
    zalo: str | None = None
    voice: str | None = None
    quick_replies: list[QuickReplySpec] = Field(default_factory=list, max_length=5)

    def for_channel(self, channel: str) -> str:
        return getattr(self, channel, None) or self.text


class Labels(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facets: dict[Facet, str]
    facet_questions: dict[Facet, str]
    levels: dict[str, str]
    full_answer: str
    source_link: str
    not_stated: str
    yes: str
    no: str

    @model_validator(mode="after")
    def _every_facet(self) -> Labels:
        for name in ("facets", "facet_questions"):
            missing = set(Facet) - set(getattr(self, name))
            if missing:
                raise ValueError(f"labels.{name} lacks {', '.join(sorted(f.value for f in missing))}")
        return self


class ResponseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    labels: Labels
    templates: dict[str, Template]

    @model_validator(mode="after")
    def _known_templates_and_fields(self) -> ResponseFile:
        problems = []
        for name in sorted(set(TEMPLATES) - set(self.templates)):
            problems.append(f"template {name!r} is missing")
        for name in sorted(set(self.templates) - set(TEMPLATES)):
            problems.append(f"template {name!r} is not used by the assistant (a typo?)")
        for name, template in self.templates.items():
            allowed = TEMPLATES.get(name, frozenset())
            for variant in ("text", "web", "zalo", "voice"):
                value = getattr(template, variant)
                if value is None:
                    continue
                try:
                    fields = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
                except ValueError as exc:
                    problems.append(f"template {name!r} ({variant}): {exc}")
                    continue
                for unknown in sorted(fields - allowed):
                    problems.append(f"template {name!r} ({variant}) uses {{{unknown}}}; it may use "
                                    f"{', '.join(sorted(allowed)) or 'no placeholders'}")
            for reply in template.quick_replies:
                command = reply.payload.split()[0]
                if reply.payload.startswith("/") and command not in COMMANDS:
                    problems.append(f"template {name!r}: unknown command {command!r} in a quick reply")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ResponsesError(ValueError):
    """The responses file is broken; the message names the file and what is wrong."""


class Responses:
    """The loaded, validated wording."""

    def __init__(self, data: ResponseFile) -> None:
        self.data = data
        self.labels = data.labels

    @classmethod
    def load(cls, path: Path | None = None) -> Responses:
        return _load(Path(path or DEFAULT_RESPONSES).resolve())

    @classmethod
    def parse(cls, raw: dict[str, Any], source: str = "<responses>") -> Responses:
        try:
            return cls(ResponseFile.model_validate(raw))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise ResponsesError(f"{source}: {problems}") from None

    def template(self, name: str) -> Template:
        return self.data.templates[name]

    def text(self, template: str, channel: Channel | str, /, **values: Any) -> str:
        """``template`` for ``channel`` with ``values`` filled in (missing ones left empty)."""
        raw = self.data.templates[template].for_channel(channel)
        return raw.format_map(_Blank(values)) if values or "{" in raw else raw

    def quick_replies(self, name: str) -> list[QuickReplySpec]:
        return list(self.data.templates[name].quick_replies)


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


@lru_cache(maxsize=8)
def _load(path: Path) -> Responses:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ResponsesError(f"{path}: {exc}") from None
    if not isinstance(raw, dict):
        raise ResponsesError(f"{path}: expected a mapping with `labels` and `templates`")
    return Responses.parse(raw, str(path))
