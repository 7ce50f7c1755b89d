#!/usr/bin/env python3
"""Gates an Autobahn fuzzingclient report on the expected results.

Usage: check.py REPORT_INDEX_JSON EXPECTED_RESULTS_JSON

Every expected case must have run with exactly the expected `behavior` and `behaviorClose`
(durations are ignored), no case may be FAILED, and no case may run that is not expected. Prints
the counts per behavior, then every difference; exits 1 on any.
"""
import collections
import json
import sys


def case_key(case):
    return [int(part) for part in case.split(".")]


def main(report_path, expected_path):
    with open(report_path) as f:
        report = json.load(f)
    with open(expected_path) as f:
        expected = json.load(f)
    if len(report) != 1:
        print("autobahn: the report should hold one agent, it holds %s" % sorted(report))
        return 1
    (agent, results), = report.items()
    counts = collections.Counter(r["behavior"] for r in results.values())
    summary = ", ".join("%s %d" % (b, counts[b]) for b in sorted(counts))
    print("autobahn: %s: %d cases: %s" % (agent, len(results), summary))

    problems = []
    for case in sorted(set(expected) | set(results), key=case_key):
        got, want = results.get(case), expected.get(case)
        if got is None:
            problems.append("%s did not run (expected %s)" % (case, want))
            continue
        got = {"behavior": got["behavior"], "behaviorClose": got["behaviorClose"]}
        if "FAILED" in got.values():
            problems.append("%s FAILED: %s" % (case, got))
        if want is None:
            problems.append("%s is not in the expected results: %s" % (case, got))
        elif got != want:
            problems.append("%s: expected %s, got %s" % (case, want, got))
    for problem in problems:
        print("autobahn: " + problem)
    if problems:
        print("autobahn: %d difference(s) from %s" % (len(problems), expected_path))
        return 1
    print("autobahn: every case matches %s" % expected_path)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
