#!/usr/bin/env bash
# Run every benchmark in bench/, then print their results as one Markdown table.
#
# Usage: bench/run_all.sh [--quick]        (QUICK=1 bench/run_all.sh works too)
#
# Full run: each script at the size its README section reports (a million-question
# index, 50,000 imported and 10,000 refreshed questions): about half an hour by the
# README's figures, most of it the first refresh and the index build (kept in
# $TMPDIR/qarchive-bench-list for later runs). --quick: small sizes, about four
# minutes, to check that everything still runs; its figures are not the ones to quote.
# Each script's own output goes to stderr as it runs; the table goes to stdout. Needs
# the bench dependency group, which `uv run --group bench` installs on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=${QUICK:-0}
case "${1:-}" in
    --quick) quick=1 ;;
    "") ;;
    *) echo "usage: bench/run_all.sh [--quick]" >&2; exit 2 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/qarchive-bench-all.XXXXXX")
trap 'rm -rf "$work"' EXIT

run() {  # run SCRIPT ARGS...: its stdout is kept for the table and shown on stderr
    local script=$1
    shift
    echo "== bench/$script $*" >&2
    uv run --group bench python "bench/$script" "$@" | tee "$work/${script%.py}.out" >&2
}

if [[ $quick == 1 ]]; then
    run parse.py --runs 50
    run compare_parsers.py --runs 30
    run list.py --questions 20000 --runs 3 --archive "$work/list"
    run import.py --questions 2000 --workdir "$work/import"
    run refresh.py --questions 200 --workdir "$work/refresh"
else
    run parse.py --runs 500
    run compare_parsers.py --runs 300
    run list.py --runs 5
    run import.py --questions 50000 --workdir "$work/import"
    run refresh.py --questions 10000 --workdir "$work/refresh"
fi

# One row per figure, from each script's output lines, matched by their shape. A
# script whose output no longer fits is shown whole rather than dropped.
COMPARE_ROWS='
/^an_[a-z_]+  /{ s/^(an_[a-z_]+) .*/\1/; h; d; }
s/^  (an_[a-z_]+) +(qarchive .*[^ ]) +(met|MISSED)$/| compare_parsers.py | target, \1 | \2: **\3** |/p
t
s/^  (an_[a-z_]+) +(.*[^ ]) +(same values|[0-9]+ field\(s\) differ):?$/| compare_parsers.py | fields, \1, \2 | \3 |/p
t
/^ {2,}[^ ].* [0-9.]+ ms/{
    G
    s/^ {2,}([^ ].*[^ ]) +([0-9.]+) ms *([^\n]*[^\n ])? *\n(.*)$/| compare_parsers.py | \4: \1 | \2 ms (\3) |/
    s/ \(\) \|$/ |/
    p
}'

rows() {
    local script=$1 file="$work/${1%.py}.out"
    case $script in
        parse.py)  # format, bytes, parse ms, floor name, floor ms, ratio
            sed -nE 's/^(an_[a-z_]+) +([0-9]+) +([0-9.]+) +(.+[^ ]) +([0-9.]+) +([0-9.]+)$/| parse.py | \1 (\2 bytes) | \3 ms; floor (\4) \5 ms: \6× |/p' "$file" ;;
        compare_parsers.py)
            sed -nE "$COMPARE_ROWS" "$file" ;;
        list.py)  # command, CLI seconds, library seconds (the import line: CLI only)
            sed -nE \
                -e 's/^(.*[^ ]) +([0-9.]+) +([0-9.]+)$/| list.py | \1 | CLI \2 s, library \3 s |/p' -e t \
                -e 's/^(\(.*\)) +([0-9.]+)$/| list.py | \1 | \2 s |/p' -e t \
                -e 's/^index: (.*)$/| list.py | index | \1 |/p' \
                "$file" ;;
        import.py)
            sed -nE \
                -e 's/^([0-9]+) questions in (.*)$/| import.py | first import, \1 questions | \2 |/p' -e t \
                -e 's/^second import of the same zip \(nothing to write\): (.*)$/| import.py | second import, nothing to write | \1 |/p' \
                "$file" ;;
        refresh.py)
            sed -nE 's/^run ([0-9]+): (.*)$/| refresh.py | run \1 | \2 |/p' "$file" ;;
    esac
}

python=$(uv run python -c 'import platform; print(platform.python_implementation(), platform.python_version())')
echo
echo "Benchmarks of $(date -u +%Y-%m-%d), $(nproc) cores, $python$([[ $quick == 1 ]] && echo ', quick sizes: not figures to quote')"
echo
echo "| benchmark | measurement | result |"
echo "|---|---|---|"
for script in parse.py compare_parsers.py list.py import.py refresh.py; do
    found=$(rows "$script")
    if [[ -z $found ]]; then
        found=$(sed -E "s/^(.*)$/| $script | | \1 |/" "$work/${script%.py}.out")
    fi
    echo "$found"
done
