"""The TTHC knowledge base: parsing dichvucong.gov.vn records into structure
(:mod:`knowledge.parsing`), importing them, the hybrid retrieval index
(:mod:`knowledge.index`) and extractive answers (:mod:`knowledge.answers`); the editable tables
operators keep beside the records: colloquial aliases (:mod:`knowledge.aliases`) and the topics
the base lacks (:mod:`knowledge.gaps`).

May import: :mod:`core` (storage, shared types, artefacts), :mod:`nlu` (the shared Vietnamese text
layer) and third-party packages. Never dialogue, channels, voice, media_monitor or hueai.
"""
