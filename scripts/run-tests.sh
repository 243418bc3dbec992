#!/usr/bin/env bash
# Run the checks: ruff, mypy, the whole pytest suite on SQLite and the database tests (-m db) on PostgreSQL.
#
#   scripts/run-tests.sh [extra pytest arguments, passed to both pytest runs]
#
# The two pytest runs are independent (each has its own database, ports and temporary directories), so they
# run at the same time, one per core: the PostgreSQL run's output is kept and printed after the SQLite run's.
# CME_TEST_SEQUENTIAL=1 runs them one after the other instead.
# Both pytest runs always happen; the exit status is non-zero when any step failed. The last line is
# "N passed, M failed" over both runs (skipped tests are not counted as passed).
# Each run lists its 25 slowest tests (where to look when the suite nears its 30-minute budget).
# CME_REQUIRE_POSTGRES=1 turns "no PostgreSQL tests collected" into a failure instead of a warning.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

venv_bin=.venv/bin
for tool in ruff mypy pytest python; do
    if [ ! -x "$venv_bin/$tool" ]; then
        echo "run-tests: $venv_bin/$tool is missing; run scripts/bootstrap.sh --test first" >&2
        exit 2
    fi
done

results=$(mktemp -d "${TMPDIR:-/tmp}/cme-tests.XXXXXX")
trap 'rm -rf "$results"' EXIT

header() {
    printf '\n'
    printf '=%.0s' {1..100}
    printf '\n=== %s\n' "$*"
    printf '=%.0s' {1..100}
    printf '\n'
}

status=0

header "ruff check ."
"$venv_bin/ruff" check .
ruff_rc=$?
[ "$ruff_rc" -eq 0 ] || status=1

header "mypy platform admin_ui plugins"
"$venv_bin/mypy" platform admin_ui plugins
mypy_rc=$?
[ "$mypy_rc" -eq 0 ] || status=1

postgres_pass() {
    CME_TEST_DB=postgres "$venv_bin/pytest" -m db --durations=25 --junitxml="$results/postgres.xml" "$@"
}

if [ "${CME_TEST_SEQUENTIAL:-0}" != 1 ]; then
    postgres_pass "$@" >"$results/postgres.log" 2>&1 &
    postgres_pid=$!
fi

header "pytest pass 1/2: the whole suite on SQLite (CME_TEST_DB=sqlite)"
CME_TEST_DB=sqlite "$venv_bin/pytest" --durations=25 --junitxml="$results/sqlite.xml" "$@"
sqlite_rc=$?

header "pytest pass 2/2: the database tests (-m db) on PostgreSQL (CME_TEST_DB=postgres)"
if [ "${CME_TEST_SEQUENTIAL:-0}" != 1 ]; then
    wait "$postgres_pid"
    postgres_rc=$?
    cat "$results/postgres.log"
else
    postgres_pass "$@"
    postgres_rc=$?
fi

# Count test cases from pytest's JUnit XML: a case with <failure> or <error> failed, one with <skipped>
# (skip, xfail) is not counted, every other case passed. A run that exited non-zero without reporting a
# failed case (crash, usage error, no tests collected) counts as one failure.
count() { # count <xml file> <pytest exit code> -> "passed failed skipped"
    "$venv_bin/python" - "$1" "$2" <<'PY'
import sys
import xml.etree.ElementTree as ET

path, rc = sys.argv[1], int(sys.argv[2])
passed = failed = skipped = 0
try:
    root = ET.parse(path).getroot()
except (OSError, ET.ParseError):
    root = None
if root is not None:
    for case in root.iter("testcase"):
        tags = {child.tag for child in case}
        if tags & {"failure", "error"}:
            failed += 1
        elif "skipped" in tags:
            skipped += 1
        else:
            passed += 1
if rc != 0 and failed == 0:
    failed = 1
print(passed, failed, skipped)
PY
}

warnings=()

read -r sqlite_passed sqlite_failed sqlite_skipped < <(count "$results/sqlite.xml" "$sqlite_rc")
[ "$sqlite_rc" -eq 0 ] || status=1
if [ "$sqlite_rc" -eq 5 ]; then
    warnings+=("SQLite pass: pytest collected no tests at all")
fi

if [ "$postgres_rc" -eq 5 ]; then
    if [ "${CME_REQUIRE_POSTGRES:-0}" = 1 ]; then
        read -r postgres_passed postgres_failed postgres_skipped < <(count "$results/postgres.xml" "$postgres_rc")
        status=1
        warnings+=("PostgreSQL pass: no tests collected and CME_REQUIRE_POSTGRES=1: counted as a failure")
    else
        read -r postgres_passed postgres_failed postgres_skipped < <(count "$results/postgres.xml" 0)
        warnings+=("PostgreSQL pass: NO TESTS COLLECTED (nothing marked 'db'?). The database was NOT tested on
    PostgreSQL. Set CME_REQUIRE_POSTGRES=1 to make this an error.")
    fi
else
    read -r postgres_passed postgres_failed postgres_skipped < <(count "$results/postgres.xml" "$postgres_rc")
    [ "$postgres_rc" -eq 0 ] || status=1
    if [ "${postgres_passed:-0}" -eq 0 ] && [ "${postgres_skipped:-0}" -gt 0 ]; then
        warnings+=("PostgreSQL pass: every database test was SKIPPED (no PostgreSQL available?). The database
    was NOT tested on PostgreSQL.")
    fi
fi
sqlite_passed=${sqlite_passed:-0} sqlite_failed=${sqlite_failed:-1} sqlite_skipped=${sqlite_skipped:-0}
postgres_passed=${postgres_passed:-0} postgres_failed=${postgres_failed:-1} postgres_skipped=${postgres_skipped:-0}

header "summary"
printf 'ruff check:             %s\n' "$([ "$ruff_rc" -eq 0 ] && echo ok || echo "FAILED (exit $ruff_rc)")"
printf 'mypy:                   %s\n' "$([ "$mypy_rc" -eq 0 ] && echo ok || echo "FAILED (exit $mypy_rc)")"
printf 'pytest on SQLite:       %s passed, %s failed, %s skipped (exit %s)\n' \
    "$sqlite_passed" "$sqlite_failed" "$sqlite_skipped" "$sqlite_rc"
printf 'pytest on PostgreSQL:   %s passed, %s failed, %s skipped (exit %s)\n' \
    "$postgres_passed" "$postgres_failed" "$postgres_skipped" "$postgres_rc"
for message in ${warnings[@]+"${warnings[@]}"}; do
    printf '\n!!! WARNING: %s\n' "$message" >&2
done
printf '\n%s passed, %s failed\n' "$((sqlite_passed + postgres_passed))" "$((sqlite_failed + postgres_failed))"
exit "$status"
