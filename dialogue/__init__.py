"""The assistant's conversations, the same on every channel (web chat, Zalo, the 19001075 hotline).

==============================  ===================================================================
:mod:`dialogue.turns`           the contract with the channels: :class:`Turn`, the :class:`Assistant`
:mod:`dialogue.assistant`       :class:`DialogueAssistant`: one turn, from text to a stored, rendered reply
:mod:`dialogue.conversations`   the conversation store: sessions, messages, handoffs, feedback, retention;
                                what channels and the staff tool call (operator replies, closing, 👍/👎)
:mod:`dialogue.policy`          what to do with a message, in order (emergency first, then a pending
                                question, then the intent)
:mod:`dialogue.procedures`      procedure questions, follow-ups, siblings, "which one?" questions
:mod:`dialogue.status_flow`     ``check_status`` (:mod:`dialogue.status`: the adapter and its table)
:mod:`dialogue.reports`         ``report_issue`` and its tickets (:mod:`dialogue.tickets`)
:mod:`dialogue.places`          ``ask_admin_unit``: where a former ward, commune or district belongs since
                                July 2025, what a current one is made of
:mod:`dialogue.understanding`   reading a reply against the conversation: numbers, ordinals, qualifiers,
                                yes/no, follow-up words
:mod:`dialogue.cues`            what a message says whatever the NLU read: people in danger, a person
                                asked for, "nói lại đi", "đọc tiếp", "không phải, ý tôi là …"
:mod:`dialogue.responses`       the wording (``dialogue/data/responses.yaml``), validated on load
:mod:`dialogue.render`          an outcome worded per channel (:mod:`dialogue.speech` for the phone)
:mod:`dialogue.tracker`         what a conversation remembers between turns (stored as JSON)
:mod:`dialogue.stories`         multi-turn test stories (``training/data/stories``)
:mod:`dialogue.feedback`        feedback as calibration questions; :mod:`dialogue.masking` for logs
==============================  ===================================================================

May import :mod:`core`, :mod:`nlu` and :mod:`knowledge` only; it receives the ``parse``, ``search``
and ``procedure`` callables it needs, never the runtime.
"""
