from handlers.flood import FloodGuard


def test_flood_guard_limits_each_user_in_a_sliding_window():
    now = [0.0]
    guard = FloodGuard(max_messages=3, per_seconds=10, clock=lambda: now[0])
    assert [guard.allow(1) for _ in range(4)] == [True, True, True, False]
    assert guard.allow(2)  # other users are not affected
    now[0] = 10.5
    assert guard.allow(1)


def test_an_update_delivered_twice_is_handled_once():
    from handlers.flood import SeenUpdates
    seen = SeenUpdates(size=2)
    assert [seen.first_time(i) for i in (1, 2, 1, 3, 1)] == [True, True, False, True, True]
