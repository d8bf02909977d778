"""Units of the callbot's media and call flow: G.711, RTP, the jitter buffer, pacing, resampling, the
speech text table, the call flow's decisions and the call log. No sockets, no audio devices, no timing asserts
(the pacer runs on a fake clock)."""

from __future__ import annotations

import asyncio
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue.turns import Turn
from voice import g711
from voice.audio import StreamResampler, rms_dbfs, to_array
from voice.flow import CallFlow, DialogueFailed, Hangup, Say, Transfer, first_sentence, keyed_code
from voice.jitter import JitterBuffer
from voice.pacing import Pacer, freeze_loaded_heap
from voice.prompts import Menu, Prompts
from voice.rtp import CODECS, RtpError, RtpPacket, parse, seq_diff
from voice.settings import VoiceSettings, port_range
from voice.speech_text import for_speech, sentences
from voice.store import CallStore, mask_number
from voice.timing import TurnTiming

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # CPython's own G.711 (deprecated, gone in 3.13): the reference the tables are checked against

ALL_SAMPLES = np.arange(-32768, 32768, dtype=np.int16).tobytes()
ALL_CODES = bytes(range(256))


# -- G.711 ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("encode, reference", [(g711.ulaw_encode, audioop.lin2ulaw), (g711.alaw_encode, audioop.lin2alaw)])
def test_g711_encoders_match_the_reference_on_every_sample(encode, reference) -> None:
    assert encode(ALL_SAMPLES) == reference(ALL_SAMPLES, 2)


@pytest.mark.parametrize("decode, reference", [(g711.ulaw_decode, audioop.ulaw2lin), (g711.alaw_decode, audioop.alaw2lin)])
def test_g711_decoders_match_the_reference_on_every_code(decode, reference) -> None:
    assert decode(ALL_CODES) == reference(ALL_CODES, 2)


@pytest.mark.parametrize("encode, decode", [(g711.ulaw_encode, g711.ulaw_decode), (g711.alaw_encode, g711.alaw_decode)])
def test_g711_round_trips(encode, decode) -> None:
    # code -> sample -> code is exact (µ-law's "negative zero" 0x7F comes back as positive zero 0xFF)
    again = encode(decode(ALL_CODES))
    assert [a for a, b in zip(again, ALL_CODES) if a != b] in ([], [0xFF])
    # sample -> code -> sample stays within the segment's step: under 4 % of the magnitude, or 16 near zero
    x = to_array(ALL_SAMPLES).astype(np.int64)
    y = to_array(decode(encode(ALL_SAMPLES))).astype(np.int64)
    assert np.all(np.abs(x - y) <= np.maximum(16, np.abs(x) // 25) + 8)


def test_g711_silence_codes() -> None:
    assert g711.ulaw_encode(bytes(4)) == bytes([g711.ULAW_SILENCE] * 2)
    assert g711.alaw_encode(bytes(4)) == bytes([g711.ALAW_SILENCE] * 2)


def test_slin16_travels_big_endian() -> None:
    codec = CODECS["slin16"]
    pcm = np.array([1, -2, 0x1234], dtype="<i2").tobytes()
    assert codec.encode(pcm) == np.array([1, -2, 0x1234], dtype=">i2").tobytes()
    assert codec.decode(codec.encode(pcm)) == pcm
    assert (codec.payload_type, codec.sample_rate, codec.packet_bytes()) == (118, 16000, 640)
    assert (CODECS["ulaw"].payload_type, CODECS["alaw"].payload_type, CODECS["ulaw"].packet_bytes()) == (0, 8, 160)


# -- RTP ---------------------------------------------------------------------------------------------------------
def test_rtp_round_trip_and_header_fields() -> None:
    packet = RtpPacket(0, 65535, 4294967200, 0xDEADBEEF, b"\xff" * 160, marker=True)
    data = packet.to_bytes()
    assert len(data) == 172 and data[0] == 0x80 and data[1] == 0x80
    assert parse(data) == packet


def test_rtp_reads_csrc_extension_and_padding() -> None:
    header = bytes([0x80 | 0x20 | 0x10 | 0x02, 8]) + (7).to_bytes(2, "big") + (160).to_bytes(4, "big") + b"SSRC"
    csrcs = b"AAAABBBB"
    extension = b"\xbe\xde\x00\x01" + b"XXXX"
    payload = b"\x55" * 10
    padding = b"\x00\x00\x03"
    packet = parse(header + csrcs + extension + payload + padding)
    assert (packet.payload_type, packet.sequence, packet.payload) == (8, 7, payload)


@pytest.mark.parametrize("garbage", [b"", b"\x80\x00", b"\x40" + bytes(20), bytes([0x80 | 0x0F, 0]) + bytes(10),
                                     bytes([0x90, 0]) + bytes(12), bytes([0xA0, 0]) + bytes(10) + b"\xff",
                                     bytes([0xA0, 0]) + bytes(12) + b"\x00"])
def test_rtp_refuses_garbage(garbage: bytes) -> None:
    with pytest.raises(RtpError):
        parse(garbage)


def test_sequence_arithmetic_wraps() -> None:
    assert seq_diff(0, 65535) == 1
    assert seq_diff(65535, 0) == -1
    assert seq_diff(100, 90) == 10
    assert seq_diff(32767, 0) == 32767


# -- the jitter buffer ------------------------------------------------------------------------------------------------
def pkt(seq: int, ssrc: int = 1) -> RtpPacket:
    return RtpPacket(0, seq & 0xFFFF, seq * 160, ssrc, bytes([seq & 0xFF]))


def drain(buffer: JitterBuffer, ticks: int) -> list[int | None]:
    out = []
    for _ in range(ticks):
        packet = buffer.pop()
        out.append(None if packet is None else packet.sequence)
    return out


def test_jitter_buffer_reorders_and_waits_for_its_depth() -> None:
    buffer = JitterBuffer(depth=3)
    for seq in (10, 12, 11):
        buffer.push(pkt(seq))
    assert drain(buffer, 3) == [10, 11, 12]
    buffer.push(pkt(13))
    assert drain(buffer, 1) == [13]


def test_jitter_buffer_fills_losses_with_silence_and_drops_late_and_duplicates() -> None:
    buffer = JitterBuffer(depth=2)
    for seq in (1, 2, 4, 5):
        buffer.push(pkt(seq))
    assert drain(buffer, 4) == [1, 2, None, 4]
    assert buffer.push(pkt(3)) is False  # too late
    assert buffer.push(pkt(5)) is False  # duplicate
    assert (buffer.stats.lost, buffer.stats.late, buffer.stats.duplicate) == (1, 1, 1)


def test_jitter_buffer_across_the_sequence_wrap() -> None:
    buffer = JitterBuffer(depth=2)
    for seq in (65534, 65535, 0, 1):
        buffer.push(pkt(seq))
    assert drain(buffer, 4) == [65534, 65535, 0, 1]


def test_jitter_buffer_refills_after_a_pause_and_restarts_on_a_new_stream() -> None:
    buffer = JitterBuffer(depth=2)
    for seq in (1, 2):
        buffer.push(pkt(seq))
    assert drain(buffer, 4) == [1, 2, None, None]  # the sender paused: underflows
    buffer.push(pkt(3))
    assert drain(buffer, 1) == [None]  # refilling
    buffer.push(pkt(4))
    assert drain(buffer, 2) == [3, 4]
    buffer.push(pkt(500, ssrc=2))
    buffer.push(pkt(501, ssrc=2))
    assert drain(buffer, 2) == [500, 501]
    assert buffer.stats.restarts == 1 and buffer.stats.underflows >= 2


def test_jitter_buffer_overflow_drops_the_oldest() -> None:
    buffer = JitterBuffer(depth=1, capacity=3)
    for seq in range(5):
        buffer.push(pkt(seq))
    assert len(buffer) == 3 and buffer.stats.overflows == 2
    assert drain(buffer, 3) == [2, 3, 4]


# -- pacing on a fake clock ----------------------------------------------------------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.oversleep = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + self.oversleep


def run(coro):  # noqa: ANN001, ANN201
    return asyncio.new_event_loop().run_until_complete(coro)


def test_pacer_keeps_absolute_deadlines_without_drift() -> None:
    clock = FakeClock()
    clock.oversleep = 0.002  # every sleep overshoots by 2 ms...
    pacer = Pacer(0.02, clock=clock, sleep=clock.sleep)

    async def send(n: int) -> list[float]:
        return [await pacer.wait() for _ in range(n)]

    lateness = run(send(500))
    assert max(lateness) < 2.5  # ...but it never accumulates: each deadline is start + n x 20 ms
    assert clock.now == pytest.approx(100.0 + 499 * 0.02 + 0.002, abs=1e-6)
    assert pacer.underruns == 0 and pacer.sent == 500


def test_pacer_counts_an_underrun_and_restarts_instead_of_bursting() -> None:
    clock = FakeClock()
    pacer = Pacer(0.02, clock=clock, sleep=clock.sleep)
    run(pacer.wait())
    clock.now += 0.5  # the event loop was blocked for half a second
    assert run(pacer.wait()) == pytest.approx(480.0)  # reported as late as it was
    assert pacer.underruns == 1
    before = clock.now
    run(pacer.wait())
    assert clock.now == pytest.approx(before + 0.02)  # the next packet keeps the 20 ms rhythm, no burst


def test_freezing_the_loaded_heap_takes_it_out_of_full_collections() -> None:
    import gc

    loaded = [[i] for i in range(50_000)]  # a model's worth of tracked objects
    try:
        freeze_loaded_heap()
        assert gc.get_freeze_count() >= len(loaded)
    finally:
        gc.unfreeze()


# -- resampling ---------------------------------------------------------------------------------------------------------
def test_stream_resampler_packet_by_packet() -> None:
    t = np.arange(8000) / 8000
    tone = (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2").tobytes()
    up = StreamResampler(8000, 16000)
    wide = b"".join(up(tone[i:i + 320]) for i in range(0, len(tone), 320))
    down = StreamResampler(16000, 8000)
    back = b"".join(down(wide[i:i + 640]) for i in range(0, len(wide), 640))
    assert len(wide) == 2 * len(tone) and len(back) == len(tone)
    assert abs(rms_dbfs(back) - rms_dbfs(tone)) < 0.5  # the level survives both ways
    with pytest.raises(ValueError):
        StreamResampler(22050, 16000)


# -- speech text: a table written by hand -------------------------------------------------------------------------------
SPEECH_CASES = [
    ("Lệ phí 30.000 đồng.", "Lệ phí ba mươi nghìn đồng."),
    ("Phí 15.000đ", "Phí mười lăm nghìn đồng"),
    ("Lệ phí: 1.250.000 VNĐ", "Lệ phí: một triệu hai trăm năm mươi nghìn đồng"),
    ("Trực tuyến: 7,000 Việt Nam Đồng", "Trực tuyến: bảy nghìn đồng"),
    ("thuế 0,5%", "thuế không phẩy năm phần trăm"),
    ("trong 15 ngày làm việc", "trong mười lăm ngày làm việc"),
    ("tối đa 105 hồ sơ", "tối đa một trăm linh năm hồ sơ"),
    ("nộp trước 15/3/2025", "nộp trước ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi lăm"),
    ("hẹn ngày 05/03", "hẹn ngày năm tháng ba"),
    ("làm việc từ 7:30 đến 11h30", "làm việc từ bảy giờ ba mươi phút đến mười một giờ ba mươi phút"),
    ("chiều 13:00", "chiều mười ba giờ"),
    ("hồ sơ 000.00.21.H57-250312-0042",
     "hồ sơ không không không, không không, hai một, H năm bảy, hai năm không ba một hai, không không bốn hai"),
    ("gọi 114 hoặc 0914123456", "gọi một một bốn hoặc không chín một bốn một hai ba bốn năm sáu"),
    ("Mang CCCD đến UBND phường.", "Mang căn cước công dân đến Ủy ban nhân dân phường."),
    ("Danh mục TTHC của HĐND", "Danh mục thủ tục hành chính của Hội đồng nhân dân"),
    ("Nộp qua DVCQG hoặc VNeID", "Nộp qua Cổng dịch vụ công quốc gia hoặc vê en e ai đi"),
    ("TP. Huế - phường Phú Xuân", "thành phố Huế, phường Phú Xuân"),
    ("Xem **[hướng dẫn](https://dichvucong.gov.vn/p/home)** tại https://x.vn/a", "Xem hướng dẫn tại"),
    ("- Tờ khai\n- Giấy chứng sinh", "Tờ khai. Giấy chứng sinh"),
    ("Diện tích 120 m2 & cách 3 km", "Diện tích một trăm hai mươi mét vuông và cách ba ki lô mét"),
]


@pytest.mark.parametrize("text, spoken", SPEECH_CASES)
def test_speech_text(text: str, spoken: str) -> None:
    assert for_speech(text) == spoken


def test_speech_text_is_idempotent_and_sentences_split() -> None:
    for text, spoken in SPEECH_CASES:
        assert for_speech(spoken) == spoken
    long = "Một câu rất dài, " * 30 + "hết."
    parts = sentences("Câu một. Câu hai? " + long)
    assert parts[:2] == ["Câu một.", "Câu hai?"] and all(len(p) <= 220 for p in parts)


# -- the call flow --------------------------------------------------------------------------------------------------------
def turn(action: str = "answer_documents", reply: str = "Dạ, cần tờ khai. Và giấy chứng sinh.", *,
         handoff: bool = False, intent: str = "ask_documents") -> Turn:
    return Turn(session_id="s", message_id="1", reply=reply, intent=intent, confidence=1.0, handoff=handoff,
                action=action)


class Ask:
    def __init__(self, *turns: Turn) -> None:
        self.turns = list(turns)
        self.asked: list[str] = []

    async def __call__(self, text: str) -> Turn:
        self.asked.append(text)
        return self.turns.pop(0) if self.turns else turn()


def flow(ask: Ask | None = None, *, speech: bool = True) -> CallFlow:
    return CallFlow(ask or Ask(), Prompts.load(), Menu.load(), speech=speech)


def test_greeting_says_automated_and_recorded_and_cannot_be_cut() -> None:
    (say,) = flow().greeting()
    assert isinstance(say, Say) and not say.interruptible
    assert "trợ lý tự động" in say.text and "ghi âm" in say.text
    keypad = flow(speech=False).greeting()[0]
    assert "phím một" in keypad.text.lower() and "phím không" in keypad.text.lower()


def test_emergency_and_request_human_transfer_after_one_sentence() -> None:
    ask = Ask(turn("emergency", "Nếu có người gặp nguy hiểm, gọi 114. Trong lúc chờ, tránh xa.", handoff=True),
              turn("handoff", "Dạ, em chuyển anh chị cho nhân viên. Anh chị chờ nhé.", handoff=True))
    actions = run(flow(ask).on_transcript("cháy nhà", TurnTiming()))
    assert isinstance(actions[0], Say) and actions[0].text == Prompts.load().transfer_emergency
    assert actions[1] == Transfer("emergency")
    actions = run(flow(ask).on_transcript("cho gặp người thật", TurnTiming()))
    assert actions[0].text == "Dạ, em chuyển anh chị cho nhân viên." and actions[1] == Transfer("request_human")


def test_keys_operator_repeat_and_a_keyed_code() -> None:
    ask = Ask()
    call = flow(ask)
    run(call.on_transcript("khai sinh", TurnTiming()))
    (repeat,) = run(call.on_key("9"))
    assert repeat.text == "Dạ, cần tờ khai. Và giấy chứng sinh."
    assert run(call.on_key("*"))[0].text == Prompts.load().code_prompt
    for digit in "000000215":
        assert run(call.on_key(digit)) == []
    assert run(call.on_key("#"))[0].text == Prompts.load().code_bad  # 9 digits: asked again
    for digit in "0000021572503120042":
        actions = run(call.on_key(digit))
    assert ask.asked[-1] == "tra cứu hồ sơ 000.00.21.H57-250312-0042" and isinstance(actions[0], Say)
    actions = run(call.on_key("0"))
    assert actions[-1] == Transfer("dtmf") and call.ending
    assert run(call.on_key("9")) == []  # nothing after the call is ending


def test_silence_prompt_once_then_goodbye_and_max_length() -> None:
    call = flow()
    first = call.on_silence()
    assert first[0].text == "Alo, anh chị còn nghe máy không ạ?"
    call.heard_caller()
    assert len(call.on_silence()) == 1  # the caller spoke in between: prompted again, not ended
    second = call.on_silence()
    assert isinstance(second[-1], Hangup) and second[-1].reason == "silence"
    assert flow().on_max_length()[-1] == Hangup("max_length")


def test_empty_transcript_and_a_failing_dialogue() -> None:
    assert run(flow().on_transcript("  ", TurnTiming()))[0].text == Prompts.load().not_heard

    async def broken(text: str) -> Turn:
        raise DialogueFailed("Dạ, hệ thống đang tạm gián đoạn. Anh chị gọi lại sau.")

    actions = run(CallFlow(broken, Prompts.load(), Menu.load(), speech=True).on_transcript("x", TurnTiming()))
    assert actions[0].text == "Dạ, hệ thống đang tạm gián đoạn." and actions[1] == Transfer("dialogue_unavailable")


def test_keypad_menu_without_speech() -> None:
    ask = Ask()
    call = flow(ask, speech=False)
    categories = run(call.on_key("1"))[0].text
    assert "Phím 1, Hộ tịch" in categories
    items = run(call.on_key("1"))[0].text
    assert "Phím 1, Đăng ký khai sinh" in items
    answer = run(call.on_key("1"))[0].text
    assert ask.asked == ["đăng ký khai sinh cần giấy tờ gì"] and Prompts.load().after_answer in answer
    assert run(call.on_key("#"))[0].text == Prompts.load().menu
    assert run(call.on_key("2"))[0].text == Prompts.load().code_prompt  # 2: status by keyed code


def test_helpers() -> None:
    assert keyed_code("0000021572503120042") == "000.00.21.H57-250312-0042"
    assert keyed_code("123") is None
    assert first_sentence("Một. Hai.") == "Một."
    assert mask_number("0914123456") == "09******56" and mask_number(None) == "unknown" and mask_number("113") == "***"
    assert port_range("20000-20002") == range(20000, 20003)
    with pytest.raises(ValueError):
        VoiceSettings(rtp_ports="80-90")


def test_turn_timing_stages_and_overhead() -> None:
    timing = TurnTiming(speech_end=10.0, turn_end=10.5, asr_done=10.9, dialogue_done=11.0, first_packet=11.2,
                        vad_stop_ms=200, smart_turn_ms=50, asr_model_ms=350, dialogue_model_ms=0, tts_model_ms=60)
    stages = timing.stages()
    assert stages["total"] == 1200 and stages["end_of_turn"] == 500 and stages["tts"] == 200
    assert stages["overhead"] == pytest.approx(1200 - 500 - 350 - 60)  # total less end of turn and model time


# -- the call log (the staff page's read API) ----------------------------------------------------------------------------
def test_call_store_round_trip(database) -> None:  # noqa: ANN001
    store = CallStore(database)
    store.start("c1", session_id="voice-c1", caller="0914123456", mode="speech", media_format="ulaw")
    store.start("c2", session_id="voice-c2", caller="0905000111", mode="dtmf", media_format="slin16")
    store.add_turn("c1", index=1, source="system", reply="Xin chào", action="greeting")
    store.add_turn("c1", index=2, source="speech", transcript="khai sinh", reply="Dạ", intent="ask_documents",
                   latency_ms={"total": 900.0}, barge_in=True)
    store.end("c1", reason="transferred", transfer_reason="emergency", stats={"underruns": 0})
    calls = store.list_calls()
    assert [c.id for c in calls] == ["c2", "c1"] and calls[0].in_progress and not calls[1].in_progress
    assert calls[1].caller == "09******56" and calls[1].turns == 2
    assert [c.id for c in store.list_calls(transferred=True)] == ["c1"]
    assert [c.id for c in store.list_calls(in_progress=True)] == ["c2"]
    assert store.list_calls(before=calls[0].started_at + timedelta(seconds=1), limit=1)[0].id == "c2"
    detail = store.call("c1")
    assert detail is not None and detail.transfer_reason == "emergency" and detail.stats == {"underruns": 0}
    assert [t.transcript for t in detail.transcript] == [None, "khai sinh"] and detail.transcript[1].barge_in
    assert store.call("nope") is None


# -- chan_websocket media ---------------------------------------------------------------------------------------------
def test_media_websocket_url_from_the_ari_url() -> None:
    from voice.websocket_media import media_url

    assert media_url("http://pbx.local:8088/ari", "abc") == "ws://pbx.local:8088/media/abc"
    assert media_url("https://pbx.local:8089/asterisk/ari/", "abc") == "wss://pbx.local:8089/asterisk/media/abc"
    assert media_url("http://127.0.0.1:8088", "abc") == "ws://127.0.0.1:8088/media/abc"


def test_media_websocket_notifications_parse() -> None:
    from voice.websocket_media import parse_notification

    assert parse_notification("MEDIA_START connection_id:e226 channel:WebSocket/INCOMING/0x1 format:ulaw "
                              "optimal_frame_size:160") == (
        "MEDIA_START", {"connection_id": "e226", "channel": "WebSocket/INCOMING/0x1", "format": "ulaw",
                        "optimal_frame_size": "160"})
    assert parse_notification("MEDIA_BUFFERING_COMPLETED greeting") == ("MEDIA_BUFFERING_COMPLETED", {"0": "greeting"})
    assert parse_notification("MEDIA_XOFF") == ("MEDIA_XOFF", {})


def test_media_websocket_endpoint_frames_audio_as_rtp_and_obeys_xoff() -> None:
    from voice.websocket_media import WebSocketMediaEndpoint

    got: list[bytes] = []
    endpoint = WebSocketMediaEndpoint(CODECS["ulaw"], got.append)
    endpoint._on_audio(b"\xff" * 160)
    endpoint._on_audio(b"\xff" * 160)
    first, second = parse(got[0]), parse(got[1])
    assert first.payload == b"\xff" * 160 and first.payload_type == 0
    assert second.sequence == (first.sequence + 1) & 0xFFFF and second.timestamp == (first.timestamp + 160) & 0xFFFFFFFF
    endpoint._on_text("MEDIA_XOFF")
    assert endpoint.paused and not endpoint.send(got[0])  # Asterisk's queue is full: nothing is sent
    endpoint._on_text("MEDIA_XON")
    assert not endpoint.paused


def test_a_pacer_ahead_sends_its_lead_at_once_then_keeps_it() -> None:
    clock = FakeClock()
    pacer = Pacer(0.02, ahead=3, clock=clock, sleep=clock.sleep)
    start = clock.now
    sent = []
    for _ in range(6):
        run(pacer.wait())
        sent.append(round(clock.now - start, 6))
    assert sent == pytest.approx([0.0, 0.0, 0.0, 0.0, 0.02, 0.04])  # a lead of three packets, then one per 20 ms
    assert max(pacer.lateness_ms) == pytest.approx(0.0) and pacer.underruns == 0


@settings(max_examples=200, deadline=None)
@given(messages=st.lists(st.one_of(st.binary(max_size=700), st.text(max_size=200)), max_size=20))
def test_media_websocket_endpoint_survives_anything_asterisk_sends(messages: list[bytes | str]) -> None:
    """Odd-sized or empty frames and garbage TEXT never raise; each frame still goes on as one RTP packet,
    which the input transport then checks as it checks RTP from the network."""
    from voice.websocket_media import WebSocketMediaEndpoint

    got: list[bytes] = []
    endpoint = WebSocketMediaEndpoint(CODECS["slin16"], got.append)
    for message in messages:
        if isinstance(message, bytes):
            endpoint._on_audio(message)
        else:
            endpoint._on_text(message)
    frames = [m for m in messages if isinstance(m, bytes)]
    assert [parse(packet).payload for packet in got] == frames


class ToneSynthesizer:
    """A synthesiser without espeak: one second of tone per sentence."""

    name = "tone"
    sample_rate = 8000

    def synthesize(self, text: str) -> bytes:
        return (np.sin(np.arange(8000) / 3) * 8000).astype("<i2").tobytes()


def test_speech_synth_pushes_a_sentence_in_short_frames() -> None:
    """A sentence goes down as 0.2 s frames: Pipecat's output transport cuts each frame into packets in one go
    on the event loop, and whole sentences held it long enough for other calls' packets to leave late."""
    from pipecat.frames.frames import TTSAudioRawFrame, TTSSpeakFrame
    from pipecat.tests.utils import SleepFrame, run_test

    from voice.processors import TTS_FRAME_SECONDS, SpeechSynth
    from voice.tts import Speaker

    with ThreadPoolExecutor(1) as pool:
        synth = SpeechSynth(Speaker(ToneSynthesizer(), 8000), pool)  # type: ignore[arg-type]
        down, _ = asyncio.run(run_test(synth, frames_to_send=[TTSSpeakFrame("Một câu. Hai câu."), SleepFrame(0.5)]))
    audio = [frame for frame in down if isinstance(frame, TTSAudioRawFrame)]
    assert sum(len(frame.audio) for frame in audio) == 2 * 16000
    assert max(len(frame.audio) for frame in audio) == int(TTS_FRAME_SECONDS * 8000) * 2
