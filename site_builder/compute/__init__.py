"""Stage 3 (DESIGN.md §4, §7): progress, expected progress and status from the model."""
