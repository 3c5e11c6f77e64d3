"""Stage 2, [2] derived metrics: each formula reads, names existing metrics, and never comes back
to its own metric, directly or through other derived metrics (DESIGN.md §3). The keys a derived
metric cannot have (a CSV, a feed) are checked by the loader and ``statistics_rules``."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Iterator, Mapping

from site_builder.model import Dimension, Metric, Portal
from site_builder.problems import Loc, Problem, did_you_mean, excerpt
from site_builder.source.formula import Expr, FormulaError, ID_RE, names, parse, references


def formula_problems(portal: Portal) -> list[Problem]:
    problems: list[Problem] = []
    inputs: dict[str, set[str]] = {}  # derived metric -> the derived metrics it is computed from
    for metric in portal.metrics.values():
        if not metric.derived:
            continue
        loc = formula_loc(metric)
        try:
            named = references(parse(metric.formula))
        except FormulaError as error:
            problems.append(Problem(loc, f"formula of metric '{metric.id}': {error.message} "
                                         f"(at character {error.position + 1})"))
            continue
        problems += _inputs(metric, named, portal.metrics, loc)
        inputs[metric.id] = {m for m in named if m != metric.id and m in portal.metrics
                             and portal.metrics[m].derived}
    for cycle in cycles(inputs):
        shown = " → ".join(cycle + [cycle[0]])
        problems.append(Problem(formula_loc(portal.metrics[cycle[0]]),
                                f"formula of metric '{cycle[0]}': metrics {shown} are computed from each other "
                                "in a circle; compute one of them from other metrics"))
    return problems


def formula_loc(metric: Metric) -> Loc:
    return metric.locs.get("formula", metric.loc)


def _inputs(metric: Metric, named: set[str], metrics: Mapping[str, Metric], loc: Loc) -> Iterator[Problem]:
    if not named:
        yield Problem(loc, f"formula of metric '{metric.id}' names no metric: a derived metric is computed "
                           "from other metrics, e.g. 100 * visits / patients")
    if metric.id in named:
        yield Problem(loc, f"formula of metric '{metric.id}' names the metric itself: compute it from "
                           "other metrics only")
    for name in sorted(named - set(metrics) - {metric.id}):
        hint = _hyphen_hint(name, metrics) or did_you_mean(name, metrics)
        yield Problem(loc, f"formula of metric '{metric.id}': there is no metric '{excerpt(name)}'{hint}")


def _hyphen_hint(name: str, metrics: Mapping[str, Metric]) -> str:
    """When 'a-b' is meant as a minus b: say that subtraction is written with spaces."""
    pieces = name.split("-")
    if len(pieces) < 2:
        return ""
    for cut in range(1, len(pieces)):
        left, right = "-".join(pieces[:cut]), "-".join(pieces[cut:])
        if all(part in metrics or part.isdigit() for part in (left, right)) and ID_RE.fullmatch(left):
            return f"; to subtract, put spaces around the minus: {excerpt(left)} - {excerpt(right)}"
    return ""


def cycles(inputs: Mapping[str, set[str]]) -> list[list[str]]:
    """Each circle of metrics computed from each other, once: its members from the smallest id, in
    formula order (the strongly connected components of ``inputs``, found without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    for start in sorted(inputs):
        if start in index:
            continue
        work = [(start, iter(sorted(inputs.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            nxt = next(successors, None)
            if nxt is not None:
                if nxt not in inputs:
                    continue
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(inputs.get(nxt, ())))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    return sorted((_circle(component, inputs) for component in components), key=lambda c: c[0])


def _circle(component: set[str], inputs: Mapping[str, set[str]]) -> list[str]:
    """A shortest circle through the component's smallest id (breadth first, inside the component)."""
    start = min(component)
    came_from: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for nxt in sorted(inputs[node] & component):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return path[::-1]
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    return sorted(component)  # not reached: a component of two or more always has a circle


# --- what can be computed, and with which dimensions (for compute.derived and the rules of breakdowns) ---


def computable(metrics: Mapping[str, Metric]) -> dict[str, Expr]:
    """The derived metrics that can be computed, with their formula's tree, each after the derived
    metrics it names: not those whose formula does not read, names an unknown metric, or is in a
    circle or rests on one (in a valid portal, every derived metric)."""
    trees: dict[str, Expr] = {}
    for metric in metrics.values():
        if metric.derived:
            try:
                trees[metric.id] = parse(metric.formula)
            except FormulaError:
                continue
    needs: dict[str, set[str]] = {}
    for metric_id, tree in trees.items():
        named = names(tree)
        if all(m in metrics for m in named):
            needs[metric_id] = {m for m in named if metrics[m].derived}
    waiting = {m: len(n) for m, n in needs.items()}  # how many of its derived inputs are still to come
    needed_by: dict[str, list[str]] = {}
    for metric_id, named in needs.items():
        for input_id in named:
            needed_by.setdefault(input_id, []).append(metric_id)
    order = sorted(m for m, n in waiting.items() if n == 0)
    for metric_id in order:  # grows as it goes; what is never reached is in a circle, or rests on one
        for later in sorted(needed_by.get(metric_id, ())):
            waiting[later] -= 1
            if waiting[later] == 0:
                order.append(later)
    return {m: trees[m] for m in order}


def shared_dimensions(inputs: Iterable[Metric]) -> tuple[Dimension, ...]:
    """The dimensions every input declares, with the codes they all declare: titles, labels and
    order from the first input (DESIGN.md §4: the derived metric has them too)."""
    inputs = list(inputs)
    if not inputs:
        return ()
    first, others = inputs[0], inputs[1:]
    out = []
    for dimension in first.dimensions:
        theirs = [m.dimension(dimension.id) for m in others]
        if any(d is None for d in theirs):
            continue
        codes = set(dimension.codes).intersection(*(d.codes for d in theirs))
        out.append(replace(dimension, values=tuple((c, label) for c, label in dimension.values if c in codes),
                           locs={c: loc for c, loc in dimension.locs.items() if c in codes}))
    return tuple(out)


def derived_dimensions(metrics: Mapping[str, Metric]) -> dict[str, tuple[Dimension, ...]]:
    """The dimensions each computable derived metric has once computed: those its file declares,
    else those shared by the metrics its formula names (a derived input's own taken the same way).
    What compute.derived gives each; for checking a key result's breakdown of a derived metric."""
    out: dict[str, tuple[Dimension, ...]] = {}
    for metric_id, tree in computable(metrics).items():
        inputs = [replace(metrics[m], dimensions=out[m]) if m in out else metrics[m] for m in names(tree)]
        out[metric_id] = metrics[metric_id].dimensions or shared_dimensions(inputs)
    return out
