"""Local accounts, sign-in and sessions, under the CJIS Security Policy's access rules.

* Passwords are kept only as argon2id hashes (argon2-cffi), re-hashed when the parameters
  change.
* Five failed sign-ins within fifteen minutes lock the account until an administrator
  releases it (AC-7).
* An account unused for ninety days is disabled (AC-2(3)), at sign-in and by the sweep.
* A session ends after thirty idle minutes (AC-11) or at sign-out (AC-12). Its token is
  shown once; the store keeps only its SHA-256, so a copy of the table opens nothing.

Every attempt, lock, release, grant and disabling is audited in the same transaction
(AU-2). A failed sign-in says the same thing whatever the reason, so the reply never tells
a guesser which user names exist.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select, update

from scomm.adapters.authorization import Actor, Authorizer, Grant
from scomm.adapters.tables import account_grants, accounts, login_attempts, sessions
from scomm.adapters.uow import UnitOfWork
from scomm.domain.errors import InvalidInput, ScommError

LOCK_AFTER = 5
LOCK_WINDOW = timedelta(minutes=15)
INACTIVE_LIMIT = timedelta(days=90)
SESSION_IDLE = timedelta(minutes=30)
#: how stale ``last_seen_at`` may get before a request writes it again: a session's idle
#: clock is exact to this much, and a busy client does not write on every request.
TOUCH_EVERY = timedelta(seconds=60)
MIN_PASSWORD = 12

_hasher = PasswordHasher()


class SignInRefused(ScommError):
    """Sign-in did not succeed; ``reason`` is for the audit log, never for the reply."""

    def __init__(self, reason: str) -> None:
        super().__init__("wrong user name or password, or the account is locked or disabled")
        self.reason = reason


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _check_password(username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("password", f"must be at least {MIN_PASSWORD} characters")
    if username.lower() in password.lower():
        raise InvalidInput("password", "must not contain the user name")


def create(uow: UnitOfWork, username: str, display_name: str, password: str,
           grants: list[Grant], authorizer: Authorizer) -> None:
    """A new account with its grants; refused, naming the field, if any part is invalid."""
    if not username or not username.replace("_", "").replace(".", "").isalnum():
        raise InvalidInput("username", "letters, digits, '.' and '_' only")
    _check_password(username, password)
    if exists(uow, username):
        raise InvalidInput("username", f"{username!r} already exists")
    uow.conn.execute(insert(accounts).values(
        username=username, display_name=display_name, password_hash=_hasher.hash(password),
        created_at=uow.now(), last_active_at=uow.now()))
    uow.audit("write", "account", username, {"created": True})
    set_grants(uow, username, grants, authorizer)


def set_grants(uow: UnitOfWork, username: str, grants: list[Grant],
               authorizer: Authorizer) -> None:
    for i, g in enumerate(grants):
        if g.role not in authorizer.roles:
            raise InvalidInput(f"grants[{i}].role", f"unknown role {g.role!r}; one of "
                               + ", ".join(sorted(authorizer.roles)))
        if not authorizer.valid_domain(g.domain):
            raise InvalidInput(f"grants[{i}].domain", f"{g.domain!r} is not county:FIPS5, "
                               "state:FIPS2, aor:CODE or *")
    uow.conn.execute(delete(account_grants).where(account_grants.c.username == username))
    if grants:
        uow.conn.execute(insert(account_grants), [
            {"username": username, "role": g.role, "domain": g.domain} for g in set(grants)])
    uow.audit("write", "account_grants", username,
              {"grants": sorted(f"{g.role}@{g.domain}" for g in grants)})


def exists(uow: UnitOfWork, username: str) -> bool:
    return uow.conn.execute(select(accounts.c.username).where(
        accounts.c.username == username)).first() is not None


def grants_of(uow: UnitOfWork, username: str) -> tuple[Grant, ...]:
    rows = uow.conn.execute(select(account_grants.c.role, account_grants.c.domain).where(
        account_grants.c.username == username).order_by(account_grants.c.role,
                                                          account_grants.c.domain))
    return tuple(Grant(r.role, r.domain) for r in rows)


def _refuse(uow: UnitOfWork, username: str, source: str, reason: str) -> SignInRefused:
    uow.conn.execute(insert(login_attempts).values(username=username, at=uow.now(), ok=False,
                                                   source=source))
    uow.audit("login", "account", username, {"outcome": "refused", "reason": reason,
                                             "source": source}, actor=f"anonymous@{source}")
    return SignInRefused(reason)


def sign_in(uow: UnitOfWork, username: str, password: str, source: str) -> str:
    """A new session token; raises ``SignInRefused`` (after recording why) otherwise.

    The caller commits in both cases: a refused attempt must be recorded to count."""
    now = uow.now()
    row = uow.conn.execute(select(accounts).where(accounts.c.username == username)).first()
    if row is None:
        _hasher.hash(password)  # the same work as a real check: timing tells nothing
        raise _refuse(uow, username, source, "no such account")
    if row.disabled_at is not None:
        raise _refuse(uow, username, source, f"disabled: {row.disabled_reason}")
    if row.locked_at is not None:
        raise _refuse(uow, username, source, "locked")
    if row.last_active_at is not None and now - row.last_active_at > INACTIVE_LIMIT:
        _disable(uow, username, "inactive 90 days")
        raise _refuse(uow, username, source, "disabled: inactive 90 days")
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        refusal = _refuse(uow, username, source, "wrong password")
        _lock_if_repeated(uow, username)
        raise refusal from None
    if _hasher.check_needs_rehash(row.password_hash):
        uow.conn.execute(update(accounts).where(accounts.c.username == username)
                         .values(password_hash=_hasher.hash(password)))
    token = secrets.token_urlsafe(32)
    uow.conn.execute(insert(login_attempts).values(username=username, at=now, ok=True,
                                                   source=source))
    uow.conn.execute(insert(sessions).values(token_hash=_token_hash(token), username=username,
                                             created_at=now, last_seen_at=now))
    uow.conn.execute(update(accounts).where(accounts.c.username == username)
                     .values(last_active_at=now))
    uow.audit("login", "account", username, {"outcome": "ok", "source": source},
              actor=username)
    return token


def _lock_if_repeated(uow: UnitOfWork, username: str) -> None:
    """Lock after the fifth failure in the window since the last success or release."""
    last_ok = uow.conn.execute(select(func.max(login_attempts.c.at)).where(
        login_attempts.c.username == username, login_attempts.c.ok)).scalar()
    since = uow.now() - LOCK_WINDOW
    if last_ok is not None and last_ok > since:
        since = last_ok
    failures = uow.conn.execute(select(func.count()).select_from(login_attempts).where(
        login_attempts.c.username == username, ~login_attempts.c.ok,
        login_attempts.c.at > since)).scalar_one()
    if failures >= LOCK_AFTER:
        uow.conn.execute(update(accounts).where(accounts.c.username == username)
                         .values(locked_at=uow.now()))
        uow.audit("write", "account", username, {"locked": f"{failures} failed sign-ins"})


def release(uow: UnitOfWork, username: str) -> None:
    """An administrator unlocks an account; the failures before stop counting."""
    found = uow.conn.execute(update(accounts).where(accounts.c.username == username)
                             .values(locked_at=None))
    if found.rowcount == 0:
        raise InvalidInput("username", f"no account {username!r}")
    uow.conn.execute(insert(login_attempts).values(username=username, at=uow.now(), ok=True,
                                                   source="release"))
    uow.audit("write", "account", username, {"released": True})


def _disable(uow: UnitOfWork, username: str, reason: str) -> None:
    uow.conn.execute(update(accounts).where(accounts.c.username == username)
                     .values(disabled_at=uow.now(), disabled_reason=reason))
    uow.conn.execute(update(sessions).where(sessions.c.username == username,
                                            sessions.c.ended_at.is_(None))
                     .values(ended_at=uow.now()))
    uow.audit("write", "account", username, {"disabled": reason})


def disable_inactive(uow: UnitOfWork) -> list[str]:
    """Disable every enabled account unused for ninety days (AC-2(3)); returns their names."""
    cutoff = uow.now() - INACTIVE_LIMIT
    names = list(uow.conn.execute(select(accounts.c.username).where(
        accounts.c.disabled_at.is_(None), accounts.c.last_active_at < cutoff)).scalars())
    for name in names:
        _disable(uow, name, "inactive 90 days")
    return names


def actor_for(uow: UnitOfWork, token: str) -> Actor | None:
    """The signed-in user a token stands for, or None if it is unknown, ended or idle."""
    now = uow.now()
    row = uow.conn.execute(
        select(sessions.c.username, sessions.c.last_seen_at, accounts.c.disabled_at,
               accounts.c.locked_at)
        .join(accounts, accounts.c.username == sessions.c.username)
        .where(sessions.c.token_hash == _token_hash(token), sessions.c.ended_at.is_(None))
    ).first()
    if row is None or row.disabled_at is not None or row.locked_at is not None:
        return None
    if now - row.last_seen_at > SESSION_IDLE:
        uow.conn.execute(update(sessions).where(sessions.c.token_hash == _token_hash(token))
                         .values(ended_at=row.last_seen_at + SESSION_IDLE))
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        uow.conn.execute(update(sessions).where(sessions.c.token_hash == _token_hash(token))
                         .values(last_seen_at=now))
        uow.conn.execute(update(accounts).where(accounts.c.username == row.username)
                         .values(last_active_at=now))
    return Actor(row.username, grants_of(uow, row.username))


def sign_out(uow: UnitOfWork, token: str) -> None:
    uow.conn.execute(update(sessions).where(sessions.c.token_hash == _token_hash(token),
                                            sessions.c.ended_at.is_(None))
                     .values(ended_at=uow.now()))
