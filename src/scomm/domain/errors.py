"""Errors the domain raises. Each names what is wrong and where, so a user can fix the input."""


class ScommError(Exception):
    """Base of every error scomm raises on purpose."""


class InvalidInput(ScommError):
    """Input (a scenario, a booking, a facts file) is malformed; nothing was changed.

    ``where`` names the field or location (``charges[0].ncic_code``, ``scenario.period.start``)
    so that the message points the user at the exact spot to correct.
    """

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


class IllegalTransition(ScommError):
    """A command asked an aggregate to move to a state its lifecycle does not allow."""


class Forbidden(ScommError):
    """The caller's role may not do or see this."""


class AuditChainBroken(ScommError):
    """The audit log no longer verifies; ``seq`` is the first entry that fails."""

    def __init__(self, seq: int, problem: str) -> None:
        super().__init__(f"audit entry {seq}: {problem}")
        self.seq = seq
        self.problem = problem
