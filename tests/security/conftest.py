from __future__ import annotations

from typing import Any

import pytest

from tests.security.matrix import MatrixWorld, build_matrix_world


@pytest.fixture
def matrix_world(world: Any) -> MatrixWorld:
    """The `world` plus a record of every kind inside and outside each role's scope."""
    return build_matrix_world(world)
