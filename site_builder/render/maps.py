"""[2] A metric's map on its page (DESIGN.md §5): a choropleth of the latest value per code."""

from __future__ import annotations


def map_section(metric, geo, ctx) -> str:
    """The map of ``metric`` drawn with ``geo`` (a GeoFile), as an HTML fragment; "" without one."""
    return ""
