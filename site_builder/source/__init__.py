"""Stages 1 and 2 (DESIGN.md §7): reading a portal's files into the model, and validating it."""
