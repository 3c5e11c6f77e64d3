"""At the side: the revisions of the OKR files, read from git (DESIGN.md §5 "History")."""
