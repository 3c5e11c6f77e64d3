"""The status vocabulary of DESIGN.md §4 and its orders, defined here only.

A leaf module (it imports nothing of the package), so that the formats
(check-in confidence), the rules, the pages and the commands all take their
words and orders from one place.
"""

from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    MISSED = "missed"
    NO_DATA = "no_data"

    def __str__(self) -> str:
        return self.value


# Worst first: an objective takes the worst status among its key results (§4).
WORST_FIRST = (Status.MISSED, Status.OFF_TRACK, Status.AT_RISK, Status.NO_DATA, Status.ON_TRACK, Status.ACHIEVED)

# How counts and legends list them on the site: from done to not yet known.
DISPLAY_ORDER = (Status.ACHIEVED, Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.MISSED, Status.NO_DATA)

# What an owner may say of a key result in a check-in: its own words, never a computed status.
CONFIDENCES = (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK)


def worst(statuses) -> Status:
    return min(statuses, key=WORST_FIRST.index)
