"""Stages 1 and 2 together: a portal's files read and validated, every problem in file order.

What validate, status and diff need, without the rest of the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from site_builder.model import Portal
from site_builder.problems import Problem, sorted_problems
from site_builder.source.load import load_portal
from site_builder.source.validate import validate


@dataclass(frozen=True)
class Checked:
    portal: Portal
    problems: list[Problem]  # in file order; empty when the portal is valid


def check(root: Path) -> Checked:
    """load -> validate."""
    loaded = load_portal(Path(root))
    problems = list(loaded.problems) + validate(loaded.portal)
    return Checked(loaded.portal, sorted_problems(problems))
