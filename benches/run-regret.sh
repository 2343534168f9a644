#!/usr/bin/env bash
# Regret table of slotwise's bandit policies side by side with MABWiser's, on the same simulated
# Bernoulli arms, horizon and seeds, one decision at a time.
#
# Usage: benches/run-regret.sh [seeds] [horizon]   (defaults: 8 seeds, horizon 10000)
# Creates a Python virtual environment with MABWiser under target/regret-venv on first use.
# Writes target/regret/{slotwise,mabwiser,combined}.md and prints the combined table.
set -euo pipefail

cd "$(dirname "$0")/.."
seeds="${1:-8}"
horizon="${2:-10000}"
venv="target/regret-venv"
out="target/regret"
mkdir -p "$out"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import mabwiser" 2>/dev/null; then
    "$venv/bin/pip" install --quiet mabwiser
fi

echo "machine: $(nproc) cores, $(lscpu | grep 'Model name' | sed 's/Model name: *//')" >&2
cargo build --release --quiet -p slotwise-bandit --example regret
target_dir="${CARGO_TARGET_DIR:-target}"

echo "running slotwise ($seeds seeds, horizon $horizon)" >&2
"$target_dir/release/examples/regret" "$seeds" "$horizon" | tee "$out/slotwise.md" >&2
echo "running mabwiser $("$venv/bin/python" -c "import importlib.metadata as m; print(m.version('mabwiser'))")" >&2
"$venv/bin/python" benches/mabwiser_regret.py "$seeds" "$horizon" | tee "$out/mabwiser.md" >&2

# One table, grouped by scenario in the order slotwise prints them.
{
    head -n 2 "$out/slotwise.md"
    for scenario in $(tail -n +3 "$out/slotwise.md" | cut -d'|' -f2 | tr -d ' ' | uniq); do
        grep -h "^| $scenario |" "$out/slotwise.md" "$out/mabwiser.md"
    done
} > "$out/combined.md"
cat "$out/combined.md"
