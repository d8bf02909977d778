"""Press monitor: sources, the crawl frontier with fetch state, articles with stories and labels (media_monitor).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_sources",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("selector", sa.Text()),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_crawled_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text()),
    )
    op.create_table(
        "monitor_urls",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("url", sa.Text(), nullable=False, unique=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("monitor_sources.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.Integer()),
        sa.Column("final_url", sa.Text()),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("charset", sa.String(40)),
        sa.Column("body", sa.Text()),
        sa.Column("body_sha256", sa.String(64)),
        sa.Column("hint", sa.JSON()),
        sa.Column("error", sa.Text()),
        sa.Column("discovered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_monitor_urls_state_role", "monitor_urls", ["state", "role"])
    op.create_table(
        "monitor_articles",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("monitor_sources.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("url_id", sa.Integer(), sa.ForeignKey("monitor_urls.id", ondelete="SET NULL"), unique=True),
        sa.Column("url", sa.Text()),
        sa.Column("external_id", sa.String(200)),
        sa.Column("site_name", sa.Text()),
        sa.Column("author", sa.Text()),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("minhash", sa.LargeBinary()),
        sa.Column("story_id", sa.Integer()),
        sa.Column("similarity", sa.Float()),
        sa.Column("stage", sa.String(12), nullable=False),
        sa.Column("relevant", sa.Boolean()),
        sa.Column("relevant_confidence", sa.Float()),
        sa.Column("spam", sa.Boolean()),
        sa.Column("spam_confidence", sa.Float()),
        sa.Column("sentiment_l1", sa.String(16)),
        sa.Column("sentiment_l1_confidence", sa.Float()),
        sa.Column("sentiment_l2", sa.JSON()),
        sa.Column("places", sa.JSON()),
        sa.Column("model_version", sa.String(200)),
        sa.Column("labelled_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source_id", "external_id", name="uq_monitor_articles_source_external"),
    )
    op.create_index("ix_monitor_articles_url", "monitor_articles", ["url"])
    op.create_index("ix_monitor_articles_content_sha256", "monitor_articles", ["content_sha256"])
    op.create_index("ix_monitor_articles_story_id", "monitor_articles", ["story_id"])
    op.create_index("ix_monitor_articles_stage", "monitor_articles", ["stage"])
    op.create_index("ix_monitor_articles_model_version", "monitor_articles", ["model_version"])


def downgrade() -> None:
    for name in ("model_version", "stage", "story_id", "content_sha256", "url"):
        op.drop_index(f"ix_monitor_articles_{name}", "monitor_articles")
    op.drop_table("monitor_articles")
    op.drop_index("ix_monitor_urls_state_role", "monitor_urls")
    op.drop_table("monitor_urls")
    op.drop_table("monitor_sources")
