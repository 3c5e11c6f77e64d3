"""The live preview's theme templates compiled once, as a MkDocs hook.

``mkdocs serve`` loads its config again for every rebuild, and with it a new template
environment, which compiles every theme template again: about 0.8 s of CPU a rebuild,
when a dirty rebuild of one page is otherwise about as much. Here the environment is
given a bytecode cache kept in this module (MkDocs loads a hook module once, so it lives
as long as the engine's process); Jinja checks each template's source against it, so an
edited theme template is compiled again. commands/preview_engine names this hook in the
preview's engine config. Listed in speed.py.
"""

from __future__ import annotations

from jinja2 import BytecodeCache


class _Compiled(BytecodeCache):
    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _Compiled()


def on_env(env, config, files):
    env.bytecode_cache = _COMPILED
    return env
