"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref_id", sa.String(length=80), nullable=False),
        sa.Column("fips5", sa.String(length=5), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_kind"), ["kind"], unique=False)

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_log",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=120), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    op.create_table(
        "bookings",
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("ori", sa.String(length=9), nullable=False),
        sa.Column("fips5", sa.String(length=5), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("biographic", sa.JSON(), nullable=False),
        sa.Column("charges", sa.JSON(), nullable=False),
        sa.Column("prints", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_bookings")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bookings_booked_at"), ["booked_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_fips5"), ["fips5"], unique=False)

    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(length=80), nullable=False),
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("ident_id", sa.String(length=20), nullable=False),
        sa.Column("fbi_number", sa.String(length=20), nullable=False),
        sa.Column("ori", sa.String(length=9), nullable=False),
        sa.Column("fips5", sa.String(length=5), nullable=False),
        sa.Column("aor", sa.String(length=3), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("offense_level", sa.Integer(), nullable=False),
        sa.Column("charges", sa.JSON(), nullable=False),
        sa.Column("lea_receives", sa.Boolean(), nullable=False),
        sa.Column("recommended_action", sa.String(length=40), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_cases_booking_id")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_aor"), ["aor"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_fips5"), ["fips5"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_state"), ["state"], unique=False)

    op.create_table(
        "criminal_searches",
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("fips5", sa.String(length=5), nullable=False),
        sa.Column("fbi_number", sa.String(length=20), nullable=False),
        sa.Column("new_identity", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("shared_with_ident", sa.Boolean(), nullable=False),
        sa.Column("routing_rule", sa.String(length=80), nullable=False),
        sa.Column("routing_reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_criminal_searches")),
    )
    with op.batch_alter_table("criminal_searches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_criminal_searches_fips5"), ["fips5"], unique=False)

    op.create_table(
        "custody",
        sa.Column("case_id", sa.String(length=80), nullable=False),
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("fips5", sa.String(length=5), nullable=False),
        sa.Column("booked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removal_basis", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("removal_category", sa.String(length=40), nullable=True),
        sa.Column("concluded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_custody")),
    )
    with op.batch_alter_table("custody", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_custody_fips5"), ["fips5"], unique=False)

    op.create_table(
        "deadlines",
        sa.Column("deadline_id", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref_id", sa.String(length=80), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("deadline_id", name=op.f("pk_deadlines")),
    )
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.create_index("ix_deadlines_state_due", ["state", "due_at"], unique=False)

    op.create_table(
        "decisions",
        sa.Column("case_id", sa.String(length=80), nullable=False),
        sa.Column("policy_version", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("conviction_level", sa.Integer(), nullable=True),
        sa.Column("offense_level", sa.Integer(), nullable=True),
        sa.Column("recommended_action", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("trace", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("followed_recommendation", sa.Boolean(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("officer", sa.String(length=40), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_decisions")),
    )
    op.create_table(
        "detainers",
        sa.Column("detainer_id", sa.String(length=80), nullable=False),
        sa.Column("case_id", sa.String(length=80), nullable=False),
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("fips5", sa.String(length=5), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operative_upon_conviction", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("release_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("facility_tz", sa.String(length=40), nullable=True),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("held_hours", sa.Float(), nullable=True),
        sa.Column("past_limit", sa.Boolean(), nullable=False),
        sa.Column("extra_jail_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("detainer_id", name=op.f("pk_detainers")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_detainers_booking_id")),
        sa.UniqueConstraint("case_id", name=op.f("uq_detainers_case_id")),
    )
    with op.batch_alter_table("detainers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_detainers_fips5"), ["fips5"], unique=False)
        batch_op.create_index(batch_op.f("ix_detainers_state"), ["state"], unique=False)

    op.create_table(
        "dispositions",
        sa.Column("case_id", sa.String(length=80), nullable=False),
        sa.Column("officer", sa.String(length=40), nullable=False),
        sa.Column("disposition", sa.String(length=60), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_dispositions")),
    )
    op.create_table(
        "dossier_facts",
        sa.Column("case_id", sa.String(length=80), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("queried_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "seq", name=op.f("pk_dossier_facts")),
    )
    op.create_table(
        "encounters",
        sa.Column("case_id", sa.String(length=80), nullable=False),
        sa.Column("officer", sa.String(length=40), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_encounters")),
    )
    op.create_table(
        "iafis_history",
        sa.Column("event_key", sa.String(length=96), nullable=False),
        sa.Column("fbi_number", sa.String(length=20), nullable=False),
        sa.Column("arrested_on", sa.Date(), nullable=False),
        sa.Column("ncic_code", sa.String(length=4), nullable=False),
        sa.Column("convicted", sa.Boolean(), nullable=True),
        sa.Column("sentence_days", sa.Integer(), nullable=True),
        sa.Column("fips5", sa.String(length=5), nullable=True),
        sa.PrimaryKeyConstraint("event_key", name=op.f("pk_iafis_history")),
    )
    with op.batch_alter_table("iafis_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_iafis_history_fbi_number"), ["fbi_number"], unique=False
        )

    op.create_table(
        "iafis_subjects",
        sa.Column("fbi_number", sa.String(length=20), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prints", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("fbi_number", name=op.f("pk_iafis_subjects")),
    )
    op.create_table(
        "ident_subjects",
        sa.Column("ident_id", sa.String(length=20), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prints", sa.Text(), nullable=False),
        sa.Column("encounter_type", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("ident_id", name=op.f("pk_ident_subjects")),
    )
    op.create_table(
        "immigration_searches",
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("fips5", sa.String(length=5), nullable=False),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.Column("ident_id", sa.String(length=20), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_immigration_searches")),
    )
    with op.batch_alter_table("immigration_searches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_immigration_searches_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_immigration_searches_fips5"), ["fips5"], unique=False)

    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=40), nullable=False),
        sa.Column("message_id", sa.String(length=160), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "message_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "jurisdictions",
        sa.Column("fips5", sa.String(length=5), nullable=False),
        sa.Column("state_abbr", sa.String(length=2), nullable=False),
        sa.Column("county_name", sa.String(length=80), nullable=False),
        sa.Column("aor", sa.String(length=3), nullable=True),
        sa.Column("activation_date", sa.Date(), nullable=True),
        sa.Column("date_precision", sa.String(length=8), nullable=False),
        sa.Column("tz", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("fips5", name=op.f("pk_jurisdictions")),
    )
    with op.batch_alter_table("jurisdictions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jurisdictions_aor"), ["aor"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_jurisdictions_state_abbr"), ["state_abbr"], unique=False
        )

    op.create_table(
        "lea_responses",
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", "kind", name=op.f("pk_lea_responses")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("message_id", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_unpublished", ["published_at", "seq"], unique=False)

    op.create_table(
        "participation_elections",
        sa.Column("election_id", sa.String(length=60), nullable=False),
        sa.Column("scope", sa.String(length=6), nullable=False),
        sa.Column("key", sa.String(length=5), nullable=False),
        sa.Column("mode", sa.String(length=30), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("election_id", name=op.f("pk_participation_elections")),
    )
    op.create_table(
        "sim_bookings",
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=24), nullable=False),
        sa.Column("fips5", sa.String(length=5), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_sim_bookings")),
    )
    with op.batch_alter_table("sim_bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sim_bookings_person_id"), ["person_id"], unique=False)

    op.create_table(
        "sim_people",
        sa.Column("person_id", sa.String(length=24), nullable=False),
        sa.Column("true_status", sa.String(length=40), nullable=False),
        sa.Column("home_fips5", sa.String(length=5), nullable=False),
        sa.Column("born_on", sa.Date(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_sim_people")),
    )
    with op.batch_alter_table("sim_people", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sim_people_true_status"), ["true_status"], unique=False
        )

    op.create_table(
        "source_queries",
        sa.Column(
            "query_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("repeat", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("query_id", name=op.f("pk_source_queries")),
    )
    with op.batch_alter_table("source_queries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_queries_case_id"), ["case_id"], unique=False)

    op.create_table(
        "source_records",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("subject_key", sa.String(length=40), nullable=False),
        sa.Column("record_key", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "source", "subject_key", "record_key", name=op.f("pk_source_records")
        ),
    )
    op.create_table(
        "submissions",
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("fips5", sa.String(length=5), nullable=False),
        sa.Column("forwarded", sa.Boolean(), nullable=False),
        sa.Column("rule_id", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_submissions")),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submissions_fips5"), ["fips5"], unique=False)

    op.create_table(
        "booking_monitoring",
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("race", sa.String(length=40), nullable=True),
        sa.Column("ethnicity", sa.String(length=40), nullable=True),
        sa.Column("language", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.booking_id"],
            name=op.f("fk_booking_monitoring_booking_id_bookings"),
        ),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_booking_monitoring")),
    )


def downgrade() -> None:

    op.drop_table("booking_monitoring")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_fips5"))

    op.drop_table("submissions")
    op.drop_table("source_records")
    with op.batch_alter_table("source_queries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_queries_case_id"))

    op.drop_table("source_queries")
    with op.batch_alter_table("sim_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sim_people_true_status"))

    op.drop_table("sim_people")
    with op.batch_alter_table("sim_bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sim_bookings_person_id"))

    op.drop_table("sim_bookings")
    op.drop_table("participation_elections")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unpublished")

    op.drop_table("outbox")
    op.drop_table("lea_responses")
    with op.batch_alter_table("jurisdictions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jurisdictions_state_abbr"))
        batch_op.drop_index(batch_op.f("ix_jurisdictions_aor"))

    op.drop_table("jurisdictions")
    op.drop_table("inbox")
    with op.batch_alter_table("immigration_searches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_immigration_searches_fips5"))
        batch_op.drop_index(batch_op.f("ix_immigration_searches_at"))

    op.drop_table("immigration_searches")
    op.drop_table("ident_subjects")
    op.drop_table("iafis_subjects")
    with op.batch_alter_table("iafis_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iafis_history_fbi_number"))

    op.drop_table("iafis_history")
    op.drop_table("encounters")
    op.drop_table("dossier_facts")
    op.drop_table("dispositions")
    with op.batch_alter_table("detainers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detainers_state"))
        batch_op.drop_index(batch_op.f("ix_detainers_fips5"))

    op.drop_table("detainers")
    op.drop_table("decisions")
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_index("ix_deadlines_state_due")

    op.drop_table("deadlines")
    with op.batch_alter_table("custody", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custody_fips5"))

    op.drop_table("custody")
    with op.batch_alter_table("criminal_searches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_criminal_searches_fips5"))

    op.drop_table("criminal_searches")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_state"))
        batch_op.drop_index(batch_op.f("ix_cases_fips5"))
        batch_op.drop_index(batch_op.f("ix_cases_aor"))

    op.drop_table("cases")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookings_fips5"))
        batch_op.drop_index(batch_op.f("ix_bookings_booked_at"))

    op.drop_table("bookings")
    op.drop_table("audit_log")
    op.drop_table("audit_head")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_kind"))

    op.drop_table("alerts")
