"""okr-portal benchmarks: `make bench`, or `python benchmarks/bench.py [--only NAME]`.

Generates a synthetic portal (benchmarks/synth.py: 200 objectives, 1,000 key
results, 1,000 metrics x 500 daily rows) into a temporary directory and prints
one figure per line. Each benchmark is a function registered in BENCHMARKS;
select them with --only NAME (validate, site, history, fetch, scale, org, groups, derived, aggregate, preview).

Target (benchmarks/README.md): validating that portal takes well under 2 s.
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
import io
import os
import random
import shutil
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# Run from a checkout without installing: the package and synth.py import from here.
for path in (str(REPO), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

import synth  # noqa: E402

SIZE = dict(objectives=200, key_results=1000, metrics=1000, rows=500)


class Failed(Exception):
    """A benchmark could not produce a meaningful figure (message says why)."""


class Portal:
    """The synthetic portal, generated once on first use and shared by all benchmarks."""

    def __init__(self, workdir: Path, size: dict, seed: int) -> None:
        self.workdir = workdir
        self.size = size
        self.seed = seed
        self._root: Path | None = None

    @property
    def root(self) -> Path:
        if self._root is None:
            root = self.workdir / "portal"
            started = time.perf_counter()
            counts = synth.generate(root, seed=self.seed, **self.size)
            elapsed = time.perf_counter() - started
            print(
                f"generate: {counts['files']} files, {counts['observations']:,} observations "
                f"in {root}: {elapsed:.2f} s",
                flush=True,
            )
            self._root = root
        return self._root

    @property
    def label(self) -> str:
        s = self.size
        return f"{s['key_results']} key results, {s['metrics']} metrics x {s['rows']} rows"


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    """The fastest of `repeat` wall-clock timings of fn(), and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def run_cli(root: Path, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    """`python -m site_builder -C root ARGS...`, end to end (interpreter start included)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "site_builder", "-C", str(root), *args],
        capture_output=True,
        text=True,
        env=env,
    )
    return time.perf_counter() - started, proc


def _fail_on_problems(problems: list, what: str) -> None:
    if problems:
        lines = [f"{what}: the synthetic portal has {len(problems)} problem(s); first 10:"]
        lines += [f"  {p}" for p in list(problems)[:10]]
        raise Failed("\n".join(lines))


def _stage_timings(root: Path, repeat: int) -> str:
    """' (load X s, validate Y s)', each best of `repeat`, or '' if the stages are not reachable.

    Uses site_builder.source.load.load_portal(root) -> Loaded(.portal, .problems) and
    site_builder.source.validate.validate(portal) -> list of problems, the two halves of
    pipeline.check(); if their interface changes, the split is left out.
    """
    try:
        from site_builder.source.load import load_portal
        from site_builder.source.validate import validate
    except ImportError:
        return ""
    try:
        t_load, loaded = best_of(repeat, lambda: load_portal(Path(root)))
        portal = loaded.portal
        t_validate, _ = best_of(repeat, lambda: validate(portal))
    except (AttributeError, TypeError):
        return ""
    return f" (load {t_load:.2f} s, validate {t_validate:.2f} s)"


# --- benchmarks ---------------------------------------------------------------


def bench_validate(portal: Portal, repeat: int) -> None:
    """Load + validate in process (best of `repeat`), then the CLI once, end to end."""
    try:
        from site_builder.source.check import check
    except Exception as exc:  # a missing or broken package: report it, no traceback
        raise Failed(f"validate: cannot import site_builder.source.check.check ({type(exc).__name__}: {exc})") from None

    root = portal.root
    elapsed, result = best_of(repeat, lambda: check(Path(root)))
    _fail_on_problems(result.problems, "validate")
    print(f"validate: {portal.label}: {elapsed:.2f} s{_stage_timings(root, repeat)}", flush=True)

    elapsed, proc = run_cli(root, "validate")
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr).strip().splitlines()
        raise Failed(
            f"validate (CLI): exit {proc.returncode}; first lines of output:\n"
            + "\n".join(f"  {line}" for line in output[:10])
        )
    print(f"validate (CLI, end to end): {elapsed:.2f} s", flush=True)


def bench_site(portal: Portal, repeat: int) -> None:
    """okr-portal build once: generator time against engine time, and page sizes.

    Targets (issue 3): the generator costs under 15% of the engine's time, and
    no page grows with the number of objectives (every page under 100 KB).
    """
    from datetime import date

    from site_builder.commands.build import BuildFailed, build

    root = portal.root
    try:
        built = build(root, date(2026, 9, 30))
    except BuildFailed as exc:
        _fail_on_problems(exc.problems, "site")
        raise Failed(f"site: {exc}") from None
    share = built.generate_seconds / built.engine_seconds
    parts = ", ".join(f"{name} {seconds:.2f}" for name, seconds in (built.generate_parts or {}).items())
    # The PDF reports of ended periods (only with WeasyPrint installed, and made once while their
    # content is unchanged) are a product of their own: the share is shown without them too.
    reports = (built.generate_parts or {}).get("reports", 0.0)
    pages_only = (built.generate_seconds - reports) / built.engine_seconds
    print(f"site: {portal.label}, {built.pages} pages: generate {built.generate_seconds:.2f} s ({parts}), "
          f"engine {built.engine_seconds:.2f} s (generator = {share:.0%} of engine, {pages_only:.0%} without the "
          f"{reports:.2f} s of PDF reports; target < 15%)", flush=True)
    print(f"site: {_page_sizes(built.site_dir)}", flush=True)


def _page_sizes(site_dir: Path) -> str:
    """'largest page X KB (path; target < 100 KB), total site Y MB' for a built site."""
    pages = [p for p in site_dir.rglob("*.html")]
    largest = max(pages, key=lambda p: p.stat().st_size)
    total = sum(p.stat().st_size for p in site_dir.rglob("*") if p.is_file())
    return (f"largest page {largest.stat().st_size / 1024:.1f} KB ({largest.relative_to(site_dir)}; "
            f"target < 100 KB), total site {total / 1024 / 1024:.1f} MB, {len(pages):,} pages")


def bench_history(portal: Portal, repeat: int) -> None:
    """read_history on 500 commits touching 200 objective files: one pass over the log."""
    from site_builder.history.revisions import read_history

    root = portal.workdir / "history"
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    stream = io.BytesIO()
    rng = random.Random(1)
    files, commits = 200, 500
    targets = {f: [rng.randint(10, 90) for _ in range(5)] for f in range(files)}

    def objective(f: int) -> bytes:
        krs = "".join(
            f"  - id: kr-{k}\n    title: Key result {k}\n    metric: m-{f:03d}-{k}\n"
            f"    baseline: {{date: 2025-10-01, value: 100}}\n    target: {{value: {targets[f][k]}}}\n"
            for k in range(5))
        return (f"id: o-{f:03d}\nperiod: fy2026\ntitle: Objective {f}\nowner: Team {f % 17}\n"
                f"key_results:\n{krs}").encode()

    def blob(path: str, data: bytes) -> bytes:
        return f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n"

    for n in range(commits):
        when = 1735700000 + n * 3600
        if n == 0:
            changed = range(files)
            message = b"Publish the objectives"
        else:
            changed = rng.sample(range(files), 3)
            for f in changed:
                targets[f][rng.randrange(5)] += rng.choice((-2, -1, 1, 2))
            message = f"Adjust targets (#{n})".encode()
        stream.write(f"commit refs/heads/main\ncommitter Staff <staff@example.org> {when} +0000\n"
                     f"data {len(message)}\n".encode() + message + b"\n")
        for f in changed:
            stream.write(blob(f"okrs/objectives/o-{f:03d}.yml", objective(f)))
        stream.write(b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=stream.getvalue(), check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=root, check=True)
    elapsed, history = best_of(repeat, lambda: read_history(root))
    if not history.available:
        raise Failed(f"history: unavailable ({history.reason})")
    print(f"history: {commits} commits touching {files} objective files: {elapsed:.2f} s "
          f"({len(history.changes)} changes found)", flush=True)


def bench_fetch(portal: Portal, repeat: int) -> None:
    """okr-portal fetch of 500 metrics: csv feeds from a local HTTP server, then sql
    feeds from one SQLite file. Each source returns the whole series (500 daily
    rows); the portal's CSVs lack the last 7 days and have one value revised, so
    the first fetch adds and revises in every file and the next changes no byte.
    Both run in process (run_fetch: load the portal, fetch CONCURRENCY at once, write)."""
    import http.server
    import sqlite3
    import threading

    from site_builder.feeds.run import run_fetch

    metrics, rows, new_days = 500, 500, 7
    root = portal.workdir / "fetch"
    synth.generate(root, objectives=100, key_results=500, metrics=metrics, rows=rows, seed=portal.seed)
    metrics_dir = root / "okrs" / "metrics"
    source = portal.workdir / "fetch-source"
    source.mkdir()
    ids = sorted(p.stem for p in metrics_dir.glob("*.csv"))
    originals: dict[str, bytes] = {}
    series: dict[str, list[tuple[str, str]]] = {}
    for mid in ids:
        lines = (metrics_dir / f"{mid}.csv").read_text(encoding="utf-8").splitlines()
        pairs = [tuple(line.split(",")[:2]) for line in lines[1:]]
        series[mid] = pairs
        (source / f"{mid}.csv").write_text("date,value\n" + "".join(f"{d},{v}\n" for d, v in pairs), encoding="utf-8")
        kept = lines[:-new_days]
        day, value, note = kept[-20].split(",", 2)
        if value:
            kept[-20] = f"{day},{float(value) + 1:g},{note}"
        originals[mid] = ("\n".join(kept) + "\n").encode("utf-8")

    def reset(feed_of: Callable[[str], str]) -> None:
        for mid in ids:
            meta = metrics_dir / f"{mid}.yml"
            text = meta.read_text(encoding="utf-8").split("feed: ")[0]
            meta.write_text(text + f"feed: {feed_of(mid)}\n", encoding="utf-8")
            (metrics_dir / f"{mid}.csv").write_bytes(originals[mid])

    def fetch_twice(what: str) -> None:
        out, err = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        code = run_fetch(root, [], False, out, err)
        first = time.perf_counter() - started
        lines = out.getvalue().splitlines()
        if code != 0 or len(lines) != metrics or any("added" not in line for line in lines):
            raise Failed(f"fetch ({what}): exit {code}; first lines of output:\n"
                         + "\n".join(f"  {line}" for line in (lines + err.getvalue().splitlines())[:10]))
        added = sum(int(line.split(": ", 1)[1].split(" added")[0]) for line in lines)
        revised = sum(" revised " in line for line in lines)

        def again() -> list[str]:
            out = io.StringIO()
            code = run_fetch(root, [], False, out, io.StringIO())
            return [code] + out.getvalue().splitlines()

        elapsed, result = best_of(repeat, again)
        if result[0] != 0 or any(not line.endswith(": unchanged") for line in result[1:]):
            raise Failed(f"fetch ({what}): a second fetch changed something: {result[:5]}")
        print(f"fetch: {metrics} {what} x {rows} rows: {first:.2f} s ({added:,} added, {revised} metrics revised); "
              f"again with nothing new {elapsed:.2f} s", flush=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: Quiet(*a, directory=str(source)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        reset(lambda mid: f"{{type: csv, url: \"{base}/{mid}.csv\"}}")
        fetch_twice("csv feeds from a local HTTP server")
    finally:
        server.shutdown()
        server.server_close()

    database = portal.workdir / "fetch-source.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE observations (metric TEXT, day TEXT, n REAL, PRIMARY KEY (metric, day))")
        db.executemany("INSERT INTO observations VALUES (?, ?, ?)",
                       ((mid, d, float(v) if v else None) for mid in ids for d, v in series[mid]))
    db.close()
    os.environ["OKR_BENCH_DB_URL"] = f"sqlite:///{database}"
    reset(lambda mid: "{type: sql, connection_env: OKR_BENCH_DB_URL, date: day, value: n, "
                      f"query: \"SELECT day, n FROM observations WHERE metric = '{mid}'\"}}")
    fetch_twice("sql feeds from one SQLite file")


SCALE_STEPS = (250, 500, 1000)  # objectives; 5 key results each, two languages (issue 6)


def _proc_table() -> dict[int, tuple[int, int]]:
    """Every process: its parent's pid and its resident memory in bytes (Linux /proc)."""
    page = os.sysconf("SC_PAGE_SIZE")
    table: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            table[int(entry.name)] = (int(fields[1]), int(fields[21]) * page)
        except (OSError, ValueError, IndexError):
            continue
    return table


def _tree_pids(pid: int, table: dict[int, tuple[int, int]] | None = None) -> set[int]:
    """A process and all its descendants."""
    table = _proc_table() if table is None else table
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, (ppid, _) in table.items() if ppid == parent and child not in tree]
        tree.update(children)
        frontier.extend(children)
    return tree


def _tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    table = _proc_table()
    return sum(table[p][1] for p in _tree_pids(pid, table) if p in table)


def _build_measured(root: Path, what: str = "scale") -> tuple[float, float, float, int, str]:
    """okr-portal build as a user runs it: wall time, generate and engine seconds, peak memory."""
    import re
    import threading

    env = {**os.environ, "CI": "true"}  # no progress line in the figures
    command = [sys.executable, "-m", "site_builder", "-C", str(root), "build", "--as-of", "2026-09-30"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            peak[0] = max(peak[0], _tree_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = process.communicate()[0]
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise Failed(f"{what}: build failed:\n{output[-2000:]}")
    found = re.search(r"generate ([\d.]+) s, engine ([\d.]+) s", output)
    if not found:
        raise Failed(f"{what}: unexpected build output:\n{output[-500:]}")
    return wall, float(found.group(1)), float(found.group(2)), peak[0], output.strip().splitlines()[-1]


def _search_dictionary(workdir: Path, what: str = "scale") -> None:
    """The Chinese search dictionary is made once per machine (see chinese_search): made here,
    and said, so that the builds below are a machine's usual builds."""
    from site_builder.engine.chinese_search import cache_folders, traditional_dictionary

    folders = cache_folders(workdir / "work")
    there = any(any(folder.glob("jieba-*-zh-hant.txt")) for folder in folders if folder.is_dir())
    started = time.perf_counter()
    found = traditional_dictionary(*folders)
    seconds = time.perf_counter() - started
    if found is None:
        print(f"{what}: no Chinese search dictionary (jieba or OpenCC missing, or no room to keep it)", flush=True)
    elif not there:
        print(f"{what}: made the Traditional Chinese search dictionary in {seconds:.1f} s, once for this machine "
              f"({found}); a build that must make it spends that much more", flush=True)
    else:
        print(f"{what}: the Traditional Chinese search dictionary was already made on this machine ({found})",
              flush=True)


def _median_build(root: Path, repeat: int, what: str = "scale") -> tuple[float, int, str]:
    """Build ``root`` ``repeat`` times, each as the portal's first build (its work folder and
    site gone): the median build by the generator's share. Returns its wall time, the peak
    memory of all builds, and the figures as one phrase."""
    runs = []
    for _ in range(repeat):
        for leftover in (root / ".okr-portal", root / "site"):
            shutil.rmtree(leftover, ignore_errors=True)
        runs.append(_build_measured(root, what))
    runs.sort(key=lambda run: run[1] / run[2])  # by the generator's share
    wall, generate, engine, _, _summary = runs[len(runs) // 2]
    peak = max(run[3] for run in runs)
    shares = ", ".join(f"{run[1] / run[2]:.1%}" for run in runs)
    return wall, peak, (f"build {wall:.1f} s (generate {generate:.2f} s, engine {engine:.1f} s; "
                        f"generator = {generate / engine:.1%} of engine, target < 15%; median of {len(runs)} builds: "
                        f"{shares}), peak memory {peak / 2**20:.0f} MB")


def bench_scale(portal: Portal, repeat: int) -> None:
    """Issue 6: 250, 500 and 1,000 objectives (5 key results each) in English and Chinese.

    Prints build time, generator share and peak memory (the whole process tree,
    engines included) per size, and how time and memory grow from step to step:
    linear growth doubles them when the portal doubles. Each size is built --repeat
    times, each time as a first build; the build with the median share is shown.
    """
    rows = []
    _search_dictionary(portal.workdir)
    for objectives in SCALE_STEPS:
        root = portal.workdir / f"scale-{objectives}"
        if not root.exists():
            synth.generate(root, objectives=objectives, key_results=5 * objectives, metrics=objectives, rows=500,
                           languages=("en", "zh-TW"), seed=portal.seed)
        wall, peak, figures = _median_build(root, repeat)
        rows.append((objectives, wall, peak))
        print(f"scale: {objectives} objectives, {5 * objectives} key results, {objectives} metrics x 500 rows, "
              f"en + zh-TW: {figures}", flush=True)
    for (n0, t0, m0), (n1, t1, m1) in zip(rows, rows[1:]):
        print(f"scale: {n0} -> {n1} objectives (x{n1 / n0:.1f}): time x{t1 / t0:.2f}, memory x{m1 / m0:.2f} "
              f"(linear: x{n1 / n0:.1f} or less)", flush=True)


# Issue 13: an organization of 500 units four levels deep, 2,000 objectives aligned level to level.
ORG = dict(units=500, levels=4, objectives=2000, key_results=8000, metrics=2000, rows=500)


def bench_org(portal: Portal, repeat: int) -> None:
    """Issue 13: okr-portal build of an organization (benchmarks/synth.py --units): 500 units
    in four levels, 2,000 objectives spread over them (8,000 key results, a rollup in every
    objective that something aligns to), each below the top aligned to an objective of its
    unit's parent unit, in English and Chinese. The same measures as ``scale`` (build time,
    generator share, peak memory of the whole process tree, the median of --repeat first
    builds), then the largest page and the site's size from the last build.
    """
    _search_dictionary(portal.workdir, "org")
    root = portal.workdir / "org"
    if not root.exists():
        counts = synth.generate(root, languages=("en", "zh-TW"), seed=portal.seed, **ORG)
        checked = _check(root)
        _fail_on_problems(checked, "org")
        print(f"org: generated {counts['units']} units ({' + '.join(map(str, counts['units_by_level']))} by level), "
              f"{counts['objectives']} objectives ({counts['aligned']} aligned, {counts['aligned_to_key_results']} "
              f"of them to a rollup key result), {counts['key_results']} key results "
              f"({counts['key_results_by_type']['rollup']} rollups)", flush=True)
    _, _, figures = _median_build(root, repeat, "org")
    print(f"org: {ORG['units']} units, {ORG['levels']} levels, {ORG['objectives']} objectives, "
          f"{ORG['key_results']} key results, {ORG['metrics']} metrics x {ORG['rows']} rows, en + zh-TW: {figures}",
          flush=True)
    print(f"org: {_page_sizes(root / 'site')}", flush=True)


def _group_portal(root: Path, rows: int, metrics: int = 50, codes: int = 20) -> None:
    """A schema 2 portal whose metrics are broken down by a dimension of ``codes`` codes: ``rows``
    group rows in all (a headline row beside each date's group rows), flags on a few."""
    (root / "okrs/metrics").mkdir(parents=True)
    (root / "okrs/objectives").mkdir()
    (root / "okrs/portal.yml").write_text(
        "schema: 2\ntitle: Groups\norganization: Bench\nperiods:\n"
        "  - {id: p, title: P, start: 2000-01-01, end: 2099-12-31}\n", encoding="utf-8")
    (root / "okrs/objectives/o.yml").write_text(
        "id: o\nperiod: p\ntitle: O\nowner: X\nkey_results:\n"
        "  - {id: k, title: K, metric: m0, breakdown: {place: c1}, baseline: {date: 2000-01-01, value: 1},"
        " target: {date: 2099-01-01, value: 2}}\n", encoding="utf-8")
    values = "".join(f"      c{c}: Place {c}\n" for c in range(codes))
    per_metric = rows // metrics
    dates = per_metric // codes
    for m in range(metrics):
        (root / f"okrs/metrics/m{m}.yml").write_text(
            f"title: M{m}\nfrequency: daily\ndimensions:\n  place:\n    title: Place\n    values:\n{values}",
            encoding="utf-8")
        lines = ["date,place,value,flag,note"]
        day = date(2000, 1, 1)
        for d in range(dates):
            iso = (day + timedelta(days=d)).isoformat()
            lines.append(f"{iso},,{d % 97}.5,,")
            lines += [f"{iso},c{c},{(d + c) % 89},{'estimate' if (d + c) % 50 == 0 else ''}," for c in range(codes)]
        (root / f"okrs/metrics/m{m}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def bench_groups(portal: Portal, repeat: int) -> None:
    """Issue 14: loading and validating a portal of metrics broken down by place (50 metrics, a
    dimension of 20 codes, flags on 2% of rows) at 25,000 to 200,000 group rows: the time per row
    stays flat when loading is linear."""
    from site_builder.source.check import check

    for rows in (25_000, 50_000, 100_000, 200_000):
        root = portal.workdir / f"groups-{rows}"
        if not root.exists():
            _group_portal(root, rows)
        seconds, checked = best_of(repeat, lambda: check(root))
        _fail_on_problems(checked.problems, f"groups-{rows}")
        read = sum(sum(len(g) for g in m.groups.values()) for m in checked.portal.metrics.values())
        print(f"groups: {read:,} group rows (+ {sum(len(m.observations) for m in checked.portal.metrics.values()):,} "
              f"headline) loaded and validated in {seconds:.2f} s: {seconds / read * 1e6:.1f} µs per group row",
              flush=True)


def bench_derived(portal: Portal, repeat: int) -> None:
    """Issue 14: derived metrics (compute.derived.with_derived) over 1,000 input series of 500 rows:
    1,000 formulas (ratios, differences, rolling means, nested), evaluated with pandas."""
    import bench_derived as derived

    figures = derived.run(repeat=repeat)
    print(f"derived: {figures['derived']:,} derived metrics over {figures['derived']:,} series of {figures['rows']} "
          f"rows: {figures['seconds']:.2f} s, {figures['derived_rows']:,} rows computed "
          f"({figures['rows_per_second']:,.0f} rows/s)", flush=True)


def bench_aggregate(portal: Portal, repeat: int) -> None:
    """Issue 14: a feed's `aggregate` (pandas) rolling a 1,000,000-row daily feed of 20 codes
    into monthly groups: benchmarks/bench_aggregate.py, which prints its own figures."""
    import bench_aggregate as aggregate

    saved = sys.argv
    sys.argv = ["bench_aggregate.py", "--repeat", str(repeat)]
    try:
        if aggregate.main() != 0:
            raise Failed("aggregate: the benchmark's own check of a hand-computed mean failed")
    finally:
        sys.argv = saved


def bench_preview(portal: Portal, repeat: int) -> None:
    """Issue 17: per size (--sizes, default 250,1000 objectives, two languages) a build against the
    engine's floor for the same pages, and the live preview's latency against a real
    `okr-portal serve` (benchmarks/bench_preview.py, which prints its own figures)."""
    import bench_preview

    bench_preview.run(portal.workdir, getattr(portal, "sizes", None) or bench_preview.SIZES, repeat=repeat)


def _check(root: Path) -> list:
    """The problems of the portal at ``root`` (load + validate)."""
    from site_builder.source.check import check

    return list(check(root).problems)


# Name -> function(portal, repeat).
BENCHMARKS: dict[str, Callable[[Portal, int], None]] = {
    "validate": bench_validate,
    "site": bench_site,
    "history": bench_history,
    "fetch": bench_fetch,
    "scale": bench_scale,
    "org": bench_org,
    "groups": bench_groups,
    "derived": bench_derived,
    "aggregate": bench_aggregate,
    "preview": bench_preview,
}


def header() -> str:
    impl = platform.python_implementation()
    return (
        f"okr-portal benchmarks: {impl} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only these benchmarks (repeatable or comma-separated): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measure; the best counts, or for scale the median build (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="synthetic portal seed (default 1)")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="generate the portal into DIR and keep it (default: a temporary directory)"
    )
    parser.add_argument("--sizes", metavar="N,N", help="objectives of the preview benchmark's portals (default 250,1000)")
    args = parser.parse_args(argv)

    names = list(BENCHMARKS)
    if args.only:
        names = [n.strip() for item in args.only for n in item.split(",") if n.strip()]
        unknown = [n for n in names if n not in BENCHMARKS]
        if unknown:
            parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.keep and (args.keep / "portal").exists():
        parser.error(f"{args.keep / 'portal'} already exists; remove it or choose another --keep DIR")

    print(header(), flush=True)
    with tempfile.TemporaryDirectory(prefix="okr-bench-") as tmp:
        workdir = args.keep if args.keep else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        portal = Portal(workdir, SIZE, args.seed)
        if args.sizes:
            import bench_preview

            portal.sizes = bench_preview.sizes_option(args.sizes)
        for name in names:
            try:
                BENCHMARKS[name](portal, args.repeat)
            except Failed as exc:
                print(exc, file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
