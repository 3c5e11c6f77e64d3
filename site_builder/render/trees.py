"""Trees as nested lists, cut into pages that stay small (DESIGN.md §5: no page grows
with the portal): the unit tree and the alignment tree.

A tree is packed into pages of whole subtrees, in depth-first order. A subtree too
large for any page is opened: its node goes on each page its children fill, as the
ancestor it is (so every page reads as a part of one tree, from the top), and its
children are packed in turn. Every node is shown in full once; an ancestor repeated
on a later page says it continues there.

Packing uses sizes that do not depend on the language (see ``estimate``), so every
language cuts the tree at the same places and a page means the same in each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

PAGE_BUDGET = 60_000  # estimated bytes of a page's tree, well under the 100 KB a page may have


@dataclass(eq=False)
class Node:
    """A node of a tree: ``key`` names it (unique in the tree), ``weight`` is the
    estimated size of its own line."""

    key: str
    weight: int
    children: list["Node"] = field(default_factory=list)
    total: int = 0  # its weight and all its descendants', set by ``weigh``


def weigh(nodes: list[Node]) -> None:
    """Set ``total`` on every node (children first, without recursion: trees may be deep)."""
    order, pending = [], list(nodes)
    while pending:
        node = pending.pop()
        order.append(node)
        pending.extend(node.children)
    for node in reversed(order):
        node.total = node.weight + sum(child.total for child in node.children)


@dataclass(eq=False)
class Placed:
    """A node on a page: in full (``partial`` False: its whole subtree is there), or as
    the ancestor of what the page holds, with the part of its children the page has."""

    node: Node
    children: list["Placed"] = field(default_factory=list)
    partial: bool = False


def pack(roots: list[Node], budget: int | None = None) -> list[list[Placed]]:
    """The pages of the forest ``roots``, each a forest of placed nodes (see module doc)."""
    budget = budget or PAGE_BUDGET
    weigh(roots)
    pages: list[list[Placed]] = [[]]
    used = 0
    # Depth-first, without recursion: (the ancestors a node sits under, the node)
    pending: list[tuple[tuple[Node, ...], Node]] = [((), node) for node in reversed(roots)]
    while pending:
        context, node = pending.pop()
        if node.total > budget and node.children:
            pending.extend((context + (node,), child) for child in reversed(node.children))
            continue
        if used and used + node.total + sum(n.weight for n in context) > budget:
            pages.append([])
            used = 0
        level = pages[-1]
        for ancestor in context:
            if not (level and level[-1].node is ancestor):
                level.append(Placed(ancestor, partial=True))
                used += ancestor.weight
            level = level[-1].children
        level.append(_whole(node))
        used += node.total
    return pages


def _whole(node: Node) -> Placed:
    placed = Placed(node)
    pending = [placed]
    while pending:
        current = pending.pop()
        current.children = [Placed(child) for child in current.node.children]
        pending.extend(current.children)
    return placed


def first_pages(pages: list[list[Placed]]) -> dict[str, int]:
    """The page (from 1) where each node is first shown, by key."""
    out: dict[str, int] = {}
    for number, forest in enumerate(pages, 1):
        for placed in walk(forest):
            out.setdefault(placed.node.key, number)
    return out


def walk(forest: list[Placed]):
    """Every placed node of a page, depth first."""
    pending = list(reversed(forest))
    while pending:
        placed = pending.pop()
        yield placed
        pending.extend(reversed(placed.children))


def new_on_page(forest: list[Placed], first_page: dict[str, int], number: int) -> list[Placed]:
    """The top-most nodes page ``number`` shows for the first time (below the ancestors it
    repeats from earlier pages): what the page holds."""
    out, pending = [], list(reversed(forest))
    while pending:
        placed = pending.pop()
        if placed.partial and first_page.get(placed.node.key) != number:
            pending.extend(reversed(placed.children))
        else:
            out.append(placed)
    return out


def nested_list(forest: list[Placed], line, css: str, label: str) -> Markup:
    """The page's tree as nested lists: ``line(placed)`` is each node's own markup (safe
    HTML), ``label`` names the list for assistive technology."""
    # Out of the search index: each node's own page is in it (and the tree would repeat them).
    parts = [Markup('<div data-search-exclude><ul class="{0}" aria-label="{1}">\n').format(css, label)]
    # (placed, whether its children are open): close a node's list after its children
    pending: list[tuple[Placed, bool]] = [(placed, False) for placed in reversed(forest)]
    while pending:
        placed, opened = pending.pop()
        if opened:
            parts.append(Markup("</ul></li>\n"))
            continue
        if not placed.children:
            parts.append(Markup("<li>{0}</li>\n").format(line(placed)))
            continue
        parts.append(Markup("<li>{0}\n<ul>\n").format(line(placed)))
        pending.append((placed, True))
        pending.extend((child, False) for child in reversed(placed.children))
    parts.append(Markup("</ul></div>"))
    return Markup("").join(parts)


def estimate(*texts: str, fixed: int) -> int:
    """A line's size: ``fixed`` bytes of markup and the UTF-8 length of its texts."""
    return fixed + sum(len(text.encode("utf-8")) for text in texts)
