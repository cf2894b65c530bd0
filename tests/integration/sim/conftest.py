"""A simulator shared by the integration tests of this directory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grocer.sim.server import SimulatorServer


@pytest.fixture(scope="session")
def sim() -> Iterator[SimulatorServer]:
    """A simulator on a free port, frozen on 2025-09-17 (a Wednesday), no faults."""
    with SimulatorServer(date="2025-09-17", seed=0) as server:
        yield server


@pytest.fixture()
def fresh_sim() -> Iterator[SimulatorServer]:
    """A private simulator for tests that change clocks, faults or sessions."""
    with SimulatorServer(date="2025-09-17", seed=0, coles_session_requests=5) as server:
        yield server
