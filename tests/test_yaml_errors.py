"""Mistakes in a YAML file, as a staff member makes them, and the one line `validate` prints.

Every case is the objective file of tests/test_validate_corpus.py (numbered below) with one
mistake. `validate` must print exactly one line, ``path:line: message``, at the line where the
mistake is (not where the YAML parser noticed it), in words that need no knowledge of YAML's
grammar, and quoting no more of the file than an excerpt. Each case names the line and the key
words of its message.
"""

from __future__ import annotations

import random
import re

import pytest
import yaml

from site_builder.source import yaml_reader as yamlsource
from site_builder.problems import Problem
from fixtures import (
    OBJECTIVE_PATH as A, WAIT_CSV_PATH as CSV, PORTAL_PATH as PORTAL, PORTAL_YML, SHORTER_WAITS as OBJ, WAIT_CSV,
)


# Words of the YAML parser's own messages: none may reach a staff member.
JARGON = re.compile(r"block collection|block mapping|block sequence|flow sequence|flow mapping|indicator|"
                    r"stream|<unicode string>|scalar|token|simple key|while parsing|while scanning|"
                    r"position \d|column \d|YAMLError|Traceback|\bnode\b", re.IGNORECASE)


def edit(old: str, new: str, text: str = OBJ) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def validate_one(portal, cli, text: str | bytes, path: str = A) -> tuple[int, str]:
    """The line number and message of the one problem validate prints for a.yml = ``text``."""
    files = {PORTAL: PORTAL_YML, A: OBJ, CSV: WAIT_CSV}
    files[path] = text
    root = portal(files, portal_yml=None)
    run = cli(root, "validate")
    assert "Traceback" not in run.out + run.err
    lines = run.out.splitlines()
    assert len(lines) == 1, "\n" + run.out
    assert run.code == 1
    found = re.fullmatch(r"(.*?):(\d+): (.*)", lines[0])
    assert found, lines[0]
    assert found.group(1) == path, lines[0]
    message = found.group(3)
    assert not JARGON.search(message), message
    assert len(message) < 400, message  # one short line, never a copy of the file
    return int(found.group(2)), message


def has(message: str, *words: str) -> bool:
    return all(word.lower() in message.lower() for word in words)


# (id, file text, the line of the mistake, key words of the message)
CASES = [
    # --- wrong indentation -------------------------------------------------------------
    ("key-of-a-list-item-one-space-less", edit("    metric: wait", "   metric: wait"), 8, ["indent"]),
    ("key-of-a-list-item-one-space-more", edit("    metric: wait", "     metric: wait"), 8, ["indent"]),
    ("key-of-a-list-item-at-the-items-dash", edit("    metric: wait", "  metric: wait"), 8, ["indent"]),
    ("key-of-a-list-item-at-the-margin", edit("    metric: wait", "metric: wait"), 8, ["indent"]),
    ("top-level-key-indented", edit("owner: Access team", " owner: Access team"), 4, ["indent"]),
    ("second-item-key-one-space-less", OBJ + "  - id: x\n   title: indented one space too far\n", 12, ["indent"]),
    ("nested-key-indented-more", edit("owner: Access team", "owner: Access team\n  extra: 1"), 5, ["indent"]),
    ("block-text-line-indented-less", OBJ + "description: |\n  line one\n line two\n", 13, ["indent"]),
    # --- list items ('-') ----------------------------------------------------------------
    ("first-item-dash-one-space-less", edit("  - id: wait", " - id: wait"), 6, ["indent"]),
    ("first-item-dash-one-space-more", edit("  - id: wait", "   - id: wait"), 6, ["indent"]),
    ("stray-dash-less-indented", OBJ + " - id: x\n   title: y\n", 11, ["'-'", "line up"]),
    ("stray-dash-more-indented", OBJ + "   - id: x\n     title: y\n", 11, ["'-'", "line up"]),
    ("stray-dash-at-the-margin", OBJ + "- id: x\n  title: y\n", 11, ["'-'", "line up"]),
    ("dash-without-a-space", OBJ + "  -id: x\n    title: y\n", 11, ["space after", "'-'"]),
    ("list-item-on-the-key-line", OBJ + "tags: - access\n", 11, ["'-'", "next line"]),
    # --- quotes -------------------------------------------------------------------------
    ("double-quote-never-closed", edit("title: Shorter waits", 'title: "Shorter waits'), 3, ['(")', "never closed"]),
    ("single-quote-never-closed", edit("title: Shorter waits", "title: 'Shorter waits"), 3, ["(')", "never closed"]),
    ("quote-never-closed-on-the-last-line", OBJ + '    note: "to do\n', 11, ['(")', "never closed"]),
    ("quote-closed-by-a-later-value", edit("owner: Access team", 'owner: "Access team') + 'tags: "x"\n',
     4, ['(")', "line 11"]),
    ("apostrophe-inside-single-quotes", edit("title: Shorter waits", "title: 'Women's health'"), 3, ["''"]),
    ("double-quote-inside-double-quotes", edit("title: Shorter waits", 'title: "The "short" wait"'), 3, ['\\"']),
    ("backslash-inside-double-quotes", edit("title: Shorter waits", 'title: "C:\\docs\\waits"'), 3, ["backslash", "\\\\"]),
    # --- tabs ---------------------------------------------------------------------------
    ("tab-before-a-key", edit("    title: New-patient wait", "\ttitle: New-patient wait"), 7, ["tab", "spaces"]),
    ("tab-before-a-dash", edit("  - id: wait", "\t- id: wait"), 6, ["tab", "spaces"]),
    ("tab-after-spaces", edit("    metric: wait", "  \tmetric: wait"), 8, ["tab", "spaces"]),
    # --- colons -------------------------------------------------------------------------
    ("no-colon", edit("owner: Access team", "owner Access team"), 4, ["colon", "'owner'"]),
    ("no-colon-in-a-list-item", edit("    metric: wait", "    metric wait"), 8, ["colon", "'metric'"]),
    ("no-colon-on-the-last-line", OBJ + "    due 2026-06-30\n", 11, ["colon", "'due'"]),
    ("no-space-after-the-colon", edit("owner: Access team", "owner:Access team"), 4,
     ["space after the colon", "owner: Access team"]),
    ("no-space-after-the-colon-in-a-list-item", edit("    metric: wait", "    metric:wait"), 8,
     ["space after the colon", "metric: wait"]),
    ("colon-and-space-inside-a-value", edit("title: Shorter waits", "title: Waits: shorter"), 3, ["': '", "quotes"]),
    ("text-continued-without-indentation", edit("title: Shorter waits", "title: Shorter\nwaits for all"), 4,
     ["colon", "indent"]),
    # --- brackets -----------------------------------------------------------------------
    ("bracket-never-closed", edit("title: Shorter waits", "title: [Shorter waits"), 3, ["'['", "']'", "never closed"]),
    ("brace-never-closed-at-the-end", edit("{value: 20}", "{value: 20"), 10, ["'{'", "'}'", "never closed"]),
    ("brace-never-closed-before-more-keys", edit("{date: 2026-01-01, value: 30}", "{date: 2026-01-01, value: 30"),
     9, ["'{'", "never closed"]),
    ("comma-missing-between-values", edit("{date: 2026-01-01, value: 30}", "{date: 2026-01-01 value: 30}"), 9,
     ["comma"]),
    ("closing-brace-twice", edit("{value: 20}", "{value: 20}}"), 10, ["'}'", "remove"]),
    ("value-starting-with-a-bracket", edit("title: Shorter waits", "title: [Draft] Shorter waits"), 3,
     ["'['", "quotes"]),
    ("value-starting-with-a-brace", edit("title: Shorter waits", "title: {Draft} Shorter waits"), 3,
     ["'{'", "quotes"]),
    ("empty-item-in-a-list", OBJ + "tags: [access, , safety]\n", 11, ["comma"]),
    # --- characters a value cannot start with ---------------------------------------------
    ("value-starting-with-at", edit("title: Shorter waits", "title: @team shorter waits"), 3, ["'@'", "quotes"]),
    ("value-starting-with-backtick", edit("title: Shorter waits", "title: `waits`"), 3, ["'`'", "quotes"]),
    ("value-starting-with-percent", edit("title: Shorter waits", "title: %50 shorter"), 3, ["'%'", "quotes"]),
    ("value-starting-with-ampersand", edit("title: Shorter waits", "title: & more"), 3, ["'&'", "quotes"]),
    ("value-starting-with-markdown-emphasis", edit("title: Shorter waits", "title: *Shorter* waits"), 3,
     ["'*'", "quotes"]),
    ("value-starting-with-a-star-word", edit("owner: Access team", "owner: *team"), 4, ["'*team'", "quotes"]),
    ("value-starting-with-question-mark", edit("title: Shorter waits", "title: ? Shorter"), 3, ["'?'", "quotes"]),
    ("value-starting-with-a-pipe", edit("title: Shorter waits", "title: | Shorter"), 3, ["'|'", "quotes"]),
    ("value-starting-with-greater-than", edit("title: Shorter waits", "title: > Shorter"), 3, ["'>'", "quotes"]),
    ("value-starting-with-a-dash", edit("owner: Access team", "owner: - Access team"), 4, ["'-'", "quotes"]),
    # --- files --------------------------------------------------------------------------
    ("two-documents", OBJ + "---\nid: b\n", 11, ["'---'", "one"]),
    ("a-trailing-document-marker", OBJ + "---\n", 11, ["'---'"]),
    ("byte-order-mark-in-the-middle", OBJ.replace("owner:", "\ufeffowner:"), 4, ["U+FEFF", "delete"]),
    ("values-nested-too-deeply", edit("title: Shorter waits", "title: " + "[" * 1500 + "]" * 1500), 3, ["nested"]),
    # --- control characters (C) -----------------------------------------------------------
    ("bell-in-a-value", edit("owner: Access team", "owner: Access\x07 team"), 4,
     ["control character", "U+0007", "delete"]),
    ("escape-in-a-comment", OBJ + "# note \x1b[1m\n", 11, ["control character", "U+001B"]),
    ("delete-character-after-chinese-text", edit("owner: Access team", "owner: 縮短等候縮短等候\x7f"), 4, ["U+007F"]),
    ("c1-control-after-an-emoji", edit("    metric: wait", "    metric: wait 😀\x86"), 8, ["U+0086"]),
    ("null-byte", edit("title: Shorter waits", "title: Shorter\x00 waits"), 3, ["U+0000"]),
    # --- anything else: one plain line ----------------------------------------------------
    ("end-of-document-marker-then-more", OBJ + "...\nid: b\n", 12, ["YAML"]),
]


@pytest.mark.parametrize("text, line, words", [pytest.param(t, n, w, id=name) for name, t, n, w in CASES])
def test_one_mistake_one_line_where_it_is(portal, cli, text, line, words):
    got_line, message = validate_one(portal, cli, text)
    assert (got_line, has(message, *words)) == (line, True), message


# The same mistakes read by PyYAML's pure-Python parser (where libyaml is not installed):
# its messages differ, the lines and the advice must not.
PURE_PYTHON_DIFFERS = {
    "byte-order-mark-in-the-middle",  # the pure-Python reader accepts it (and the file is valid)
}


@pytest.mark.parametrize("text, line, words", [pytest.param(t, n, w, id=name) for name, t, n, w in CASES
                                               if name not in PURE_PYTHON_DIFFERS])
def test_the_same_without_libyaml(portal, cli, monkeypatch, text, line, words):
    monkeypatch.setattr(yamlsource, "_Loader", yaml.SafeLoader)
    got_line, message = validate_one(portal, cli, text)
    assert (got_line, has(message, *words)) == (line, True), message


def test_the_missing_colon_message_suggests_the_fix(portal, cli):
    _, message = validate_one(portal, cli, edit("owner: Access team", "owner:Access team"))
    assert message == "put a space after the colon: write 'owner: Access team'"


def test_an_unclosed_quote_is_reported_where_it_opened_not_past_the_end(portal, cli):
    line, message = validate_one(portal, cli, edit("title: Shorter waits", 'title: "Shorter waits'))
    assert line == 3
    assert message == 'a quote (") opened on this line is never closed; add the closing " where the value ends'


def test_an_unclosed_bracket_is_reported_where_it_opened(portal, cli):
    line, message = validate_one(portal, cli, edit("title: Shorter waits", "title: [Shorter waits"))
    assert (line, message) == (3, "the '[' on this line is never closed; add the closing ']' where the list ends")


def test_a_control_character_message(portal, cli):
    line, message = validate_one(portal, cli, edit("owner: Access team", "owner: Access\x07 team"))
    assert line == 4
    assert message == ("this line contains a control character (U+0007) that YAML does not allow; delete it "
                       "(it is invisible in most editors; it comes after 'owner: Access')")


def test_the_generic_message_names_no_parser_words(portal, cli):
    line, message = validate_one(portal, cli, OBJ + "...\nid: b\n")
    assert line == 12
    assert message.startswith("this line cannot be read as YAML")


def test_a_long_line_is_quoted_only_in_part(portal, cli):
    long_key = "owner" + "x" * 5000
    _, message = validate_one(portal, cli, edit("owner: Access team", f"{long_key} Access team"))
    assert "x" * 100 not in message
    _, message = validate_one(portal, cli, edit("owner: Access team", f"owner:{'y' * 5000}"))
    assert "y" * 100 not in message
    _, message = validate_one(portal, cli, edit("owner: Access team", f"owner: *{'z' * 5000}"))
    assert "z" * 100 not in message


# --- line numbers with other line endings (C) ---------------------------------------------


@pytest.mark.parametrize("newline", ["\r", "\r\n"], ids=["cr-only", "crlf"])
def test_line_numbers_with_other_line_endings(portal, cli, newline):
    text = (OBJ + "colour: blue\n").replace("\n", newline).encode()
    assert validate_one(portal, cli, text) == (11, "unknown key 'colour' in objective")
    text = edit("    metric: wait", "   metric: wait").replace("\n", newline).encode()
    assert validate_one(portal, cli, text)[0] == 8
    text = edit("title: Shorter waits", 'title: "Shorter waits').replace("\n", newline).encode()
    assert validate_one(portal, cli, text)[0] == 3
    text = edit("owner: Access team", "owner: Access\x07 team").replace("\n", newline).encode()
    assert validate_one(portal, cli, text)[0] == 4


def test_a_valid_cr_only_file_is_read(portal, cli):
    root = portal({PORTAL: PORTAL_YML.replace("\n", "\r").encode(), A: OBJ.replace("\n", "\r").encode(),
                   CSV: WAIT_CSV}, portal_yml=None)
    run = cli(root, "validate")
    assert run.code == 0, run.out


@pytest.mark.parametrize("char", ["\x85", "\u2028", "\u2029"], ids=["NEL", "LS", "PS"])
def test_line_numbers_after_a_unicode_line_separator(portal, cli, char):
    # YAML counts NEL, LS and PS as line breaks; editors, git and GitHub do not: lines are
    # counted as they see them.
    text = edit("title: Shorter waits", f'title: "Shorter{char}waits"') + "colour: blue\n"
    assert validate_one(portal, cli, text) == (11, "unknown key 'colour' in objective")
    text = edit("title: Shorter waits", f'title: "Shorter{char}waits"') + "tags: [a, b\n"
    assert validate_one(portal, cli, text)[0] == 11


# --- tags (B) -------------------------------------------------------------------------


TAG_CASES = [
    ("int-not-a-number", "    weight: !!int abc\n", ["'abc'", "!!int", "whole number"]),
    ("int-empty", "    weight: !!int\n", ["!!int", "whole number"]),
    ("int-sign-only", "    weight: !!int \"-\"\n", ["!!int"]),
    ("int-hex-prefix-only", "    weight: !!int 0x\n", ["!!int"]),
    ("int-sexagesimal-broken", "    weight: !!int 1:x\n", ["!!int"]),
    ("float-not-a-number", "    weight: !!float abc\n", ["'abc'", "!!float", "number"]),
    ("float-sexagesimal-broken", "    weight: !!float 1:x\n", ["!!float"]),
    ("bool-maybe", "    weight: !!bool maybe\n", ["'maybe'", "!!bool", "true or false"]),
    ("binary", "    weight: !!binary aGVsbG8=\n", ["unsupported YAML tag"]),
    ("int-with-too-many-digits", "    weight: " + "7" * 5000 + "\n", ["digits"]),
    ("tagged-int-with-too-many-digits", "    weight: !!int " + "7" * 5000 + "\n", ["digits"]),
]


@pytest.mark.parametrize("line, words", [pytest.param(t, w, id=name) for name, t, w in TAG_CASES])
def test_a_tag_that_does_not_fit_its_value_is_one_problem(portal, cli, line, words):
    got_line, message = validate_one(portal, cli, OBJ + line)
    assert (got_line, has(message, *words)) == (11, True), message
    assert "7" * 100 not in message


def test_a_timestamp_tag_is_read_as_the_date_it_writes(portal, cli):
    text = edit("{value: 20}", "{date: !!timestamp x, value: 20}")
    assert validate_one(portal, cli, text) == (10, "date 'x' is not a date in the form YYYY-MM-DD")


def test_tagged_values_that_fit_are_read(portal, cli):
    root = portal({PORTAL: PORTAL_YML, CSV: WAIT_CSV,
                   A: edit("    metric: wait", "    weight: !!int 0x2\n    metric: !!str wait")}, portal_yml=None)
    run = cli(root, "validate")
    assert run.code == 0, run.out


def test_parse_yaml_never_raises_for_any_tag():
    for tag in ("!!int", "!!float", "!!bool", "!!null", "!!str", "!!timestamp", "!!binary", "!!map", "!!seq",
                "!!set", "!!omap", "!!pairs", "!!merge", "!!value", "!!yaml", "!local", "!<tag:x>"):
        for value in ("", "abc", "-", "+", "_", "0x", "0b", "0o", ":", "1:", "1::2", ".", "e5", "[1]", "{a: 1}",
                      "~", "null", "maybe", "1e999", "2026-13-45"):
            problems: list[Problem] = []
            yamlsource.parse_yaml(f"a: {tag} {value}\n", "x.yml", problems)
            assert len(problems) <= 1, (tag, value, problems)


MORE_CASES = [
    ("first-line-indented", " " * 2 + OBJ, 1, ["indent"]),
    ("value-starting-with-an-exclamation-mark", edit("{value: 20}", "{value: !20}"), 10, ["'!'", "quotes"]),
    ("line-starting-with-percent", edit("    metric: wait", "%   metric: wait"), 8, ["'%'"]),
]


@pytest.mark.parametrize("text, line, words", [pytest.param(t, n, w, id=name) for name, t, n, w in MORE_CASES])
def test_less_common_mistakes(portal, cli, text, line, words):
    got_line, message = validate_one(portal, cli, text)
    assert (got_line, has(message, *words)) == (line, True), message


def test_random_damage_gives_one_plain_line():
    """Thousands of files damaged at random (a character added, removed or changed): each one
    that is not YAML any more gets exactly one problem, on a line of the file, in plain words."""
    rng = random.Random(7)
    base = OBJ + "    updates:\n      - {date: 2026-01-20, confidence: at_risk, text: \"ok\"}\n    note: |\n      text\n"
    chars = list(" \t\n:-'\"[]{},#&*!|>?%@`\\") + ["  ", "\r", "\x07", "\u2028", "a", "é"]
    for _ in range(3000):
        text = base
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text) + 1)
            roll = rng.random()
            if roll < 0.4:
                text = text[:at] + rng.choice(chars) + text[at:]
            elif roll < 0.8:
                text = text[:at] + text[at + 1:]
            else:
                text = text[:at] + rng.choice(chars) + text[at + 1:]
        problems: list[Problem] = []
        if yamlsource.parse_yaml(text, A, problems) is None:
            assert len(problems) == 1, (text, problems)
            message = problems[0].message
            assert not JARGON.search(message) and "\n" not in message, (text, message)
            lines = text.count("\n") + text.count("\r") - text.count("\r\n") + 1
            assert 1 <= problems[0].loc.line <= lines, (text, problems)


@pytest.mark.parametrize("value", ["=", "<<"])
def test_a_value_that_yaml_resolves_to_a_special_tag_is_text(value):
    # YAML 1.1 resolves a plain '=' and '<<' to its 'value' and 'merge' tags; written as a
    # value, each is the text it shows.
    problems: list[Problem] = []
    node = yamlsource.parse_yaml(f"title: {value}\n", A, problems)
    assert problems == []
    assert node.items[0][2].value == value
