"""Issue 17: a build against the engine's floor, and the live preview's latency.

`python benchmarks/bench.py --only preview [--sizes 250,1000]`, or on its own:
`python benchmarks/bench_preview.py [--sizes 50] [--edits 5] [--repeat 1] [--keep DIR]`.

Per size (N objectives, 5 key results each, N metrics x 500 rows, en + zh-TW, as `scale`):

- build: `okr-portal build` as a user runs it (the CLI, CI=true, a first build): wall time,
  CPU time of the whole process tree (its workers and engines, from the kernel's rusage of
  reaped children), and peak memory (the tree's RSS, sampled as `scale` does);
- floor: the engine (mkdocs + Material, the same generated config: theme, plugins,
  languages, navigation) building the same pages as one-paragraph pages with search,
  both languages at once as the build runs them, measured in the same run; and the ratio;
- preview: a real `okr-portal serve` started on a free port; once it serves the last
  objective's page, a check-in is appended to that objective's file and the page is
  fetched over HTTP until the new text is there: the time from the saved edit to the page
  served, and the CPU the serve process tree spent on it (from /proc). Several edits, the
  median shown with every one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for path in (str(REPO), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

import synth  # noqa: E402
from bench import Failed, _search_dictionary, _tree_pids, _tree_rss  # noqa: E402

SIZES = (250, 1000)
AS_OF = "2026-09-30"
EDIT_TIMEOUT = 300.0  # seconds: a preview slower than this is reported as failed


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a running process tree: each process's own and its reaped children's."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in _tree_pids(pid):
        try:
            stat = Path(f"/proc/{member}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        except (OSError, ValueError, IndexError):
            continue
    return total / ticks


class Peak:
    """The peak RSS of a process tree, sampled every 0.1 s while the block runs."""

    def __init__(self, pid: int):
        self.pid, self.peak = pid, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(0.1):
            self.peak = max(self.peak, _tree_rss(self.pid))

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak


def _env() -> dict:
    env = {**os.environ, "CI": "true"}  # no progress line
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def portal(workdir: Path, objectives: int, seed: int = 1) -> Path:
    root = workdir / f"preview-{objectives}"
    if not root.exists():
        synth.generate(root, objectives=objectives, key_results=5 * objectives, metrics=objectives, rows=500,
                       languages=("en", "zh-TW"), seed=seed)
    return root


def measure_build(root: Path, reports_kept: bool = False) -> dict:
    """A first build (no work folder, no site) through the CLI: wall, CPU, peak memory, pages.
    ``reports_kept``: but for the work folder's PDF reports, as the publish workflow's cache
    brings them back to every build after the first, with the cards (a fresh checkout otherwise)."""
    work = root / ".okr-portal"
    leftovers = [root / "site"] + ([p for p in work.iterdir() if p.name != "reports"]
                                   if reports_kept and work.is_dir() else [work])
    kept = root / ".bench-cards"  # the cards, as the workflow's cache keeps them, outside the work folder meanwhile
    shutil.rmtree(kept, ignore_errors=True)
    if reports_kept:
        for cards in (work / "static-files" / "cards", *work.glob("lang-*/static-files/cards")):
            if cards.is_dir():
                (kept / cards.parent.parent.relative_to(work)).mkdir(parents=True, exist_ok=True)
                cards.rename(kept / cards.parent.parent.relative_to(work) / "cards")
    for leftover in leftovers:
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
    for cards in kept.glob("**/cards"):
        (work / cards.parent.relative_to(kept) / "static-files").mkdir(parents=True, exist_ok=True)
        cards.rename(work / cards.parent.relative_to(kept) / "static-files" / "cards")
    shutil.rmtree(kept, ignore_errors=True)
    command = [sys.executable, "-m", "site_builder", "-C", str(root), "build", "--as-of", AS_OF]
    cpu, started = _children_cpu(), time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env())
    peak = Peak(process.pid)
    output = process.communicate()[0]
    wall = time.perf_counter() - started
    memory = peak.stop()
    if process.returncode != 0:
        raise Failed(f"preview: build failed:\n{output[-2000:]}")
    found = re.search(r"generate ([\d.]+) s, engine ([\d.]+) s", output)
    return {"wall": wall, "cpu": _children_cpu() - cpu, "peak": memory,
            "generate": float(found.group(1)) if found else None, "engine": float(found.group(2)) if found else None}


def _configs(root: Path) -> list[Path]:
    """The engine configs the build wrote, the default language's first."""
    work = root / ".okr-portal"
    return [work / "mkdocs.yml", *sorted(work.glob("lang-*/mkdocs.yml"))]


def measure_floor(root: Path, workdir: Path) -> dict:
    """mkdocs + Material on the same config, every page of each language's docs tree a
    one-paragraph page (its heading and a sentence), indexed by the search plugin: the
    engines run at once, as a build runs them."""
    from site_builder.engine.chinese_search import ENV, cache_folders, needs_traditional_words, traditional_dictionary
    from site_builder.engine.runner import ENGINE_ENV

    floor = workdir / f"floor-{root.name}"
    shutil.rmtree(floor, ignore_errors=True)
    commands, pages = [], 0
    for n, config_file in enumerate(_configs(root)):
        config = json.loads(config_file.read_text("utf-8"))
        docs = Path(config["docs_dir"])
        lang = config["extra"]["okr_language"]
        floor_docs = floor / f"docs-{lang}"
        for page in docs.rglob("*.md"):
            rel = page.relative_to(docs)
            (floor_docs / rel).parent.mkdir(parents=True, exist_ok=True)
            (floor_docs / rel).write_text(f"# Page {pages}\n\nOne paragraph of text on page {rel.as_posix()}, "
                                          f"to be found by search.\n", "utf-8")
            pages += 1
        config.update(docs_dir=str(floor_docs), site_dir=str(floor / f"site-{lang}"))
        config.pop("hooks", None)  # the preview's search hook: not the engine's own work
        floor_config = floor / f"mkdocs-{lang}.yml"
        floor_config.write_text(json.dumps(config, ensure_ascii=False), "utf-8")
        env = {**_env(), **ENGINE_ENV}
        if needs_traditional_words(lang):
            dictionary = traditional_dictionary(*cache_folders(floor))
            if dictionary:
                env[ENV] = str(dictionary)
        commands.append(([sys.executable, "-m", "site_builder.engine.run_engine", "mkdocs", "build",
                          "--config-file", str(floor_config)], env))
    cpu, started = _children_cpu(), time.perf_counter()
    running = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
               for command, env in commands]
    outputs = [process.communicate()[0] for process in running]
    wall = time.perf_counter() - started
    for process, output in zip(running, outputs):
        if process.returncode != 0:
            raise Failed(f"preview: the engine floor's build failed:\n{output[-2000:]}")
    return {"wall": wall, "cpu": _children_cpu() - cpu, "pages": pages}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def _objective_file(root: Path, objectives: int) -> tuple[Path, str]:
    """The last objective (of the current period) and its page's path."""
    oid = f"o-{objectives:04d}"
    return next((root / "okrs/objectives").rglob(f"{oid}.yml")), f"objectives/{oid}/"


def _quiet(log: Path, seconds: float = 1.0, limit: float = 120.0) -> None:
    """Until the serve log has not grown for ``seconds``: the preview is done with an edit."""
    deadline = time.monotonic() + limit
    size, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = log.stat().st_size
        if now != size:
            size, since = now, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return
        time.sleep(0.1)


def measure_preview(root: Path, objectives: int, edits: int, workdir: Path) -> dict:
    """A real `okr-portal serve`: its start, then ``edits`` saved check-ins, each timed from
    the file's save to the page served with it."""
    port = _free_port()
    objective, page = _objective_file(root, objectives)
    url = f"http://127.0.0.1:{port}/{page}"
    original = objective.read_bytes()
    log = workdir / f"serve-{objectives}.log"
    shutil.rmtree(root / ".okr-portal" / "serve", ignore_errors=True)  # a preview's first start
    command = [sys.executable, "-m", "site_builder", "-C", str(root), "serve", "--as-of", AS_OF,
               "--dev-addr", f"127.0.0.1:{port}"]
    started = time.perf_counter()
    with open(log, "w") as err:
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=_env())
    peak = Peak(server.pid)
    latencies, cpus = [], []
    try:
        while _get(url) is None:
            if server.poll() is not None or time.perf_counter() - started > 900:
                raise Failed(f"preview: okr-portal serve did not serve {url}:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        startup = time.perf_counter() - started
        _quiet(log)
        for n in range(edits):
            token = f"Preview edit {n + 1} of the benchmark"
            cpu = _tree_cpu(server.pid)
            with open(objective, "a", encoding="utf-8") as out:
                out.write(f"      - {{date: 2026-09-{10 + n:02d}, confidence: on_track, text: '{token}'}}\n")
            saved = time.perf_counter()
            while token not in (_get(url) or ""):
                if server.poll() is not None or time.perf_counter() - saved > EDIT_TIMEOUT:
                    raise Failed(f"preview: edit {n + 1} never showed at {url}:\n{log.read_text()[-2000:]}")
                time.sleep(0.02)
            latencies.append(time.perf_counter() - saved)
            _quiet(log)
            cpus.append(_tree_cpu(server.pid) - cpu)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        memory = peak.stop()
        objective.write_bytes(original)
    return {"startup": startup, "latencies": latencies, "cpus": cpus, "peak": memory}


def run(workdir: Path, sizes=SIZES, edits: int = 5, repeat: int = 1, seed: int = 1, build: bool = True) -> None:
    _search_dictionary(workdir, "preview")
    for objectives in sizes:
        root = portal(workdir, objectives, seed)
        label = f"preview: {objectives} objectives, en + zh-TW"
        if build:
            _build_and_floor(root, workdir, repeat, label)
        preview = measure_preview(root, objectives, edits, workdir)
        times = ", ".join(f"{t:.2f}" for t in preview["latencies"])
        cpus = ", ".join(f"{c:.1f}" for c in preview["cpus"])
        print(f"{label}: preview starts in {preview['startup']:.1f} s; an edit shows in "
              f"{statistics.median(preview['latencies']):.2f} s (median of {edits}: {times} s; target < 2 s), "
              f"CPU per edit {statistics.median(preview['cpus']):.1f} s ({cpus}); serve's peak memory "
              f"{preview['peak'] / 2**20:.0f} MB", flush=True)


def _build_and_floor(root: Path, workdir: Path, repeat: int, label: str) -> None:
    """The median (by CPU) of ``repeat`` first builds, and of as many engine floors, as one line."""
    builds = sorted((measure_build(root) for _ in range(repeat)), key=lambda b: b["cpu"])
    build = builds[len(builds) // 2]
    floors = sorted((measure_floor(root, workdir) for _ in range(repeat)), key=lambda f: f["cpu"])
    floor = floors[len(floors) // 2]
    print(f"{label}: build CPU {build['cpu']:.1f} s, wall {build['wall']:.1f} s (generate {build['generate']} s, "
          f"engine {build['engine']} s), peak memory {build['peak'] / 2**20:.0f} MB; engine floor "
          f"({floor['pages']} one-paragraph pages) CPU {floor['cpu']:.1f} s, wall {floor['wall']:.1f} s; "
          f"build / floor: CPU x{build['cpu'] / floor['cpu']:.1f}, wall x{build['wall'] / floor['wall']:.1f}"
          + (f" (median of {repeat})" if repeat > 1 else ""), flush=True)
    again = sorted((measure_build(root, reports_kept=True) for _ in range(repeat)), key=lambda b: b["cpu"])
    again = again[len(again) // 2]
    print(f"{label}: build with the PDF reports and cards in the cache (every later build, fresh checkout) CPU "
          f"{again['cpu']:.1f} s, wall {again['wall']:.1f} s (generate {again['generate']} s, engine "
          f"{again['engine']} s), peak memory {again['peak'] / 2**20:.0f} MB; build / floor: CPU "
          f"x{again['cpu'] / floor['cpu']:.1f}, wall x{again['wall'] / floor['wall']:.1f}; target x3", flush=True)


def sizes_option(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of numbers such as 250,1000") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes are objective counts of at least 1, such as 250,1000")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=sizes_option, default=SIZES, help="objectives per portal (default 250,1000)")
    parser.add_argument("--edits", type=int, default=5, help="saved edits timed per size (default 5)")
    parser.add_argument("--repeat", type=int, default=1, help="builds and floors per size, the median shown")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the portals in DIR (default: a temporary one)")
    parser.add_argument("--preview-only", action="store_true", help="no build and engine floor, only the preview")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="okr-bench-preview-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            run(workdir, args.sizes, args.edits, args.repeat, build=not args.preview_only)
        except Failed as exc:
            print(exc, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
