"""The last few results of a function, found by the identity of what they were made from.

A page is rendered in every language in turn (see render), and the languages
draw the same lines from the same observations: a chart's points, a metric's
CSV. Comparing a few hundred observations to find an earlier result would cost
nearly what it saves, so the result is found by the *identity* of the object it
was made from (a metric's observations, say). The memo keeps that object alive
with its result, so its id cannot pass to another object while the entry lasts.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")


class Recent:
    """The ``size`` most recent results, by (identity of an object, a hashable detail)."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[tuple[int, Hashable], tuple[object, object]] = OrderedDict()

    def get(self, source: object, detail: Hashable, make: Callable[[], T]) -> T:
        """``make()``, or what it returned before for the same ``source`` object and ``detail``."""
        key = (id(source), detail)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is source:
            return entry[1]  # type: ignore[return-value]
        value = make()
        self._entries[key] = (source, value)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return value
