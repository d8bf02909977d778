"""Entity extraction: patterns, a place gazetteer, synonyms and a CRF, merged.

====================================  ===============================================
:class:`RegexEntityExtractor`          receipt codes, phone numbers (typed or read
                                       aloud), dates, the training data's regexes
:class:`LocationGazetteer`             Huế wards/communes (current and pre-2025),
                                       streets, landmarks; with or without diacritics
:class:`Reorganisation`                which current ward or commune each former
                                       ward, commune or district became (2025)
:class:`CRFEntityExtractor`            spans learnt from the annotated examples
:class:`SynonymMapper`                 span -> canonical value ("cccd" -> "căn cước")
:func:`merge_entities`                 one non-overlapping answer from all of them
:func:`prepare`                        the shared normalised view with offsets
====================================  ===============================================

Every :class:`Entity` has ``start``/``end`` offsets into the text the user sent.
:class:`nlu.model.NLUModel` wires these together; use them directly only to
extract entities without an intent model.
"""

from nlu.entities.base import BUILTIN_ENTITIES, STRUCTURED, Entity, merge_entities
from nlu.entities.crf import CRFEntityExtractor, bio_tags, syllable_features
from nlu.entities.gazetteer import LocationGazetteer, PhraseIndex
from nlu.entities.regex import RegexEntityExtractor, canonical_application_code, canonical_phone
from nlu.entities.reorganisation import FormerUnit, Reorganisation
from nlu.entities.synonyms import SynonymMapper
from nlu.entities.tokens import Prepared, Syllable, prepare

__all__ = [
    "BUILTIN_ENTITIES",
    "CRFEntityExtractor",
    "Entity",
    "FormerUnit",
    "LocationGazetteer",
    "PhraseIndex",
    "Prepared",
    "RegexEntityExtractor",
    "Reorganisation",
    "STRUCTURED",
    "Syllable",
    "SynonymMapper",
    "bio_tags",
    "canonical_application_code",
    "canonical_phone",
    "merge_entities",
    "prepare",
    "syllable_features",
]
