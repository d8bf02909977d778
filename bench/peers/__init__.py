"""Other NLU systems we benchmark against; each lives in its own folder and venv (see README.md)."""
