#!/usr/bin/env bash
# Runs kzmap's benchmarks, each in its own process so that peak memory is
# its own, and prints one table. Long: the million-conversation plan takes
# minutes. Usage: bench/run.sh [quick]   (quick skips the 1M plan)
# The apply budget benchmark takes about two minutes, most of it the
# one-request-per-ticket baseline (20,000 requests at 320 a second).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "# kzmap benchmarks — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(go version | cut -d' ' -f3)"
echo
row() { # name, go test args...
  local name=$1; shift
  local line
  line=$(go test "$@" 2>&1 | grep -E '^Benchmark' | tail -1)
  printf '| %s | %s |\n' "$name" "$(echo "$line" | awk '{for (i=3; i<=NF; i+=2) printf "%s %s; ", $i, $(i+1)}')"
}
rows() { # name prefix, go test args...: one row per (sub-)benchmark of one run
  local name=$1; shift
  go test "$@" 2>&1 | grep -E '^Benchmark.*ns/op' | while read -r line; do
    local sub
    sub=$(echo "$line" | awk '{print $1}' | sed -E 's/^[^/]*\///; s/-[0-9]+$//')
    printf '| %s: %s | %s |\n' "$name" "$sub" "$(echo "$line" | awk '{for (i=3; i<=NF; i+=2) printf "%s %s; ", $i, $(i+1)}')"
  done
}
echo "| benchmark | figures |"
echo "|---|---|"
row "mapping vs hand-written Go (conversation of 20 messages)" ./dsl -run '^$' -bench 'DefaultTicketMapping$' -benchtime 3s
row "plan, 250,000 conversations x 10 messages" ./bench -run '^$' -bench 'PlanScale/250k$' -benchtime 1x -timeout 30m
if [ "${1:-}" != quick ]; then
  row "plan, 1,000,000 conversations x 10 messages" ./bench -run '^$' -bench 'PlanScale/1M$' -benchtime 1x -timeout 60m
fi
rows "apply, 20,000 tickets at 400 requests per window" ./bench -run '^$' -bench 'ApplyBudget' -benchtime 1x -timeout 10m
# The same apply with the checkpoint in a bbolt file and in PostgreSQL (a
# durable throwaway cluster the benchmark starts; about a minute).
(unset KZMAP_TEST_PG_URL; PG_DURABLE=1 rows "apply, checkpoint backends" ./bench -run '^$' -bench 'ApplyBackends' -benchtime 1x -timeout 20m)
# The plan's estimate against the apply that follows (about 3 minutes at a
# 10 s window; -estimate.window 1m is Zendesk's own pace, about 15 minutes).
rows "plan estimate vs apply, 10 s window (wall scaled to a minute)" ./bench -run '^$' -bench 'Estimate' -benchtime 1x -estimate.window 10s -timeout 30m
