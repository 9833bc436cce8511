"""Sign-in, sign-out, who am I; and the administrator's account management."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from scomm.adapters import accounts
from scomm.adapters.authorization import Actor, Grant
from scomm.entrypoints.api.errors import ERRORS, NotFound
from scomm.entrypoints.api.schemas import AccountIn, GrantOut, GrantsIn, MeOut, SessionOut, SignIn
from scomm.entrypoints.api.service import (
    COOKIE,
    GateDep,
    ServiceDep,
    context,
    current_actor,
    token_of,
)

router = APIRouter(prefix="/api", tags=["session"], responses=ERRORS)


@router.post("/session", response_model=SessionOut)
def sign_in(body: SignIn, request: Request, svc: ServiceDep) -> SessionOut:
    """Sign in; the token goes in ``Authorization: Bearer``. Five failures in fifteen minutes
    lock the account until an administrator releases it. (The pages sign in at ``/signin``,
    which keeps the token in a cookie instead.)"""
    source = context(request)["source"]
    with svc.uow(f"anonymous@{source}") as uow:
        try:
            token = accounts.sign_in(uow, body.username, body.password, source)
        finally:
            uow.commit()  # a refused attempt is recorded, or it would not count
    return SessionOut(token=token, username=body.username,
                      idle_minutes=int(accounts.SESSION_IDLE.total_seconds() // 60))


@router.delete("/session", status_code=204)
def sign_out(request: Request, response: Response, svc: ServiceDep,
             actor: Annotated[Actor, Depends(current_actor)]) -> Response:
    token = token_of(request)
    with svc.uow(actor.label) as uow:
        if token:
            accounts.sign_out(uow, token)
        uow.audit("logout", "account", actor.username, context(request))
        uow.commit()
    response.status_code = 204
    response.delete_cookie(COOKIE)
    return response


@router.get("/me", response_model=MeOut)
def me(actor: Annotated[Actor, Depends(current_actor)]) -> MeOut:
    return MeOut(username=actor.username,
                 grants=[GrantOut(role=g.role, domain=g.domain) for g in actor.grants])


@router.post("/accounts", status_code=201, response_model=MeOut, tags=["accounts"])
def create_account(body: AccountIn, gate: GateDep) -> MeOut:
    """Create an account with its grants (administrators only; audited)."""
    gate.require("account", "manage")
    grants = [Grant(g.role, g.domain) for g in body.grants]
    with gate.svc.uow(gate.actor.label) as uow:
        accounts.create(uow, body.username, body.display_name, body.password, grants,
                        gate.svc.authorizer)
        uow.commit()
    return MeOut(username=body.username, grants=body.grants)


@router.put("/accounts/{username}/grants", response_model=MeOut, tags=["accounts"])
def set_grants(username: str, body: GrantsIn, gate: GateDep) -> MeOut:
    gate.require("account", "manage")
    with gate.svc.uow(gate.actor.label) as uow:
        if not accounts.exists(uow, username):
            raise NotFound("account", username)
        accounts.set_grants(uow, username, [Grant(g.role, g.domain) for g in body.grants],
                            gate.svc.authorizer)
        uow.commit()
    return MeOut(username=username, grants=body.grants)


@router.post("/accounts/{username}/release", status_code=204, tags=["accounts"])
def release(username: str, gate: GateDep) -> Response:
    """Unlock an account locked after repeated failed sign-ins."""
    gate.require("account", "manage")
    with gate.svc.uow(gate.actor.label) as uow:
        accounts.release(uow, username)
        uow.commit()
    return Response(status_code=204)
