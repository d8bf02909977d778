"""The hotline's vocabulary, given to Whisper as its prompt: what callers name that a generic model mishears.

In order of priority (the prompt holds about 600 characters): the keypad menu's procedure names (the most
asked), the colloquial and official phrases of ``knowledge/data/aliases.yaml`` (sổ đỏ, căn cước, chứng thực…),
and the names of Huế's 40 wards and communes (``knowledge/data/offices.yaml``: Phú Xuân, Thuận Hóa, Vỹ Dạ…).
"""

from __future__ import annotations

from collections.abc import Iterable

from knowledge.aliases import AliasTable
from knowledge.answers.offices import Offices
from voice.asr import prompt_text
from voice.prompts import Menu


def hotline_terms(menu: Menu, aliases: AliasTable | None = None, offices: Offices | None = None) -> list[str]:
    terms: list[str] = ["Huế", "thủ tục hành chính"]
    terms += [item.name for category in menu.categories for item in category.items]
    if aliases is not None:
        for alias in aliases.entries:
            terms += [*alias.colloquial[:2], alias.official]
    if offices is not None:
        terms += [ward.name for ward in offices.wards]
    return terms


def hotline_prompt(terms: Iterable[str]) -> str:
    return prompt_text(terms)
