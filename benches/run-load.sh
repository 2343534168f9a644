#!/usr/bin/env bash
# Open-loop gRPC load against a real `slotwise serve`, with the load generator
# (crates/loadgen) on the same machine. Prints markdown tables for benches/RESULTS.md.
#
#   bash benches/run-load.sh                 # GetBestSlots and health, pinned and unpinned
#   bash benches/run-load.sh optimize        # OptimizeSchedule, pinned and unpinned
#   RATES="1000 5000" bash benches/run-load.sh
#   SLOTWISE_BENCH_DATABASE_URL=postgres://... bash benches/run-load.sh replicas
#
# "pinned": the server on core 0 and the generator on core 1 (taskset), so neither steals the
# other's core; "unpinned": both free on both cores, as a small deployment would run.
# "replicas": OptimizeSchedule throughput of one and of two replicas on one PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-slots}
rates=${RATES:-"1000 2500 5000 10000 15000 20000"}
duration=${DURATION:-10}
cargo build --release -q -p slotwise -p slotwise-loadgen --bins
server_bin=target/release/slotwise
loadgen_bin=target/release/slotwise-loadgen
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Starts a server (extra flags in "$@", a `taskset -c N` prefix in $PIN) and sets `address`
# once it logs it.
start_server() {
  local log="$work/server-${#pids[@]}.log"
  ${PIN:-} "$server_bin" serve --listen 127.0.0.1:0 "$@" >/dev/null 2>"$log" &
  pids+=($!)
  for _ in $(seq 1 300); do
    if address=$(grep -o 'address=[0-9.:]*' "$log" | head -n 1 | cut -d= -f2) \
      && [ -n "$address" ]; then
      return
    fi
    sleep 0.1
  done
  echo "the server did not start:" >&2
  cat "$log" >&2
  exit 1
}

stop_servers() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}

header() {
  echo "| run | target/s | achieved/s | ok | errors | shed | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | sent p50 ms | sent p99 ms |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
}

# One loadgen run; its result line only.
load() {
  ${GEN_PIN:-} "$loadgen_bin" --duration "$duration" "$@" | tail -n 1
}

# PIN and GEN_PIN for a mode: "pinned" puts the server on core 0 and the generator on core 1.
pin_for() {
  if [ "$1" = pinned ]; then
    PIN="taskset -c 0"
    GEN_PIN="taskset -c 1"
  else
    PIN=""
    GEN_PIN=""
  fi
}

slots() {
  local mode=$1
  pin_for "$mode"
  start_server --database "$work/$mode.db"
  endpoint="http://$address"
  # Stores the account and 16 weeks of posts once; the first runs also warm the caches.
  GEN_PIN=$GEN_PIN load --endpoint "$endpoint" --method best-slots --setup --rate 100 \
    --label "$mode setup" >/dev/null
  echo
  echo "### $mode ($(nproc) cores; server ${PIN:-unpinned}, generator ${GEN_PIN:-unpinned})"
  echo
  header
  for rate in $rates; do
    GEN_PIN=$GEN_PIN load --endpoint "$endpoint" --method best-slots --rate "$rate" \
      --label "$mode cached"
  done
  for rate in $rates; do
    GEN_PIN=$GEN_PIN load --endpoint "$endpoint" --method best-slots --vary --rate "$rate" \
      --label "$mode uncached"
  done
  for rate in $rates; do
    GEN_PIN=$GEN_PIN load --endpoint "$endpoint" --method health --rate "$rate" \
      --label "$mode"
  done
  stop_servers
}

optimize() {
  local mode=$1
  pin_for "$mode"
  start_server --database "$work/optimize-$mode.db"
  echo
  echo "### OptimizeSchedule, examples/bakery.json, $mode (server ${PIN:-unpinned}, generator ${GEN_PIN:-unpinned})"
  echo
  header
  for rate in ${OPTIMIZE_RATES:-5 10 20 40}; do
    GEN_PIN=$GEN_PIN load --endpoint "http://$address" --method optimize \
      --request examples/bakery.json --rate "$rate" --label "$mode"
  done
  stop_servers
}

replicas() {
  : "${SLOTWISE_BENCH_DATABASE_URL:?set it to a PostgreSQL database the benchmark may use}"
  local request=examples/bakery.json
  echo
  echo "### OptimizeSchedule ($request) on PostgreSQL, $(nproc) cores, generator on the same machine"
  echo
  header
  for count in 1 2; do
    local endpoints=()
    for _ in $(seq 1 "$count"); do
      start_server --database-url "$SLOTWISE_BENCH_DATABASE_URL"
      endpoints+=("http://$address")
    done
    for rate in ${OPTIMIZE_RATES:-10 20 40 80}; do
      # One generator per replica, each at its share of the rate, as client-side balancing
      # over a headless Service would spread the calls.
      local share=$((rate / count))
      local outputs=() generators=()
      for endpoint in "${endpoints[@]}"; do
        local out="$work/optimize-$count-$rate-${#outputs[@]}"
        load --endpoint "$endpoint" --method optimize --request "$request" --rate "$share" \
          --label "$count replica(s), $rate/s in all," >"$out" &
        generators+=($!)
        outputs+=("$out")
      done
      for generator in "${generators[@]}"; do wait "$generator"; done
      cat "${outputs[@]}"
    done
    stop_servers
  done
}

case "$what" in
  slots)
    slots pinned
    slots unpinned
    ;;
  optimize)
    optimize pinned
    optimize unpinned
    ;;
  replicas) replicas ;;
  *)
    echo "usage: $0 [slots|optimize|replicas]" >&2
    exit 2
    ;;
esac
