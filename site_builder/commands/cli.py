"""The okr-portal command (DESIGN.md §6)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import date
from importlib import resources
from pathlib import Path

from site_builder import __version__
from site_builder.render.api import okrs_json
from site_builder.compute.derived import with_derived
from site_builder.compute.rules import compute
from site_builder.engine.runner import ENGINES
from site_builder.commands.build import BuildFailed, build
from site_builder.source.check import Checked, check
from site_builder.problems import format_problem, sorted_problems
from site_builder.commands.progress import Progress
from site_builder.source.json_schema import SCHEMAS
from site_builder.commands.overdue_check import overdue_problems
from site_builder.commands.status_table import status_table
from site_builder.commands.wording import count
from site_builder.editing import checkin_cli, forms_cli


def _as_of(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date in the form YYYY-MM-DD") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="okr-portal",
        description="Validate OKRs kept as YAML and CSV, compute their status, and publish them.",
    )
    parser.add_argument("--version", action="version", version=f"okr-portal {__version__}")
    parser.add_argument("-C", dest="root", type=Path, default=Path("."), metavar="DIR",
                        help="run in the portal at DIR instead of the current directory")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check every file; errors as path:line: message")
    validate.add_argument("--format", choices=("text", "github"), default="text",
                          help="github: print problems as GitHub Actions annotations")
    validate.add_argument("--strict", action="store_true",
                          help="schema 2: also fail on key results whose explanation or data is overdue "
                               "(otherwise printed as warnings)")
    validate.add_argument("--as-of", type=_as_of, default=None, metavar="YYYY-MM-DD",
                          help="judge explanations and data overdue as on this date (default: today)")
    validate.set_defaults(run=_validate)

    status = commands.add_parser("status", help="every objective and key result with its computed status")
    status.add_argument("--json", action="store_true", help="print the api/okrs.json document instead of a table")
    status.add_argument("--as-of", type=_as_of, default=None, metavar="YYYY-MM-DD",
                        help="compute as on this date (default: today)")
    status.set_defaults(run=_status)

    build = commands.add_parser("build", help="validate, generate and run the site engine; output in site/")
    build.add_argument("--as-of", type=_as_of, default=None, metavar="YYYY-MM-DD",
                       help="build the site as on this date (default: today)")
    build.add_argument("--site-dir", type=Path, default=None, metavar="DIR",
                       help="where the site goes (default: site/ in the portal)")
    build.add_argument("--engine", choices=sorted(ENGINES), default="mkdocs",
                       help="the site engine that turns the generated docs into the site (default: mkdocs; "
                            "properdocs is the maintained MkDocs fork)")
    build.add_argument("--reports", action="store_true",
                       help="also publish the current period's PDF report (ended periods always get theirs)")
    build.set_defaults(run=_build)

    serve = commands.add_parser("serve", help="live preview while editing; reloads when okrs/ changes")
    serve.add_argument("--as-of", type=_as_of, default=None, metavar="YYYY-MM-DD")
    serve.add_argument("--dev-addr", default="127.0.0.1:8000", metavar="HOST:PORT",
                       help="where to serve the preview (default: 127.0.0.1:8000)")
    serve.add_argument("--lang", default=None, metavar="CODE",
                       help="the language to preview, one of the portal's languages (default: the first)")
    serve.set_defaults(run=_serve)

    diff = commands.add_parser(
        "diff", help="what a change does to the public site, as Markdown (for PR comments)",
        description="Compare the portal at git revision A with revision B (default: the working tree, "
                    "uncommitted changes included) and print, as Markdown for a pull-request comment, what "
                    "changes on the public site: objectives and key results, computed statuses, metric data "
                    "and new validation problems. Drafts and internal notes are never mentioned. Exits 0 "
                    "whenever the report was printed, even when it lists problems, so CI can post it; exits 2 "
                    "when it could not be made (not a git repository, unknown revision).")
    diff.add_argument("a", metavar="A", help="the revision before the change, e.g. origin/main")
    diff.add_argument("b", metavar="B", nargs="?", default=None,
                      help="the revision after the change (default: the working tree)")
    diff.add_argument("--as-of", type=_as_of, default=None, metavar="YYYY-MM-DD",
                      help="compute statuses under A and B as on this date (default: today)")
    diff.set_defaults(run=_diff)

    fetch = commands.add_parser(
        "fetch", help="refresh metrics' CSV files from their feeds",
        description="Fetch each metric's feed (csv or json from an http(s) URL or a file in the portal, or sql "
                    "from a database) and upsert its observations by date into okrs/metrics/<id>.csv. A feed "
                    "that fails leaves its file as it was; the others still run; the exit status is 1 if any "
                    "failed.")
    fetch.add_argument("metrics", nargs="*", metavar="METRIC", help="only these metrics (default: every one with a feed)")
    fetch.add_argument("--dry-run", action="store_true", help="report what would change without writing")
    fetch.set_defaults(run=_fetch)

    init = commands.add_parser(
        "init", help="start a new portal: example OKRs, site settings and GitHub workflows",
        description="Write a minimal valid portal into DIR (created if needed): okrs/ with an example objective "
                    "and metric, mkdocs.yml and theme/, GitHub workflows for pull requests, publishing, "
                    "scheduled refreshes and issue forms, the Check-in and New value issue forms, .gitignore and "
                    "README.md. Never overwrites a file: if any of them "
                    "exists, nothing is written.")
    init.add_argument("dir", metavar="DIR", nargs="?", type=Path, default=Path("."),
                      help="where the portal goes (default: the current directory)")
    init.set_defaults(run=_init)

    report = commands.add_parser(
        "report", help="the period's report as a PDF",
        description="Write one period's report as a PDF (needs the optional extra: pip install "
                    "'okr-portal[report]'): the status summary, the units, every objective with its key results, "
                    "charts and latest check-ins, the target changes and the data notes.")
    report.add_argument("period", metavar="PERIOD", help="a period id from okrs/portal.yml")
    report.add_argument("--lang", default=None, metavar="CODE",
                        help="one of the portal's languages (default: the first)")
    report.add_argument("-o", dest="output", type=Path, default=None, metavar="FILE",
                        help="where the PDF goes (default: PERIOD-LANG.pdf in the current directory)")
    report.add_argument("--as-of", type=_as_of, default=None, metavar="YYYY-MM-DD",
                        help="the figures as on this date (default: today; an ended period's are final)")
    report.set_defaults(run=_report)

    checkin_cli.add_parsers(commands)  # checkin, record
    forms_cli.add_parsers(commands)  # forms, from-issue

    schema = commands.add_parser("schema", help="print the JSON Schema of a file kind, for editors")
    schema.add_argument("kind", nargs="?", choices=sorted(SCHEMAS), default="objective")
    schema.set_defaults(run=_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:  # `okr-portal status | head`
        sys.stderr.close()
        return 1


def _report_problems(checked: Checked, style: str, out) -> None:
    """The errors and warnings, in file order, then how many (on stderr)."""
    for problem in sorted(checked.problems + checked.warnings, key=lambda p: (p.loc.path, p.loc.line)):
        print(format_problem(problem, style), file=out)
    files = len({p.loc.path for p in checked.problems})
    print(f"{_count(len(checked.problems), 'problem')} in {_count(files, 'file')}{_warnings(checked)}",
          file=sys.stderr)


def _warnings(checked: Checked) -> str:
    return f" ({_count(len(checked.warnings), 'warning')})" if checked.warnings else ""


def _count(n: int, noun: str) -> str:
    return count(n, noun, thousands=True)


def _validate(args) -> int:
    checked = check(args.root)
    if not checked.problems:  # [2] explanations and data overdue: warnings, or with --strict errors
        found = overdue_problems(checked.portal, args.as_of or date.today(), args.strict)
        checked = replace(checked, problems=sorted_problems(checked.problems + [p for p in found if not p.warning]),
                          warnings=sorted_problems(checked.warnings + [p for p in found if p.warning]))
    if checked.problems:
        _report_problems(checked, args.format, sys.stdout)
        return 1
    for warning in checked.warnings:  # worth fixing, but the portal is valid
        print(format_problem(warning, args.format))
    portal = checked.portal
    drafts = len(portal.objectives) - len(portal.public_objectives)
    key_results = sum(len(o.key_results) for o in portal.objectives)
    # Every series counts: the headline and each group's (a derived metric's are computed, not read).
    observations = sum(o.value is not None for m in portal.metrics.values()
                       for series in (m.observations, *m.groups.values()) for o in series)
    print(f"okrs/ is valid: {_count(len(portal.objectives), 'objective')} ({drafts} draft), "
          f"{_count(key_results, 'key result')}, {_count(len(portal.metrics), 'metric')} with "
          f"{_count(observations, 'observation')}{_warnings(checked)}")
    return 0


def _status(args) -> int:
    checked = check(args.root)
    if checked.problems:
        _report_problems(checked, "text", sys.stderr)
        return 1
    checked = replace(checked, portal=with_derived(checked.portal))  # [2] derived metrics computed
    report = compute(checked.portal, args.as_of or date.today())
    if args.json:
        sys.stdout.write(okrs_json(report, checked.portal))
    else:
        sys.stdout.write(status_table(report, checked.portal))
    return 0


def _build(args) -> int:
    try:
        with Progress(sys.stderr) as progress:
            built = build(args.root, args.as_of or date.today(), site_dir=args.site_dir, engine=args.engine,
                          progress=progress, current_report=args.reports,
                          waiting=lambda message: progress.print(f"okr-portal build: {message}", sys.stderr))
    except BuildFailed as exc:
        if exc.problems:
            _report_problems(Checked(None, exc.problems), "text", sys.stdout)
        for error in exc.errors:
            print(error, file=sys.stderr)
        print(f"okr-portal build: {exc}", file=sys.stderr)
        return 1
    for problem in built.advice:
        print(f"{problem.loc}: warning: {problem.message}", file=sys.stderr)
    for warning in built.notices:
        print(f"warning: {warning}", file=sys.stderr)
    if built.warnings:
        print(built.warnings, file=sys.stderr)
    print(f"Built {_count(built.pages, 'page')} into {built.site_dir} "
          f"(generate {built.generate_seconds:.1f} s, engine {built.engine_seconds:.1f} s)")
    return 0


def _serve(args) -> int:
    from site_builder.commands.serve import serve

    return serve(args.root, args.as_of, args.dev_addr, lang=args.lang)


def _diff(args) -> int:
    from site_builder.commands.diff.command import DiffError, diff_report

    try:
        report = diff_report(args.root, args.a, args.b, args.as_of or date.today())
    except DiffError as exc:
        print(f"okr-portal diff: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(report)
    return 0


def _fetch(args) -> int:
    from site_builder.feeds.run import run_fetch

    return run_fetch(args.root, args.metrics, args.dry_run, sys.stdout, sys.stderr)


def _init(args) -> int:
    from site_builder.commands.init import ScaffoldError, init

    target = args.root / args.dir
    try:
        written = init(target)
    except ScaffoldError as exc:
        print(f"okr-portal init: {exc}", file=sys.stderr)
        return 1
    for rel in written:
        print(f"wrote {target / rel}")
    here = target == Path(".")
    print(f"\nA new portal is in {'this folder' if here else target}. "
          f"Next: {'' if here else f'cd {target}; '}okr-portal validate; okr-portal serve")
    return 0


def _schema(args) -> int:
    text = resources.files("site_builder").joinpath(f"schemas/{args.kind}.schema.json").read_text("utf-8")
    sys.stdout.write(text)
    return 0


def _report(args) -> int:
    from site_builder.commands.report import report_command

    checked = check(args.root)
    if checked.problems:
        _report_problems(checked, "text", sys.stdout)
        return 1
    return report_command(checked, args.root, args.period, args.lang, args.output, args.as_of or date.today(),
                          sys.stdout, sys.stderr)
