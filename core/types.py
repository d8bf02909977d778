"""Value types shared by the language core and the channels built on it."""

from __future__ import annotations

from typing import Literal, get_args

#: Where a citizen's message came from: the web chat widget, the Zalo Official Account, the
#: 19001075 hotline (speech-recogniser transcripts). The knowledge index keeps a confidence
#: threshold per channel; the dialogue renders its replies per channel.
Channel = Literal["web", "zalo", "voice"]
CHANNELS: tuple[str, ...] = get_args(Channel)
