#!/usr/bin/env bash
# Planner benchmarks on both backends, the naive baseline beside them, and the peak memory of
# `slotwise plan` on scenario (b) (benches/scenarios/b-91d-15min.json, kept equal to
# slotwise_planner::scenarios by tests/scenario_files.rs); medians go to
# target/planner-bench/results.md, peak memory to target/planner-bench/memory.txt.
#
# Usage: benches/run-planner.sh [--no-highs] [--no-memory]
#   --no-highs   skip the HiGHS backend and the naive baseline (they need cmake and libclang)
#   --no-memory  skip the peak-memory measurement
# Criterion keeps its full reports under ${CARGO_TARGET_DIR:-target}/criterion.
set -euo pipefail

cd "$(dirname "$0")/.."
with_highs=1
with_memory=1
for arg in "$@"; do
    case "$arg" in
        --no-highs) with_highs=0 ;;
        --no-memory) with_memory=0 ;;
        *) echo "unknown option $arg" >&2; exit 2 ;;
    esac
done

target_dir="${CARGO_TARGET_DIR:-target}"
out="target/planner-bench"
mkdir -p "$out"
log="$out/bench.log"
: > "$log"

echo "machine: $(nproc) cores, $(lscpu | grep 'Model name' | sed 's/Model name: *//')" | tee "$out/machine.txt" >&2
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt" >&2

echo "default build (microlp)" >&2
cargo bench --bench planner 2>&1 | tee -a "$log" >&2
if [ "$with_highs" = 1 ]; then
    echo "with --features highs (microlp again, highs, naive baseline)" >&2
    cargo bench --features highs --bench planner 2>&1 | tee -a "$log" >&2
fi

# One row per benchmark: its id and criterion's [low median high] estimate, last run wins.
{
    echo "| benchmark | low | median | high |"
    echo "|---|---|---|---|"
    awk '
        /^(planner-microlp|planner-highs|naive-highs)\// { id = $1 }
        id != "" && /time:/ {
            gsub(/[\[\]]/, "");
            sub(/.*time: */, "");
            split($0, t, " ");
            rows[id] = sprintf("| %s | %s %s | %s %s | %s %s |", id, t[1], t[2], t[3], t[4], t[5], t[6]);
            if (!(id in seen)) { order[++n] = id; seen[id] = 1 }
            id = "";
        }
        END { for (i = 1; i <= n; i++) print rows[order[i]] }
    ' "$log"
} > "$out/results.md"

# Objective, bound and model size of each scenario, as the bench printed them before timing.
grep -E '^(a-28d|b-91d)' "$log" | sort -u > "$out/schedules.txt" || true

if [ "$with_memory" = 1 ]; then
    echo "peak memory of slotwise plan on scenario (b)" >&2
    cargo build --release --quiet
    request="benches/scenarios/b-91d-15min.json"
    /usr/bin/time -v "$target_dir/release/slotwise" plan "$request" --out "$out/b-91d-15min.response.json" \
        > "$out/b-91d-15min.calendar.txt" 2> "$out/plan-time.txt"
    grep -E 'Maximum resident set size|Elapsed \(wall clock\)' "$out/plan-time.txt" | tee "$out/memory.txt" >&2
fi

cat "$out/results.md"
