"""The dialogue's test stories (training/data/stories): well formed, covering every flow, and passing.

Each story is one test, run on the served models (:mod:`tests.dialogue_support`); a failure shows the
turns that went wrong and what differed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from core.storage import Database
from dialogue.status import import_statuses
from dialogue.stories import StoryError, format_report, load_stories, run_story, StoryReport
from hueai.db import upgrade
from tests.dialogue_support import STORIES, make_assistant, served_models

STORY_FILE = load_stories(STORIES)
BY_NAME = {story.story: story for story in STORY_FILE.stories}
STYLES = ("formal", "colloquial", "no_diacritics", "teencode")
#: Every flow of the dialogue has at least one story that reaches it.
FLOWS = {
    "answer_documents", "answer_fee", "answer_duration", "answer_place", "answer_online", "answer_overview",
    "ask_choice", "choice_declined", "ask_procedure_name", "status_found", "status_ask_code", "status_bad_code",
    "status_give_up", "status_not_found", "report_ask_what", "report_ask_where", "report_ask_phone",
    "report_confirm", "report_created", "report_cancelled", "emergency", "handoff", "handoff_waiting",
    "handoff_cancelled", "offer_handoff", "handoff_declined", "greet", "thank", "goodbye", "bot_challenge",
    "out_of_scope", "not_understood", "answer_admin_unit", "ask_admin_unit", "inform_noted", "kb_missing",
}


def test_there_are_enough_stories_in_every_style_and_channel() -> None:
    assert len(STORY_FILE.stories) >= 60
    styles = Counter(story.style for story in STORY_FILE.stories)
    assert all(styles[style] >= 12 for style in STYLES), styles
    assert {story.channel for story in STORY_FILE.stories} == {"web", "zalo", "voice"}
    assert len(STORY_FILE.statuses) >= 3


def test_the_stories_reach_every_flow() -> None:
    reached = {action for story in STORY_FILE.stories for step in story.steps for action in step.action or []}
    assert FLOWS <= reached, sorted(FLOWS - reached)


def test_a_broken_story_file_is_refused_with_its_name(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("stories:\n  - story: x\n    style: formal\n    steps:\n      - user: a\n        intnt: greet\n",
                   encoding="utf-8")
    with pytest.raises(StoryError, match="bad.yml"):
        load_stories(bad)
    with pytest.raises(StoryError, match="no story files"):
        (tmp_path / "empty").mkdir()
        load_stories(tmp_path / "empty")


def test_codes_and_numbers_stay_text() -> None:
    codes = {code for story in STORY_FILE.stories for step in story.steps for code in step.procedure or []}
    assert "2.000806" in codes and "1.004088" in codes  # YAML would read these as floats
    assert all(code.count(".") == 1 and len(code.split(".")[1]) == 6 for code in codes)


@pytest.fixture(scope="module")
def assistant(kb_db: Database, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    conversations = Database(f"sqlite:///{tmp_path_factory.mktemp('stories') / 'stories.sqlite3'}")
    upgrade(conversations)
    import_statuses(conversations, STORY_FILE.statuses)
    yield make_assistant(served_models(kb_db), kb_db, conversations)
    conversations.dispose()


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_story(assistant, name: str) -> None:  # type: ignore[no-untyped-def]
    result = run_story(assistant, BY_NAME[name], session_prefix="test")
    assert result.passed, format_report(StoryReport(results=[result]), verbose=True)
