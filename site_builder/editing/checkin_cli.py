"""The `checkin` and `record` subcommands' arguments."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from site_builder.editing.outcome import Outcome
from site_builder.model import FLAGS
from site_builder.source.formats import CONFIDENCES
from site_builder.problems import excerpt
from site_builder.source.values import read_date

_TEXTS = {"--text-": "--text-in", "--next-steps-": "--next-steps-in"}
_TAKES_A_VALUE = ("--text", "--next-steps", "--lang", "--date", "--confidence")


class _LanguageOptions(argparse.ArgumentParser):
    """Reads `--text-zh-TW T` (any language code after `--text-` or `--next-steps-`): the portal's
    languages are only known once the command runs, so they cannot each be declared."""

    def parse_known_args(self, args=None, namespace=None):
        rewritten, it = [], iter(sys.argv[1:] if args is None else args)
        for arg in it:
            if arg == "--":  # the rest is positional, as written
                rewritten += [arg, *it]
                break
            if arg in _TAKES_A_VALUE:  # its value is text, even one that starts with --text-
                rewritten += [arg, *[value for value in [next(it, None)] if value is not None]]
                continue
            name, eq, value = arg.partition("=")
            prefix = next((p for p in _TEXTS if name.startswith(p) and len(name) > len(p)
                           and name not in ("--next-steps-in", "--text-in")), None)
            if prefix is None:
                rewritten.append(arg)
                continue
            words = value if eq else next(it, None)
            if words is None:
                self.error(f"argument {name}: expected one argument")
            rewritten += [_TEXTS[prefix], name[len(prefix):], words]
        return super().parse_known_args(rewritten, namespace)


class _Language(argparse.Action):
    """--lang L: the language of the --text and --next-steps that follow it."""

    def __call__(self, parser, namespace, value, option_string=None):
        namespace.current_language = value


class _InLanguage(argparse.Action):
    """--text T / --next-steps N: in the language the last --lang named (the portal's first before any)."""

    def __call__(self, parser, namespace, value, option_string=None):
        pairs = getattr(namespace, self.dest) or []
        language, words = value if isinstance(value, list) else (getattr(namespace, "current_language", None), value)
        setattr(namespace, self.dest, pairs + [(language, words)])


def add_parsers(commands) -> None:
    """Add `checkin` and `record` to the okr-portal command's subparsers."""
    checkin_parser = commands.add_parser(
        "checkin", help="add a check-in to a key result's objective file, keeping its comments and layout",
        description="Add a check-in (the owner's own assessment: confidence, what happened, what happens next) "
                    "to a key result, in date order among its check-ins. The rest of the file is kept byte for "
                    "byte. The whole portal is validated with the check-in first: when that finds a problem, "
                    "the problems are printed (as okr-portal validate prints them), nothing is written and the "
                    "exit status is 1. Otherwise the change is printed as okr-portal diff reports it.",
        epilog="In a portal of several languages give each language's text: --text 'Waits fell' "
               "--text-zh-TW '等候時間縮短', or --lang en --text 'Waits fell' --lang zh-TW --text '等候時間縮短'. "
               "A --text before any --lang is in the portal's first language.")
    checkin_parser.__class__ = _LanguageOptions
    checkin_parser.add_argument("ref", metavar="OBJECTIVE/KR",
                                help="the objective's id and the key result's id, as in timely-access/wait")
    checkin_parser.add_argument("--confidence", required=True, metavar="C",
                                help=f"your own assessment: {', '.join(CONFIDENCES)}")
    checkin_parser.add_argument("--text", dest="text", action=_InLanguage, default=[], metavar="T",
                                help="what happened (Markdown); repeat after --lang for each language")
    checkin_parser.add_argument("--next-steps", dest="next_steps", action=_InLanguage, default=[], metavar="N",
                                help="what happens next (schema 2)")
    checkin_parser.add_argument("--text-in", dest="text", action=_InLanguage, nargs=2, help=argparse.SUPPRESS)
    checkin_parser.add_argument("--next-steps-in", dest="next_steps", action=_InLanguage, nargs=2,
                                help=argparse.SUPPRESS)
    checkin_parser.add_argument("--lang", action=_Language, metavar="L",
                                help="the language of the --text and --next-steps after it (one of the portal's)")
    checkin_parser.add_argument("--date", default=None, metavar="YYYY-MM-DD",
                                help="the check-in's date (default: today); earlier dates are fine, later ones "
                                     "are refused")
    checkin_parser.set_defaults(run=_checkin, current_language=None)

    record_parser = commands.add_parser(
        "record", help="add or correct one observation in a metric's CSV",
        description="Add the observation of METRIC on DATE, or correct the one already there, in "
                    "okrs/metrics/METRIC.csv (created when the metric has none yet), in the file's own order. "
                    "The whole portal is validated with the value first: when that finds a problem, the "
                    "problems are printed, nothing is written and the exit status is 1. Otherwise the change "
                    "is printed as okr-portal diff reports it.",
        epilog="Example: okr-portal record wait-primary-care 2026-03-01 27.5 --note 'new clinic opened'")
    record_parser.add_argument("metric", metavar="METRIC", help="the metric's id (okrs/metrics/METRIC.yml or .csv)")
    record_parser.add_argument("date", metavar="DATE", help="the observation's date, YYYY-MM-DD")
    record_parser.add_argument("value", metavar="VALUE",
                               help="the number, plain: 1234.5 (no thousands separator, no unit)")
    record_parser.add_argument("--note", default=None, metavar="N",
                               help="a note shown with the value (kept from the row when not given; '' clears it)")
    record_parser.add_argument("--flag", default=None, metavar="F",
                               help=f"schema 2: {', '.join(FLAGS)} (kept when not given; '' clears it)")
    record_parser.add_argument("--group", action="append", default=[], metavar="DIM=CODE",
                               help="schema 2: the group of a metric with dimensions, e.g. --group facility=north "
                                    "(repeat for each dimension; none: the headline series)")
    record_parser.set_defaults(run=_record)


def _date(raw: str | None, wrong: list[str]) -> date | None:
    if raw is None:
        return None
    when, why = read_date(raw.strip())
    if why:
        wrong.append(f"date '{excerpt(raw)}' {why}")
    return when


def _texts(pairs: list[tuple[str | None, str]], first: str | None, label: str, wrong: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for language, words in pairs:
        language = language or first
        if language is None:
            continue
        if language in out:
            wrong.append(f"the {label} in '{excerpt(language)}' is given twice")
        out[language] = words
    return out


def _first_language(root) -> str | None:
    from site_builder.source.load import load_portal

    settings = load_portal(root).portal.settings
    return settings.languages[0] if settings else None


def _checkin(args) -> int:
    wrong: list[str] = []
    when = _date(args.date, wrong)
    first = _first_language(args.root) if any(lang is None for lang, _ in args.text + args.next_steps) else None
    text = _texts(args.text, first, "text", wrong)
    next_steps = _texts(args.next_steps, first, "next steps", wrong) or None
    if wrong:
        return _print(Outcome(False, wrong, "", ""), "checkin")
    from site_builder.editing.checkin import checkin  # the diff report's modules: only when it runs

    return _print(checkin(args.root, args.ref, args.confidence, text, next_steps, when, waiting=_waiting("checkin")),
                  "checkin")


def _record(args) -> int:
    wrong: list[str] = []
    when = _date(args.date, wrong)
    groups: dict[str, str] = {}
    for item in args.group:
        name, eq, code = item.partition("=")
        if not eq or not name.strip() or not code.strip():
            wrong.append(f"--group '{excerpt(item)}' is not DIMENSION=CODE, as in facility=north")
        elif name.strip() in groups:
            wrong.append(f"--group names dimension '{excerpt(name.strip())}' twice")
        else:
            groups[name.strip()] = code.strip()
    if wrong:
        return _print(Outcome(False, wrong, "", ""), "record")
    from site_builder.editing.record import record

    return _print(record(args.root, args.metric, when, args.value, args.note, args.flag, groups,
                         waiting=_waiting("record")), "record")


def _waiting(command: str):
    def say(_message: str) -> None:
        print(f"okr-portal {command}: another check-in, record or fetch is running in this portal; waiting for it "
              "to finish", file=sys.stderr, flush=True)
    return say


def _print(outcome: Outcome, command: str) -> int:
    if outcome.problems:
        for line in outcome.problems:
            print(line)
        print(f"okr-portal {command}: nothing was written", file=sys.stderr)
        return 1
    sys.stdout.write(outcome.report)
    return 0
