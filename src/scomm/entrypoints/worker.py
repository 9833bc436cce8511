"""The service's background worker: relays the outbox, fires due deadlines, signs checkpoints.

The API answers once a command is durable (``bus.accept``); everything the command sets off
(the searches, the research, the decision, the clocks) runs here, in commit order, through
the same relay and consumer inboxes the command line uses. One worker per store: the relay
marks rows published only after every consumer applied them, and the inboxes absorb a
redelivery, so a crash or restart loses nothing and does nothing twice (invariant 7).
"""

from __future__ import annotations

import logging
import threading
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from scomm.adapters import audit
from scomm.adapters.tables import audit_checkpoints, audit_head
from scomm.bootstrap import System
from scomm.domain.messages import ExpireDeadlines, mid

log = logging.getLogger("scomm.worker")


class Worker(threading.Thread):
    def __init__(self, system: System, key: Ed25519PrivateKey | None = None,
                 idle_seconds: float = 0.05, deadlines_every: float = 30.0,
                 checkpoint_every: float = 60.0) -> None:
        super().__init__(name="scomm-worker", daemon=True)
        self.system = system
        self.key = key
        self.idle_seconds = idle_seconds
        self.deadlines_every = deadlines_every
        self.checkpoint_every = checkpoint_every
        self._halt = threading.Event()
        self._idle = threading.Event()

    def run(self) -> None:
        next_deadlines = next_checkpoint = time.monotonic()
        while not self._halt.is_set():
            try:
                n = self.system.bus.run_until_idle()
                now = time.monotonic()
                if now >= next_deadlines:
                    self._expire()
                    next_deadlines = now + self.deadlines_every
                if self.key is not None and now >= next_checkpoint:
                    self.checkpoint()
                    next_checkpoint = now + self.checkpoint_every
            except Exception:  # a failed batch stays in the outbox and is retried
                log.exception("worker pass failed; retrying")
                n = 0
            if n == 0:
                self._idle.set()
                self._halt.wait(self.idle_seconds)
            else:
                self._idle.clear()

    def _expire(self) -> None:
        at = self.system.clock.now()
        self.system.bus.handle(ExpireDeadlines(
            message_id=mid("ExpireDeadlines", at.isoformat()), occurred_at=at))

    def checkpoint(self) -> None:
        """Sign the tree head if entries were added since the last signed one."""
        if self.key is None:
            return
        with self.system.engine.begin() as conn:
            head = conn.execute(select(audit_head.c.seq)).scalar() or 0
            signed = conn.execute(select(func.max(audit_checkpoints.c.size))).scalar() or 0
            if head > signed:
                audit.checkpoint(conn, self.key, self.system.clock.now())

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until the outbox is empty (for tests and an orderly stop)."""
        deadline = time.monotonic() + timeout
        self._idle.clear()
        while not self._idle.wait(0.05):
            if time.monotonic() > deadline:
                raise TimeoutError("the worker did not drain the outbox in time")

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=30)
