"""The whole-call scenario against a real Asterisk, opt-in: set ``HUEAI_TEST_ARI_URL``, ``HUEAI_TEST_ARI_USER``
and ``HUEAI_TEST_ARI_PASSWORD`` (skipped otherwise). The Asterisk runs the sample configuration of
``deploy/asterisk`` (``19001075`` in ``[from-carrier]`` goes to ``Stasis(callbot)``, ``[operators]`` exists), and
the callbot's RTP address (``HUEAI_TEST_RTP_HOST``, default 127.0.0.1) must be reachable from it. With
``HUEAI_TEST_ARI_WEBSOCKET=1`` (an Asterisk with ``chan_websocket``: 20.16, 21.11, 22.6, 23 or later) the same call also runs with the
callbot's media over Asterisk's media WebSocket (``HUEAI_MEDIA_TRANSPORT=websocket``) instead of RTP.

How a test places a call without a phone: it is an ARI application of its own (``hueai-test-caller``) that
originates ``Local/19001075@from-carrier``. The local channel's first half enters the test's application, the
second runs the dialplan into ``Stasis(callbot)``. The test bridges its half with an externalMedia channel of its
own, so it speaks and listens over RTP exactly as a caller's phone would (espeak-ng Vietnamese, µ-law), and
presses keys with ``POST /channels/{id}/dtmf``, which Asterisk delivers to the callbot as ``ChannelDtmfReceived``.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid

import pytest

from voice.ari import AriClient
from voice.audio import resample
from voice.rtp import CODECS
from voice.standin import MediaSide

from callbot_support import ScriptedAssistant, caller_speech, call_settings, needs_espeak, running_callbot_on

URL = os.environ.get("HUEAI_TEST_ARI_URL")
USER = os.environ.get("HUEAI_TEST_ARI_USER")
PASSWORD = os.environ.get("HUEAI_TEST_ARI_PASSWORD")
RTP_HOST = os.environ.get("HUEAI_TEST_RTP_HOST", "127.0.0.1")
WEBSOCKET = os.environ.get("HUEAI_TEST_ARI_WEBSOCKET") == "1"

pytestmark = [needs_espeak, pytest.mark.skipif(not (URL and USER and PASSWORD),
                                               reason="no real Asterisk: set HUEAI_TEST_ARI_URL/_USER/_PASSWORD")]
TEST_APP = "hueai-test-caller"
QUESTION = "đăng ký khai sinh cho con cần giấy tờ gì"


class TestCaller:
    """The caller's side, as an ARI application over the real Asterisk."""

    def __init__(self) -> None:
        assert URL and USER and PASSWORD
        self.ari = AriClient(URL, USER, PASSWORD, TEST_APP)
        self.events: list[dict] = []
        self.started = asyncio.Event()
        self.id = f"test-{uuid.uuid4().hex[:8]}"
        self.media: MediaSide | None = None
        self.bridge: str | None = None
        self._listener: asyncio.Task | None = None

    async def listen(self) -> None:
        opened = asyncio.Event()
        self._listener = asyncio.ensure_future(self._listen(opened))
        await asyncio.wait_for(opened.wait(), 10)

    async def _listen(self, opened: asyncio.Event) -> None:
        async for event in self.ari.events(on_open=opened.set):
            self.events.append(event)
            if event.get("type") == "StasisStart" and (event.get("channel") or {}).get("id") == self.id:
                self.started.set()

    async def dial(self) -> None:
        await self.ari.request("POST", "/channels", {"endpoint": "Local/19001075@from-carrier", "app": TEST_APP,
                                                     "channelId": self.id, "otherChannelId": f"{self.id}-bot",
                                                     "callerId": "0914123456"})
        await asyncio.wait_for(self.started.wait(), 15)
        await self.ari.answer(self.id)
        loop = asyncio.get_running_loop()
        codec = CODECS["ulaw"]
        _, self.media = await loop.create_datagram_endpoint(lambda: MediaSide(codec, ("0.0.0.0", 9)),
                                                            local_addr=(RTP_HOST, 0))
        channel = await self.ari.request("POST", "/channels/externalMedia", {
            "app": TEST_APP, "external_host": f"{RTP_HOST}:{self.media.local[1]}", "format": "ulaw",
            "channelId": f"{self.id}-media"})
        variables = channel.get("channelvars") or {}
        self.media.remote = (variables["UNICASTRTP_LOCAL_ADDRESS"], int(variables["UNICASTRTP_LOCAL_PORT"]))
        self.media.start()
        self.bridge = (await self.ari.create_bridge("mixing"))["id"]
        await self.ari.add_channels(self.bridge, [self.id, f"{self.id}-media"])

    def heard(self, since: float) -> float:
        assert self.media is not None
        return sum(len(p.payload) for t, p in self.media.received if t >= since) / 8000

    async def wait_heard(self, seconds: float, since: float = 0.0, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self.heard(since) < seconds:
            assert time.monotonic() < deadline, "the callbot was not heard"
            await asyncio.sleep(0.05)

    async def say(self, text: str) -> float:
        assert self.media is not None
        pcm, rate = caller_speech(text)
        seconds = self.media.queue_pcm(resample(pcm, rate, 8000), 8000)
        await asyncio.sleep(seconds)
        return time.monotonic()

    async def press(self, digit: str) -> None:
        await self.ari.request("POST", f"/channels/{self.id}/dtmf", {"dtmf": digit})

    async def close(self) -> None:
        for request in (self.ari.hangup(self.id), self.ari.hangup(f"{self.id}-media")):
            try:
                await request
            except Exception:
                pass
        if self.bridge:
            try:
                await self.ari.destroy_bridge(self.bridge)
            except Exception:
                pass
        if self.media is not None:
            self.media.close()
        if self._listener is not None:
            self._listener.cancel()
        await self.ari.close()


@pytest.mark.parametrize("media", [
    "rtp", pytest.param("websocket", marks=pytest.mark.skipif(
        not WEBSOCKET, reason="set HUEAI_TEST_ARI_WEBSOCKET=1 when the Asterisk has chan_websocket"))])
def test_a_whole_call_through_a_real_asterisk(media: str) -> None:
    async def scenario() -> None:
        assert URL and USER and PASSWORD
        settings = call_settings(rtp_host=RTP_HOST, media_transport=media)
        async with running_callbot_on(URL, USER, PASSWORD, settings=settings,
                                      assistant=ScriptedAssistant()) as h:
            caller = TestCaller()
            try:
                await caller.listen()
                await caller.dial()
                await caller.wait_heard(1.0)  # the greeting, as RTP through Asterisk's bridge
                await asyncio.sleep(8)
                assert h.recognizer is not None
                h.recognizer.expect(QUESTION)
                spoke = await caller.say(QUESTION)
                await caller.wait_heard(0.5, since=spoke)
                assert h.assistant.turns and h.assistant.turns[-1][1] == QUESTION
                await caller.press("0")
                deadline = time.monotonic() + 20
                while not h.callbot.history and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                assert h.callbot.history and h.callbot.history[-1].end_reason == "transferred"
            finally:
                await caller.close()

    asyncio.run(asyncio.wait_for(scenario(), 120))
