"""Natural-language understanding: what a citizen's message asks for, and its details.

* :mod:`nlu.text`: the Vietnamese text layer (normalisation, abbreviations,
  segmentation, diacritics), offsets kept back to what was typed;
* :mod:`nlu.training_data`: Rasa 3.x YAML training data, checked line by line;
* :mod:`nlu.intents`: the intent classifier (TF-IDF views, calibrated linear SVM);
* :mod:`nlu.entities`: receipt codes, phone numbers, dates, Huế places, procedures
  (patterns, gazetteer, synonyms, CRF);
* :mod:`nlu.model`: :class:`~nlu.model.NLUModel`, which trains, parses, saves and
  loads all of the above (``hueai train nlu``, ``hueai nlu parse``);
* :mod:`nlu.evaluation`: scores on held-back data (``hueai evaluate nlu``).

May import: :mod:`core` and third-party packages only. Other packages use nlu
through its public functions and its typed :class:`~nlu.results.ParseResult`.
"""
