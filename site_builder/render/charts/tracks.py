"""Where a chart's drawn lines pass, as its labels see them: the cells of a grid.

A label checks the few cells under it instead of every point of a long series
(see canvas.Canvas._place).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from itertools import repeat
from operator import floordiv
from typing import Sequence

CELL = 5  # px: the grid in which labels look for lines to avoid


class Track:
    """A drawn line as labels see it: the cells of a CELL-pixel grid it passes through.

    A label checks the few cells under it instead of every point of a long series,
    and the cells are found only where labels look: a block of _BLOCK points at a
    time, each block once."""

    __slots__ = ("xs", "ys", "cells", "_done")

    def __init__(self, xs: Sequence[int], ys: Sequence[int]):
        self.xs, self.ys = xs, ys  # tenths of a pixel, xs in order
        self.cells: set[tuple[int, int]] = set()
        self._done: bytearray | None = bytearray(-(-len(xs) // _BLOCK))
        if len(xs) <= _BLOCK + 1:  # a straight line, or a short series: at once
            self._mark(0, len(xs))
            self._done = None

    def crossed(self, columns: range, cells: list[tuple[int, int]]) -> int:
        """How many of ``cells`` (in ``columns``) the line passes through."""
        if self._done is not None:
            self._look(columns)
        return len(self.cells.intersection(cells))

    def _look(self, columns: range) -> None:
        xs, done = self.xs, self._done
        first = max(0, bisect_left(xs, columns[0] * _TENTHS_A_CELL) - 1)  # the segment entering the first column
        last = min(len(xs) - 1, bisect_left(xs, (columns[-1] + 1) * _TENTHS_A_CELL))  # the end of the one leaving
        for b in range(first // _BLOCK, last // _BLOCK + 1):
            if not done[b]:
                done[b] = 1
                self._mark(b * _BLOCK, b * _BLOCK + _BLOCK + 1)

    def _mark(self, start: int, end: int) -> None:
        xs, ys = self.xs[start:end], self.ys[start:end]
        cells = self.cells
        cells.update(zip(map(floordiv, xs, repeat(_TENTHS_A_CELL)), map(floordiv, ys, repeat(_TENTHS_A_CELL))))
        # A short segment's ends cover it (the common case in a long series); a long one is
        # followed a point every CELL pixels.
        near = 2 * _TENTHS_A_CELL - 1
        for i in [i for i in range(len(xs) - 1) if abs(xs[i + 1] - xs[i]) + abs(ys[i + 1] - ys[i]) >= near]:
            x0, y0, x1, y1 = xs[i] / 10, ys[i] / 10, xs[i + 1] / 10, ys[i + 1] / 10
            if abs(x1 - x0) + abs(y1 - y0) < 2 * CELL:
                continue  # decided on the pixels, as the ends' cells are
            steps = int(math.hypot(x1 - x0, y1 - y0) // 5)
            for k in range(1, steps):
                cells.add((int((x0 + (x1 - x0) * k / steps) // CELL), int((y0 + (y1 - y0) * k / steps) // CELL)))


_BLOCK = 32
_TENTHS_A_CELL = 10 * CELL
