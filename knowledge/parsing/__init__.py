"""Parsers of dichvucong.gov.vn procedure records into :class:`Procedure`.

The portal's tables reach us as text with the cell borders removed, so each
field family has its own small hand-written parser (no library parses such
flattened tables):

* :mod:`.sections`  re-cuts the page text into sections (fixes shifted fields)
* :mod:`.channels`  ``cach_thuc_thuc_hien`` -> channels, time, fee, note
* :mod:`.documents` ``thanh_phan_ho_so``    -> required documents
* :mod:`.legal`     ``can_cu_phap_ly``      -> legal documents and numbers
* :mod:`.steps`     ``trinh_tu_thuc_hien``  -> steps
* :mod:`.result`    ``ket_qua_xu_ly``       -> result without portal UI text
* :mod:`.record`    puts them together
"""

from knowledge.parsing.errors import RecordError
from knowledge.parsing.record import parse_record, read_record_file, record_code

#: Bump when parsing changes what a record becomes: the next import re-parses every record.
PARSER_VERSION = 2

__all__ = ["PARSER_VERSION", "RecordError", "parse_record", "read_record_file", "record_code"]
