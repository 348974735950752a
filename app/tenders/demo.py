"""Demo challenges: an open two-stage challenge with clarifications and draft bids, and a closed
one that was awarded (filled in by load)."""
from __future__ import annotations


def load(council) -> None:
    return None
