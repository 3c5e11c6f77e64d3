"""How the commands count things in English: "1 problem", "3 files", "1,204 observations"."""

from __future__ import annotations


def count(n: int, noun: str, thousands: bool = False) -> str:
    """``n`` and ``noun``, plural unless n is 1.

    ``thousands`` groups digits ("1,204"): the terminal summaries of validate and
    build do; the diff's Markdown report never did, and its text must not change.
    """
    number = f"{n:,}" if thousands else f"{n}"
    return f"{number} {noun}{'s' * (n != 1)}"
