"""The `forms` and `from-issue` subcommands' arguments."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def add_parsers(commands) -> None:
    """Add `forms` and `from-issue` to the okr-portal command's subparsers."""
    forms = commands.add_parser(
        "forms", help="(re)write the GitHub issue forms for check-ins and new values",
        description="Write .github/ISSUE_TEMPLATE/check-in.yml and new-value.yml from the portal: dropdowns of "
                    "its public key results and of the metrics that take new values, and a text field per "
                    "language. Run it again after changing objectives, key results or metrics. Nothing is "
                    "written while the portal has problems.")
    forms.set_defaults(run=_forms)

    from_issue = commands.add_parser(
        "from-issue", help="make the change an issue form asks for (for the issue-form workflow)",
        description="Read an issue opened from the Check-in or New value form (the event file GitHub saved), "
                    "make the check-in or record the value, and write into DIR the pull request's body "
                    "(pull-request.md) and the reply for the issue (comment.md). Exits 0 whether the change "
                    "was made or refused (the reply says why), and writes changed=true|false and the changed "
                    "file's path to $GITHUB_OUTPUT when it is set; exits 1 when the event cannot be read.")
    from_issue.add_argument("--event", type=Path, required=True, metavar="FILE",
                            help="the issue event as GitHub saves it ($GITHUB_EVENT_PATH)")
    from_issue.add_argument("--output", type=Path, required=True, metavar="DIR",
                            help="where pull-request.md and comment.md go (outside the repository)")
    from_issue.set_defaults(run=_from_issue)


def _forms(args) -> int:
    from site_builder.editing.issue_forms import write_forms
    from site_builder.editing.staged import problem_lines
    from site_builder.source.check import check

    checked = check(args.root)
    if checked.problems:
        print("\n".join(problem_lines(checked)))
        print("okr-portal forms: the portal has problems (above); no form was written", file=sys.stderr)
        return 1
    try:
        written = write_forms(args.root, checked.portal)
    except OSError as exc:
        print(f"okr-portal forms: cannot write {exc.filename or '.github/ISSUE_TEMPLATE'}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 1
    for rel in written:
        print(f"wrote {args.root / rel}")
    return 0


def _from_issue(args) -> int:
    from site_builder.editing.from_issue import EventError, run

    try:
        result = run(args.root, args.event, args.output, os.environ.get("GITHUB_OUTPUT"))
    except EventError as exc:
        print(f"okr-portal from-issue: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"okr-portal from-issue: cannot write {exc.filename or args.output}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    print(f"changed {result.path}" if result.changed else "no change: the reply on the issue says why")
    return 0
