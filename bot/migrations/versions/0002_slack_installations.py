"""Bolt's installation and OAuth state tables, for multi-workspace (OAuth install) mode.

slack_sdk's SQLAlchemy stores read and write these tables. They are written out here as
slack_sdk 3.48 defines them (and as ``bot.models`` declares them), so that what this migration
makes never depends on the slack_sdk installed when it runs; tests/test_storage.py compares
them with the installed slack_sdk's definitions, so an upgrade of slack_sdk that changes them
fails a test and gets a migration of its own. A table that is there already (made by
slack_sdk's own ``create_tables`` before this migration existed) is left as it is.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "slack_installations" not in existing:
        op.create_table(
            "slack_installations",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("client_id", sa.String(length=32), nullable=False),
            sa.Column("app_id", sa.String(length=32), nullable=False),
            sa.Column("enterprise_id", sa.String(length=32), nullable=True),
            sa.Column("enterprise_name", sa.String(length=200), nullable=True),
            sa.Column("enterprise_url", sa.String(length=200), nullable=True),
            sa.Column("team_id", sa.String(length=32), nullable=True),
            sa.Column("team_name", sa.String(length=200), nullable=True),
            sa.Column("bot_token", sa.String(length=200), nullable=True),
            sa.Column("bot_id", sa.String(length=32), nullable=True),
            sa.Column("bot_user_id", sa.String(length=32), nullable=True),
            sa.Column("bot_scopes", sa.String(length=1000), nullable=True),
            sa.Column("bot_refresh_token", sa.String(length=200), nullable=True),
            sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
            sa.Column("user_id", sa.String(length=32), nullable=False),
            sa.Column("user_token", sa.String(length=200), nullable=True),
            sa.Column("user_scopes", sa.String(length=1000), nullable=True),
            sa.Column("user_refresh_token", sa.String(length=200), nullable=True),
            sa.Column("user_token_expires_at", sa.DateTime(), nullable=True),
            sa.Column("incoming_webhook_url", sa.String(length=200), nullable=True),
            sa.Column("incoming_webhook_channel", sa.String(length=200), nullable=True),
            sa.Column("incoming_webhook_channel_id", sa.String(length=200), nullable=True),
            sa.Column("incoming_webhook_configuration_url", sa.String(length=200), nullable=True),
            sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
            sa.Column("token_type", sa.String(length=32), nullable=True),
            sa.Column("installed_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id", name="slack_installations_pkey"),
        )
        op.create_index(
            "slack_installations_idx",
            "slack_installations",
            ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
        )
    if "slack_bots" not in existing:
        op.create_table(
            "slack_bots",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("client_id", sa.String(length=32), nullable=False),
            sa.Column("app_id", sa.String(length=32), nullable=False),
            sa.Column("enterprise_id", sa.String(length=32), nullable=True),
            sa.Column("enterprise_name", sa.String(length=200), nullable=True),
            sa.Column("team_id", sa.String(length=32), nullable=True),
            sa.Column("team_name", sa.String(length=200), nullable=True),
            sa.Column("bot_token", sa.String(length=200), nullable=True),
            sa.Column("bot_id", sa.String(length=32), nullable=True),
            sa.Column("bot_user_id", sa.String(length=32), nullable=True),
            sa.Column("bot_scopes", sa.String(length=1000), nullable=True),
            sa.Column("bot_refresh_token", sa.String(length=200), nullable=True),
            sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
            sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
            sa.Column("installed_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id", name="slack_bots_pkey"),
        )
        op.create_index(
            "slack_bots_idx",
            "slack_bots",
            ["client_id", "enterprise_id", "team_id", "installed_at"],
        )
    if "slack_oauth_states" not in existing:
        op.create_table(
            "slack_oauth_states",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("state", sa.String(length=200), nullable=False),
            sa.Column("expire_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id", name="slack_oauth_states_pkey"),
        )


def downgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "slack_oauth_states" in existing:
        op.drop_table("slack_oauth_states")
    if "slack_bots" in existing:
        op.drop_index("slack_bots_idx", table_name="slack_bots")
        op.drop_table("slack_bots")
    if "slack_installations" in existing:
        op.drop_index("slack_installations_idx", table_name="slack_installations")
        op.drop_table("slack_installations")
