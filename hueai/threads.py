"""How many threads each numerical library may use in a serving process: set once, here.

A request is a few milliseconds of small matrix work (BM25 scores, a faiss
search over 1,500 vectors, a tokenizer call). Parallelising one such request
costs more in thread start-up and hand-over than it saves, and a process that
serves many requests at once already keeps every core busy; with each library
also starting a pool per core, 20 concurrent requests on 2 cores ran dozens of
threads against each other. So a server runs each library single-threaded and
scales with processes (``hueai serve --workers N``) instead.
"""

from __future__ import annotations

import os

_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def limit_threads(threads: int = 1) -> None:
    """Cap OpenMP/BLAS (numpy, scipy, scikit-learn), faiss, torch and Hugging Face tokenizers at ``threads``.

    Call it at process start; the environment variables reach libraries loaded later
    (and worker processes), the runtime calls reach those already loaded.
    """
    for name in _ENV:
        os.environ[name] = str(threads)
    os.environ["TOKENIZERS_PARALLELISM"] = "true" if threads > 1 else "false"
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)
    import faiss

    faiss.omp_set_num_threads(threads)
    import sys

    if "torch" in sys.modules:  # never import torch only to configure it
        sys.modules["torch"].set_num_threads(threads)
