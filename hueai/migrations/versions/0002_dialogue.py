"""Dialogue: conversations (the tracker), messages, handoffs, tickets, feedback, application statuses.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("handoff_state", sa.String(16)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_conversations_updated_at", "conversations", ["updated_at"])
    op.create_index("ix_conversations_handoff_state", "conversations", ["handoff_state"])
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.String(128),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(64)),
        sa.Column("confidence", sa.Float()),
        sa.Column("entities", sa.JSON()),
        sa.Column("sources", sa.JSON()),
        sa.Column("quick_replies", sa.JSON()),
        sa.Column("action", sa.String(64)),
        sa.Column("latency_ms", sa.JSON()),
        sa.Column("reply_to", sa.Integer()),
        sa.Column("operator", sa.String(128)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_messages_session_id_id", "messages", ["session_id", "id"])
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.String(128),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("operator", sa.String(128)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_handoffs_state", "handoffs", ["state"])
    op.create_index("ix_handoffs_session_id", "handoffs", ["session_id"])
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "session_id",
            sa.String(128),
            sa.ForeignKey("conversations.id", ondelete="SET NULL"),
        ),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(32)),
        sa.Column("photo_url", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_tickets_created_at", "tickets", ["created_at"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "message_id",
            sa.Integer(),
            sa.ForeignKey("messages.id", ondelete="SET NULL"),
        ),
        sa.Column("session_id", sa.String(128), nullable=False),
        sa.Column("helpful", sa.Boolean()),
        sa.Column("comment", sa.Text()),
        sa.Column("correct_code", sa.String(32)),
        sa.Column("question", sa.Text()),
        sa.Column("answered_code", sa.String(32)),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("given_by", sa.String(16), nullable=False),
        sa.Column("operator", sa.String(128)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_feedback_message_id", "feedback", ["message_id"])
    op.create_table(
        "application_statuses",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.Column("office", sa.Text()),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("application_statuses")
    op.drop_index("ix_feedback_message_id", "feedback")
    op.drop_table("feedback")
    op.drop_index("ix_tickets_created_at", "tickets")
    op.drop_table("tickets")
    op.drop_index("ix_handoffs_session_id", "handoffs")
    op.drop_index("ix_handoffs_state", "handoffs")
    op.drop_table("handoffs")
    op.drop_index("ix_messages_session_id_id", "messages")
    op.drop_table("messages")
    op.drop_index("ix_conversations_handoff_state", "conversations")
    op.drop_index("ix_conversations_updated_at", "conversations")
    op.drop_table("conversations")
