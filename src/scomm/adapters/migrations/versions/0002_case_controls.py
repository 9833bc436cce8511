"""case controls: override approval, required documentation fields, served detainers, hotline
reviews, source latency and availability

Existing rows get the values that were true of them: no approval was ever needed, every
source answered on the first attempt, and documentation recorded before these fields existed
is marked as such rather than invented.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("source_queries") as b:
        b.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))
        b.add_column(sa.Column("latency_ms", sa.Integer(), nullable=False, server_default="0"))
        b.add_column(sa.Column("available", sa.Boolean(), nullable=False,
                               server_default=sa.true()))
    with op.batch_alter_table("decisions") as b:
        b.add_column(sa.Column("approval", sa.String(length=12), nullable=False,
                               server_default="none"))
        b.add_column(sa.Column("requested_action", sa.String(length=40), nullable=True))
        b.add_column(sa.Column("supervisor", sa.String(length=40), nullable=True))
        b.add_column(sa.Column("reviewed_at", TS, nullable=True))
        b.add_column(sa.Column("review_note", sa.Text(), nullable=True))
        b.add_column(sa.Column("amendments", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("detainers") as b:
        b.add_column(sa.Column("served_at", TS, nullable=True))
        b.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("encounters") as b:
        b.add_column(sa.Column("occurred_at", TS, nullable=True))
        b.add_column(sa.Column("location", sa.String(length=80), nullable=False,
                               server_default="not recorded (before revision 0002)"))
        b.add_column(sa.Column("subject_contacted", sa.Boolean(), nullable=False,
                               server_default=sa.false()))
    op.execute("UPDATE encounters SET occurred_at = at")
    with op.batch_alter_table("encounters") as b:
        b.alter_column("occurred_at", existing_type=TS, nullable=False)
    with op.batch_alter_table("dispositions") as b:
        b.add_column(sa.Column("narrative", sa.Text(), nullable=False,
                               server_default="not recorded (before revision 0002)"))
    op.create_table(
        "hotline_reviews",
        sa.Column("call_id", sa.String(length=80), nullable=False),
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=80), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("claim", sa.String(length=20), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("due_at", TS, nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("officer", sa.String(length=40), nullable=True),
        sa.Column("narrative", sa.Text(), nullable=True),
        sa.Column("completed_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_hotline_reviews")),
    )
    for col in ("booking_id", "case_id", "state"):
        op.create_index(op.f(f"ix_hotline_reviews_{col}"), "hotline_reviews", [col])


def downgrade() -> None:
    op.drop_table("hotline_reviews")
    with op.batch_alter_table("dispositions") as b:
        b.drop_column("narrative")
    with op.batch_alter_table("encounters") as b:
        for col in ("subject_contacted", "location", "occurred_at"):
            b.drop_column(col)
    with op.batch_alter_table("detainers") as b:
        for col in ("cancel_reason", "served_at"):
            b.drop_column(col)
    with op.batch_alter_table("decisions") as b:
        for col in ("amendments", "review_note", "reviewed_at", "supervisor",
                    "requested_action", "approval"):
            b.drop_column(col)
    with op.batch_alter_table("source_queries") as b:
        for col in ("available", "latency_ms", "attempts"):
            b.drop_column(col)
