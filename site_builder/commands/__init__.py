"""At the side: the okr-portal command and what each subcommand runs (DESIGN.md §6)."""
