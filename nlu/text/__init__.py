"""The Vietnamese text layer: normalisation, abbreviations, segmentation, diacritics.

Everything other packages need is importable from here::

    from nlu.text import normalize, normalize_aligned, tokenize

=======================  =====================================================
:func:`normalize`         one canonical spelling (NFC, tone placement, spaces)
:func:`strip_diacritics`  "Đăng ký" -> "Dang ky", length-preserving
:func:`has_diacritics`    does the text carry any Vietnamese mark?
:func:`expand_abbreviations`  "ko dc" -> "không được" (``nlu/data/abbreviations.tsv``)
:func:`normalize_aligned` all of the above, keeping offsets into the original
:func:`tokenize`          word segmentation ("đăng ký" is one word) with offsets
:func:`restore_diacritics`  "dang ky khai sinh" -> "đăng ký khai sinh"
:class:`NgramRestorer`    the restorer trained on our own text (pass it to the above)
:func:`stated_ages`       "con tôi mười lăm tuổi" -> [15]
=======================  =====================================================
"""

from nlu.text.abbreviations import expand_abbreviations, load_abbreviations
from nlu.text.ages import stated_ages
from nlu.text.align import Aligned, normalize_aligned
from nlu.text.diacritics import restore_diacritics
from nlu.text.normalize import has_diacritics, normalize, strip_diacritics
from nlu.text.restorer import NgramRestorer
from nlu.text.tokenize import Token, tokenize

__all__ = [
    "Aligned",
    "expand_abbreviations",
    "has_diacritics",
    "load_abbreviations",
    "normalize",
    "NgramRestorer",
    "normalize_aligned",
    "restore_diacritics",
    "stated_ages",
    "strip_diacritics",
    "Token",
    "tokenize",
]
