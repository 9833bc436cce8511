"""``scomm audit``: the signing key, signed checkpoints and verification of the audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from scomm.domain.errors import AuditChainBroken
from scomm.entrypoints.console import DbOption, err, out, store_url

audit_app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit log.")

KeyOption = Annotated[Path, typer.Option(
    "--key", envvar="SCOMM_AUDIT_KEY",
    help="the checkpoint signing key (Ed25519 PEM), kept outside the database")]


@audit_app.command("keygen")
def audit_keygen(key: KeyOption = Path("out/audit-signing.pem")) -> None:
    """Make the checkpoint signing key and its public half (KEY.pub), for the oversight office."""
    from scomm.adapters import signing

    if key.exists():
        err.print(f"{key}: a key is already there; refusing to replace it")
        raise typer.Exit(code=2)
    signing.generate(key)
    out.print(f"signing key {key}, public key {signing.public_path(key)}")


@audit_app.command("checkpoint")
def audit_checkpoint(db: DbOption = None, key: KeyOption = Path("out/audit-signing.pem")
                     ) -> None:
    """Verify the log, then sign its current Merkle tree head (a C2SP checkpoint)."""
    from scomm.adapters import audit, signing
    from scomm.adapters.clock import SystemClock
    from scomm.adapters.db import make_engine

    private = signing.load_private(key)
    engine = make_engine(store_url(db))
    try:
        with engine.begin() as conn:
            head = audit.checkpoint(conn, private, SystemClock().now())
    except AuditChainBroken as exc:
        _broken(exc)
    finally:
        engine.dispose()
    out.print(f"checkpoint signed: {head.size} entries, root {head.root.hex()}")


def _broken(exc: AuditChainBroken) -> NoReturn:
    err.print(f"[red]audit log BROKEN[/red] at entry {exc.seq}: {exc.problem}",
              highlight=False, soft_wrap=True)
    raise typer.Exit(code=1) from None


@audit_app.command("verify")
def audit_verify(db: DbOption = None, public_key: Annotated[Path | None, typer.Option(
        help="the signer's public key: also check every checkpoint's signature")] = None
                 ) -> None:
    """Recompute the hash chain and the Merkle tree; check every signed checkpoint, their
    consistency and a sample of inclusion proofs. Exit 1 naming the first bad entry."""
    from scomm.adapters import audit, signing
    from scomm.adapters.db import make_engine

    public = signing.load_public(public_key) if public_key else None
    engine = make_engine(store_url(db))
    try:
        with engine.connect() as conn:
            result = audit.verify(conn, public)
    except AuditChainBroken as exc:
        _broken(exc)
    finally:
        engine.dispose()
    signed = "signatures checked" if result.signatures_checked else "signatures not checked"
    out.print(f"audit log intact: {result.entries} entries, head {result.head_hash}; "
              f"{result.checkpoints} checkpoints ({signed}), {result.covered} entries under "
              f"the newest, {result.inclusion_checked} inclusion proofs verified")
