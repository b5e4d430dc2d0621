"""format_cost: every amount keeps the digits that tell it apart from its neighbours."""

from __future__ import annotations

import pytest

from tinkerer_core.formatting import format_cost


@pytest.mark.parametrize(
    ("dollars", "shown"),
    [
        (0.0, "$0.00"),
        (5.2, "$5.20"),
        (1234.567, "$1234.57"),
        (0.5, "$0.50"),
        (0.05, "$0.050"),
        (0.0042, "$0.0042"),
        (0.000012345, "$0.000012"),
        (1e-8, "$0.00000001"),
        (1e-12, "under $0.00000001"),
        (-0.0042, "-$0.0042"),
        (float("inf"), "$inf"),
    ],
)
def test_costs_print_with_the_precision_they_need(dollars: float, shown: str) -> None:
    assert format_cost(dollars) == shown


def test_sub_cent_amounts_never_collapse_to_zero() -> None:
    amounts = [0.001 * i for i in range(1, 10)] + [0.0001 * i for i in range(1, 10)]
    shown = [format_cost(amount) for amount in amounts]
    assert len(set(shown)) == len(amounts) and "$0.00" not in shown
