"""``okr-portal diff A [B]``: what a change does to the public site, as Markdown.

Three pure steps, one module each: ``read`` loads a git revision's okrs/ into the
model (``load_revision``), ``compare`` finds what a reader of the site would see
change, and ``report`` writes it for a pull-request comment (``render_markdown``);
``command`` joins them. This file imports none of them: a package's __init__ runs
before its modules, and importing them here would make an import circle.
"""
