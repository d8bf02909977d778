"""The one exception the parsers raise."""

from __future__ import annotations


class RecordError(ValueError):
    """A record that cannot become a :class:`~knowledge.records.Procedure`.

    The message is a short human reason ("missing ma_thu_tuc", "invalid JSON
    at line 3 column 5", ...) so an importer can log it next to the file name
    and move on to the next record.
    """
