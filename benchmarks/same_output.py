"""Does a change leave every output file as it was? For changes meant to change no behaviour.

    python benchmarks/same_output.py record BEFORE.json   # on the code before the change
    python benchmarks/same_output.py record AFTER.json    # on the code after it
    python benchmarks/same_output.py compare BEFORE.json AFTER.json

``record`` builds two portals with a fixed as-of date and notes the SHA-256 of every
file of their sites and generated docs trees, and what `status --json` and
`validate` print: the demo (this repository, with its git history) in English and
Traditional Chinese, and a synthetic portal of 200 objectives (benchmarks/synth.py)
in two languages. ``compare`` lists every file added, removed or changed; it exits
1 if any was.

Left out, because they differ between two builds of the same code: the gzipped
sitemap (gzip writes the time into it).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

AS_OF = "2026-11-24"
SKIP = {"sitemap.xml.gz"}


def _okr_portal(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "site_builder", "-C", str(root), *args],
                          capture_output=True, text=True, cwd=REPO)


def _hashes(folder: Path, tmp: Path) -> dict[str, str]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name not in SKIP:
            data = path.read_bytes()
            if path.name == "mkdocs.yml":  # the engine config names the temporary folders
                data = data.replace(str(tmp).encode(), b"TMP")
            out[path.relative_to(folder).as_posix()] = hashlib.sha256(data).hexdigest()
    return out


def _record_portal(name: str, root: Path, site: Path, out: dict, tmp: Path) -> None:
    build = _okr_portal(root, "build", "--as-of", AS_OF, "--site-dir", str(site))
    if build.returncode != 0:
        raise SystemExit(f"{name}: build failed:\n{build.stdout}{build.stderr}")
    for rel, digest in _hashes(site, tmp).items():
        out[f"{name}/site/{rel}"] = digest
    for rel, digest in _hashes(root / ".okr-portal", tmp).items():
        if not rel.startswith(("locks/", "serve/")):
            out[f"{name}/work/{rel}"] = digest
    for command in (["status", "--json", "--as-of", AS_OF], ["status", "--as-of", AS_OF], ["validate"]):
        run = _okr_portal(root, *command)
        out[f"{name}/{' '.join(command)}"] = hashlib.sha256((run.stdout + str(run.returncode)).encode()).hexdigest()


def record(path: Path) -> None:
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="same-output-") as tmp:
        tmp = Path(tmp)
        # The demo is this repository's okrs/ with its git history: a clone of HEAD.
        demo = tmp / "demo"
        subprocess.run(["git", "clone", "-q", str(REPO), str(demo)], check=True)
        _record_portal("demo", demo, tmp / "demo-site", out, tmp)
        synthetic = tmp / "synthetic"
        synth.generate(synthetic, objectives=200, key_results=1000, metrics=300, rows=120,
                       languages=("en", "zh-TW"), seed=7)
        _record_portal("synthetic", synthetic, tmp / "synthetic-site", out, tmp)
        shutil.rmtree(demo, ignore_errors=True)
    path.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"{len(out):,} outputs recorded in {path}")


def compare(before: Path, after: Path) -> int:
    a, b = json.loads(before.read_text()), json.loads(after.read_text())
    added = sorted(set(b) - set(a))
    removed = sorted(set(a) - set(b))
    changed = sorted(k for k in set(a) & set(b) if a[k] != b[k])
    for label, names in (("added", added), ("removed", removed), ("changed", changed)):
        for name in names:
            print(f"{label}: {name}")
    print(f"{len(a):,} outputs before, {len(b):,} after: {len(added)} added, {len(removed)} removed, "
          f"{len(changed)} changed")
    return 1 if added or removed or changed else 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "record":
        record(Path(argv[1]))
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        return compare(Path(argv[1]), Path(argv[2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
