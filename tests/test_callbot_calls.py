"""Whole calls through the callbot, driven by the stand-in Asterisk (:mod:`voice.standin`, which follows
Asterisk's published ARI swagger and chan_rtp's externalMedia behaviour) over loopback.

Each test places calls the way a PSTN caller reaches ``Stasis(callbot)``: the callbot answers, bridges an
externalMedia channel, greets over RTP; the stand-in speaks Vietnamese synthesised by espeak-ng, µ-law
encoded, and listens to what comes back; keys arrive as ``ChannelDtmfReceived``; a transfer is the callbot's
``POST /channels/{id}/continue`` into the operators' context. Nothing asserts on timing: waits are bounded,
and outcomes are what is checked (what was said, what ARI was asked, what was stored).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from core.storage import Database
from hueai.db import upgrade
from voice.asr import Transcript
from voice.rtp import RtpPacket
from voice.standin import Caller, WebSocketMediaSide
from voice.store import CallStore

from callbot_support import Harness, caller_speech, needs_espeak, running_callbot, call_settings

pytestmark = needs_espeak

QUESTION = "đăng ký khai sinh cho con cần giấy tờ gì"


def run(coro) -> None:  # noqa: ANN001
    asyncio.run(asyncio.wait_for(coro, timeout=150))


@pytest.fixture
def store(tmp_path: Path) -> CallStore:
    db = Database(f"sqlite:///{tmp_path / 'calls.sqlite3'}")
    upgrade(db)
    return CallStore(db)


async def greeted(call: Caller) -> None:
    """Wait for the greeting to start arriving as RTP, then to finish."""
    await call.wait_heard(0.5, timeout=20)
    await call.wait_quiet(0.6, timeout=30)


async def say(h: Harness, call: Caller, text: str, heard_as: str | None = None) -> float:
    """The caller says ``text`` (the recogniser is told it will hear ``heard_as``); returns when speech ended."""
    if h.recognizer is not None:
        h.recognizer.expect(heard_as if heard_as is not None else text)
    pcm, rate = caller_speech(text)
    done = await call.say(pcm, rate)
    await asyncio.sleep(max(0.0, done - time.monotonic()))
    return time.monotonic()


async def ended(h: Harness, *callers: Caller) -> None:
    """Wait for the callbot to have acted on ``callers`` (asked Asterisk anything about their channels),
    then for it to hold no call.

    Right after ``place_call`` the callbot may not have read the StasisStart yet, so an idle callbot
    alone would not prove that the call came and went.
    """
    deadline = time.monotonic() + 40
    for caller in callers:
        while not requests(h, "POST", caller.channel.id):
            assert time.monotonic() < deadline, "the callbot never acted on the call"
            await asyncio.sleep(0.05)
    assert await h.callbot.wait_idle(40), "the call did not end"


def requests(h: Harness, method: str, fragment: str) -> list[tuple[str, str, int]]:
    return [r for r in h.asterisk.requests if r[0] == method and fragment in r[1]]


def test_a_whole_call_greeting_answer_dtmf_zero_transfer(store: CallStore) -> None:
    async def scenario() -> None:
        async with running_callbot(store=store) as h:
            call = await h.asterisk.place_call("0914123456")
            await call.wait_heard(0.5)
            media = call.media
            assert media is not None and {p.payload_type for _, p in media.received} == {0}  # µ-law RTP
            assert media.received[0][1].marker  # a talk spurt starts with the marker bit
            await call.wait_quiet(0.6)
            spoke = await say(h, call, QUESTION)
            await call.wait_heard(1.0, since=spoke)
            assert h.assistant.turns[-1][1] == QUESTION and h.assistant.turns[-1][0].startswith("voice-")
            await call.press("0")
            assert await asyncio.wait_for(call.continued, 20) == ("operators", "s", 1)
            await asyncio.wait_for(call.ended.wait(), 5)
            await ended(h)
            assert requests(h, "DELETE", "-media") and requests(h, "DELETE", "/bridges/")
            assert requests(h, "POST", "/channels/externalMedia")

        (summary,) = store.list_calls()
        assert summary.caller == "09******56" and summary.end_reason == "transferred"
        assert summary.transfer_reason == "dtmf" and summary.mode == "speech"
        detail = store.call(summary.id)
        assert detail is not None
        sources = [(t.source, t.action) for t in detail.transcript]
        assert sources == [("system", "greeting"), ("speech", "answer_documents"), ("dtmf", "transfer")]
        spoken = detail.transcript[1]
        assert spoken.transcript == QUESTION and spoken.intent == "ask_documents"
        assert spoken.latency_ms is not None and {"total", "end_of_turn", "asr", "dialogue", "tts"} <= set(
            spoken.latency_ms)
        assert detail.stats is not None and detail.stats["malformed"] == 0

    run(scenario())


def test_a_whole_call_over_websocket_media_with_barge_in(store: CallStore) -> None:
    """chan_websocket instead of RTP: the callbot opens /media/<connection id> on Asterisk's HTTP server."""
    async def scenario() -> None:
        async with running_callbot(store=store, settings=call_settings(media_transport="websocket")) as h:
            call = await h.asterisk.place_call("0914123456")
            await greeted(call)
            media = call.media
            assert isinstance(media, WebSocketMediaSide) and media.connected.is_set()
            spoke = await say(h, call, QUESTION)
            started = await call.wait_heard(1.0, since=spoke)
            interrupted = await say(h, call, "cho tôi hỏi cái khác", heard_as="hồ sơ của tôi xong chưa")
            last_of_answer = await call.wait_quiet(0.3)
            assert last_of_answer - started < 10.0  # the answer stopped while the caller spoke...
            assert "FLUSH_MEDIA" in media.commands  # ...and what Asterisk had queued was dropped
            await call.wait_heard(0.5, since=interrupted + 0.2)
            assert h.assistant.turns[-1][1] == "hồ sơ của tôi xong chưa"
            await call.press("0")
            assert await asyncio.wait_for(call.continued, 20) == ("operators", "s", 1)
            await ended(h)
            assert media.websocket is not None and media.websocket.closed  # the callbot closed its media
        (summary,) = store.list_calls()
        assert summary.end_reason == "transferred" and summary.transfer_reason == "dtmf"
        detail = store.call(summary.id)
        assert detail is not None and detail.stats is not None and detail.stats["packets_in"] > 50

    run(scenario())


def test_barge_in_stops_the_answer() -> None:
    async def scenario() -> None:
        async with running_callbot() as h:
            call = await h.asterisk.place_call()
            await greeted(call)
            spoke = await say(h, call, QUESTION)
            await call.wait_heard(1.0, since=spoke)
            barge = time.monotonic()
            interrupted = await say(h, call, "cho tôi hỏi cái khác", heard_as="hồ sơ của tôi xong chưa")
            await call.wait_heard(0.5, since=interrupted)  # the new question is answered
            assert h.assistant.turns[-1][1] == "hồ sơ của tôi xong chưa"
            # the answer (about 14 s at this rate) stopped while the caller spoke: its last packet is the one
            # before the first silence of 0.3 s after the caller started
            heard = [t for t, *_ in call.media.received if t >= barge]
            last_of_answer = next(a for a, b in zip(heard, heard[1:]) if b - a >= 0.3)
            assert last_of_answer - barge < 1.0

    run(scenario())


def test_emergency_is_transferred_after_one_sentence(store: CallStore) -> None:
    async def scenario() -> None:
        async with running_callbot(store=store) as h:
            call = await h.asterisk.place_call()
            await greeted(call)
            spoke = await say(h, call, "nhà tôi đang cháy, cứu với")
            assert await asyncio.wait_for(call.continued, 20) == ("operators", "s", 1)
            heard = call.heard_seconds(spoke)
            assert 0.5 < heard < 6.0  # one sentence, then the line goes to the operators
            await ended(h)
        (summary,) = store.list_calls()
        assert summary.transfer_reason == "emergency" and summary.end_reason == "transferred"

    run(scenario())


def test_silence_prompt_once_then_a_polite_end(store: CallStore) -> None:
    async def scenario() -> None:
        async with running_callbot(store=store, settings=call_settings(call_silence_seconds=1.5)) as h:
            call = await h.asterisk.place_call()
            await greeted(call)
            await asyncio.wait_for(call.ended.wait(), 40)  # the caller never speaks
            assert call.hung_up_by_app
            await ended(h)
        (summary,) = store.list_calls()
        detail = store.call(summary.id)
        assert detail is not None and summary.end_reason == "silence"
        assert [t.action for t in detail.transcript] == ["greeting", "silence", "goodbye_silence"]

    run(scenario())


def test_hang_up_mid_answer_ends_the_call_cleanly(store: CallStore) -> None:
    async def scenario() -> None:
        async with running_callbot(store=store) as h:
            call = await h.asterisk.place_call()
            await greeted(call)
            spoke = await say(h, call, QUESTION)
            await call.wait_heard(1.0, since=spoke)
            await call.hang_up()
            await ended(h)
            assert not h.asterisk.bridges and h.callbot.ports.in_use == 0
            second = await h.asterisk.place_call()  # the service goes on
            await second.wait_heard(0.5)
            await second.hang_up()
            await ended(h)
        first = store.list_calls()[-1]
        assert first.end_reason == "caller_hangup" and first.turns >= 2

    run(scenario())


def test_ten_calls_at_once(store: CallStore) -> None:
    async def one(h: Harness, index: int) -> tuple[str, str, int]:
        call = await h.asterisk.place_call(f"09050000{index:02d}")
        await greeted(call)
        spoke = await say(h, call, QUESTION)
        await call.wait_heard(0.5, since=spoke, timeout=40)
        await call.press("0")
        return await asyncio.wait_for(call.continued, 40)

    async def scenario() -> None:
        async with running_callbot(store=store) as h:
            # ten callers ask the same question (a turn split at a pause is heard as that question again)
            h.recognizer.transcribe = lambda pcm: Transcript(QUESTION, len(pcm) / 32000, 1.0)  # type: ignore
            h.recognizer.expect = lambda *texts: None  # type: ignore[union-attr,method-assign]
            results = await asyncio.gather(*(one(h, i) for i in range(10)))
            assert results == [("operators", "s", 1)] * 10
            await ended(h)
            assert len({session for session, _ in h.assistant.turns}) == 10  # every call reached the dialogue
        calls = store.list_calls()
        assert len(calls) == 10 and all(c.end_reason == "transferred" for c in calls)

    run(scenario())


def test_keypad_hotline_without_a_speech_model() -> None:
    async def scenario() -> None:
        async with running_callbot(speech=False) as h:
            call = await h.asterisk.place_call()
            await call.wait_heard(0.5)
            for key in "111":  # procedures -> Hộ tịch -> Đăng ký khai sinh
                await call.press(key)
                await asyncio.sleep(0.3)
            deadline = time.monotonic() + 20
            while not h.assistant.turns and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert h.assistant.turns[-1][1] == "đăng ký khai sinh cần giấy tờ gì"
            await call.press("#")
            await call.press("2")
            for key in "0000021572503120042":
                await call.press(key)
            deadline = time.monotonic() + 10
            while len(h.assistant.turns) < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert h.assistant.turns[-1][1] == "tra cứu hồ sơ 000.00.21.H57-250312-0042"
            spoke = await say(h, call, "alo alo")  # speech is not understood here, and nothing breaks
            await call.press("0")
            assert await asyncio.wait_for(call.continued, 20) == ("operators", "s", 1)
            assert len(h.assistant.turns) == 2 and spoke

    run(scenario())


def test_bad_rtp_is_dropped_and_the_call_goes_on(store: CallStore) -> None:
    async def scenario() -> None:
        async with running_callbot(store=store) as h:
            call = await h.asterisk.place_call()
            await call.wait_heard(0.5)
            await call.send_raw(b"\x00garbage")
            await call.send_raw(bytes([0x80, 0x00, 0x00]))  # truncated header
            await call.send_raw(RtpPacket(96, 1, 1, 0x5EED1234, b"\x00" * 160).to_bytes())  # wrong payload type
            await call.send_raw(RtpPacket(0, 1, 1, 1, b"\xff" * 160).to_bytes(), foreign=True)  # not Asterisk
            await call.wait_quiet(0.6)
            spoke = await say(h, call, QUESTION)
            await call.wait_heard(0.5, since=spoke)
            await call.hang_up()
            await ended(h)
        detail = store.call(store.list_calls()[0].id)
        assert detail is not None and detail.stats is not None
        assert detail.stats["malformed"] == 2 and detail.stats["wrong_payload"] == 1 and detail.stats["foreign"] == 1

    run(scenario())


def test_ari_500_on_transfer_is_retried_and_404_means_the_caller_left(store: CallStore) -> None:
    async def scenario() -> None:
        async with running_callbot(store=store) as h:
            h.asterisk.fail("POST", r"/channels/[^/]+/continue", 500)
            call = await h.asterisk.place_call()
            await call.wait_heard(0.5)
            await call.press("0")
            assert await asyncio.wait_for(call.continued, 30) == ("operators", "s", 1)
            await ended(h)
            h.asterisk.fail("POST", r"/channels/[^/]+/continue", 404, times=2)
            second = await h.asterisk.place_call()
            await second.wait_heard(0.5)
            await second.press("0")
            await ended(h)
            assert not second.continued.done()
            await second.hang_up()
        reasons = sorted(c.end_reason or "" for c in store.list_calls())
        assert reasons == ["caller_hangup", "transferred"]

    run(scenario())


def test_ari_409_at_set_up_ends_that_call_only(store: CallStore) -> None:
    async def scenario() -> None:
        async with running_callbot(store=store) as h:
            h.asterisk.fail("POST", r"/channels/[^/]+/answer", 409)
            refused = await h.asterisk.place_call()
            await ended(h, refused)
            assert refused.media is None
            h.asterisk.fail("POST", r"/bridges/[^/]+/addChannel", 500)
            half_built = await h.asterisk.place_call()
            await ended(h, half_built)
            assert not h.asterisk.bridges and h.callbot.ports.in_use == 0  # torn down: bridge, media, port
            assert half_built.media is None
            good = await h.asterisk.place_call()
            await good.wait_heard(0.5)
            await good.hang_up()
            await ended(h)
        assert [c.end_reason for c in store.list_calls()] == ["caller_hangup", "ari_error"]  # a 409 on answer: never stored

    run(scenario())


def test_a_refused_media_websocket_sends_that_caller_to_the_operators(store: CallStore) -> None:
    async def scenario() -> None:
        async with running_callbot(store=store, settings=call_settings(media_transport="websocket")) as h:
            h.asterisk.fail("GET", r"/media/.+", 404)
            refused = await h.asterisk.place_call()
            assert await asyncio.wait_for(refused.continued, 20) == ("operators", "s", 1)
            await ended(h, refused)
            assert not h.asterisk.bridges  # the half-built call is torn down
            good = await h.asterisk.place_call()
            await good.wait_heard(0.5)
            await good.hang_up()
            await ended(h)
        assert [c.end_reason for c in store.list_calls()] == ["caller_hangup", "no_media"]

    run(scenario())


def test_events_websocket_dropping_does_not_end_the_call() -> None:
    async def scenario() -> None:
        async with running_callbot() as h:
            call = await h.asterisk.place_call()
            await call.wait_heard(0.5)
            await h.asterisk.drop_events()
            await h.asterisk.wait_connected(10)  # the callbot reconnected
            await greeted(call)
            spoke = await say(h, call, QUESTION)
            await call.wait_heard(0.5, since=spoke)
            await call.press("0")  # events reach the call again
            assert await asyncio.wait_for(call.continued, 20) == ("operators", "s", 1)

    run(scenario())


def test_asterisk_restarting_ends_calls_and_the_callbot_comes_back(store: CallStore) -> None:
    async def scenario() -> None:
        async with running_callbot(store=store) as h:
            call = await h.asterisk.place_call()
            await call.wait_heard(0.5)
            await h.asterisk.restart(down_seconds=1.0)
            await ended(h)
            await h.asterisk.wait_connected(15)
            after = await h.asterisk.place_call()
            await after.wait_heard(0.5)
            await after.hang_up()
            await ended(h)
        reasons = [c.end_reason for c in store.list_calls()]
        assert reasons == ["caller_hangup", "asterisk_lost"] and call.media is not None

    run(scenario())


def test_slin16_media(store: CallStore) -> None:
    async def scenario() -> None:
        async with running_callbot(store=store, settings=call_settings(rtp_format="slin16")) as h:
            call = await h.asterisk.place_call()
            await greeted(call)
            media = call.media
            assert media is not None and {p.payload_type for _, p in media.received} == {118}
            assert {len(p.payload) for _, p in media.received} == {640}  # 20 ms at 16 kHz
            spoke = await say(h, call, QUESTION)
            await call.wait_heard(0.5, since=spoke)
            await call.hang_up()

    run(scenario())


def test_the_dialogue_failing_sends_the_caller_to_a_person(store: CallStore) -> None:
    from callbot_support import ScriptedAssistant

    async def scenario() -> None:
        async with running_callbot(store=store, assistant=ScriptedAssistant(fail=True)) as h:
            call = await h.asterisk.place_call()
            await greeted(call)
            await say(h, call, QUESTION)
            assert await asyncio.wait_for(call.continued, 20) == ("operators", "s", 1)
        assert store.list_calls()[0].transfer_reason == "dialogue_unavailable"

    run(scenario())


def test_maximum_call_length(store: CallStore) -> None:
    async def scenario() -> None:
        async with running_callbot(store=store, settings=call_settings(call_max_seconds=7)) as h:
            call = await h.asterisk.place_call()
            await asyncio.wait_for(call.ended.wait(), 40)
            assert call.hung_up_by_app
        assert store.list_calls()[0].end_reason == "max_length"

    run(scenario())


def test_a_call_through_the_tiny_whisper(tmp_path: Path) -> None:
    """The real recogniser in a call: its transcript is nonsense (a random model), so the caller is asked to
    repeat, or the nonsense goes to the dialogue: either way an answer comes back over RTP."""
    from voice.asr import load_recognizer
    from voice.tiny_whisper import build_tiny_models

    _, ct2 = build_tiny_models(tmp_path)
    recognizer = load_recognizer(ct2)

    async def scenario() -> None:
        async with running_callbot(recognizer=recognizer) as h:
            call = await h.asterisk.place_call()
            await greeted(call)
            spoke = await say(h, call, QUESTION)
            await call.wait_heard(0.5, since=spoke, timeout=30)
            await call.hang_up()

    run(scenario())
