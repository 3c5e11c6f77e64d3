"""The charts and tables put back into the built pages, after the engine (see render.deferred).

Each language's engine builds into a folder of its own beside site/; the blocks are
put back there, before the new site replaces the old one (runner.replace_site), so
a build stopped during this step leaves the old site as it was, and the next build
starts afresh. A placeholder whose block is not in the store stops the build, in
one line naming the page: a site with a missing chart or table is never published.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from site_builder.render.deferred import KEY_LENGTH, MARK, blocks_in, store_of

_PLACEHOLDER = re.compile(re.escape(MARK.encode()) + rb"([0-9a-f]{%d})-->" % KEY_LENGTH)
PAUSE_ENV = "OKR_PORTAL_TEST_PAUSE_FILL"  # tests only: a file to create, then wait, after the first page


class MissingBlock(Exception):
    """A placeholder without its chart or table: the message is one line."""


def fill_sites(config_files: list[Path], failure=MissingBlock) -> int:
    """Put the charts and tables back into each language's built site (its engine config
    names its docs and site folders; the default language's first, the others go under
    /<lang>/). Returns how many pages were filled; raises ``failure``."""
    filled = 0
    for n, config_file in enumerate(config_files):
        config = json.loads(Path(config_file).read_text("utf-8"))
        lang = (config.get("extra") or {}).get("okr_language")
        try:
            filled += fill_site(store_of(config["docs_dir"]), Path(config["site_dir"]),
                                f"{lang}/" if n and lang else "")
        except MissingBlock as exc:
            raise failure(str(exc)) from None
        except OSError as exc:  # a full disk, say: the old site stays as it was
            raise failure(f"could not put the charts and tables back into {config['site_dir']}: {exc.strerror}") from None
    return filled


def fill_site(store: Path, site_dir: Path, prefix: str = "") -> int:
    """Replace every placeholder in the HTML pages under ``site_dir`` with its block from
    ``store``, in place (``prefix``: where that site goes in the whole, for messages).
    Returns how many pages held one."""
    blocks: dict[str, bytes] | None = None  # read at the first page that needs them
    filled = 0
    for folder, _, names in os.walk(site_dir):
        for name in names:
            if not name.endswith(".html"):
                continue
            path = os.path.join(folder, name)
            with open(path, "rb") as file:
                data = file.read()
            if MARK.encode() not in data:
                continue
            if blocks is None:
                blocks = blocks_in(store) if os.path.isdir(store) else {}

            def block(match: re.Match, page=path) -> bytes:
                found = blocks.get(match.group(1).decode())
                if found is None:
                    rel = prefix + Path(page).relative_to(site_dir).as_posix()
                    raise MissingBlock(f"the page {rel} has a placeholder ({match.group(1).decode()}) whose chart or "
                                       f"table is missing from {store}: build again (they are written anew)")
                return found
            data = _PLACEHOLDER.sub(block, data)
            with open(path, "wb") as file:
                file.write(data)
            filled += 1
            if filled == 1 and os.environ.get(PAUSE_ENV):
                Path(os.environ[PAUSE_ENV]).touch()
                time.sleep(60)
    return filled
