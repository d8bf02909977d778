"""The TTHC knowledge base: parsing dichvucong.gov.vn records into structure
(:mod:`knowledge.parsing`), importing them, the hybrid retrieval index
(:mod:`knowledge.index`) and extractive answers (:mod:`knowledge.answers`).

May import: :mod:`nlu.text` (the shared Vietnamese text layer), :mod:`hueai.storage`
for persistence, third-party packages. Never dialogue, channels, voice or media_monitor.
"""
