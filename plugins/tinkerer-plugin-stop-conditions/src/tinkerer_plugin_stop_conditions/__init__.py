"""Tinkerer stop conditions: end a run on a score, a plateau, a budget or repeated errors."""
