"""The hotline's own words (``voice/data/prompts.yaml``) and its keypad menu (``voice/data/menu.yaml``).

Both files are kept by operators and checked when they are loaded: a missing prompt, an unknown
key, or a menu with more entries than keys is refused with the file named, so a typo never
reaches a caller.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

DATA = Path(__file__).resolve().parent / "data"


class Prompts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    greeting: str
    greeting_keypad: str
    menu: str
    silence: str
    goodbye_silence: str
    goodbye_max: str
    transfer: str
    transfer_emergency: str
    not_heard: str
    code_prompt: str
    code_bad: str
    category_intro: str
    item_intro: str
    after_answer: str
    error: str

    @classmethod
    def load(cls, path: Path | None = None) -> Prompts:
        path = path or DATA / "prompts.yaml"
        try:
            return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except Exception as exc:
            raise ValueError(f"{path}: {exc}") from exc

    def frequent(self) -> list[str]:
        """The prompts worth synthesising at start-up."""
        return [self.greeting, self.greeting_keypad, self.menu, self.silence, self.goodbye_silence, self.transfer,
                self.not_heard, self.code_prompt, self.after_answer]


class MenuItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    question: str = Field(min_length=1)


class MenuCategory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    items: list[MenuItem] = Field(min_length=1, max_length=8)


class Menu(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    categories: list[MenuCategory] = Field(min_length=1, max_length=8)

    @classmethod
    def load(cls, path: Path | None = None) -> Menu:
        path = path or DATA / "menu.yaml"
        try:
            return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except Exception as exc:
            raise ValueError(f"{path}: {exc}") from exc

    @staticmethod
    def listing(intro: str, names: list[str]) -> str:
        return intro + " " + " ".join(f"Phím {i}, {name}." for i, name in enumerate(names, 1))
