"""Natural-language understanding: the Vietnamese text layer (:mod:`nlu.text`), and later
intent classification and entity extraction.

May import: the standard library and third-party packages only. Nothing in the
project imports *into* nlu except through its public functions.
"""
