"""Zalo Official Account channel: inbound events, the outbox, the OA's tokens, Zalo users (channels/zalo).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zalo_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_key", sa.String(160), nullable=False, unique=True),
        sa.Column("event_name", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64)),
        sa.Column("msg_id", sa.String(128)),
        sa.Column("timestamp_ms", sa.BigInteger()),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("claim_token", sa.String(32)),
        sa.Column("claimed_until", sa.DateTime(timezone=True)),
        sa.Column("error", sa.Text()),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_zalo_events_state_id", "zalo_events", ["state", "id"])
    op.create_index("ix_zalo_events_user_id_id", "zalo_events", ["user_id", "id"])
    op.create_table(
        "zalo_outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("idempotency_key", sa.String(80), nullable=False, unique=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(128), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("last_part", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON()),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim_token", sa.String(32)),
        sa.Column("claimed_until", sa.DateTime(timezone=True)),
        sa.Column("attempt_started_at", sa.DateTime(timezone=True)),
        sa.Column("uncertain", sa.Boolean(), nullable=False),
        sa.Column("zalo_message_id", sa.String(64)),
        sa.Column("error_kind", sa.String(32)),
        sa.Column("error_code", sa.Integer()),
        sa.Column("error", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_zalo_outbox_user_order", "zalo_outbox", ["user_id", "message_id", "part"])
    op.create_index("ix_zalo_outbox_state_id", "zalo_outbox", ["state", "id"])
    op.create_index("ix_zalo_outbox_message_id", "zalo_outbox", ["message_id"])
    op.create_index("ix_zalo_outbox_zalo_message_id", "zalo_outbox", ["zalo_message_id"])
    op.create_table(
        "zalo_tokens",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("access_token", sa.Text()),
        sa.Column("refresh_token", sa.Text()),
        sa.Column("access_expires_at", sa.DateTime(timezone=True)),
        sa.Column("refresh_expires_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seed_hash", sa.String(64)),
        sa.Column("refreshing_by", sa.String(32)),
        sa.Column("refreshing_until", sa.DateTime(timezone=True)),
        sa.Column("refreshed_at", sa.DateTime(timezone=True)),
        sa.Column("refresh_count", sa.Integer(), nullable=False),
        sa.Column("alert", sa.Text()),
        sa.Column("alert_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "zalo_users",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("stopped", sa.Boolean(), nullable=False),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("zalo_users")
    op.drop_table("zalo_tokens")
    for name in ("zalo_message_id", "message_id", "state_id", "user_order"):
        op.drop_index(f"ix_zalo_outbox_{name}", "zalo_outbox")
    op.drop_table("zalo_outbox")
    op.drop_index("ix_zalo_events_user_id_id", "zalo_events")
    op.drop_index("ix_zalo_events_state_id", "zalo_events")
    op.drop_table("zalo_events")
