"""[2] A derived metric's formula (DESIGN.md §3): our own small grammar, never Python.

First what it refuses, each one clear error with its character (and, through the real CLI,
at its file and line); then what it reads, the tree it reads it into, references() and
parts() (the formula in pieces, linked to its inputs, for the metric page); then the
portal-wide rules: unknown inputs, the metric itself, and circles of derived metrics.
"""

from __future__ import annotations

import dataclasses

import pytest

from fixtures import OBJECTIVE_PATH, PORTAL_PATH, PORTAL_YML
from site_builder.source.formula import (
    MAX_CHARS, MAX_DEPTH, Binary, FormulaError, Negate, Number, Ref, Rolling, parse, parts, references,
)

PORTAL_2 = PORTAL_YML.replace("schema: 1\n", "schema: 2\n", 1)

OBJECTIVE = """\
id: a
period: cy2026
title: More telehealth
owner: Access team
key_results:
  - id: share
    title: Telehealth share
    metric: share
    baseline: {date: 2026-01-01, value: 5}
    target: {value: 20}
"""

VISITS_CSV = "date,value\n2026-01-01,10\n2026-02-01,20\n"
PATIENTS_CSV = "date,value\n2026-01-01,100\n2026-02-01,100\n"


def share_yml(formula: str) -> str:
    # line 1 title, line 2 unit, line 3 formula
    return f"title: Telehealth share\nunit: \"%\"\nformula: {formula}\n"


def files(formula: str = "100 * visits / patients", **more: str) -> dict[str, str]:
    out = {PORTAL_PATH: PORTAL_2, OBJECTIVE_PATH: OBJECTIVE, "okrs/metrics/visits.csv": VISITS_CSV,
           "okrs/metrics/patients.csv": PATIENTS_CSV, "okrs/metrics/share.yml": share_yml(formula)}
    out.update({f"okrs/metrics/{name.replace('_', '-')}.yml": text for name, text in more.items()})
    return out


def validate(portal, cli, formula: str = "100 * visits / patients", **more: str):
    root = portal(files(formula, **more), portal_yml=None)
    run = cli(root, "validate")
    assert "Traceback" not in run.out + run.err
    return run


def error(text: str) -> FormulaError:
    with pytest.raises(FormulaError) as caught:
        parse(text)
    return caught.value


# --- refused: each one error, with the character -------------------------------------------


@pytest.mark.parametrize("text, words, character", [
    ("__import__('os')", "'__import__' is not a function a formula can use", 1),
    ("a.b", "a '.' cannot follow a name", 2),
    ("visits.__class__", "a '.' cannot follow a name", 7),
    ("a ** 2", "'**' is not allowed: a formula has no powers", 3),
    ("sum(a)", "'sum' is not a function a formula can use", 1),
    ("eval(a)", "'eval' is not a function a formula can use", 1),
    ("rolling_mean(a, 0)", "a whole number of 1 or more, not '0'", 17),
    ("rolling_mean(a, 1.5)", "a whole number of 1 or more, not '1.5'", 17),
    ("rolling_sum(a, -2)", "a whole number of 1 or more, not '-2'", 16),
    ("rolling_sum(a, b)", "a whole number of 1 or more, not 'b'", 16),
    ("rolling_mean(a, )", "a whole number of 1 or more, not nothing", 17),
    ("rolling_mean(a)", "rolling_mean needs two parts", 15),
    ("rolling_mean(a, 3, 4)", "rolling_mean(…) is not closed after N", 18),
    ("rolling_mean(a, 1000001)", "N in rolling_mean(X, N) is at most 100,000", 17),
    ("rolling_mean", "rolling_mean needs parentheses", 1),
    ("", "the formula is empty", 1),
    ("   ", "the formula is empty", 1),
    ("(a + b", "a '(' is never closed", 1),
    ("((a + b)", "a '(' is never closed", 1),
    ("a + b)", "a ')' closes a parenthesis that was never opened", 6),
    ("()", "a value is missing before ')'", 2),
    ("a +", "the formula ends with '+': a value must follow it", 3),
    ("a * b /", "the formula ends with '/': a value must follow it", 7),
    ("-", "the formula ends with '-'", 1),
    ("a * / b", "'/' needs a value on each side; two operators are in a row", 5),
    ("* a", "'*' needs a value on each side", 1),
    ("a b", "an operator (+ - * /) is missing before 'b'", 3),
    ("2 (a)", "an operator (+ - * /) is missing before '('", 3),
    ("a, b", "a ',' can only separate the two parts of rolling_mean(X, N)", 2),
    ("Visits", "'Visits' is not a metric id: ids are lowercase letters, digits and '-'", 1),
    ("visits_2", "'visits_2' is not a metric id", 1),
    ("a" * 65, "is not a metric id", 1),
    ("1.", "the number '1.' needs digits after its decimal point", 2),
    (".5", "a '.' can only be the decimal point of a number (write 0.5, not .5)", 1),
    ("1.5.2", "has a second decimal point", 4),
    ("9" * 400, "is out of range", 1),
    ("a $ b", "the character '$' cannot be used in a formula", 3),
    ("a % b", "the character '%' cannot be used in a formula", 3),
    ("a ^ 2", "the character '^' cannot be used in a formula", 3),
    ("a == b", "the character '=' cannot be used in a formula", 3),
    ("visits; import os", "the character ';' cannot be used in a formula", 7),
    ("lambda: 1", "the character ':' cannot be used", 7),
    ("'a'", "the character ''' cannot be used", 1),
    ("a\x00", "the character '\\x00' cannot be used", 2),
    ("é", "the character 'é' cannot be used", 1),
])
def test_each_wrong_formula_is_one_clear_error(text, words, character):
    caught = error(text)
    assert words in caught.message, caught.message
    assert caught.position + 1 == character
    assert str(caught) == f"{caught.message} (at character {character})"
    assert "\n" not in str(caught) and "Traceback" not in str(caught)


def test_absurdly_long_input_is_refused_before_it_is_read():
    caught = error("a + " * 5000 + "a")
    assert caught.message == f"the formula is too long (20,001 characters); keep it to {MAX_CHARS:,} at most"


@pytest.mark.parametrize("text", [
    "(" * 500 + "a" + ")" * 500,  # parentheses
    "-" * 500 + "a",  # minus signs
    "rolling_mean(" * 100 + "a" + ", 2)" * 100,  # functions
])
def test_deep_nesting_is_an_error_not_a_crash(text):
    assert f"nested too deeply (more than {MAX_DEPTH} levels)" in error(text).message


def test_a_very_long_chain_of_operations_is_an_error_not_a_crash():
    # 300 additions: a tree 300 deep, which nothing walking it should have to follow.
    assert f"too long or too deeply nested (more than {MAX_DEPTH} steps)" in error(" + ".join(["a"] * 300)).message


def test_nesting_up_to_the_limit_reads():
    assert parse("(" * (MAX_DEPTH - 1) + "a" + ")" * (MAX_DEPTH - 1)) == Ref("a")
    assert isinstance(parse(" + ".join(["a"] * MAX_DEPTH)), Binary)


def test_a_quoted_value_is_cut_short():
    caught = error("x" * 100 + "(a)")
    assert caught.message.startswith("'" + "x" * 40 + "…'")


# --- read: the tree ---------------------------------------------------------------------------


def test_the_usual_precedence_and_left_association():
    a, b, c = Ref("a"), Ref("b"), Ref("c")
    assert parse("a + b * c") == Binary("+", a, Binary("*", b, c))
    assert parse("(a + b) * c") == Binary("*", Binary("+", a, b), c)
    assert parse("a - b - c") == Binary("-", Binary("-", a, b), c)  # (a - b) - c
    assert parse("a / b / c") == Binary("/", Binary("/", a, b), c)  # (a / b) / c
    assert parse("a / b * c") == Binary("*", Binary("/", a, b), c)
    assert parse("a - b + c") == Binary("+", Binary("-", a, b), c)


def test_a_hyphen_between_letters_or_digits_is_part_of_an_id():
    assert parse("tele-visits") == Ref("tele-visits")
    assert parse("tele-visits - b") == Binary("-", Ref("tele-visits"), Ref("b"))
    assert parse("a-2") == Ref("a-2")
    assert parse("2026-visits") == Ref("2026-visits")
    assert parse("a -b") == Binary("-", Ref("a"), Ref("b"))
    assert parse("a- b") == Binary("-", Ref("a"), Ref("b"))


def test_numbers_and_minus_signs():
    assert parse("100") == Number(100.0)
    assert parse("0.5 * a") == Binary("*", Number(0.5), Ref("a"))
    assert parse("-a") == Negate(Ref("a"))
    assert parse("2 * -a") == Binary("*", Number(2.0), Negate(Ref("a")))
    assert parse("-(a + b)") == Negate(Binary("+", Ref("a"), Ref("b")))
    assert parse("a - -b") == Binary("-", Ref("a"), Negate(Ref("b")))
    assert parse("1e3") == Ref("1e3")  # a metric id, not a number in scientific notation


def test_rolling_functions():
    assert parse("rolling_mean(a, 3)") == Rolling("rolling_mean", Ref("a"), 3)
    assert parse("rolling_sum ( a / b , 12 )") == Rolling("rolling_sum", Binary("/", Ref("a"), Ref("b")), 12)
    assert parse("rolling_mean(a, 1)") == Rolling("rolling_mean", Ref("a"), 1)
    assert parse("100 * rolling_sum(a, 3) / rolling_sum(b, 3)") == Binary(
        "/", Binary("*", Number(100.0), Rolling("rolling_sum", Ref("a"), 3)), Rolling("rolling_sum", Ref("b"), 3))


def test_white_space_and_line_breaks_are_ignored():
    spaced = "  100 *\n  telehealth-visits\t/ outpatient-visits\n"
    assert parse(spaced) == parse("100*telehealth-visits/outpatient-visits")


def test_the_tree_is_immutable():
    tree = parse("a + 1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        tree.op = "-"
    assert Ref("a", 0) == Ref("a", 7)  # where it was written does not count


def test_references():
    assert references(parse("100 * telehealth-visits / outpatient-visits")) == {"telehealth-visits",
                                                                                "outpatient-visits"}
    assert references(parse("rolling_mean(a / b, 3) + a - 2")) == {"a", "b"}
    assert references(parse("42")) == set()


# --- parts(): the formula on the metric page, linked to its inputs ------------------------------


def test_parts_link_each_metric_id_and_keep_the_text_exactly():
    text = "100 * telehealth-visits / outpatient-visits"
    assert parts(text) == [("100 * ", None), ("telehealth-visits", "telehealth-visits"), (" / ", None),
                           ("outpatient-visits", "outpatient-visits")]
    text = "rolling_mean(a - b, 3)"
    assert parts(text) == [("rolling_mean(", None), ("a", "a"), (" - ", None), ("b", "b"), (", 3)", None)]
    assert "".join(piece for piece, _ in parts(text)) == text
    assert parts("a") == [("a", "a")]


def test_parts_never_raise():
    assert parts("a $ b") == [("a $ b", None)]
    assert parts("") == [("", None)]


# --- through the real CLI: at the formula's file and line ---------------------------------------


def test_a_valid_formula_validates(portal, cli):
    run = validate(portal, cli)
    assert run.code == 0, run.out
    assert run.out.startswith("okrs/ is valid: 1 objective")


def test_python_is_a_validation_error_at_the_file_and_line(portal, cli):
    run = validate(portal, cli, "__import__('os').system('echo hacked')")
    assert run.out.splitlines() == [
        "okrs/metrics/share.yml:3: formula of metric 'share': '__import__' is not a function a formula can "
        "use: the functions are rolling_mean(X, N) and rolling_sum(X, N) (at character 1)"]
    assert run.code == 1
    assert "hacked" not in run.out + run.err


@pytest.mark.parametrize("formula, words", [
    ("visits ** 2", "'**' is not allowed"),
    ("visits.real", "a '.' cannot follow a name"),
    ("rolling_mean(visits, 0)", "a whole number of 1 or more, not '0'"),
    ("(visits / patients", "a '(' is never closed"),
    ("visits /", "the formula ends with '/'"),
    ("'   '", "the formula is empty"),
])
def test_each_wrong_formula_is_one_line_at_the_formula(portal, cli, formula, words):
    run = validate(portal, cli, formula)
    lines = run.out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("okrs/metrics/share.yml:3: formula of metric 'share': "), run.out
    assert words in lines[0]
    assert run.code == 1


def test_an_unknown_input_is_named_with_a_hint(portal, cli):
    run = validate(portal, cli, "100 * visitz / patients")
    assert run.out.splitlines() == [
        "okrs/metrics/share.yml:3: formula of metric 'share': there is no metric 'visitz' (did you mean 'visits'?)"]
    assert run.code == 1


def test_subtraction_without_spaces_is_explained(portal, cli):
    run = validate(portal, cli, "visits-patients")
    assert run.out.splitlines() == [
        "okrs/metrics/share.yml:3: formula of metric 'share': there is no metric 'visits-patients'; to subtract, "
        "put spaces around the minus: visits - patients"]


def test_a_formula_naming_its_own_metric(portal, cli):
    run = validate(portal, cli, "share + visits")
    assert run.out.splitlines() == [
        "okrs/metrics/share.yml:3: formula of metric 'share' names the metric itself: compute it from other "
        "metrics only"]


def test_a_formula_of_numbers_only(portal, cli):
    run = validate(portal, cli, "100 * 2")
    assert run.out.splitlines() == [
        "okrs/metrics/share.yml:3: formula of metric 'share' names no metric: a derived metric is computed from "
        "other metrics, e.g. 100 * visits / patients"]


def test_a_circle_is_named_once(portal, cli):
    # share -> ratio -> scaled -> share; 'other' rests on the circle but is not in it.
    run = validate(portal, cli, "ratio * 100", ratio="formula: scaled / patients\n",
                   scaled="formula: share + visits\n", other="formula: ratio + 1\n")
    assert run.out.splitlines() == [
        "okrs/metrics/ratio.yml:1: formula of metric 'ratio': metrics ratio → scaled → share → ratio are computed "
        "from each other in a circle; compute one of them from other metrics"]
    assert run.code == 1


def test_two_circles_are_two_errors(portal, cli):
    run = validate(portal, cli, "visits", p="formula: q\n", q="formula: p + 1\n", x="formula: y\n", y="formula: x\n")
    assert run.out.splitlines() == [
        "okrs/metrics/p.yml:1: formula of metric 'p': metrics p → q → p are computed from each other in a circle; "
        "compute one of them from other metrics",
        "okrs/metrics/x.yml:1: formula of metric 'x': metrics x → y → x are computed from each other in a circle; "
        "compute one of them from other metrics"]


def test_a_derived_input_without_a_circle_is_fine(portal, cli):
    run = validate(portal, cli, "rate * 100", rate="formula: visits / patients\n")
    assert run.code == 0, run.out


def test_a_formula_with_a_data_file_or_a_feed(portal, cli):
    """Refused by the loader and statistics_rules, not again here."""
    more = {"okrs/metrics/share.csv": "date,value\n2026-01-01,1\n"}
    root = portal({**files(), **more}, portal_yml=None)
    run = cli(root, "validate")
    assert run.code == 1
    assert all("formula of metric" not in line for line in run.out.splitlines()), run.out


def test_formula_needs_schema_2(portal, cli):
    root = portal({**files(), PORTAL_PATH: PORTAL_YML}, portal_yml=None)
    run = cli(root, "validate")
    assert run.code == 1
    assert "okrs/metrics/share.yml:3: 'formula' needs schema: 2" in run.out


def test_exactly_the_longest_formula_reads():
    text = "a" + " " * (MAX_CHARS - 1)
    assert len(text) == MAX_CHARS and parse(text) == Ref("a")
