from handlers.flood import FloodGuard, SeenUpdates


def test_flood_guard_limits_each_user_in_a_sliding_window():
    now = [0.0]
    guard = FloodGuard(max_messages=3, per_seconds=10, clock=lambda: now[0])
    assert [guard.allow(1) for _ in range(4)] == [True, True, True, False]
    assert guard.allow(2)  # other users are not affected
    now[0] = 10.5
    assert guard.allow(1)


def test_taps_are_counted_apart_with_a_far_higher_allowance():
    now = [0.0]
    guard = FloodGuard(max_messages=3, per_seconds=10, clock=lambda: now[0])
    assert guard.max_taps == 18
    assert all(guard.allow(1, tap=True) for _ in range(18))
    assert not guard.allow(1, tap=True)
    assert [guard.allow(1) for _ in range(4)] == [True, True, True, False]  # taps used none of it


def test_a_limited_user_is_told_once_with_the_seconds_to_wait():
    now = [0.0]
    guard = FloodGuard(max_messages=2, per_seconds=60, clock=lambda: now[0])
    guard.allow(1)
    now[0] = 15.0
    guard.allow(1)
    now[0] = 20.0
    assert not guard.allow(1)
    assert guard.retry_after(1) == 40  # the first message leaves the window at 60 s
    assert [guard.first_refusal(1), guard.first_refusal(1)] == [True, False]
    now[0] = 61.0
    assert guard.allow(1)  # allowed again: a later spell is told again
    assert not guard.allow(1)
    assert guard.first_refusal(1)


def test_an_update_delivered_twice_is_handled_once():
    seen = SeenUpdates(size=2)
    assert [seen.first_time(i) for i in (1, 2, 1, 3, 1)] == [True, True, False, True, True]
