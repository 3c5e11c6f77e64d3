"""At the side: pulling metric feeds into okrs/metrics/*.csv (DESIGN.md §3 "Feeds")."""
