"""Procedure questions: find the procedure, answer the asked facet from its record, keep the topic, ask when unsure.

How a question about a procedure is handled (:meth:`ProcedureFlow.ask`):

1. **A follow-up** names no procedure of its own ("còn lệ phí thì sao?", "nộp online
   được không?", "thế còn cho người nước ngoài?", "ở xã hay ở tỉnh?"): nothing is
   left of it once follow-up words are set aside (:func:`dialogue.understanding.residual`),
   so it is answered about the conversation's topic. A foreign element or a level
   switches to the topic's sibling (the search's near-tie group, else a search for
   the topic's name with that qualifier); naming two levels asks which one.
2. **A new question** is searched. A confident result becomes the topic and is
   answered. When its best hit has near ties (the same procedure at another level,
   or with a foreign element), the question's own words choose ("... với người nước
   ngoài", "ở xã"); a question silent on the foreign element means the ordinary
   procedure; otherwise the assistant asks, numbering the options. Below the
   confidence threshold the index's ``suggestions`` are offered the same way
   ("Có phải anh/chị hỏi về …?").
3. Nothing found: the assistant says it does not know (never a guess).

Answers are :func:`knowledge.answers.render_answer` of the record, verbatim, with
the code, name and portal link as the source; a long facet is shown briefly, with
a button for the whole of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dialogue.context import Context
from dialogue.outcome import Outcome, Say, ShowAnswer
from dialogue.responses import Labels, QuickReplySpec
from dialogue.tracker import Option, Pending, Topic
from dialogue.turns import Source
from dialogue.understanding import (choice_index, name_qualifiers, pick_by_words, procedure_query, rejects, words,
                                    yes_no)
from knowledge.answers import Answer, Facet, render_answer
from knowledge.index.hybrid import base_name
from knowledge.index.results import Hit, SearchResponse
from knowledge.records import Procedure

#: intent -> the facet it asks about.
FACETS: dict[str, Facet] = {
    "ask_procedure": Facet.overview,
    "ask_documents": Facet.documents,
    "ask_fee": Facet.fee,
    "ask_duration": Facet.duration,
    "ask_place": Facet.place,
    "ask_online": Facet.online,
}
INTENTS: dict[Facet, str] = {facet: intent for intent, facet in FACETS.items()}
#: The facets offered as buttons after an answer, in this order.
FOLLOW_UPS = (Facet.documents, Facet.fee, Facet.duration, Facet.place, Facet.online)
MAX_OPTIONS = 4


def option(hit: Hit) -> Option:
    return Option(code=hit.code, name=hit.name, level=hit.level)


def facet_command(facet: Facet) -> str:
    return "/ask_procedure" if facet is Facet.overview else f"/ask_{facet.value}"


class ProcedureFlow:
    def __init__(self, procedure: Callable[[str], Procedure | None], labels: Labels) -> None:
        self.procedure = procedure
        self.labels = labels

    # -- entry points ------------------------------------------------------------------------------
    def ask(self, ctx: Context, facet: Facet | None, *, search_first: bool = False) -> Outcome | None:
        """A question about a procedure (``facet``: what is asked; None: not said, the topic's or an overview).

        Returns None when the message is not about a procedure at all (nothing found, no topic to follow up
        on): the caller decides what to say.
        """
        topic = ctx.tracker.topic
        names_procedure = bool(ctx.entities("procedure"))
        if topic is not None and not names_procedure and not ctx.residual and not search_first:
            return self.follow_up(ctx, topic, facet)
        response = self.search(ctx)
        stray = topic is not None and not names_procedure and len(ctx.residual) <= 1
        if stray and not response.results and not response.missing:
            # One stray word ("còn cho bé thì sao?", "mấy ngày thì xong") names no procedure of its own: the
            # topic stands, rather than procedures merely offered for that word. More words ("giá vàng hôm
            # nay bao nhiêu") are another question, which the index does not answer.
            return self.follow_up(ctx, topic, facet)
        outcome = self.from_search(ctx, response, facet or Facet.overview)
        if outcome is not None:
            return outcome
        if stray:
            return self.follow_up(ctx, topic, facet)
        if topic is None and facet is not None and not names_procedure and not ctx.residual:
            return self.ask_which(ctx, facet)
        return None

    @staticmethod
    def search(ctx: Context) -> SearchResponse:
        """Search for the procedure the message is about.

        The phrases asking for the facet are left out ("… cần chuẩn bị hồ sơ gì" would pull towards
        procedures "cho người đã có hồ sơ"; measured on the calibration and benchmark questions it is
        neutral to slightly better). When nothing is found confidently and the NLU mapped a colloquial
        name to an official one it shares no word with ("nhập khẩu" -> "đăng ký thường trú"), the official name is
        searched in its place.
        """
        response = ctx.search(procedure_query(ctx.text))
        if response.results:
            return response
        for entity in ctx.entities("procedure"):
            surface = ctx.text[entity.start:entity.end]
            if entity.value and not set(words(surface)) & set(words(entity.value)):
                replaced = ctx.search(procedure_query(ctx.text[:entity.start] + entity.value + ctx.text[entity.end:]))
                if replaced.results or (replaced.suggestions and not response.suggestions):
                    return replaced
        return response

    def ask_which(self, ctx: Context, facet: Facet) -> Outcome:
        ctx.tracker.pending = Pending(kind="which_procedure", facet=facet, question=ctx.text)
        return Outcome("ask_procedure_name", [Say("ask_which_procedure",
                                                  {"facet": self.labels.facet_questions[facet]})])

    def follow_up(self, ctx: Context, topic: Topic, facet: Facet | None) -> Outcome:
        """A question about the current topic: another facet, a sibling, or which level."""
        if len(ctx.levels) >= 2:
            return self.which_level(ctx, topic)
        asked = ctx.qualifiers
        if asked.foreign is not None or asked.level is not None:
            return self.switch(ctx, topic, facet)
        return self.answer(ctx, topic.code, facet or topic.facet, siblings=topic.siblings,
                           question=topic.question)

    def full(self, ctx: Context) -> Outcome | None:
        """The whole answer of the topic's last facet (the "Xem đầy đủ" button)."""
        topic = ctx.tracker.topic
        if topic is None:
            return None
        return self.answer(ctx, topic.code, topic.facet, siblings=topic.siblings, question=topic.question, full=True)

    def choose(self, ctx: Context, code: str, facet: Facet | None = None) -> Outcome:
        """A button naming a procedure (``/choose CODE``)."""
        pending = ctx.tracker.pending
        options = pending.options if pending and pending.kind == "choose_procedure" else []
        topic = ctx.tracker.topic
        siblings = options or (topic.siblings + [Option(code=topic.code, name=topic.name, level=topic.level)]
                               if topic else [])
        if facet is None:
            facet = pending.facet if pending else topic.facet if topic else Facet.overview
        ctx.tracker.pending = None
        return self.answer(ctx, code, facet, siblings=siblings, question=pending.question if pending else "")

    # -- reading the reply to "which one?" -----------------------------------------------------------
    @staticmethod
    def picks(ctx: Context, pending: Pending) -> int | None:
        """The option a reply picks by number, ordinal or distinguishing words (None: it picks none)."""
        options = pending.options
        index = choice_index(ctx.view, len(options))
        if index is None and len(options) > 1:
            index = pick_by_words(ctx.bare, [(o.name, o.level) for o in options])
        return index

    def pending_choice(self, ctx: Context, pending: Pending) -> Outcome | None:
        """The reply to "Có phải anh/chị hỏi về …?"; None when it is not an answer to it (a fresh question)."""
        options = pending.options
        picked: Option | None = None
        index = self.picks(ctx, pending)
        if index is not None:
            picked = options[index]
        else:
            answer = yes_no(ctx.text)
            if answer is None and ctx.intent in ("affirm", "deny") and len(ctx.residual) == 0:
                answer = ctx.intent == "affirm"
            if answer is None and rejects(ctx.text) and not ctx.entities("procedure"):
                answer = False  # "Không phải các thủ tục này": too long for a bare no, still a no
            if answer is True and len(options) == 1:
                picked = options[0]
            elif answer is False:
                ctx.tracker.pending = None
                return Outcome("choice_declined", [Say("choice_declined")])
        if picked is not None:
            ctx.tracker.pending = None
            return self.answer(ctx, picked.code, pending.facet, siblings=options, question=pending.question)
        asked = FACETS.get(ctx.intent)
        if asked is not None and not ctx.residual and not ctx.entities("procedure"):
            # "rứa có mất tiền không?" while choosing: the question changes, the choice stands.
            pending.facet = asked if asked is not Facet.overview else pending.facet
            return Outcome("ask_choice", [Say("choice_repeat", {"options": options})],
                           quick_replies=self.option_buttons(options), procedure=options[0].code)
        if ctx.residual or ctx.intent not in ("affirm", "deny", "nlu_fallback", "out_of_scope"):
            return None  # a new question: the caller handles it and the offer lapses
        if pending.attempts == 0:
            pending.attempts = 1
            return Outcome("ask_choice", [Say("choice_repeat", {"options": options})],
                           quick_replies=self.option_buttons(options), procedure=options[0].code)
        ctx.tracker.pending = None
        return None

    # -- search results --------------------------------------------------------------------------------
    def from_search(self, ctx: Context, response: SearchResponse, facet: Facet) -> Outcome | None:
        if response.missing:
            # A topic the base is known to lack ("thi bằng lái"): say so and offer a person, rather than
            # answer its nearest neighbour (a driving-test centre's licence).
            ctx.tracker.pending = Pending(kind="offer_handoff", question=ctx.text)
            return Outcome("kb_missing", [Say("kb_missing", {"topic": response.missing})])
        notes = response.notes
        if response.results:
            group = self.top_group(response)
            if len(group) == 1:
                return self.answer(ctx, group[0].code, facet, siblings=[], question=ctx.text, notes=notes)
            chosen = self.resolve_group(ctx, group)
            if chosen is not None:
                return self.answer(ctx, chosen.code, facet, siblings=[option(h) for h in group],
                                   question=ctx.text, notes=notes)
            return self.offer(ctx, [option(h) for h in group], facet, levels=self.differ_by_level(group))
        if response.suggestions:
            return self.offer(ctx, [option(h) for h in response.suggestions[:3]], facet)
        return None

    @staticmethod
    def top_group(response: SearchResponse) -> list[Hit]:
        best = response.results[0]
        if best.group is None:
            return [best]
        return [h for h in response.results if h.group == best.group][:MAX_OPTIONS]

    def resolve_group(self, ctx: Context, group: Sequence[Hit]) -> Hit | None:
        """The member of a near-tie group the question itself points to, or None (then the assistant asks)."""
        index = pick_by_words(ctx.bare, [(h.name, h.level) for h in group])
        if index is not None:
            return group[index]
        if ctx.qualifiers.foreign is None:
            # Silent on the foreign element: the ordinary procedure is meant, if that settles it.
            ordinary = [h for h in group if not name_qualifiers(h.name, h.level).foreign]
            if len(ordinary) == 1:
                return ordinary[0]
            if ordinary and len(ordinary) < len(group):
                group = ordinary
        if len({name_qualifiers(h.name, h.level).level for h in group}) == 1 and len(group) > 1:
            return None
        return group[0] if len(group) == 1 else None

    @staticmethod
    def differ_by_level(group: Sequence[Hit]) -> bool:
        own = [name_qualifiers(h.name, h.level) for h in group]
        return len({q.level for q in own}) == len(own) and len({q.foreign for q in own}) == 1

    def offer(self, ctx: Context, options: list[Option], facet: Facet, *, levels: bool = False) -> Outcome:
        """Ask which procedure is meant (numbered options; one option is asked as yes/no)."""
        ctx.tracker.pending = Pending(kind="choose_procedure", options=options, facet=facet, question=ctx.text)
        if len(options) == 1:
            buttons = [QuickReplySpec(title=self.labels.yes, payload=f"/choose {options[0].code}"),
                       QuickReplySpec(title=self.labels.no, payload="/deny")]
            return Outcome("ask_confirm", [Say("ask_confirm", {"name": options[0].name})], quick_replies=buttons,
                           procedure=options[0].code)
        template = "ask_level_choice" if levels else "ask_choice"
        return Outcome("ask_choice", [Say(template, {"options": options})], quick_replies=self.option_buttons(options),
                       procedure=options[0].code)

    def option_buttons(self, options: Sequence[Option]) -> list[QuickReplySpec]:
        return [QuickReplySpec(title=_title(f"{i}. {o.name}"), payload=f"/choose {o.code}")
                for i, o in enumerate(options, 1)]

    # -- siblings and levels -------------------------------------------------------------------------
    def switch(self, ctx: Context, topic: Topic, facet: Facet | None) -> Outcome:
        """"Thế còn cho người nước ngoài?", "cấp tỉnh thì sao?": the topic's sibling with that qualifier."""
        family = [Option(code=topic.code, name=topic.name, level=topic.level), *topic.siblings]
        index = pick_by_words(ctx.bare, [(o.name, o.level) for o in family])
        target = family[index] if index is not None else None
        if target is None:
            target = self.find_sibling(ctx, topic)
            if target is not None:
                family.append(target)
        if target is None:
            asked = ctx.qualifiers
            qualifier = ("có yếu tố nước ngoài" if asked.foreign else "không có yếu tố nước ngoài"
                         if asked.foreign is False else self.labels.levels.get(asked.level or "", asked.level or ""))
            return Outcome("no_sibling", [Say("no_sibling", {"name": topic.name, "qualifier": qualifier})],
                           procedure=topic.code)
        return self.answer(ctx, target.code, facet or topic.facet, siblings=family, question=ctx.text)

    def find_sibling(self, ctx: Context, topic: Topic) -> Option | None:
        """Search for the topic's name with the asked qualifier; keep a hit of the same base name."""
        asked = ctx.qualifiers
        words = [base_name(topic.name)]
        if asked.foreign:
            words.append("có yếu tố nước ngoài")
        if asked.level:
            words.append({"tinh": "cấp tỉnh", "xa": "cấp xã", "huyen": "cấp huyện"}.get(asked.level, ""))
        response = ctx.search(" ".join(w for w in words if w))
        wanted = base_name(topic.name)
        for hit in [*response.results, *response.suggestions]:
            if hit.code == topic.code or base_name(hit.name) != wanted:
                continue
            own = name_qualifiers(hit.name, hit.level)
            if (asked.foreign is None or own.foreign == asked.foreign) and (asked.level is None
                                                                             or own.level == asked.level):
                return option(hit)
        return None

    def which_level(self, ctx: Context, topic: Topic) -> Outcome:
        """"Ở xã hay ở tỉnh?": the levels the topic exists at, to choose from; else where it is done."""
        family = [Option(code=topic.code, name=topic.name, level=topic.level), *topic.siblings]
        own = [name_qualifiers(o.name, o.level) for o in family]
        me = own[0]
        by_level = [o for o, q in zip(family, own) if q.foreign == me.foreign and q.level is not None]
        if len({name_qualifiers(o.name, o.level).level for o in by_level}) > 1:
            ctx.tracker.pending = Pending(kind="choose_procedure", options=by_level, facet=Facet.place,
                                          question=ctx.text)
            return Outcome("ask_choice", [Say("ask_level_choice", {"options": by_level})],
                           quick_replies=self.option_buttons(by_level), procedure=topic.code)
        level = self.labels.levels.get(me.level or "", topic.level or "")
        outcome = self.answer(ctx, topic.code, Facet.place, siblings=topic.siblings, question=topic.question)
        if level and outcome.action.startswith("answer"):
            outcome.parts.insert(0, Say("level_lead", {"name": topic.name, "level": level}))
        return outcome

    # -- answering -----------------------------------------------------------------------------------
    def answer(self, ctx: Context, code: str, facet: Facet, *, siblings: Sequence[Option], question: str,
               full: bool = False, notes: Sequence[str] = ()) -> Outcome:
        procedure = self.procedure(code)
        if procedure is None:
            return Outcome("procedure_missing", [Say("procedure_missing", {"code": code})], procedure=code)
        answer = render_answer(procedure, facet, ward=ctx.tracker.ward)
        others = [s for s in siblings if s.code != code]
        ctx.tracker.topic = Topic(code=code, name=procedure.name, level=procedure.level, facet=facet,
                                  siblings=others, question=question or ctx.text)
        ctx.tracker.pending = None
        parts: list[Say | ShowAnswer] = [Say("answer_lead"), ShowAnswer(answer, full=full)]
        if notes:
            parts.append(Say("alias_notes", {"notes": " ".join(notes)}))
        parts.append(Say("answer_more"))
        return Outcome(f"answer_{facet.value}", parts, quick_replies=self.answer_buttons(answer, others, full),
                       sources=[Source(code=answer.code, name=answer.name, url=answer.url)], procedure=code,
                       intent=INTENTS[facet])  # what was answered, whatever the message's own words were

    def answer_buttons(self, answer: Answer, siblings: Sequence[Option], full: bool) -> list[QuickReplySpec]:
        """The whole answer (when shown briefly), a sibling, then the other facets."""
        buttons = []
        if not full and answer.brief() != answer.text:
            buttons.append(QuickReplySpec(title=self.labels.full_answer, payload="/full"))
        for sibling in siblings[:1]:
            buttons.append(QuickReplySpec(title=_title(sibling.name), payload=f"/choose {sibling.code}"))
        for facet in FOLLOW_UPS:
            if facet is not answer.facet:
                buttons.append(QuickReplySpec(title=self.labels.facets[facet], payload=facet_command(facet)))
        return buttons


def _title(text: str, limit: int = 100) -> str:
    """A button title within Zalo's 100 characters."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
