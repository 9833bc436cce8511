"""complaints: intake, the steps of their review, and the complainants apart

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("complaint_id", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("fips5", sa.String(length=5), nullable=True),
        sa.Column("booking_id", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("allegation", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=True),
        sa.Column("finding", sa.String(length=20), nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("complaint_id", name=op.f("pk_complaints")),
    )
    op.create_index(op.f("ix_complaints_fips5"), "complaints", ["fips5"])
    op.create_index(op.f("ix_complaints_state"), "complaints", ["state"])
    op.create_table(
        "complaint_steps",
        sa.Column("complaint_id", sa.String(length=80), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("complaint_id", "seq", name=op.f("pk_complaint_steps")),
    )
    op.create_table(
        "complainant_identities",
        sa.Column("complaint_id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("complaint_id", name=op.f("pk_complainant_identities")),
    )


def downgrade() -> None:
    op.drop_table("complainant_identities")
    op.drop_table("complaint_steps")
    op.drop_table("complaints")
