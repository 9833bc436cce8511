"""Typed front for numba's decorators.

numba ships no type information, so under ``mypy --strict`` every ``@njit`` function would
become untyped. Casting the decorator to ``Callable[[F], F]`` keeps each kernel's own signature
visible to the type checker, at the price of trusting that numba compiles what mypy checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def njit(*, parallel: bool = False) -> Callable[[F], F]:
    """``numba.njit`` with on-disk caching (compiling the kernels costs seconds per process)
    and ``fastmath`` off, so scores are reproducible bit-for-bit across runs."""
    return cast(Callable[[F], F], numba.njit(cache=True, nogil=True, parallel=parallel))


prange: Callable[..., range] = numba.prange

thread_id: Callable[[], int] = numba.get_thread_id  # type: ignore[attr-defined]
"""Inside a parallel kernel, the running thread's index in ``0 .. max_threads() - 1``: the key
to per-thread scratch allocated once outside the kernel."""


def max_threads() -> int:
    """The most threads a parallel kernel can run on (``NUMBA_NUM_THREADS``), whatever
    ``numba.set_num_threads`` lowered the current count to."""
    return int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
