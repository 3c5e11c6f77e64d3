"""The small portal most tests start from, written once.

Tests that assert exact lines count on these line numbers, so they are listed
beside each text. Change a text here and every test that quotes a line of it
has to follow: prefer writing a variant in the test that needs one.
"""

from __future__ import annotations

OBJECTIVE_PATH = "okrs/objectives/a.yml"
WAIT_CSV_PATH = "okrs/metrics/wait.csv"
PORTAL_PATH = "okrs/portal.yml"

# okrs/portal.yml, by line:
#  1 schema: 1
#  2 title: Test portal
#  3 organization: Test organization
#  4 languages: [en, zh-TW]
#  5 periods:
#  6   - {id: cy2025, ...}
#  7   - {id: cy2026, ...}
PORTAL_YML = """\
schema: 1
title: Test portal
organization: Test organization
languages: [en, zh-TW]
periods:
  - {id: cy2025, title: Calendar year 2025, start: 2025-01-01, end: 2025-12-31}
  - {id: cy2026, title: Calendar year 2026, start: 2026-01-01, end: 2026-12-31}
"""

# The same portal in one language, with one period.
ONE_LANGUAGE_PORTAL_YML = """\
schema: 1
title: Test portal
organization: Test organization
periods:
  - {id: cy2026, title: Calendar year 2026, start: 2026-01-01, end: 2026-12-31}
"""

# Lines 1-5 of every objective below; key results start at line 6.
OBJECTIVE_HEAD = """\
id: a
period: cy2026
title: Shorter waits
owner: Access team
key_results:
"""

# The "Shorter waits" objective, by line:
#  1 id: a
#  2 period: cy2026
#  3 title: Shorter waits
#  4 owner: Access team
#  5 key_results:
#  6   - id: wait
#  7     title: New-patient wait
#  8     metric: wait
#  9     baseline: {date: 2026-01-01, value: 30}
# 10     target: {value: 20}
SHORTER_WAITS = OBJECTIVE_HEAD + """\
  - id: wait
    title: New-patient wait
    metric: wait
    baseline: {date: 2026-01-01, value: 30}
    target: {value: 20}
"""



def shorter_waits(objective_id: str = "a", more_key_results: str = "") -> str:
    """SHORTER_WAITS under another id, with more key results after 'wait' (list items
    indented two spaces, as those above)."""
    return SHORTER_WAITS.replace("id: a\n", f"id: {objective_id}\n", 1) + more_key_results


WAIT_CSV = "date,value\n2026-01-01,30\n2026-02-01,28\n"



# --- schema 2: a small organization ---------------------------------------------------

SCHEMA2_PORTAL_YML = ONE_LANGUAGE_PORTAL_YML.replace("schema: 1", "schema: 2")

UNITS_YML = """\
- {id: system, title: Test organization}
- {id: north, parent: system, title: North}
- {id: south, parent: system, title: South}
"""

# The organization's objective, with two rollup key results and a milestone.
TOP_YML = """\
id: top
period: cy2026
title: Top
owner: CEO
key_results:
  - {id: access, title: Access, type: rollup}
  - {id: safety, title: Safety, type: rollup}
  - {id: plan, title: Plan, type: milestone, due: 2026-06-30}
"""

# North's objective, aligned to top's first rollup (its milestone late from June).
CHILD_YML = """\
id: child
period: cy2026
title: Child
owner: North lead
unit: north
aligns_to: top/access
key_results:
  - {id: m, title: M, type: milestone, due: 2026-05-31}
"""
