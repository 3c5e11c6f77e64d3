"""The file formats of DESIGN.md §3, declared once.

The same declarations drive the loader (types, required fields, unknown keys, in
``reader``) and the JSON Schema shipped for editors (``okr-portal schema``, in
``json_schema``), so the two cannot drift apart. Rules that need more than one
value at a time (dates in order, references between files) live in ``validate``.
"""

from __future__ import annotations

from dataclasses import replace

from site_builder.compute.status import CONFIDENCES as CONFIDENCE_STATUSES, WORST_FIRST, Status
from site_builder.model import FLAGS
from site_builder.source.kinds import (
    DIMENSION_PATTERN, DateKind, Enum, Field, Id, Lang, ListOf, MapOf, Number, Obj, Str, StrMap, TextKind,
)

# --- the formats ----------------------------------------------------------
# Every field has a doc: it is the description editors show on hover (okr-portal schema),
# so it is written for the staff who edit these files, not for programmers.

CONFIDENCES = tuple(s.value for s in CONFIDENCE_STATUSES)
KR_TYPES = ("metric", "milestone", "maintain", "rollup")
SCHEMAS = (1, 2)  # the schema versions this okr-portal reads
ALIGNS_TO_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}(/[a-z0-9][a-z0-9-]{0,63})?$"
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "annual")
DIRECTIONS = ("increase", "decrease")
AGGREGATIONS = ("mean", "sum", "min", "max", "last", "count")
FLAG_VALUES = tuple(sorted(FLAGS))  # a CSV's flag column: empty, or one of these
LONGEST_LAG_DAYS = 3660

_TEXT = " (Markdown; or one text per language, e.g. {en: ..., zh-TW: ...})"

PERIOD = Obj(name="period", doc="A reporting period, such as a fiscal year or a quarter", fields=(
    Field("id", Id(doc="Short name of the period, e.g. fy2026; objectives name their period with it"), required=True),
    Field("title", TextKind(doc="Name shown on the site, e.g. 'Fiscal year 2026'" + _TEXT), required=True),
    Field("start", DateKind(doc="First day of the period (YYYY-MM-DD)"), required=True),
    Field("end", DateKind(doc="Last day of the period (YYYY-MM-DD)"), required=True),
))

THRESHOLDS = Obj(name="thresholds", doc="How far behind the expected trajectory a key result may fall", fields=(
    Field("at_risk", Number(minimum=0, maximum=1, doc="Behind the expected progress by more than this share "
                            "(0.10 = 10 percentage points): at risk"), default=0.10),
    Field("off_track", Number(minimum=0, maximum=1, doc="Behind the expected progress by more than this share "
                              "(0.25 = 25 percentage points): off track"), default=0.25),
))

EXPLAIN = Obj(name="explain", doc="The accountability policy: which key results need an owner's explanation, "
              "and how recent it must be", fields=(
    Field("statuses", ListOf(item=Enum(values=tuple(s.value for s in WORST_FIRST)), min_items=1, unique=True,
                             doc="The statuses that need an explanation (a check-in with next_steps), e.g. "
                                 "[off_track, missed]"), default=(Status.OFF_TRACK.value, Status.MISSED.value)),
    Field("within_days", Number(integer=True, minimum=0, maximum=LONGEST_LAG_DAYS,
                                doc="How many days old that check-in may be, e.g. 45"), default=45),
))

PORTAL = Obj(name="portal", doc="okrs/portal.yml: the portal's settings", fields=(
    Field("schema", Number(integer=True, doc="Version of the file format: 1, or 2 for units, alignment and the "
                           "other keys marked 'schema 2'"), required=True),
    Field("title", TextKind(doc="Title of the site" + _TEXT), required=True),
    Field("organization", TextKind(doc="The organization that publishes these OKRs" + _TEXT), required=True),
    Field("description", TextKind(doc="Introduction shown on the home page" + _TEXT)),
    Field("languages", ListOf(item=Lang(doc="Language code such as en or zh-TW"), min_items=1, unique=True,
                              doc="Languages of the site, such as [en, zh-TW]; the first is the default"),
          default=("en",)),
    Field("base_url", Str(pattern=r"^https?://", what="URL", doc="Public address of the site, "
                          "e.g. https://okrs.example.org/")),
    Field("contact", TextKind(doc="How readers reach the organization" + _TEXT)),
    Field("repo_url", Str(pattern=r"^https?://", what="URL", doc="The repository that holds these files, e.g. "
                          "https://github.com/org/okrs (branch main), or the portal's folder in it as the host "
                          "shows it, with its branch: https://github.com/org/site/tree/live/okrs-portal (GitLab: "
                          ".../-/tree/live/okrs-portal). Pages link to proposing a change there"), since=2),
    Field("logo", Str(doc="The organization's mark, a path from the portal root such as okrs/logo.svg (or .png): "
                      "the site's logo, favicon and link-preview images"), since=2),
    Field("explain", EXPLAIN, since=2),
    Field("periods", ListOf(item=PERIOD, min_items=1, doc="The reporting periods; at least one"), required=True),
    Field("thresholds", THRESHOLDS),
))

POINT = Obj(name="baseline", doc="Where the metric started: its value on a date", fields=(
    Field("date", DateKind(doc="Date of the baseline value (YYYY-MM-DD)"), required=True),
    Field("value", Number(doc="The metric's value on that date, a plain number such as 31 or 87.5"), required=True),
))

TARGET = Obj(name="target", doc="The value to reach, by a date (default: the period end)", fields=(
    Field("date", DateKind(doc="Date by which to reach the target (YYYY-MM-DD); leave the key out "
                           "to use the end of the objective's period"), empty_is_absent=False),
    Field("value", Number(doc="The value to reach, a plain number such as 20 or 95"), required=True),
))

THRESHOLD = Obj(name="threshold", doc="The level to hold: min and/or max", fields=(
    Field("min", Number(doc="Lowest acceptable value"), empty_is_absent=False),
    Field("max", Number(doc="Highest acceptable value"), empty_is_absent=False),
))

# A metric's key-indicator band: the bounds of a threshold, of which it always names one or both
# (a maintain key result's threshold is checked so only for that type: see reader).
KPI = replace(THRESHOLD, name="kpi", doc="Makes the metric a key indicator, listed on the key indicators page "
              "with this band: min and/or max, the values it should stay within", at_least_one=("min", "max"))

UPDATE = Obj(name="update", doc="A check-in by the owner", fields=(
    Field("date", DateKind(doc="Date of the check-in (YYYY-MM-DD)"), required=True),
    Field("confidence", Enum(values=CONFIDENCES, doc="The owner's own assessment: on_track, at_risk or off_track; "
                             "shown beside the computed status, never instead of it"), required=True),
    Field("text", TextKind(doc="What happened and what is next" + _TEXT), required=True),
    Field("next_steps", TextKind(doc="What happens next: the owner's plan, shown as 'What happens next'; "
                                     "a key result that needs an explanation needs a recent check-in with it" + _TEXT),
          since=2),
))

KEY_RESULT = Obj(name="key result", doc="A measurable result that shows progress on the objective", fields=(
    Field("id", Id(doc="Short name of the key result, unique within the objective"), required=True),
    Field("title", TextKind(doc="What the key result is, as shown on the site" + _TEXT), required=True),
    Field("type", Enum(values=KR_TYPES, doc="metric: move a metric from baseline to target; "
                       "maintain: hold a metric within a threshold; milestone: get something done by a date; "
                       "rollup (schema 2): the progress of the objectives aligned to it",
                       since=(("rollup", 2),)),
          default="metric", empty_is_absent=False),
    Field("commitment", Enum(values=("committed", "aspirational"),
                             doc="committed: expected to be fully achieved; aspirational: a stretch goal"),
          default="committed"),
    Field("weight", Number(exclusive_minimum=0, doc="How much this key result counts in the objective's progress, "
                           "compared with the others (default 1)"), default=1),
    Field("metric", Id(doc="Id of the metric it measures: the name of a file in okrs/metrics/ without .csv "
                       "(metric and maintain key results)")),
    Field("breakdown", MapOf(item=Id(doc="A code declared in the metric's dimension"), key_pattern=DIMENSION_PATTERN,
                             key_what="dimension name", min_items=1,
                             doc="Measure one group of the metric instead of its headline figure: "
                                 "{dimension: code}, e.g. {facility: northshore}"), since=2, empty_is_absent=False),
    Field("baseline", POINT),
    Field("target", TARGET),
    Field("threshold", THRESHOLD),
    Field("due", DateKind(doc="Date the milestone is due (YYYY-MM-DD)")),
    Field("done", DateKind(doc="Date the milestone was done (YYYY-MM-DD); leave it out while it is not done")),
    Field("updates", ListOf(item=UPDATE, doc="Check-ins by the owner, in date order, newest last"), default=()),
))

# Which optional fields each key-result type needs and allows (DESIGN.md §3).
KR_TYPE_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "metric": {"required": ("metric", "baseline", "target"), "allowed": ("metric", "baseline", "target", "breakdown")},
    "maintain": {"required": ("metric", "threshold"), "allowed": ("metric", "threshold", "breakdown")},
    "milestone": {"required": ("due",), "allowed": ("due", "done")},
    "rollup": {"required": (), "allowed": ()},
}

OBJECTIVE = Obj(name="objective", doc="okrs/objectives/**/*.yml: one objective", fields=(
    Field("id", Id(doc="Short name of the objective, unique in the portal; it makes the page's address"),
          required=True),
    Field("period", Id(doc="Id of the period it belongs to, one of the periods in okrs/portal.yml"), required=True),
    Field("title", TextKind(doc="What the objective is, as shown on the site" + _TEXT), required=True),
    Field("owner", TextKind(doc="The accountable official or team" + _TEXT), required=True),
    Field("unit", Id(doc="Id of the unit that owns it, one of the units in okrs/units.yml; "
                     "default: the organization"), since=2),
    Field("aligns_to", Str(pattern=ALIGNS_TO_PATTERN, what="objective id, or objective id/key result id",
                           doc="The objective it contributes to (its id), or one of that objective's key results "
                               "(objective-id/key-result-id)"), since=2),
    Field("description", TextKind(doc="Why the objective matters and how it will be reached" + _TEXT)),
    Field("retrospective", TextKind(doc="After the period: what was achieved, what was not, and what was learned"
                                        + _TEXT), since=2),
    Field("tags", ListOf(item=Id(doc="A tag: lowercase letters, digits and '-'"), unique=True,
                         doc="Topics to list the objective under, such as [access, safety]"), default=()),
    Field("visibility", Enum(values=("public", "draft"), doc="public (the default) or draft; drafts are never "
                             "published"), default="public",
          # Left empty, it would publish a file someone began to mark as a draft.
          empty_is_absent=False),
    Field("internal_notes", Str(doc="Notes for staff; never published, anywhere")),
    Field("key_results", ListOf(item=KEY_RESULT, min_items=1, doc="The key results that measure the objective; "
                                "at least one"), required=True),
))

UNIT = Obj(name="unit", doc="A unit of the organization: a department, office, hospital or team", fields=(
    Field("id", Id(doc="Short name of the unit, unique in the portal; objectives name their unit with it"),
          required=True),
    # `parent:` with nothing after it is an error, not "no parent": that would make another root.
    Field("parent", Id(doc="Id of the unit it belongs to; every unit has one but the organization itself"),
          empty_is_absent=False),
    Field("title", TextKind(doc="Name of the unit, as shown on the site" + _TEXT), required=True),
    Field("lead", TextKind(doc="The accountable executive or office" + _TEXT)),
    Field("description", TextKind(doc="What the unit does" + _TEXT)),
))

UNITS_SINCE = 2  # okrs/units.yml is read only in a portal of schema 2
UNITS = ListOf(item=UNIT, min_items=1, doc="okrs/units.yml (schema 2): the organization's units, one of them "
               "without a parent (the organization itself)")

FEED = Obj(name="feed", doc="Where scheduled refreshes pull this metric from", fields=(
    Field("type", Enum(values=("csv", "json", "sql"), doc="Kind of source: csv, json or sql"), required=True),
    Field("url", Str(doc="csv/json: http(s) URL or a path relative to the portal root")),
    Field("date", Str(doc="Source column or field holding the date"), default="date"),
    Field("value", Str(doc="Source column or field holding the value"), default="value"),
    Field("records", Str(doc="json: dotted path to the list of records")),
    Field("connection_env", Str(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", what="environment variable name",
                                doc="sql: environment variable holding the SQLAlchemy URL")),
    Field("query", Str(doc="sql: the query; it returns the date and value columns")),
    Field("headers_env", StrMap(doc="HTTP headers; each value names the environment variable holding it")),
    Field("dimensions", MapOf(item=Str(doc="The source column or field holding this dimension's codes"),
                              key_pattern=DIMENSION_PATTERN, key_what="dimension name", min_items=1,
                              doc="Which source column or field holds each of the metric's dimensions, "
                                  "e.g. {facility: clinic_code}"), since=2),
    Field("aggregate", Obj(name="aggregate", doc="Roll the source's rows up to one value per period (and group)",
                           fields=(
        Field("every", Enum(values=FREQUENCIES, doc="The period rows are grouped by: daily, weekly (weeks start on "
                            "Monday), monthly, quarterly or annual; each is dated on its first day. Leave it out "
                            "to use the metric's frequency")),
        Field("how", Enum(values=AGGREGATIONS, doc="How the values of a period are combined: mean, sum, min, max, "
                          "last (the latest dated) or count"), required=True),
    )), since=2),
))

DIMENSION = Obj(name="dimension", doc="A breakdown of the metric: a column of its CSV file holding a code per row",
                fields=(
    Field("title", TextKind(doc="Name of the breakdown, e.g. 'County'" + _TEXT)),
    Field("values", MapOf(item=TextKind(doc="The label shown for this code" + _TEXT), min_items=1,
                          doc="The codes rows may use, in the order the site shows them, each with its label: "
                              "{northshore: Northshore clinic, eastfield: Eastfield clinic}"), required=True),
))

MAP = Obj(name="map", doc="Draw the latest value of each code of a dimension on a map", fields=(
    Field("dimension", Str(pattern=DIMENSION_PATTERN, what="dimension name",
                           doc="The dimension whose codes are the map's regions"), required=True),
    Field("geojson", Str(doc="The boundaries: a GeoJSON file under okrs/, e.g. geo/counties.geojson"), required=True),
    Field("property", Str(doc="The property of each GeoJSON feature that holds the region's code"), required=True),
))

METRIC = Obj(name="metric", doc="okrs/metrics/<id>.yml: what a metric is and where its data comes from", fields=(
    Field("title", TextKind(doc="Name of the metric, as shown on the site" + _TEXT)),
    Field("unit", Str(doc="Shown after values: %, days, per 1,000 patient days")),
    Field("decimals", Number(integer=True, minimum=0, maximum=10, doc="How many digits to show after the decimal "
                             "point, from 0 to 10")),
    Field("frequency", Enum(values=FREQUENCIES, doc="How often a new value comes: daily, weekly, monthly, "
                            "quarterly or annual")),
    Field("source", TextKind(doc="Who produces the data" + _TEXT)),
    Field("methodology", TextKind(doc="How it is measured" + _TEXT)),
    Field("verification", TextKind(doc="How the figures are checked before they are published" + _TEXT), since=2),
    Field("limitations", TextKind(doc="What the figures do not show, and what they should not be used for" + _TEXT),
          since=2),
    # At most ten years: a longer lag is a typing error, and dates computed with it stay real dates.
    Field("lag_days", Number(integer=True, minimum=0, maximum=LONGEST_LAG_DAYS, doc="How many days after its date a value is usually "
                             "published, e.g. 45: the data are shown as overdue when the newest value is older than "
                             "one interval of the frequency plus these days. Leave it out to allow one more interval "
                             "instead"), since=2),
    Field("direction", Enum(values=DIRECTIONS, doc="Which way is better: increase (higher values are better) or "
                            "decrease (lower values are better); used to colour maps and indicators"), since=2),
    # `kpi:` with nothing after it is an error, not "no kpi": the metric would silently leave
    # the key indicators page.
    Field("kpi", KPI, since=2, empty_is_absent=False),
    Field("dimensions", MapOf(item=DIMENSION, key_pattern=DIMENSION_PATTERN, key_what="dimension name", min_items=1,
                              doc="Breakdowns of the metric (by place, group…): each a column of the CSV beside "
                                  "date and value, with the codes it may hold"), since=2),
    Field("map", MAP, since=2),
    Field("formula", Str(doc="Compute this metric from others instead of reading a CSV file, e.g. "
                             "100 * telehealth-visits / outpatient-visits; numbers, metric ids, + - * /, "
                             "parentheses, rolling_mean(x, n) and rolling_sum(x, n)"), since=2),
    Field("feed", FEED),
))
