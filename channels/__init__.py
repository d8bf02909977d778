"""Channels: how citizens reach the assistant, and how operators answer them.

* :mod:`channels.web`: the web chat (``POST /api/chat``, ``/ws/chat``) and its embeddable
  widget (``static/widget.js``: one ``<script>`` tag, no build step);
* :mod:`channels.desk`: the operators' desk, where conversations handed over to a person
  are read and answered on whichever channel the citizen used;
* the Zalo Official Account webhook (its own issue).

A channel receives :class:`dialogue.turns.Turn` from :class:`dialogue.turns.Assistant`
and delivers it; it never decides what to say.

May import: :mod:`core`, :mod:`nlu`, :mod:`knowledge`, :mod:`dialogue`. Never voice, media_monitor or hueai.
"""
