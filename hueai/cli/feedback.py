"""``hueai kb feedback``: citizens' 👍/👎 and operators' corrections, as calibration questions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from hueai.cli.common import runtime, schema_checked

app = typer.Typer(help="Feedback on the assistant's answers.", no_args_is_help=True)


@app.command("export")
def export(
    out: Annotated[Optional[Path], typer.Option(help="JSON Lines file to write (default: stdout)")] = None,
    corrections_only: Annotated[bool, typer.Option(help="only operators' corrections (ready to use)")] = False,
) -> None:
    """Thumbs-down and corrections as calibration questions (training/data/kb_calibration.jsonl's format).

    Corrections carry ``expected``; a thumbs-down without one is marked ``needs_review`` with the code it
    ``rejected``, for a maintainer to label before appending it to the calibration file.
    """
    from dialogue.conversations import ConversationStore
    from dialogue.feedback import calibration_rows

    rows = calibration_rows(ConversationStore(schema_checked(runtime()).db).feedback(),
                            corrections_only=corrections_only)
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    review = sum(1 for row in rows if row.get("needs_review"))
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
    typer.echo(f"{len(rows) - review} corrections, {review} thumbs-down to review"
               + (f", written to {out}" if out else ""), err=True)
