"""`make catalogs`: the .pot regenerated from the message keys the code and the templates use,
and each language's .po updated from it, as `pybabel extract` and `pybabel update` would.

The English of every message is written once, in site_builder/locale/okr-portal.pot (msgctxt:
the key, msgid: the English). To add a message, name its key in the code (``msg["new.key"]``,
``{{ msg.new_key }}``), add its entry to the .pot, and run `make catalogs`: the references
(``#: file:line``) are found again, keys no longer used are dropped, and each .po gets the new
entry to translate (an entry whose English changed becomes fuzzy: shown in English until a
translator checks it). A key used with no English in the .pot stops it with exit status 1.

    python tools/catalogs.py [--check]    # --check: change nothing, exit 1 if a file would change
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from site_builder.catalogs import DOMAIN, LOCALE_DIR, POT, placeholders, po_path, product_languages  # noqa: E402

PACKAGE = REPO / "site_builder"
# msg["key"], msg.get("key"), labels["key"] (the charts' view of the catalog), messages(lang)["key"];
# a key made of a prefix (msg[f"status.{s}"], msg["status." + s]) names every key of that prefix.
_PY_USE = re.compile(r"""(?:\bmsg|\blabels|\bmessages\([^()]*\))\s*(?:\[|\.get\()\s*(f?)["']([a-z0-9_.]+)(\{|["']\s*\+)?""")
_J2_USE = re.compile(r"""\bmsg\.([a-z_][a-z0-9_]*)\b(?!\()|\bmsg\[["']([a-z0-9_.]+)["']\]""")
# Any other string literal that is a key: a key passed around before it is looked up (msg[state]).
_LITERAL = re.compile(r"""["']([a-z][a-z0-9_.]*)["']""")

METHOD_MAP = [("site_builder/**.py", "python_keys"), ("site_builder/templates/*.j2", "template_keys"),
              ("site_builder/report/*.j2", "template_keys")]


def extract_keys(fileobj, keywords, comment_tags, options):
    """A Babel extraction method: (line, None, key, [how]) for every key a file names, ``how``
    being "use" (looked up there), "prefix" (an f-string key: the key is a prefix) or "literal"."""
    template = options.get("kind") == "template"
    for lineno, line in enumerate(io.TextIOWrapper(fileobj, encoding="utf-8"), 1):
        if template:
            for match in _J2_USE.finditer(line):
                yield lineno, None, match.group(1) or match.group(2), ["use"]
            continue
        used = set()
        for match in _PY_USE.finditer(line):
            prefix = bool(match.group(3)) and (match.group(1) == "f" or match.group(3) != "{")
            used.add(match.group(2))
            yield lineno, None, match.group(2), ["prefix" if prefix else "use"]
        for match in _LITERAL.finditer(line):
            if match.group(1) not in used:
                yield lineno, None, match.group(1), ["literal"]


def python_keys(fileobj, keywords, comment_tags, options):
    return extract_keys(fileobj, keywords, comment_tags, {**options, "kind": "python"})


def template_keys(fileobj, keywords, comment_tags, options):
    return extract_keys(fileobj, keywords, comment_tags, {**options, "kind": "template"})


def references(english: dict[str, str]) -> tuple[dict[str, list[tuple[str, int]]], list[str]]:
    """key -> [(file, line)] for every key of ``english`` the code uses, and the problems: keys
    used that have no English."""
    methods = {"python_keys": python_keys, "template_keys": template_keys}
    refs: dict[str, list[tuple[str, int]]] = {}
    literals: dict[str, list[tuple[str, int]]] = {}
    problems = []
    for pattern, method in METHOD_MAP:
        found = extract_from_dir(REPO, [(pattern, methods[method])], keywords={}, comment_tags=(),
                                 strip_comment_tags=False)
        for filename, lineno, key, comments, _ in found:
            path = f"site_builder/{filename}" if not filename.startswith("site_builder") else filename
            how = comments[0] if comments else "use"
            if how == "prefix":
                for known in english:
                    if known.startswith(key):
                        refs.setdefault(known, []).append((path, lineno))
            elif how == "literal":
                if key in english:
                    literals.setdefault(key, []).append((path, lineno))
            elif key in english:
                refs.setdefault(key, []).append((path, lineno))
            elif not path.endswith("catalogs.py"):
                problems.append(f"{path}:{lineno}: the message {key!r} has no English in {POT.relative_to(REPO)}")
    for key, places in literals.items():
        refs.setdefault(key, places)
    return refs, problems


def _read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, abort_invalid=True)


def _written(catalog: Catalog, **options) -> bytes:
    out = io.BytesIO()
    # No previous msgids (#|): Babel reads them back as comments, so each run would add one more.
    # References name files, not lines: an edit elsewhere in a file leaves the catalogs as they are.
    write_po(out, catalog, width=100, include_lineno=False, **options)
    # The creation and revision dates would change every run: the files change only with their entries.
    return re.sub(rb'"(POT-Creation-Date|PO-Revision-Date): [^"]*\\n"\n', b"", out.getvalue())


def template(old_pot: Catalog) -> tuple[Catalog, list[str]]:
    """The new .pot: the old one's English for every key still used, with today's references."""
    english = {m.context: m.id for m in old_pot if m.id and m.context}
    refs, problems = references(english)
    pot = Catalog(domain=DOMAIN, project="okr-portal", charset="utf-8", fuzzy=False)
    for key in sorted(refs):
        flags = ("python-brace-format",) if placeholders(english[key]) else ()
        pot.add(english[key], context=key, locations=sorted(set(refs[key])), flags=flags)
    return pot, problems


def updated(po: Catalog, pot: Catalog) -> Catalog:
    """``po`` updated from ``pot`` as `pybabel update` does (changed English: fuzzy), without
    keeping the entries no longer used (git keeps them)."""
    english = {m.context: m.id for m in pot if m.id and m.context}
    for message in list(po):
        new = english.get(message.context) if message.id and message.context else None
        if new is not None and new != message.id:  # its English changed: a translator checks it again
            po.delete(message.id, message.context)
            po.add(new, message.string, flags={*message.flags, "fuzzy"}, user_comments=message.user_comments,
                   context=message.context)
    po.update(pot, no_fuzzy_matching=True, update_header_comment=False)
    po.obsolete.clear()
    return po


def main(argv: list[str]) -> int:
    check = "--check" in argv
    pot, problems = template(_read(POT))
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    outputs = {POT: _written(pot)}
    for code in product_languages():
        outputs[po_path(code)] = _written(updated(_read(po_path(code)), pot))
    stale = [path for path, content in outputs.items() if not path.is_file() or path.read_bytes() != content]
    for path in stale:
        if check:
            print(f"{path.relative_to(REPO)} is out of date: run make catalogs", file=sys.stderr)
        else:
            path.write_bytes(outputs[path])
            print(f"wrote {path.relative_to(REPO)}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

__all__ = ["LOCALE_DIR", "main", "references", "template", "updated"]
