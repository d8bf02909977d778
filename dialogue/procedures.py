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

import re
from collections.abc import Callable, Sequence

from dialogue.context import Context
from dialogue.cues import correction
from dialogue.outcome import Outcome, Say, ShowAnswer
from dialogue.responses import Labels, QuickReplySpec
from dialogue.tracker import Option, Pending, Topic
from dialogue.turns import Source
from dialogue.understanding import (choice_index, facet_from_words, levels_of, name_qualifiers, pick_by_words, plain,
                                    rejects, says_unsure, words, yes_no)
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
#: "Còn … thì sao?", "thế còn …": the topic's facet again, for another case.
_WHAT_ABOUT = re.compile(r"\b(?:con|the con|vay con|thi sao|the nao)\b")
#: Where a question about the topic that names no facet is looked for, in this order.
ABOUT_ORDER = (Facet.documents, Facet.place, Facet.online, Facet.fee, Facet.duration, Facet.overview)
#: Words a message may add to refine the topic, beyond follow-up words ("cái lần đầu", "cho người cao tuổi").
MAX_REFINING = 3


def option(hit: Hit) -> Option:
    return Option(code=hit.code, name=hit.name, level=hit.level)


def facet_command(facet: Facet) -> str:
    return "/ask_procedure" if facet is Facet.overview else f"/ask_{facet.value}"


class ProcedureFlow:
    def __init__(self, procedure: Callable[[str], Procedure | None], labels: Labels) -> None:
        self.procedure = procedure
        self.labels = labels

    # -- entry points ------------------------------------------------------------------------------
    def ask(self, ctx: Context, facet: Facet | None, *, search_first: bool = False,
            meant: str | None = None) -> Outcome | None:
        """A question about a procedure (``facet``: what is asked; None: not said, the topic's or an overview).

        ``meant``: what a correction says was meant ("không phải, ý tôi là sang tên xe"), searched in place of
        the whole message. Returns None when the message is not about a procedure at all (nothing found, no
        topic to follow up on): the caller decides what to say.
        """
        topic = ctx.tracker.topic
        names_procedure = bool(ctx.entities("procedure"))
        if topic is not None and not names_procedure and not ctx.residual and not search_first:
            return self.follow_up(ctx, topic, facet)
        response = self.search(ctx) if meant is None else ctx.search(meant)
        if meant is not None and topic is not None:
            if any(hit.code == topic.code for hit in [*response.results, *response.suggestions]):
                return self.follow_up(ctx, topic, facet)  # "ý tôi là chứng thực bản sao": the topic, said again
            ctx.tracker.topic = topic = None  # what was meant is another procedure
        stray = topic is not None and not names_procedure and len(ctx.residual) <= 1
        if stray and not response.missing and (not response.results or facet not in (None, Facet.overview)):
            # One stray word ("còn cho bé thì sao?", "mấy ngày thì xong") names no procedure of its own: the
            # topic stands, rather than procedures merely offered for that word, or found for it while a
            # facet of the topic is asked ("mấy ngày thì có giấy phép", "tốn mấy đồng": not a fertiliser
            # import licence or a processing contract). More words ("giá vàng hôm nay bao nhiêu") are
            # another question, which the index does not answer. Asked with no facet and not as "còn … thì
            # sao?" ("ủy quyền cho người khác đi làm được không"), it is looked for in the record.
            if facet is None and not _WHAT_ABOUT.search(plain(ctx.text)):
                return self.about(ctx, topic)
            return self.follow_up(ctx, topic, facet)
        if topic is not None and not names_procedure and meant is None and 0 < len(ctx.residual) <= MAX_REFINING:
            # A few words of no procedure of their own refine the topic ("thủ tục đăng ký xe" -> "cái lần đầu"):
            # searched with the topic's question they find its sibling, alone they found a tax registration.
            # So does one word found alone ("trẻ em có làm được không" after a passport: not the children's
            # health insurance).
            if (said := facet_from_words(ctx.view)) is not None:
                # "có cần mang sổ hộ khẩu không": a facet of the topic asked about, in the citizen's own terms.
                return self.follow_up(ctx, topic, said)
            if set(words(" ".join(ctx.residual))) <= set(words(topic.name)):
                return self.about(ctx, topic)  # "cái lần đầu" of "Đăng ký, cấp biển số xe lần đầu …": this one
            # One word is read in its message ("bản sao" leaves "bản": "sao" is also "thì sao").
            refining = ctx.question if len(ctx.residual) == 1 else " ".join(ctx.residual)
            refined = ctx.search(f"{topic.question} {refining}")
            if refined.results and topic.code in {hit.code for hit in self.top_group(refined)}:
                return self.about(ctx, topic)  # the words fit the topic as well as any near tie of it
            if refined.results:
                response = refined
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

        The index itself leaves out the phrases asking for the facet (``knowledge.index.facet_phrases``).
        When nothing is found confidently and the NLU mapped a colloquial
        name to an official one it shares no word with ("nhập khẩu" -> "đăng ký thường trú"), the official name is
        searched in its place.
        """
        response = ctx.search(ctx.question)
        if response.results:
            return response
        for entity in ctx.entities("procedure"):
            surface = ctx.text[entity.start:entity.end]
            if entity.value and not set(words(surface)) & set(words(entity.value)):
                replaced = ctx.search(ctx.text[:entity.start] + entity.value + ctx.text[entity.end:])
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
        asked, own = ctx.qualifiers, name_qualifiers(topic.name, topic.level)
        if asked.foreign not in (None, own.foreign) or asked.level not in (None, own.level):
            # Another level or foreign element than the topic's ("làm ở phường nào cũng được hả" about a
            # commune procedure asks where, not for a sibling).
            return self.switch(ctx, topic, facet)
        return self.answer(ctx, topic.code, facet or topic.facet, siblings=topic.siblings,
                           question=topic.question)

    def about(self, ctx: Context, topic: Topic) -> Outcome:
        """A question about the topic that names no facet ("ủy quyền cho người khác đi làm được không"): the
        facet whose answer has its words (a power of attorney is among the documents), else that the record
        does not say, rather than the last answer again."""
        procedure = self.procedure(topic.code)
        asked = set(words(" ".join(ctx.residual)))
        for facet in ABOUT_ORDER if procedure is not None else ():
            if asked <= set(words(render_answer(procedure, facet, ward=ctx.tracker.ward).text)):
                return self.answer(ctx, topic.code, facet, siblings=topic.siblings, question=topic.question)
        return Outcome("not_in_record", [Say("not_in_record", {"name": topic.name, "asked": " ".join(ctx.residual)})],
                       procedure=topic.code)

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
        if correction(ctx.text) is not None:
            return None  # "không phải, ý tui là …": a new question, not a "no"
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
        if says_unsure(ctx.text) and levels_of(options):
            # "tui không biết cấp nào hết": the commune's, where citizens go, saying whether the city's differs.
            return self.answer_at_levels(ctx, pending, pending.facet)
        asked = FACETS.get(ctx.intent)
        if asked in (None, Facet.overview):
            asked = facet_from_words(ctx.view) or asked  # "lam o mo": the NLU may not tell
        if asked is not None and not ctx.residual and not ctx.entities("procedure"):
            if asked is not Facet.overview and levels_of(options):
                return self.answer_at_levels(ctx, pending, asked)
            # "rứa có mất tiền không?" while choosing: the question changes, the choice stands.
            pending.facet = asked if asked is not Facet.overview else pending.facet
            return Outcome("ask_choice", [Say("choice_repeat", {"options": options})],
                           quick_replies=self.option_buttons(options), procedure=options[0].code)
        if ctx.residual and len(ctx.residual) <= MAX_REFINING and not ctx.entities("procedure"):
            # "cho con 10 tuổi" while choosing between the levels of an adult's card: the question, refined.
            refined = ctx.search(f"{pending.question} {ctx.text}")
            if refined.results:
                ctx.tracker.pending = None
                return self.from_search(ctx, refined, pending.facet or Facet.overview)
        if ctx.residual or ctx.intent not in ("affirm", "deny", "nlu_fallback", "out_of_scope"):
            return None  # a new question: the caller handles it and the offer lapses
        if pending.attempts == 0:
            pending.attempts = 1
            return Outcome("ask_choice", [Say("choice_repeat", {"options": options})],
                           quick_replies=self.option_buttons(options), procedure=options[0].code)
        ctx.tracker.pending = None
        return None

    def answer_at_levels(self, ctx: Context, pending: Pending, facet: Facet) -> Outcome:
        """A facet asked while the citizen is to choose a level ("phí bao nhiêu" between căn cước at the commune
        and at the city): answered for the commune's, where citizens go, saying whether it differs at the other.

        User tests (6 December 2026) found the level question a dead end: citizens do not know what "thực
        hiện tại cấp tỉnh" means, and asked their question again and again.
        """
        options = pending.options
        levels = levels_of(options)
        home = options[levels.index("xa")] if "xa" in levels else options[0]
        others = [o for o in options if o.code != home.code]
        rendered = [self.procedure(o.code) for o in options]
        # A fee or a time is the same when its amounts are (the portal's notes under them vary by record).
        answers = [answer.headline() if facet in (Facet.fee, Facet.duration) else answer.points
                   for answer in (render_answer(p, facet, ward=ctx.tracker.ward) for p in rendered if p is not None)]
        outcome = self.answer(ctx, home.code, facet, siblings=options, question=pending.question)
        if not outcome.action.startswith("answer"):
            return outcome
        label = self.labels.levels.get
        named = [label(level or "", level or "") for level in levels]
        lead = (Say("same_at_levels", {"facet": self.labels.facet_questions[facet], "levels": " hay ".join(named)})
                if len(answers) == len(options) and all(a == answers[0] for a in answers) else
                Say("answered_at_level", {"facet": self.labels.facet_questions[facet],
                                          "level": named[options.index(home)],
                                          "others": ", ".join(named[options.index(o)] for o in others)}))
        outcome.parts[0] = lead  # in place of the usual lead, "Dạ, theo hồ sơ thủ tục …"
        return outcome

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
            outcome = self.offer(ctx, [option(h) for h in response.suggestions[:3]], facet)
            if response.unheld_variant:
                # "hạng I" where the base holds "hạng II": say that the one asked is not held before offering.
                outcome.parts.insert(0, Say("variant_unheld", {"variant": response.unheld_variant}))
            return outcome
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
