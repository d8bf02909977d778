"""The 19001075 callbot: Asterisk ARI, RTP or WebSocket media, speech in and out, a Pipecat pipeline per call.

=============================  ===================================================================
:mod:`voice.callbot`           the ARI application: events WebSocket, reconnection, many calls
:mod:`voice.call`              one call: ARI set-up (answer, bridge, externalMedia), transfer,
                               hang-up, tear-down, its log
:mod:`voice.pipeline`          one call's Pipecat pipeline, and what every call shares
:mod:`voice.transport`         Asterisk externalMedia as a Pipecat transport and serializer (RTP)
:mod:`voice.processors`        the turn transcriber, the call director, the speech synthesiser
:mod:`voice.flow`              what to do next: greeting, dialogue turns, keys, silence, time
:mod:`voice.websocket_media`   externalMedia over chan_websocket, seen by the transport as RTP
:mod:`voice.ari`               the ARI REST client and events stream
:mod:`voice.rtp`, ``g711``,    RTP packets and codecs, the jitter buffer, packet pacing, PCM
``jitter``, ``pacing``,        resampling, the UDP endpoint per call
``audio``, ``media``
:mod:`voice.asr`, ``tts``      Whisper (faster-whisper, transformers), espeak-ng and Piper
:mod:`voice.speech_text`       text as the synthesiser should say it
:mod:`voice.turn_models`       Silero VAD and Smart Turn v3.2 from the pipecat-ai wheel
:mod:`voice.store`, ``tables`` the call log, and what the staff page reads from it
:mod:`voice.standin`           a stand-in Asterisk (ARI, externalMedia RTP and WebSocket) for tests
                               and benchmarks
:mod:`voice.tiny_whisper`      a tiny random Whisper for tests and benchmarks (nothing downloaded)
=============================  ===================================================================

May import: :mod:`core`, :mod:`nlu`, :mod:`knowledge`, :mod:`dialogue`. Never channels, media_monitor or hueai.
"""
