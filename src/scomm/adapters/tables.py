"""Table definitions (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Core rather than the ORM: the pipeline moves many small rows per message and the handlers read
and write them explicitly, which keeps every statement visible to the audit (invariant 8).
Alembic migrations in ``adapters/migrations`` are generated from this metadata.

Table groups follow the flow. No stage reads another stage's tables; what a later stage needs
travels in the message (DESIGN "The flow"). The ``sim_`` tables (ground truth) are defined in
``scomm.sim.truth`` and are never read by agencies, policy or oversight.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from scomm.adapters.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TS = UTCDateTime()

# ---------------------------------------------------------------- reference data
jurisdictions = Table(
    "jurisdictions",
    metadata,
    Column("fips5", String(5), primary_key=True),
    Column("state_abbr", String(2), nullable=False, index=True),
    Column("county_name", String(80), nullable=False),
    Column("aor", String(3), nullable=True, index=True),
    Column("activation_date", Date, nullable=True),
    Column("date_precision", String(8), nullable=False),
    Column("tz", String(40), nullable=False),
)

participation_elections = Table(
    "participation_elections",
    metadata,
    Column("election_id", String(60), primary_key=True),
    Column("scope", String(6), nullable=False),
    Column("key", String(5), nullable=False),
    Column("mode", String(30), nullable=False),
    Column("requested_on", Date, nullable=False),
)

# ---------------------------------------------------------------- booking agency (LEA)
bookings = Table(
    "bookings",
    metadata,
    Column("booking_id", String(64), primary_key=True),
    Column("ori", String(9), nullable=False),
    Column("fips5", String(5), nullable=False, index=True),
    Column("booked_at", TS, nullable=False, index=True),
    Column("biographic", JSON, nullable=False),
    Column("charges", JSON, nullable=False),
    Column("prints", Text, nullable=False),
)

booking_monitoring = Table(
    "booking_monitoring",
    metadata,
    Column("booking_id", String(64), ForeignKey("bookings.booking_id"), primary_key=True),
    Column("race", String(40)),
    Column("ethnicity", String(40)),
    Column("language", String(40)),
)

lea_responses = Table(
    "lea_responses",
    metadata,
    Column("booking_id", String(64), primary_key=True),
    Column("kind", String(40), primary_key=True),
    Column("received_at", TS, nullable=False),
    Column("body", JSON, nullable=False),
)

# ---------------------------------------------------------------- state bureau (SIB)
submissions = Table(
    "submissions",
    metadata,
    Column("booking_id", String(64), primary_key=True),
    Column("fips5", String(5), nullable=False, index=True),
    Column("forwarded", Boolean, nullable=False),
    Column("rule_id", String(80), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", TS, nullable=False),
)

# ---------------------------------------------------------------- FBI (IAFIS)
iafis_subjects = Table(
    "iafis_subjects",
    metadata,
    Column("fbi_number", String(20), primary_key=True),
    Column("enrolled_at", TS, nullable=False),
    Column("prints", Text, nullable=False),
)

iafis_history = Table(
    "iafis_history",
    metadata,
    Column("event_key", String(96), primary_key=True),
    Column("fbi_number", String(20), nullable=False, index=True),
    Column("arrested_on", Date, nullable=False),
    Column("ncic_code", String(4), nullable=False),
    Column("convicted", Boolean, nullable=True),
    Column("sentence_days", Integer, nullable=True),
    Column("fips5", String(5), nullable=True),
)

criminal_searches = Table(
    "criminal_searches",
    metadata,
    Column("booking_id", String(64), primary_key=True),
    Column("fips5", String(5), nullable=False, index=True),
    Column("fbi_number", String(20), nullable=False),
    Column("new_identity", Boolean, nullable=False),
    Column("score", Float, nullable=False),
    Column("shared_with_ident", Boolean, nullable=False),
    Column("routing_rule", String(80), nullable=False),
    Column("routing_reason", Text, nullable=False),
    Column("at", TS, nullable=False),
)

# ---------------------------------------------------------------- DHS (IDENT)
ident_subjects = Table(
    "ident_subjects",
    metadata,
    Column("ident_id", String(20), primary_key=True),
    Column("enrolled_at", TS, nullable=False),
    Column("prints", Text, nullable=False),
    Column("encounter_type", String(40), nullable=False),
)

immigration_searches = Table(
    "immigration_searches",
    metadata,
    Column("booking_id", String(64), primary_key=True),
    Column("fips5", String(5), nullable=False, index=True),
    Column("matched", Boolean, nullable=False),
    Column("ident_id", String(20), nullable=True),
    Column("score", Float, nullable=False),
    Column("at", TS, nullable=False, index=True),
)

# ---------------------------------------------------------------- federal record sources
source_records = Table(
    "source_records",
    metadata,
    Column("source", String(40), primary_key=True),
    Column("subject_key", String(40), primary_key=True),
    Column("record_key", String(40), primary_key=True),
    Column("payload", JSON, nullable=False),
    Column("recorded_on", Date, nullable=False),
)

source_queries = Table(
    "source_queries",
    metadata,
    Column("query_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("case_id", String(80), nullable=False, index=True),
    Column("source", String(40), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("repeat", Boolean, nullable=False),
    Column("reason", Text, nullable=True),
    Column("found", Boolean, nullable=False),
    Column("at", TS, nullable=False),
    Column("attempts", Integer, nullable=False, default=1),
    Column("latency_ms", Integer, nullable=False, default=0),
    Column("available", Boolean, nullable=False, default=True),
)

# ---------------------------------------------------------------- support center + field office
cases = Table(
    "cases",
    metadata,
    Column("case_id", String(80), primary_key=True),
    Column("booking_id", String(64), nullable=False, unique=True),
    Column("ident_id", String(20), nullable=False),
    Column("fbi_number", String(20), nullable=False),
    Column("ori", String(9), nullable=False),
    Column("fips5", String(5), nullable=False, index=True),
    Column("aor", String(3), nullable=False, index=True),
    Column("booked_at", TS, nullable=False),
    Column("opened_at", TS, nullable=False),
    Column("due_at", TS, nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("status", String(40), nullable=False),
    Column("offense_level", Integer, nullable=False),
    Column("charges", JSON, nullable=False),
    Column("lea_receives", Boolean, nullable=False),
    Column("recommended_action", String(40), nullable=True),
    Column("closed_at", TS, nullable=True),
)

dossier_facts = Table(
    "dossier_facts",
    metadata,
    Column("case_id", String(80), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("name", String(60), nullable=False),
    Column("value", JSON, nullable=True),
    Column("source", String(40), nullable=False),
    Column("queried_at", TS, nullable=False),
    Column("confidence", Float, nullable=False),
)

decisions = Table(
    "decisions",
    metadata,
    Column("case_id", String(80), primary_key=True),
    Column("policy_version", String(200), nullable=False),
    Column("priority", Integer, nullable=True),
    Column("conviction_level", Integer, nullable=True),
    Column("offense_level", Integer, nullable=True),
    Column("recommended_action", String(40), nullable=False),
    Column("action", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("trace", JSON, nullable=False),
    Column("facts", JSON, nullable=False),
    Column("followed_recommendation", Boolean, nullable=False),
    Column("override_reason", Text, nullable=True),
    Column("officer", String(40), nullable=False),
    Column("decided_at", TS, nullable=False),
    Column("approval", String(12), nullable=False, default="none"),
    Column("requested_action", String(40), nullable=True),
    Column("supervisor", String(40), nullable=True),
    Column("reviewed_at", TS, nullable=True),
    Column("review_note", Text, nullable=True),
    Column("amendments", JSON, nullable=False, default=list),
)

detainers = Table(
    "detainers",
    metadata,
    Column("detainer_id", String(80), primary_key=True),
    Column("case_id", String(80), nullable=False, unique=True),
    Column("booking_id", String(64), nullable=False, unique=True),
    Column("fips5", String(5), nullable=False, index=True),
    Column("issued_at", TS, nullable=False),
    Column("operative_upon_conviction", Boolean, nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("release_at", TS, nullable=True),
    Column("facility_tz", String(40), nullable=True),
    Column("deadline_at", TS, nullable=True),
    Column("ended_at", TS, nullable=True),
    Column("held_hours", Float, nullable=True),
    Column("past_limit", Boolean, nullable=False, default=False),
    Column("extra_jail_days", Integer, nullable=False, default=0),
    Column("served_at", TS, nullable=True),
    Column("cancel_reason", Text, nullable=True),
)

encounters = Table(
    "encounters",
    metadata,
    Column("case_id", String(80), primary_key=True),
    Column("officer", String(40), nullable=False),
    Column("method", String(20), nullable=False),
    Column("at", TS, nullable=False),
    Column("occurred_at", TS, nullable=False),
    Column("location", String(80), nullable=False),
    Column("subject_contacted", Boolean, nullable=False),
)

dispositions = Table(
    "dispositions",
    metadata,
    Column("case_id", String(80), primary_key=True),
    Column("officer", String(40), nullable=False),
    Column("disposition", String(60), nullable=False),
    Column("at", TS, nullable=False),
    Column("narrative", Text, nullable=False),
)

hotline_reviews = Table(
    "hotline_reviews",
    metadata,
    Column("call_id", String(80), primary_key=True),
    Column("booking_id", String(64), nullable=False, index=True),
    Column("case_id", String(80), nullable=True, index=True),
    Column("channel", String(20), nullable=False),
    Column("claim", String(20), nullable=False),
    Column("received_at", TS, nullable=False),
    Column("due_at", TS, nullable=True),
    Column("state", String(12), nullable=False, index=True),
    Column("outcome", String(20), nullable=True),
    Column("officer", String(40), nullable=True),
    Column("narrative", Text, nullable=True),
    Column("completed_at", TS, nullable=True),
)

custody = Table(
    "custody",
    metadata,
    Column("case_id", String(80), primary_key=True),
    Column("booking_id", String(64), nullable=False),
    Column("fips5", String(5), nullable=False, index=True),
    Column("booked_in_at", TS, nullable=False),
    Column("removal_basis", String(40), nullable=False),
    Column("outcome", String(20), nullable=True),
    Column("removal_category", String(40), nullable=True),
    Column("concluded_at", TS, nullable=True),
)

alerts = Table(
    "alerts",
    metadata,
    Column("alert_id", String(120), primary_key=True),
    Column("kind", String(40), nullable=False, index=True),
    Column("ref_id", String(80), nullable=False),
    Column("fips5", String(5), nullable=True),
    Column("at", TS, nullable=False),
    Column("detail", Text, nullable=False),
)

deadlines = Table(
    "deadlines",
    metadata,
    Column("deadline_id", String(120), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("ref_id", String(80), nullable=False),
    Column("due_at", TS, nullable=False),
    Column("state", String(12), nullable=False),
    Index("ix_deadlines_state_due", "state", "due_at"),
)

# ---------------------------------------------------------------- messaging
outbox = Table(
    "outbox",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("message_id", String(160), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("published_at", TS, nullable=True),
    Index("ix_outbox_unpublished", "published_at", "seq"),
)

inbox = Table(
    "inbox",
    metadata,
    Column("consumer", String(40), primary_key=True),
    Column("message_id", String(160), primary_key=True),
    Column("processed_at", TS, nullable=False),
)

# ---------------------------------------------------------------- audit (invariant 8)
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=False),
    Column("at", TS, nullable=False),
    Column("actor", String(60), nullable=False),
    Column("action", String(10), nullable=False),
    Column("entity", String(40), nullable=False),
    Column("entity_id", String(120), nullable=False),
    Column("detail", Text, nullable=False),
    Column("prev_hash", LargeBinary(32), nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
)

#: Signed tree heads of the audit log (C2SP checkpoint notes); one row per signed size.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("size", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("signed_at", TS, nullable=False),
)

# ---------------------------------------------------------------- accounts (CJIS AC-2, AC-7)
accounts = Table(
    "accounts",
    metadata,
    Column("username", String(60), primary_key=True),
    Column("display_name", String(120), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("last_active_at", TS, nullable=True),
    Column("locked_at", TS, nullable=True),
    Column("disabled_at", TS, nullable=True),
    Column("disabled_reason", String(60), nullable=True),
)

#: role in a domain: ``county:FIPS5``, ``state:FIPS2``, ``aor:CODE`` or ``*`` (everywhere).
account_grants = Table(
    "account_grants",
    metadata,
    Column("username", String(60), primary_key=True),
    Column("role", String(30), primary_key=True),
    Column("domain", String(40), primary_key=True),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("attempt_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("username", String(60), nullable=False, index=True),
    Column("at", TS, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("source", String(60), nullable=False),
)

#: Only the SHA-256 of a session token is stored: a copy of the table opens no session.
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", LargeBinary(32), primary_key=True),
    Column("username", String(60), nullable=False, index=True),
    Column("created_at", TS, nullable=False),
    Column("last_seen_at", TS, nullable=False),
    Column("ended_at", TS, nullable=True),
)

# ---------------------------------------------------------------- complaints (CRCL)
complaints = Table(
    "complaints",
    metadata,
    Column("complaint_id", String(80), primary_key=True),
    Column("channel", String(12), nullable=False),
    Column("fips5", String(5), nullable=True, index=True),
    Column("booking_id", String(64), nullable=True),
    Column("category", String(30), nullable=False),
    Column("allegation", Text, nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("received_at", TS, nullable=False),
    Column("priority", String(10), nullable=True),
    Column("finding", String(20), nullable=True),
    Column("closed_at", TS, nullable=True),
)

complaint_steps = Table(
    "complaint_steps",
    metadata,
    Column("complaint_id", String(80), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("step", String(20), nullable=False),
    Column("actor", String(60), nullable=False),
    Column("at", TS, nullable=False),
    Column("note", Text, nullable=False),
)

#: Who complained, kept apart so that only the reviewing role ever reads it.
complainant_identities = Table(
    "complainant_identities",
    metadata,
    Column("complaint_id", String(80), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("contact", String(200), nullable=False),
)
