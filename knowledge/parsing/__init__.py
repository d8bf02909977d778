"""Parsers of dichvucong.gov.vn records (being written)."""
