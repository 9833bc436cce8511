"""Who may do what where: roles scoped by jurisdiction, decided by casbin, filtered in SQL.

The rules (``data/access_policy.csv``, model ``data/access_model.conf``) say which role may do
which action on which resource in which kind of domain. A user's grants (role, domain) live in
the store; each request is decided by asking casbin, grant by grant, whether that grant's role
and domain reach the record's domains. Keeping the grants out of casbin's in-memory policy
means every worker process decides from the store as it is now: a revoked grant stops working
at the next request, with no cache to invalidate.

Lists are never filtered after the fact (casbin#1529: pages come out short and counts leak):
``scope`` turns the grants that allow an action into a ``WHERE`` clause on the record's county
and area of responsibility, so the database returns only what the user may see.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import casbin
from sqlalchemy import ColumnElement, false, or_, true

DATA = Path(__file__).parent / "data"
EVERYWHERE = "*"


@dataclass(frozen=True)
class Grant:
    role: str
    domain: str


@dataclass(frozen=True)
class Actor:
    """A signed-in user as authorization sees them: a name and grants, nothing else."""

    username: str
    grants: tuple[Grant, ...]

    @property
    def label(self) -> str:
        roles = "+".join(sorted({g.role for g in self.grants})) or "none"
        return f"{roles}:{self.username}"


def covers(grant: str, target: str) -> bool:
    """Whether a grant's domain reaches a record's: everywhere, the same domain, or a state
    reaching its own counties (the state bureau forwards all of them)."""
    if grant in (EVERYWHERE, target):
        return True
    if grant.startswith("state:") and target.startswith("county:"):
        return target[len("county:"):].startswith(grant[len("state:"):])
    return False


def targets(fips5: str | None = None, aor: str | None = None) -> tuple[str, ...]:
    """The domains a record belongs to: its county and, once it is a case, its office."""
    out = []
    if fips5:
        out.append(f"county:{fips5}")
    if aor:
        out.append(f"aor:{aor}")
    return tuple(out)


@dataclass(frozen=True)
class Scope:
    """The part of the store a user may list for one action on one resource."""

    everywhere: bool = False
    counties: frozenset[str] = field(default_factory=frozenset)
    states: frozenset[str] = field(default_factory=frozenset)
    aors: frozenset[str] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not (self.everywhere or self.counties or self.states or self.aors)

    def clause(self, fips5: ColumnElement[str] | None = None,
               aor: ColumnElement[str] | None = None) -> ColumnElement[bool]:
        """The ``WHERE`` condition on a query's county and office columns."""
        if self.everywhere:
            return true()
        parts: list[ColumnElement[bool]] = []
        if fips5 is not None:
            if self.counties:
                parts.append(fips5.in_(sorted(self.counties)))
            parts.extend(fips5.startswith(s, autoescape=True) for s in sorted(self.states))
        if aor is not None and self.aors:
            parts.append(aor.in_(sorted(self.aors)))
        return or_(*parts) if parts else false()


class Authorizer:
    def __init__(self, model: Path = DATA / "access_model.conf",
                 policy: Path = DATA / "access_policy.csv") -> None:
        self._enforcer = casbin.Enforcer(str(model), str(policy))
        # casbin logs every refusal at WARNING; the audit log already records each one, with
        # who and what, so its lines would only repeat that without the request's context.
        logging.getLogger("casbin").setLevel(logging.ERROR)
        self._enforcer.add_function("covers", covers)
        self.roles = frozenset(rule[0] for rule in self._enforcer.get_policy())

    def allowed(self, actor: Actor, obj: str, act: str, domains: Sequence[str]) -> bool:
        """Whether any grant allows ``act`` on ``obj`` for a record in any of ``domains``."""
        return any(self._enforcer.enforce(g.role, g.domain, d, obj, act)
                   for g in actor.grants for d in domains)

    def scope(self, actor: Actor, obj: str, act: str) -> Scope:
        counties: set[str] = set()
        states: set[str] = set()
        aors: set[str] = set()
        for g in self._granting(actor.grants, obj, act):
            if g.domain == EVERYWHERE:
                return Scope(everywhere=True)
            kind, _, code = g.domain.partition(":")
            {"county": counties, "state": states, "aor": aors}[kind].add(code)
        return Scope(counties=frozenset(counties), states=frozenset(states),
                     aors=frozenset(aors))

    def _granting(self, grants: Iterable[Grant], obj: str, act: str) -> Iterable[Grant]:
        return (g for g in grants if self._enforcer.enforce(g.role, g.domain, g.domain, obj, act))

    def valid_domain(self, domain: str) -> bool:
        kind, sep, code = domain.partition(":")
        if domain == EVERYWHERE:
            return True
        width = {"county": 5, "state": 2}.get(kind)
        if not sep or not code:
            return False
        return kind == "aor" or (width is not None and len(code) == width and code.isdigit())
