"""The site engine's process: ``python -m site_builder.engine.run_engine ENGINE ARGS…``.

Runs the engine's own command line (``mkdocs build …``) in this process after
preparing what the engine's plugins cannot be told through mkdocs.yml: the
word dictionary Material's search uses for Traditional Chinese.
"""

from __future__ import annotations

import runpy
import sys

from site_builder.engine.chinese_search import configure_jieba


def main() -> None:
    engine = sys.argv[1]
    sys.argv = [engine, *sys.argv[2:]]
    configure_jieba()
    runpy.run_module(engine, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
