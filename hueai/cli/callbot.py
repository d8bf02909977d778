"""``hueai callbot``: connect to Asterisk's ARI and serve the 19001075 hotline until SIGTERM.

It refuses an out-of-date database, like ``serve``, and a missing configuration with a one-line reason.
With ``HUEAI_ASR_MODEL`` unset it serves the keypad menu (and says so in its greeting); a configured model
that cannot be loaded is an error, not a silent fallback. Nothing is downloaded: the speech models are
local paths, the VAD and end-of-turn models come inside the pipecat-ai package.
"""

from __future__ import annotations

import asyncio
import signal
from concurrent.futures import ThreadPoolExecutor

import structlog
import typer

from hueai.cli.common import fail, runtime, schema_checked
from hueai.runtime import ModelMissing, Runtime

log = structlog.get_logger(__name__)


def build_callbot(rt: Runtime):  # noqa: ANN201  (a voice.callbot.Callbot; imported lazily, pipecat is heavy)
    """The callbot of ``rt``'s settings: speech models loaded, frequent prompts synthesised, turn models open."""
    from voice.logs import quiet_pipecat

    settings = rt.settings
    quiet_pipecat(settings.log_level if settings.log_level.upper() in ("WARNING", "ERROR") else "WARNING")
    from knowledge.aliases import AliasTable
    from knowledge.answers.offices import default_offices
    from voice.ari import AriClient
    from voice.asr import ASRUnavailable, load_recognizer
    from voice.callbot import Callbot
    from voice.pacing import freeze_loaded_heap
    from voice.pipeline import SpeechStack
    from voice.prompts import Menu, Prompts
    from voice.rtp import CODECS
    from voice.store import CallStore
    from voice.tts import Speaker, SpeechCache, TTSUnavailable, load_synthesizer
    from voice.turn_models import preload
    from voice.vocabulary import hotline_prompt, hotline_terms

    ari, voice = settings.ari, settings.voice
    if not ari.url or not ari.user or ari.password is None:
        raise fail("set HUEAI_ARI_URL, HUEAI_ARI_USER and HUEAI_ARI_PASSWORD (see deploy/asterisk/ari.conf)")
    menu, prompts = Menu.load(), Prompts.load()
    try:
        prompt = hotline_prompt(hotline_terms(menu, AliasTable.load(), default_offices()))
        recognizer = load_recognizer(voice.asr_model, backend=voice.asr_backend, prompt=prompt,
                                     device=voice.asr_device, compute_type=voice.asr_compute_type,
                                     threads=voice.asr_threads, beam_size=voice.asr_beam_size)
        synthesizer = load_synthesizer(voice.tts_voice, rate=voice.tts_rate)
    except (ASRUnavailable, TTSUnavailable) as exc:
        raise fail(str(exc)) from None
    try:
        rt.assistant  # the dialogue's models are there (or a one-line reason)
    except ModelMissing as exc:
        raise fail(str(exc)) from None
    speaker = Speaker(synthesizer, CODECS[voice.rtp_format].sample_rate, SpeechCache(voice.tts_cache_entries))
    speaker.prewarm(prompts.frequent())
    preload()
    freeze_loaded_heap()
    stack = SpeechStack(settings=voice, recognizer=recognizer, speaker=speaker, prompts=prompts, menu=menu,
                        executor=ThreadPoolExecutor(max_workers=4, thread_name_prefix="callbot"))
    client = AriClient(ari.url, ari.user, ari.password.get_secret_value(), ari.app,
                       timeout=ari.request_timeout_seconds)
    log.info("callbot.ready", asr=recognizer.name if recognizer else None, tts=synthesizer.name,
             media=voice.rtp_format, ports=voice.rtp_ports, app=ari.app)
    return Callbot(client, ari, stack, assistant=lambda: rt.assistant, store=CallStore(rt.db))


def callbot() -> None:
    """Connect to Asterisk ARI and serve calls (the Stasis application HUEAI_ARI_APP) until SIGTERM/SIGINT."""
    from hueai.threads import limit_threads

    rt = schema_checked(runtime())
    limit_threads(1)
    bot = build_callbot(rt)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await bot.run(stop)

    asyncio.run(main())
    typer.echo("callbot stopped")
