"""What every route shares: the system, the authorizer, and the gate that audits access.

Every route that touches a person's record goes through ``Gate``: it opens one unit of work,
loads the record, asks the authorizer, and writes the audit entry (``read``, ``write`` or
``denied``, with the request's id, method, path and source address) in the same transaction
as the read or the change, so the log holds an entry if and only if the access happened
(DESIGN invariant 8, CJIS AU-2/AU-3). A refusal is committed on its own before the error is
raised, so a denied attempt is never rolled back out of the log.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, Request

from scomm.adapters import accounts
from scomm.adapters.authorization import Actor, Authorizer, Scope
from scomm.adapters.uow import UnitOfWork
from scomm.bootstrap import System
from scomm.domain.errors import Forbidden
from scomm.domain.messages import Message
from scomm.entrypoints.api.errors import NotFound, Repeat, Unauthenticated

T = TypeVar("T")
COOKIE = "scomm_session"


@dataclass
class Service:
    system: System
    authorizer: Authorizer
    key: Ed25519PrivateKey | None = None

    def uow(self, actor: str) -> UnitOfWork:
        return UnitOfWork(self.system.engine, self.system.clock, actor=actor)


def service(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE)


def current_actor(request: Request, svc: Annotated[Service, Depends(service)]) -> Actor:
    token = token_of(request)
    if not token:
        raise Unauthenticated("sign in first: POST /api/session")
    with svc.uow("session") as uow:
        actor = accounts.actor_for(uow, token)
        uow.commit()
    if actor is None:
        raise Unauthenticated("the session ended or is unknown: sign in again")
    request.state.actor = actor
    return actor


def context(request: Request) -> dict[str, Any]:
    """AU-3's where and which: the request, its route and the caller's address."""
    rid = getattr(request.state, "request_id", None) or uuid.uuid4().hex
    request.state.request_id = rid
    client = request.client.host if request.client else "unknown"
    return {"request": rid, "method": request.method, "path": request.url.path,
            "source": client}


@dataclass
class Gate:
    svc: Service
    actor: Actor
    request: Request

    def _deny(self, obj: str, act: str, ref: str) -> None:
        with self.svc.uow(self.actor.label) as uow:
            uow.audit("denied", obj, ref, {**context(self.request), "act": act})
            uow.commit()

    def require(self, obj: str, act: str) -> Scope:
        """The scope in which the caller may ``act`` on ``obj``; 403 (audited) if none."""
        scope = self.svc.authorizer.scope(self.actor, obj, act)
        if scope.empty:
            self._deny(obj, act, "*")
            raise Forbidden(f"{self.actor.label} may not {act} {obj} records")
        return scope

    def allow(self, obj: str, act: str, ref: str, domains: Sequence[str],
              conceal: bool = True) -> None:
        """Refuse (audited) unless a grant reaches one of the record's domains. A record out
        of reach answers 404 like a missing one; a new record (``conceal=False``) 403."""
        self.require(obj, act)
        if not self.svc.authorizer.allowed(self.actor, obj, act, domains):
            self._deny(obj, act, ref)
            if conceal:
                raise NotFound(obj, ref)
            raise Forbidden(f"{self.actor.label} may not {act} {obj} records in "
                            + ", ".join(domains))

    def read(self, obj: str, ref: str, load: Callable[[UnitOfWork], T | None],
             domains: Callable[[T], Sequence[str]]) -> T:
        """Load one record, check the caller may read it, audit the read, all in one unit."""
        self.require(obj, "read")
        with self.svc.uow(self.actor.label) as uow:
            found = load(uow)
            if found is None:
                uow.audit("read", obj, ref, {**context(self.request), "outcome": "not_found"})
                uow.commit()
                raise NotFound(obj, ref)
            if not self.svc.authorizer.allowed(self.actor, obj, "read", domains(found)):
                uow.audit("denied", obj, ref, {**context(self.request), "act": "read"})
                uow.commit()
                raise NotFound(obj, ref)
            uow.audit("read", obj, ref, {**context(self.request), "outcome": "ok"})
            uow.commit()
        return found

    def listing(self, obj: str, load: Callable[[UnitOfWork, Scope], list[T]],
                ref: Callable[[T], str]) -> list[T]:
        """A list filtered in SQL to the caller's scope; the ids it returned are audited."""
        scope = self.require(obj, "read")
        with self.svc.uow(self.actor.label) as uow:
            rows = load(uow, scope)
            uow.audit("read", f"{obj}_list", f"{len(rows)} records",
                      {**context(self.request), "ids": [ref(r) for r in rows]})
            uow.commit()
        return rows

    def command(self, obj: str, act: str, ref: str, domains: Sequence[str],
                message: Message, conceal: bool = True) -> None:
        """Authorize, then hand the command to its agency with the caller named in the audit
        entries it writes; the flow it starts runs in the background worker."""
        self.allow(obj, act, ref, domains, conceal)
        if not self.svc.system.bus.accept(message, actor=self.actor.label):
            raise Repeat(f"{message.kind} {message.message_id!r} was already applied")


def gate(request: Request, svc: Annotated[Service, Depends(service)],
         actor: Annotated[Actor, Depends(current_actor)]) -> Gate:
    return Gate(svc, actor, request)


GateDep = Annotated[Gate, Depends(gate)]
ServiceDep = Annotated[Service, Depends(service)]
