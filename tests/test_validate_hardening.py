"""Bad input that used to pass validate and then crash a later stage, or lose a page.

The rule (DESIGN.md §6): bad input gives exactly one line ``path:line: message`` at
its own line, in words a staff member can act on, and never a traceback; a portal
that validates never crashes ``status`` or ``build``. Everything goes through the
real command line (the ``cli`` fixture), ``build`` with the real mkdocs.
"""

from __future__ import annotations

import json
import math
import re

import pytest

from site_builder.commands.build import WORK_DIR
from site_builder.problems import excerpt
from site_builder.render.write import static_of
from site_builder.source.json_schema import SCHEMAS, json_schema
from site_builder.source.values import LARGEST_NUMBER
from fixtures import (
    OBJECTIVE_PATH as A, WAIT_CSV_PATH as CSV, PORTAL_PATH as PORTAL, PORTAL_YML, OBJECTIVE_HEAD as HEAD, WAIT_CSV,
)

AS_OF = "2026-07-01"


def metric_kr(metric="metric: wait", baseline="baseline: {date: 2026-01-01, value: 30}",
              target="target: {value: 20}", more: str = "") -> str:
    """A metric key result: line 6 id, 7 title, 8 metric, 9 baseline, 10 target, 11 more."""
    lines = ["  - id: wait", "    title: New-patient wait"]
    lines += [f"    {part}" for part in (metric, baseline, target, more) if part]
    return HEAD + "\n".join(lines) + "\n"


def maintain_kr(threshold="threshold: {min: 20}") -> str:
    """A maintain key result: line 6 id, 7 title, 8 type, 9 metric, 10 threshold."""
    return HEAD + f"  - id: keep\n    title: Keep it\n    type: maintain\n    metric: wait\n    {threshold}\n"


def milestone_kr(due="due: 2026-06-30", more: str = "") -> str:
    """A milestone: line 6 id, 7 title, 8 type, 9 due, 10 more."""
    return HEAD + f"  - id: ship\n    title: Ship it\n    type: milestone\n    {due}\n" + (f"    {more}\n" if more else "")


def files(objective: str = metric_kr(), portal_yml: str = PORTAL_YML, **more: str) -> dict:
    return {PORTAL: portal_yml, A: objective, CSV: WAIT_CSV, **more}


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def assert_fails_everywhere(portal, cli, tree: dict, expected: list[str]) -> None:
    """validate, status and build each stop with exactly these lines, and exit 1."""
    root = portal(tree, portal_yml=None)
    run = cli(root, "validate")
    assert run.out.splitlines() == expected, run.out
    assert run.code == 1
    run = cli(root, "status", "--as-of", AS_OF)  # status prints the problems on stderr
    assert run.err.splitlines()[:-1] == expected, run.err
    assert run.code == 1
    run = cli(root, "build", "--as-of", AS_OF)
    assert run.out.splitlines() == expected, run.out
    assert run.code == 1
    assert not (root / "site").exists()


def assert_strict_json(text: str) -> dict:
    """JSON as the standard has it: no NaN or Infinity, which json.dumps writes and browsers refuse."""
    def refuse(name):
        raise AssertionError(f"{name} in the API document")
    return json.loads(text, parse_constant=refuse)


# --- 6. empty values the key result's type needs ------------------------------------------

EMPTY_CASES = [
    ("target", metric_kr(target="target:"),
     [f"{A}:10: key result 'wait' needs a target: the value after 'target:' is empty"]),
    ("baseline", metric_kr(baseline="baseline:"),
     [f"{A}:9: key result 'wait' needs a baseline: the value after 'baseline:' is empty"]),
    ("metric", metric_kr(metric="metric:"),
     [f"{A}:8: key result 'wait' needs a metric: the value after 'metric:' is empty"]),
    ("metric-of-maintain", edit(maintain_kr(), "metric: wait", "metric:"),
     [f"{A}:9: key result 'keep' needs a metric: the value after 'metric:' is empty"]),
    ("threshold", maintain_kr("threshold:"),
     [f"{A}:10: key result 'keep' needs a threshold: the value after 'threshold:' is empty"]),
    ("due", milestone_kr("due:"),
     [f"{A}:9: key result 'ship' needs a due date: the value after 'due:' is empty"]),
    ("two-at-once", metric_kr(baseline="baseline:", target="target:"), [
        f"{A}:9: key result 'wait' needs a baseline: the value after 'baseline:' is empty",
        f"{A}:10: key result 'wait' needs a target: the value after 'target:' is empty",
    ]),
    ("key-result-without-id", edit(metric_kr(target="target:"), "  - id: wait\n    title", "  - title"), [
        f"{A}:6: key result is missing required key 'id'",
        f"{A}:9: key result needs a target: the value after 'target:' is empty",
    ]),
    ("type", metric_kr(more="type:"),
     [f"{A}:11: type must be one of metric, milestone, maintain, not an empty value"]),
    ("type-of-a-milestone", edit(milestone_kr(), "type: milestone", "type:"),
     [f"{A}:8: type must be one of metric, milestone, maintain, not an empty value"]),
    # A field of another type, empty: the one problem is that it does not belong.
    ("due-of-a-metric-key-result", metric_kr(more="due:"),
     [f"{A}:11: 'due' is not used by metric key results (only by milestone); remove it or change the type"]),
    ("baseline-value", metric_kr(baseline="baseline: {date: 2026-01-01, value: }"),
     [f"{A}:9: value must be a number, not an empty value"]),
    ("target-value", metric_kr(target="target: {value: }"),
     [f"{A}:10: value must be a number, not an empty value"]),
    ("baseline-date", metric_kr(baseline="baseline: {date: , value: 30}"),
     [f"{A}:9: date must be a date (YYYY-MM-DD), not an empty value"]),
    # `date:` with nothing after it is a date someone meant to write, not the period's end.
    ("target-date", metric_kr(target="target: {date: , value: 20}"),
     [f"{A}:10: date must be a date (YYYY-MM-DD), not an empty value"]),
    ("target-date-block", metric_kr(target="target:\n      date:\n      value: 20"),
     [f"{A}:11: date must be a date (YYYY-MM-DD), not an empty value"]),
    # An empty bound is a bound someone meant to write: not silently "no minimum".
    ("threshold-min", maintain_kr("threshold: {min: , max: 40}"),
     [f"{A}:10: min must be a number, not an empty value"]),
    ("threshold-min-and-max", maintain_kr("threshold: {min: , max: }"), [
        f"{A}:10: max must be a number, not an empty value",
        f"{A}:10: min must be a number, not an empty value",
    ]),
    ("threshold-empty-mapping", maintain_kr("threshold: {}"),
     [f"{A}:10: key result 'keep': threshold needs min, max or both"]),
    ("threshold-misspelled", maintain_kr("threshold: {mn: 20}"),
     [f"{A}:10: unknown key 'mn' in threshold (did you mean 'min'?)"]),
    ("key-results", HEAD.replace("key_results:\n", "key_results:\n"),
     [f"{A}:5: key_results must be a list, not an empty value"]),
    ("key-results-list", HEAD.replace("key_results:\n", "key_results: []\n"),
     [f"{A}:5: key_results must have at least 1 item"]),
]


@pytest.mark.parametrize("objective, expected", [pytest.param(o, e, id=n) for n, o, e in EMPTY_CASES])
def test_an_empty_value_is_one_clear_problem_for_every_command(portal, cli, objective, expected):
    assert_fails_everywhere(portal, cli, files(objective), expected)


@pytest.mark.parametrize("periods, expected", [
    ("periods:\n", [f"{PORTAL}:5: periods must be a list, not an empty value"]),
    # Not also "unknown period 'cy2026'" for every objective: the list is what is wrong.
    ("periods: []\n", [f"{PORTAL}:5: periods must have at least 1 item"]),
])
def test_an_empty_periods_list_is_one_problem(portal, cli, periods, expected):
    assert_fails_everywhere(portal, cli, files(portal_yml=PORTAL_YML.split("periods:")[0] + periods), expected)


def test_an_empty_done_means_not_done_yet(portal, cli):
    root = portal(files(milestone_kr(more="done:")), portal_yml=None)
    assert cli(root, "validate").code == 0
    run = cli(root, "status", "--json", "--as-of", "2026-03-01")
    assert json.loads(run.out)["objectives"][0]["key_results"][0]["status"] == "on_track"


# --- 7. numbers out of the range a chart can draw ---------------------------------------------------

# The same words as for a CSV value (tests/test_load.py).
OUT_OF_RANGE = "is out of range: values must be between -1,000,000,000,000,000 and 1,000,000,000,000,000"
HUGE = "9" * 400
HUGE_EXCERPT = excerpt(HUGE)

HUGE_CASES = [
    ("baseline", metric_kr(baseline="baseline: {date: 2026-01-01, value: 1e308}"), {},
     [f"{A}:9: value '1e308' {OUT_OF_RANGE}"]),
    ("target", metric_kr(target="target: {value: -1e308}"), {},
     [f"{A}:10: value '-1e308' {OUT_OF_RANGE}"]),
    ("target-yaml-float", metric_kr(target="target: {value: -1.0e+308}"), {},
     [f"{A}:10: value '-1.0e+308' {OUT_OF_RANGE}"]),
    ("beyond-float", metric_kr(target="target: {value: 1e999}"), {},
     [f"{A}:10: value '1e999' {OUT_OF_RANGE}"]),
    ("just-over-the-limit", metric_kr(target="target: {value: 1000000000000001}"), {},
     [f"{A}:10: value '1000000000000001' {OUT_OF_RANGE}"]),
    ("huge-integer", metric_kr(target=f"target: {{value: {HUGE}}}"), {},
     [f"{A}:10: value '{HUGE_EXCERPT}' {OUT_OF_RANGE}"]),
    ("threshold", maintain_kr("threshold: {min: -1e308, max: 1e308}"), {}, [
        f"{A}:10: max '1e308' {OUT_OF_RANGE}",
        f"{A}:10: min '-1e308' {OUT_OF_RANGE}",
    ]),
    ("weight", metric_kr(more="weight: 1e308"), {},
     [f"{A}:11: weight '1e308' {OUT_OF_RANGE}"]),
    ("weight-huge-integer", metric_kr(more=f"weight: {HUGE}"), {},
     [f"{A}:11: weight '{HUGE_EXCERPT}' {OUT_OF_RANGE}"]),
    ("decimals-190-digits", metric_kr(), {"okrs/metrics/wait.yml": "decimals: " + "9" * 190 + "\n"},
     [f"okrs/metrics/wait.yml:1: decimals must be at most 10, not {HUGE_EXCERPT}"]),
    ("decimals-400-digits", metric_kr(), {"okrs/metrics/wait.yml": f"decimals: {HUGE}\n"},
     [f"okrs/metrics/wait.yml:1: decimals must be at most 10, not {HUGE_EXCERPT}"]),
    ("decimals-negative-huge", metric_kr(), {"okrs/metrics/wait.yml": f"decimals: -{HUGE}\n"},
     [f"okrs/metrics/wait.yml:1: decimals must be at least 0, not {excerpt('-' + HUGE)}"]),
    ("schema-version", metric_kr(), {PORTAL: edit(PORTAL_YML, "schema: 1", f"schema: {HUGE}")},
     [f"{PORTAL}:1: schema '{HUGE_EXCERPT}' {OUT_OF_RANGE}"]),
    ("portal-thresholds", metric_kr(), {PORTAL: PORTAL_YML + "thresholds: {at_risk: 1e308, off_track: -1e308}\n"}, [
        f"{PORTAL}:8: at_risk must be at most 1, not 1e308",
        f"{PORTAL}:8: off_track must be at least 0, not -1e308",
    ]),
]


@pytest.mark.parametrize("objective, more, expected", [pytest.param(o, m, e, id=n) for n, o, m, e in HUGE_CASES])
def test_a_number_too_large_is_one_clear_problem(portal, cli, objective, more, expected):
    assert_fails_everywhere(portal, cli, {**files(objective), **more}, expected)


@pytest.mark.parametrize("baseline, target", [
    ("30", "30.000000000000004"),  # one step of a float apart: progress is all rounding error
    ("0", "1e-300"),  # progress (v - b) / (T - b) beyond what a float holds: Infinity in the API
    ("1000000000000", "1000000000000.0001"),
    ("-1e-20", "1e-20"),
])
def test_a_target_too_close_to_its_baseline_is_refused(portal, cli, baseline, target):
    objective = metric_kr(baseline=f"baseline: {{date: 2026-01-01, value: {baseline}}}",
                          target=f"target: {{value: {target}}}")
    assert_fails_everywhere(portal, cli, files(objective), [
        f"{A}:10: key result 'wait': target {target} is too close to the baseline {baseline} to measure progress "
        "between them; set a target further from the baseline (to hold a level, use type: maintain with a threshold)",
    ])


@pytest.mark.parametrize("baseline, target", [("0", "1e-12"), ("0.5", "0.50001"), ("1000000000000", "1000000010000")])
def test_a_target_close_to_its_baseline_but_measurable_is_accepted(portal, cli, baseline, target):
    objective = metric_kr(baseline=f"baseline: {{date: 2026-01-01, value: {baseline}}}",
                          target=f"target: {{value: {target}}}")
    root = portal(files(objective), portal_yml=None)
    assert cli(root, "validate").code == 0
    run = cli(root, "status", "--json", "--as-of", AS_OF)
    assert run.code == 0
    assert_strict_json(run.out)


def test_the_largest_values_allowed_build(portal, cli):
    """Every number at the edge of what validate accepts: nothing crashes, no ratio is infinite."""
    big = f"{LARGEST_NUMBER:.0f}"
    objective = HEAD + f"""\
  - id: up
    title: Up the whole range
    metric: wide
    weight: {big}
    baseline: {{date: 2026-01-01, value: -{big}}}
    target: {{value: {big}}}
  - id: down
    title: Down the whole range
    metric: wide
    weight: 1e-300
    baseline: {{date: 2026-01-01, value: 1e15}}
    target: {{value: -1e15}}
  - id: fine
    title: A tiny step
    metric: tiny
    weight: 5e-324
    baseline: {{date: 2026-01-01, value: 0}}
    target: {{value: 1e-12}}
  - id: hold
    title: Hold anything
    type: maintain
    metric: wide
    threshold: {{min: -1e15, max: 1e15}}
"""
    tree = {
        PORTAL: PORTAL_YML + "thresholds: {at_risk: 0, off_track: 1}\n",
        A: objective,
        "okrs/metrics/wide.csv": f"date,value\n2026-01-01,-{big}\n2026-02-01,{big}\n2026-03-01,0.000000000001\n"
                                 f"2026-04-01,-1e15\n2026-05-01,1e15\n",
        "okrs/metrics/wide.yml": "title: Wide\nunit: '%'\ndecimals: 10\n",
        "okrs/metrics/tiny.csv": "date,value\n2026-01-01,0\n2026-02-01,1e-13\n2026-03-01,-1e15\n2026-04-01,1e15\n",
    }
    root = portal(tree, portal_yml=None)
    run = cli(root, "validate")
    assert run.code == 0, run.out
    run = cli(root, "status", "--as-of", AS_OF)
    assert run.code == 0, run.err
    run = cli(root, "build", "--as-of", AS_OF)
    assert run.code == 0, run.out + run.err
    document = assert_strict_json((root / "site" / "api" / "okrs.json").read_text("utf-8"))
    for objective in document["objectives"]:
        for kr in objective["key_results"]:
            for key in ("progress", "score", "expected"):
                assert kr[key] is None or math.isfinite(kr[key]), (kr["id"], key, kr[key])
    assert (root / "site" / "objectives" / "a" / "index.html").is_file()
    assert (root / "site" / "metrics" / "wide" / "index.html").is_file()


# --- 9. ids that would take the site's own pages -----------------------------------------

def _reserved():
    from site_builder.source.validate import RESERVED_NAMES

    return RESERVED_NAMES


RESERVED_CASES = [
    ("metric", {A: metric_kr(metric="metric: index"), "okrs/metrics/index.csv": WAIT_CSV, CSV: None}, [
        "okrs/metrics/index.csv:1: metric id 'index' is used by the site for its own page; choose another id "
        "(rename okrs/metrics/index.csv)",
    ]),
    ("metric-with-yml", {A: metric_kr(metric="metric: index"), "okrs/metrics/index.csv": WAIT_CSV,
                         "okrs/metrics/index.yml": "title: Index\n", CSV: None}, [
        "okrs/metrics/index.yml:1: metric id 'index' is used by the site for its own page; choose another id "
        "(rename okrs/metrics/index.yml and okrs/metrics/index.csv)",
    ]),
    ("period", {PORTAL: edit(PORTAL_YML, "id: cy2026", "id: index"), A: edit(metric_kr(), "cy2026", "index")}, [
        f"{PORTAL}:7: period id 'index' is used by the site for its own page; choose another id",
    ]),
    ("tag", {A: edit(metric_kr(), "owner: Access team\n", "owner: Access team\ntags: [access, index]\n")}, [
        f"{A}:5: tag 'index' is used by the site for its own page; choose another tag",
    ]),
    ("language", {PORTAL: edit(PORTAL_YML, "[en, zh-TW]", "[en, api]")}, [
        f"{PORTAL}:4: language 'api' is used by the site for its own folder (api/); okr-portal cannot publish "
        "a language with this code",
    ]),
    ("language-other-case", {PORTAL: edit(PORTAL_YML, "[en, zh-TW]", "[en, API]")}, [
        f"{PORTAL}:4: language 'API' is used by the site for its own folder (api/); okr-portal cannot publish "
        "a language with this code",
    ]),
]


@pytest.mark.parametrize("changes, expected", [pytest.param(c, e, id=n) for n, c, e in RESERVED_CASES])
def test_an_id_the_site_uses_for_its_own_page_is_refused(portal, cli, changes, expected):
    tree = {key: value for key, value in {**files(), **changes}.items() if value is not None}
    assert_fails_everywhere(portal, cli, tree, expected)


def test_an_objective_called_index_keeps_its_page(portal, cli):
    """The site writes no page of its own in objectives/: an objective may be called anything."""
    root = portal(files(edit(metric_kr(), "id: a\n", "id: index\n")), portal_yml=None)
    assert cli(root, "build", "--as-of", AS_OF).code == 0
    docs = root / WORK_DIR / "docs"
    assert sorted(p.name for p in (docs / "objectives").iterdir()) == ["index.md"]
    assert "Shorter waits" in (root / "site" / "objectives" / "index.html").read_text("utf-8")
    assert "objective" not in _reserved()


def test_every_reserved_name_is_a_path_the_site_really_writes(portal, cli):
    """So that the list cannot drift from the site: each name is there in a build of a portal that uses none."""
    tree = files(edit(metric_kr(), "owner: Access team\n", "owner: Access team\ntags: [access]\n"))
    root = portal(tree, portal_yml=None)
    run = cli(root, "build", "--as-of", AS_OF)
    assert run.code == 0, run.out + run.err
    docs = root / WORK_DIR / "docs"
    static = static_of(docs)  # the files other than pages (render.write)
    site = root / "site"
    for kind, (folder, names) in _reserved().items():
        assert names, kind
        for name in names:
            taken = [docs / folder / f"{name}.md", docs / folder / name, static / folder / name]
            assert any(path.exists() for path in taken), f"{kind} {name!r}: the site writes none of {taken}"
            assert (site / folder / name).exists() or (site / folder / f"{name}.html").exists(), (kind, name)


def test_every_name_the_site_takes_beside_an_id_is_reserved(portal, cli):
    """The other way round: whatever the site writes of its own in a folder of id-named pages
    (anything that is not the page of an id of this portal, nor a page_N index page, which
    no id can be called) is a reserved name, so a new page of the site's cannot take one's."""
    tree = files(edit(metric_kr(), "owner: Access team\n", "owner: Access team\ntags: [access]\n"))
    root = portal(tree, portal_yml=None)
    assert cli(root, "build", "--as-of", AS_OF).code == 0
    docs = root / WORK_DIR / "docs"
    reserved = _reserved()
    ids = {"metric": {"wait"}, "period": {"cy2025", "cy2026"}, "tag": {"access"}, "objective": {"a"}}
    # Where each kind of id names files: a metric's page, and its CSV in data/.
    folders = [("objective", "objectives"), ("metric", "metrics"), ("metric", "data"), ("period", "periods"),
               ("tag", "tags")]
    assert {folder for kind, (folder, _) in reserved.items() if folder} <= {folder for _, folder in folders}
    static = static_of(docs)  # the files other than pages (render.write)
    for kind, folder in folders:
        made = [path for top in (docs, static) if (top / folder).is_dir() for path in (top / folder).iterdir()]
        own = {path.name.split(".", 1)[0] for path in made} - ids[kind]  # ids have no '.'
        own = {name for name in own if not re.fullmatch(r"page_\d+", name)}
        assert own <= (reserved[kind][1] if kind in reserved else set()), (kind, folder, own)
    # A language's site is a folder of the root site: any name there that could be a language code.
    declared = {"en", "zh-TW"}
    names = {path.name for top in (root / "site", docs, static) for path in top.iterdir()}
    could_be_a_language = {name for name in names if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", name)}
    assert could_be_a_language - declared <= reserved["language"][1]


# --- 15. every property of every JSON Schema says what it is ----------------------------


def _properties_without_description(schema: dict, where: str = "") -> list[str]:
    missing = []
    for name, prop in schema.get("properties", {}).items():
        path = f"{where}.{name}" if where else name
        if not prop.get("description", "").strip():
            missing.append(path)
        missing += _properties_without_description(prop, path)
    if "items" in schema:
        missing += _properties_without_description(schema["items"], f"{where}[]")
    return missing


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_schema_property_has_a_description(name):
    schema = json_schema(name)
    assert schema.get("description")
    assert _properties_without_description(schema) == []


def test_the_walk_finds_nested_properties():
    schema = {"properties": {"a": {"description": "x", "items": {"properties": {"b": {}}}}}}
    assert _properties_without_description(schema) == ["a[].b"]


# --- messages quote at most an excerpt of a user's value ---------------------------------

LONG = "x" * 10_000

LONG_CASES = [
    ("id", edit(metric_kr(), "id: a\n", f"id: {LONG}\n"), 1),
    ("visibility", edit(metric_kr(), "owner: Access team\n", f"owner: Access team\nvisibility: {LONG}\n"), 5),
    ("date", metric_kr(baseline=f"baseline: {{date: {LONG}, value: 30}}"), 9),
    ("number", metric_kr(target=f"target: {{value: {LONG}}}"), 10),
    ("quoted-number", metric_kr(target=f"target: {{value: \"{'1' * 10_000}\"}}"), 10),
    ("weight-boolean-like", metric_kr(more=f"weight: {LONG}"), 11),
    ("tag-twice", edit(metric_kr(), "owner: Access team\n", f"owner: Access team\ntags: [{'a' * 64}, {'a' * 64}]\n"), 5),
    ("unknown-key", edit(metric_kr(), "owner: Access team\n", f"owner: Access team\n? {LONG}\n: 1\n"), 5),
    ("translation-language", edit(metric_kr(), "title: Shorter waits", f"title:\n  ? {LONG}\n  : Shorter waits"), 4),
]


@pytest.mark.parametrize("objective, line", [pytest.param(o, n, id=i) for i, o, n in LONG_CASES])
def test_a_long_value_is_quoted_only_in_part(portal, cli, objective, line):
    root = portal(files(objective), portal_yml=None)
    run = cli(root, "validate")
    assert run.code == 1
    lines = run.out.splitlines()
    assert len(lines) == 1, run.out[:2000]
    assert lines[0].startswith(f"{A}:{line}: ")
    assert len(lines[0]) < 300, lines[0][:400]


def test_a_long_value_in_portal_yml_is_quoted_only_in_part(portal, cli):
    root = portal(files(portal_yml=PORTAL_YML + f"base_url: {LONG}\n"), portal_yml=None)
    run = cli(root, "validate")
    assert run.out.splitlines() == [f"{PORTAL}:8: base_url '{'x' * 40}…' is not a valid URL"]


def test_a_long_feed_url_is_quoted_only_in_part(portal, cli):
    meta = f"feed: {{type: csv, url: 'ftp://{LONG}'}}\n"
    root = portal(files(**{"okrs/metrics/wait.yml": meta}), portal_yml=None)
    run = cli(root, "validate")
    assert run.code == 1
    [line] = run.out.splitlines()
    assert line.startswith("okrs/metrics/wait.yml:1: feed url 'ftp://xxx") and len(line) < 300, line[:400]


@pytest.mark.parametrize("objective, line, shown", [
    (edit(metric_kr(), "id: a\n", 'id: "bad\\e[31m\\nid\\u2028x"\n'), 1, "id 'bad\\x1b[31m\\nid\\u2028x'"),
    (edit(metric_kr(), "owner: Access team\n", 'owner: Access team\nvisibility: "pub\\rlic\\x00"\n'), 5,
     "visibility 'pub\\rlic\\x00'"),
    (metric_kr(target='target: {value: "\\t12\\x7f"}'), 10, "value must be a number, not '\\t12\\x7f'"),
])
def test_control_characters_in_a_value_are_shown_escaped(portal, cli, objective, line, shown):
    root = portal(files(objective), portal_yml=None)
    run = cli(root, "validate")
    [printed] = run.out.splitlines()
    assert printed.startswith(f"{A}:{line}: {shown}"), printed
    assert not re.search(r"[\x00-\x1f\x7f\u2028\u2029]", printed)


def test_a_feed_url_with_a_password_is_shown_without_it(portal, cli):
    meta = "feed: {type: csv, url: 'ftp://reader:s3cret-pass@data.example.org/waits.csv'}\n"
    root = portal(files(**{"okrs/metrics/wait.yml": meta}), portal_yml=None)
    run = cli(root, "validate")
    assert run.out.splitlines() == ["okrs/metrics/wait.yml:1: feed url 'ftp://***@data.example.org/waits.csv' must be "
                                    "an http(s) URL or a path inside the portal"]
    assert "s3cret" not in run.out + run.err


def test_an_empty_visibility_is_not_taken_to_mean_public(portal, cli):
    objective = edit(metric_kr(), "owner: ", "visibility:\nowner: ")
    assert_fails_everywhere(portal, cli, files(objective), [f"{A}:4: visibility must be one of public, draft, not an empty value"])
