from __future__ import annotations

from typing import Any

import pytest

from tests.security.matrix import MatrixWorld, build_matrix_world


@pytest.fixture
def matrix_world(world: Any, settings: Any, tmp_path: Any) -> MatrixWorld:
    """The `world` plus a record of every kind inside and outside each role's scope."""
    settings.MEDIA_ROOT = tmp_path / "media"  # the signed consent forms it uploads are thrown away after
    return build_matrix_world(world)
