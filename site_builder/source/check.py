"""Stages 1 and 2 together: a portal's files read and validated, every problem in file order.

What validate, status and diff need, without the rest of the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from site_builder.model import Portal
from site_builder.problems import Problem, sorted_problems
from site_builder.source.load import load_portal
from site_builder.source.validate import validate


@dataclass(frozen=True)
class Checked:
    portal: Portal
    problems: list[Problem]  # the errors, in file order; empty when the portal is valid
    # What is worth fixing but stops nothing (Problem.warning), in file order: a valid portal may have some.
    warnings: list[Problem] = field(default_factory=list)


def check(root: Path) -> Checked:
    """load -> validate."""
    loaded = load_portal(Path(root))
    problems = sorted_problems(list(loaded.problems) + validate(loaded.portal))
    return Checked(loaded.portal, [p for p in problems if not p.warning], [p for p in problems if p.warning])
