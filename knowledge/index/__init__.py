"""Hybrid retrieval over the knowledge base: field-weighted BM25 over accented and unaccented forms
(:mod:`.lexical`), a dense encoder + faiss (:mod:`.dense`), fused with a reranker, a confidence decision and
near-tie grouping (:mod:`.hybrid`), over a question read once, without the phrases that ask for a facet ("cần
chuẩn bị hồ sơ gì": :mod:`.query`, :mod:`.facet_phrases`). What the reranker and the confidence model read:
how much of the question a procedure covers (:mod:`.coverage`) and whether its name carries an action the
question did not ask for (:mod:`.actions`); and whether the question alone reads as one about what the base
holds (:mod:`.scope`). A variant the first name rules out ("hạng I" for "… hạng II", a reissue its family
lists no procedure for) is offered, never answered (:mod:`.variants`); the procedures named for what a caller
rules out ("chớ không phải giấy tận thu") go after the others (:mod:`.negation`)."""
