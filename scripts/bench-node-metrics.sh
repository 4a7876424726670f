#!/usr/bin/env bash
# scripts/bench-node-metrics.sh URL... : one line per node from its /metrics (Prometheus text): the
# PUT answers it served (count, non-200, mean and max time), how long its requests waited for a
# database connection (mean, max) and its GC pauses (count, total). scripts/bench.sh prints it after
# the cluster benchmarks, so that a slow member (a cold JIT, a member still receiving partitions) shows
# beside the cluster's overall p99.
set -euo pipefail
for url in "$@"; do
  body="$(curl -s --max-time 10 "$url/metrics" || true)"
  if [ -z "$body" ]; then
    echo "$url: no answer from /metrics"
    continue
  fi
  printf '%s\n' "$body" | awk -v node="$url" '
    # label values may contain spaces ("end of minor GC"): the value is the last field
    /^vertx_http_server_response_time_seconds_count\{.*method="PUT"/ { n += $NF; if ($0 !~ /code="200"/) bad += $NF }
    /^vertx_http_server_response_time_seconds_sum\{.*method="PUT"/ { s += $NF }
    /^vertx_http_server_response_time_seconds_max\{.*method="PUT"/ { if ($NF > m) m = $NF }
    /^vertx_pool_queue_time_seconds_sum\{.*pool_name="yishi"/ { qs = $NF }
    /^vertx_pool_queue_time_seconds_count\{.*pool_name="yishi"/ { qc = $NF }
    /^vertx_pool_queue_time_seconds_max\{.*pool_name="yishi"/ { qm = $NF }
    /^jvm_gc_pause_seconds_sum\{/ { gs += $NF }
    /^jvm_gc_pause_seconds_count\{/ { gc += $NF }
    END {
      printf "%s: PUT %d (non-200 %d), mean %.0f ms, max %.0f ms | database connection wait mean %.1f ms, max %.0f ms | GC %d pauses, %.0f ms\n",
        node, n, bad, n ? 1000 * s / n : 0, 1000 * m, qc ? 1000 * qs / qc : 0, 1000 * qm, gc, 1000 * gs
    }'
done
