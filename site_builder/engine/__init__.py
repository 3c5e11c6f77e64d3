"""Stage 5 (DESIGN.md §7): the site engine (mkdocs build) run on the generated docs tree."""
