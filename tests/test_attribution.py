"""apportion: integer shares that always add up."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ctxdash.core.transcript.attribution import apportion


@given(
    st.integers(min_value=0, max_value=10**7),
    st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), max_size=50),
)
def test_apportion_sums_exactly(total: int, weights: list[float]) -> None:
    shares = apportion(total, weights)
    assert len(shares) == len(weights)
    if weights:
        assert sum(shares) == total
        assert all(s >= 0 for s in shares)


def test_apportion_is_proportional() -> None:
    assert apportion(100, [1, 3]) == [25, 75]
    assert apportion(10, [0, 0]) == [5, 5]
    assert apportion(0, [1.0]) == [0]
