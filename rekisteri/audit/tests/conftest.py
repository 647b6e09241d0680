import pytest

from rekisteri.audit import events


@pytest.fixture(autouse=True)
def test_actions(monkeypatch):
    """Actions only these tests record (``x.test``, ``x.e00``…``x.e59``)."""
    declared = dict(events._events)
    for action in ["x.test", *(f"x.e{i:02d}" for i in range(60))]:
        declared[action] = events.EventType(action, "A test event.", "tests")
    monkeypatch.setattr(events, "_events", declared)
