"""Figures as people read them: dollar amounts with the precision they need."""

from __future__ import annotations

import math

SIGNIFICANT = 2  # a sub-dollar amount shows at least this many significant digits
MAX_DECIMALS = 8  # below 10**-MAX_DECIMALS dollars an amount reads as "under" that


def format_cost(dollars: float) -> str:
    """``dollars`` as ``$12.35``, ``$0.50``, ``$0.0042`` or ``$0.000012``: cents, or two significant digits below them."""
    if not math.isfinite(dollars):
        return f"${dollars}"
    if dollars < 0:
        return "-" + format_cost(-dollars)
    if dollars == 0:
        return "$0.00"
    smallest = 10.0**-MAX_DECIMALS
    if dollars < smallest:
        return f"under ${smallest:.{MAX_DECIMALS}f}"
    decimals = max(2, SIGNIFICANT - 1 - math.floor(math.log10(dollars)))
    text = f"{dollars:.{min(decimals, MAX_DECIMALS)}f}"
    return f"${text}"
