"""Stage 4 (DESIGN.md §5, §7): the docs tree of the public site, its charts and its open data."""
