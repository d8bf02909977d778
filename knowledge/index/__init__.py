"""Hybrid retrieval over the knowledge base: field-weighted BM25 over accented and
unaccented forms (:mod:`.lexical`), a dense encoder + faiss (:mod:`.dense`), fused
with a confidence decision and near-tie grouping (:mod:`.hybrid`)."""
