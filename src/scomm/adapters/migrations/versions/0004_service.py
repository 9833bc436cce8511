"""the service: accounts, grants, sign-in attempts, sessions, signed audit checkpoints

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("size", SEQ, autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_audit_checkpoints")),
    )
    op.create_table(
        "accounts",
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_active_at", TS, nullable=True),
        sa.Column("locked_at", TS, nullable=True),
        sa.Column("disabled_at", TS, nullable=True),
        sa.Column("disabled_reason", sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_accounts")),
    )
    op.create_table(
        "account_grants",
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("domain", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("username", "role", "domain", name=op.f("pk_account_grants")),
    )
    op.create_table(
        "login_attempts",
        sa.Column("attempt_id", SEQ, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_login_attempts")),
    )
    op.create_index(op.f("ix_login_attempts_username"), "login_attempts", ["username"])
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_sessions")),
    )
    op.create_index(op.f("ix_sessions_username"), "sessions", ["username"])


def downgrade() -> None:
    op.drop_table("sessions")
    op.drop_table("login_attempts")
    op.drop_table("account_grants")
    op.drop_table("accounts")
    op.drop_table("audit_checkpoints")
