"""Fixtures of the service tests (helpers in ``served.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from served import Served, copy_store, serve


@pytest.fixture(scope="module")
def served(tiny_run: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    url = copy_store(tiny_run.out_dir / "scomm.db",
                     tmp_path_factory.mktemp("served") / "scomm.db")
    s = serve(url)
    yield s
    s.worker.stop()
    s.engine.dispose()
