"""The tinker SDK's telemetry stays off in these tests: it would post to a server that the test then stops."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _no_sdk_telemetry() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TINKER_TELEMETRY", "0")  # the SDK's own switch (tinker.lib.telemetry)
        yield
