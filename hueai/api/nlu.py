"""The NLU over HTTP: ``POST /api/nlu/parse``."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from hueai.api.deps import get_nlu
from hueai.api.metrics import NLU_PARSE_SECONDS
from nlu.model import NLUModel
from nlu.results import ParseResult

router = APIRouter(prefix="/api/nlu", tags=["nlu"])
MAX_MESSAGE_CHARS = 10_000


class ParseRequest(BaseModel):
    text: str = Field(max_length=MAX_MESSAGE_CHARS, description="the message")


@router.post("/parse", response_model=ParseResult)
async def parse(request: ParseRequest, nlu: Annotated[NLUModel, Depends(get_nlu)]) -> ParseResult:
    """Intent and entities of one message, the same JSON as ``hueai nlu parse --json`` (CPU only: on the loop)."""
    started = time.perf_counter()
    result = nlu.parse(request.text)
    NLU_PARSE_SECONDS.observe(time.perf_counter() - started)
    return result
