"""Hotline calls and their turns (voice).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.String(128), nullable=False),
        sa.Column("caller", sa.String(32), nullable=False),
        sa.Column("caller_hash", sa.String(64)),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("media_format", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("end_reason", sa.String(32)),
        sa.Column("transfer_reason", sa.String(32)),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("recording", sa.Text()),
        sa.Column("stats", sa.JSON()),
    )
    op.create_index("ix_calls_session_id", "calls", ["session_id"])
    op.create_index("ix_calls_caller_hash", "calls", ["caller_hash"])
    op.create_index("ix_calls_started_at", "calls", ["started_at"])
    op.create_table(
        "call_turns",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("transcript", sa.Text()),
        sa.Column("keys", sa.String(64)),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(64)),
        sa.Column("action", sa.String(64)),
        sa.Column("barge_in", sa.Boolean(), nullable=False),
        sa.Column("latency_ms", sa.JSON()),
    )
    op.create_index("ix_call_turns_call_id_index", "call_turns", ["call_id", "index"])


def downgrade() -> None:
    op.drop_index("ix_call_turns_call_id_index", table_name="call_turns")
    op.drop_table("call_turns")
    op.drop_index("ix_calls_started_at", table_name="calls")
    op.drop_index("ix_calls_caller_hash", table_name="calls")
    op.drop_index("ix_calls_session_id", table_name="calls")
    op.drop_table("calls")
