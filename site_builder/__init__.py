"""okr-portal: public accountability sites from OKRs kept as YAML and CSV.

The build is a pipeline of small stages over one typed, immutable model
(see DESIGN.md §7)::

    load -> validate -> compute -> render -> engine

``site_builder.commands.build`` strings the stages together; each stage lives in a
module of its own name.
"""

__version__ = "0.1.0"  # the package's version (pyproject.toml reads it from here)
SCHEMA_VERSION = 1
