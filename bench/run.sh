#!/usr/bin/env bash
# Runs kzmap's benchmarks, each in its own process so that peak memory is
# its own, and prints one table. Long: the million-conversation plan takes
# minutes. Usage: bench/run.sh [quick]   (quick skips the 1M plan)
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
echo "| benchmark | figures |"
echo "|---|---|"
row "mapping vs hand-written Go (conversation of 20 messages)" ./dsl -run '^$' -bench 'DefaultTicketMapping$' -benchtime 3s
row "plan, 250,000 conversations x 10 messages" ./bench -run '^$' -bench 'PlanScale/250k$' -benchtime 1x -timeout 30m
if [ "${1:-}" != quick ]; then
  row "plan, 1,000,000 conversations x 10 messages" ./bench -run '^$' -bench 'PlanScale/1M$' -benchtime 1x -timeout 60m
fi
