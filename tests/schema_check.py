#!/usr/bin/python3
"""schema_check.py - validate a JSON file against docs/result-schema.json or one of its subschemas.

usage: schema_check.py SCHEMA FILE [POINTER]

POINTER is a JSON pointer into SCHEMA selecting the subschema FILE must
satisfy, e.g. /$defs/snapshot for `nodeperf snapshot --json` output; $refs
still resolve against the whole SCHEMA. Prints "ok" and exits 0, or prints
one line per error ("FILE: metrics[0].p50: ...") and exits 1. Exit 2 on
usage errors, an unreadable SCHEMA, or a missing jsonschema package.
"""
import json
import re
import sys
import warnings
from datetime import datetime

RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")


def strict_load(f):
    """json.load, but refusing what nodeperf's reader refuses: NaN/Infinity and duplicate keys."""
    def no_constant(name):
        raise ValueError(f"{name} is not JSON")

    def no_duplicates(pairs):
        obj = {}
        for k, v in pairs:
            if k in obj:
                raise ValueError(f"duplicate object key {k!r}")
            obj[k] = v
        return obj

    return json.load(f, parse_constant=no_constant, object_pairs_hook=no_duplicates)


def is_date_time(s):
    if not isinstance(s, str):
        return True
    if not RFC3339.fullmatch(s):
        return False
    # Leap seconds (:60) are valid RFC 3339 but not for datetime.
    datetime.fromisoformat(s[:17] + min(s[17:19], "59") + s[19:].replace("z", "Z").replace("Z", "+00:00"))
    return True


def where(path):
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (("." if out else "") + str(p))
    return out or "(top level)"


def resolve(doc, pointer):
    for tok in pointer.split("/")[1:]:
        tok = tok.replace("~1", "/").replace("~0", "~")
        doc = doc[int(tok)] if isinstance(doc, list) else doc[tok]
    return doc


def main(argv):
    if len(argv) not in (3, 4) or (len(argv) == 4 and not argv[3].startswith("/")):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        import jsonschema
    except ImportError:
        print("schema_check.py: the python3 jsonschema package is missing (make deps installs it)",
              file=sys.stderr)
        return 2
    try:
        with open(argv[1]) as f:
            schema = strict_load(f)
    except (OSError, ValueError) as e:
        print(f"schema_check.py: {argv[1]}: {e}", file=sys.stderr)
        return 2
    try:
        target = resolve(schema, argv[3]) if len(argv) == 4 else schema
    except (KeyError, IndexError, ValueError, TypeError):
        print(f"schema_check.py: {argv[1]} has nothing at {argv[3]}", file=sys.stderr)
        return 2
    try:
        with open(argv[2]) as f:
            doc = strict_load(f)
    except (OSError, ValueError) as e:
        print(f"{argv[2]}: {e}")
        return 1

    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    checker = jsonschema.FormatChecker()
    checker.checks("date-time", raises=ValueError)(is_date_time)
    with warnings.catch_warnings():
        # RefResolver is deprecated in jsonschema >= 4.18 but is the one API all 4.x share.
        warnings.simplefilter("ignore", DeprecationWarning)
        resolver = jsonschema.RefResolver.from_schema(schema)
        validator = cls(target, resolver=resolver, format_checker=checker)
        errors = sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    for e in errors:
        print(f"{argv[2]}: {where(e.absolute_path)}: {e.message}")
    if not errors:
        print("ok")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
