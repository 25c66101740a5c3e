from __future__ import annotations

from bastion.ops.ratelimit import FailureWindow


def test_failures_lock_a_key_for_the_rest_of_the_window() -> None:
    now = [100.0]
    window = FailureWindow(limit=3, window=60, clock=lambda: now[0])
    keys = [("client", "a"), ("ip", "1.2.3.4")]
    for _ in range(3):
        assert window.retry_after(keys) is None
        window.record_failure(keys)
    assert window.retry_after(keys) == 60
    assert window.retry_after([("ip", "1.2.3.4")]) == 60  # the IP alone is locked too
    assert window.retry_after([("client", "b")]) is None
    now[0] += 30
    assert window.retry_after(keys) == 30
    now[0] += 31
    assert window.retry_after(keys) is None
