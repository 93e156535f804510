"""schemathesis checks for scripts/api-fuzz (SECURITY row 19): no error answer shows internals.

Loaded through SCHEMATHESIS_HOOKS=fuzz_checks (with scripts/ on PYTHONPATH) and run as `--checks
no_internal_details`. An answer with status >= 400 fails when it shows a stack trace or Swift source location,
SQL or a database driver's words, a decoder's internals, or a file-system path of the server, unless the same
text was in the request itself (an echo of what the client sent, not a leak).

`python3 scripts/fuzz_checks.py` checks the patterns against known leaks and known clean answers.
"""
import json
import re
import sys

LEAKS = [
    ("stack trace", re.compile(r"\.swift:\d+|Fatal error|Backtrace|Thread \d+ crashed|\b0x[0-9a-f]{8,}\b")),
    ("SQL", re.compile(r"\b(?:SELECT\b[^\n]{0,200}\bFROM|INSERT INTO|UPDATE\b[^\n]{0,100}\bSET|DELETE FROM)\b", re.I)),
    ("database driver", re.compile(r"SQLITE_[A-Z]+|sqlite3?_\w+|PSQLError|PostgresError|syntax error at or near|"
                                   r"violates (?:unique|foreign key|check|not-null) constraint|constraint failed|"
                                   r"FluentKit|SQLKit|FluentError", re.I)),
    ("decoder internals", re.compile(r"DecodingError|typeMismatch|keyNotFound|valueNotFound|dataCorrupted|codingPath|"
                                     r"Swift\.\w+|Foundation\.\w+")),
    ("server path", re.compile(r"(?<![\w/])/(?:work|root|home|tmp|usr|opt|var|etc)/[\w.\-/]+|\.build/|Sources/Gongzhi")),
]


def leaks(text, request_text=""):
    """The kinds of internals `text` shows that were not in `request_text`."""
    found = []
    for kind, pattern in LEAKS:
        for match in pattern.finditer(text):
            if match.group(0) not in request_text:
                found.append(f"{kind}: {match.group(0)[:80]!r}")
                break
    return found


def request_text(case):
    parts = []
    for value in (case.path_parameters, case.query, case.headers, case.cookies, case.body, case.path):
        if value is None:
            continue
        try:
            parts.append(json.dumps(value, ensure_ascii=False, default=str))
        except (TypeError, ValueError):
            parts.append(str(value))
        parts.append(str(value))
    return "\n".join(parts)


try:
    import schemathesis

    @schemathesis.check
    def no_internal_details(ctx, response, case):
        if response.status_code < 400:
            return None
        found = leaks(response.text or "", request_text(case))
        if found:
            raise AssertionError("The error answer shows internals: " + "; ".join(found))
        return None
except ImportError:  # the self-test below needs no schemathesis
    pass


if __name__ == "__main__":
    dirty = [
        'Fatal error: Unexpectedly found nil at Sources/GongzhiApp/Features/Cases/Cases.swift:120',
        '{"error":{"message":"SELECT id FROM cases WHERE x = $1"}}',
        '{"error":{"message":"SQLITE_CONSTRAINT: UNIQUE constraint failed: users.username"}}',
        '{"error":{"message":"duplicate key value violates unique constraint \\"uq\\""}}',
        '{"error":{"message":"typeMismatch(Swift.Int, codingPath: [title])"}}',
        '{"error":{"message":"cannot open /work/main/data/uploads/x.png"}}',
    ]
    clean = [
        '{"error":{"code":"invalid","message":"标题不能为空","field":"title"}}',
        '{"error":{"code":"not_found","message":"Not found"}}',
        '{"error":{"code":"too_many_submissions","message":"Try again later","field":null}}',
    ]
    problems = [t for t in dirty if not leaks(t)] + [t for t in clean if leaks(t)]
    echoed = leaks('{"error":{"message":"No service /tmp/x"}}', 'service_code=/tmp/x')
    if problems or echoed:
        print("fuzz_checks self-test failed:", problems, echoed)
        sys.exit(1)
    print(f"fuzz_checks self-test: {len(dirty)} leaks caught, {len(clean)} clean answers and an echo passed")
