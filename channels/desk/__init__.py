"""The operators' desk: conversations handed over to a person, as the staff page sees and answers them.

The desk does not store anything itself: :class:`OperatorDesk` is what it needs
from the conversation store (the dialogue's), and :mod:`channels.desk.store`
adapts the dialogue's functions to it. The staff page (``/staff``, routes in
``hueai/api/staff.py``) lists :class:`HandedOver` conversations live, shows
their :class:`DeskMessage` transcript, and lets an operator reply, close the
handoff (the assistant answers again) and correct a wrong answer (feedback
with the right procedure's code, which the knowledge index's calibration
learns from at the next set-up).

An operator's reply is delivered on the channel the citizen used: on the web
it is pushed over the citizen's open WebSocket or picked up by the widget's
next poll; other channels register a :data:`Deliver` function for their name.
"""

from channels.desk.models import (
    DeskMessage,
    HandedOver,
    NotHandedOver,
    OperatorDesk,
    UnknownConversation,
    UnknownMessage,
)

__all__ = ["DeskMessage", "HandedOver", "NotHandedOver", "OperatorDesk", "UnknownConversation", "UnknownMessage"]
