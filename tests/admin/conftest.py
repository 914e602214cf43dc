"""Fixtures of the front-desk tests: Monday morning at the Fairfax desk."""

import pytest

from tests.booking.racing import NOW
from tests.conftest import set_clock


@pytest.fixture
def monday_8am(monkeypatch):
    """The clock at Monday 2026-12-07, 8:00 in Fairfax."""
    set_clock(monkeypatch, NOW)


@pytest.fixture
def desk(monday_8am, clinic, fairfax_staff_client):
    """Fairfax front-desk staff, signed in on Monday morning (the clock first: sessions start then)."""
    return fairfax_staff_client
