# The table of scripts/bench, from its RESULT lines ("<server> <scenario> key=value ..."): one row
# per figure, one column per server, then ratios to the floor. A figure measured in several
# interleaved rounds shows the median of its rounds, and its ratio is the median of the per-round
# ratios (round n of a server against round n of the floor, runs made moments apart), not the
# ratio of two medians that may come from different rounds.
# Usage: awk -v servers="floor wirechan node" -f scripts/lib/bench-table.awk RESULTS
{
  for (i = 3; i <= NF; i++) {
    split($i, kv, "=")
    n = ++count[$1, $2, kv[1]]
    all[$1, $2, kv[1], n] = kv[2]
  }
}

# The median of a[1..n], which it sorts.
function median_of(a, n,    i, j, t) {
  for (i = 2; i <= n; i++)
    for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

function cell(s, sc, k,    n, i, a, m) {
  n = count[s, sc, k]
  if (n == 0) return "-"
  for (i = 1; i <= n; i++) a[i] = all[s, sc, k, i]
  m = median_of(a, n)
  if (n % 2) return m
  return (m == int(m)) ? sprintf("%d", m) : sprintf("%.2f", m)
}

function ratio(s, sc, k,    n, i, a, f) {
  n = count[s, sc, k]
  if (n == 0 || count["floor", sc, k] != n) return "-"
  for (i = 1; i <= n; i++) {
    f = all["floor", sc, k, i]
    if (f + 0 == 0 || all[s, sc, k, i] == "-") return "-"
    a[i] = all[s, sc, k, i] / f
  }
  return sprintf("%.2fx", median_of(a, n))
}

END {
  n = split(servers, names, " ")
  rows = "echo msgs_per_s|echo msgs_per_server_core_s|echo p50_us|echo p99_us|echo p999_us|" \
         "echo server_cpu|echo loadgen_cpu|" \
         "echo-map msgs_per_s|echo-map msgs_per_server_core_s|echo-map p50_us|echo-map p99_us|" \
         "echo-map server_cpu|" \
         "echo-envelope msgs_per_s|echo-envelope msgs_per_server_core_s|echo-envelope p99_us|" \
         "echo-envelope server_cpu|" \
         "fanout deliveries_per_s|fanout deliveries_per_server_core_s|fanout p99_us|fanout lost|" \
         "fanout server_cpu|fanout loadgen_cpu|" \
         "fanout-history deliveries_per_s|fanout-history p99_us|fanout-history lost|fanout-history server_cpu|" \
         "fanout-1k deliveries_per_s|fanout-1k deliveries_per_server_core_s|fanout-1k wire_bytes_per_delivery|" \
         "fanout-1k lost|fanout-1k server_cpu|fanout-1k loadgen_cpu|" \
         "fanout-1k-deflate deliveries_per_s|fanout-1k-deflate deliveries_per_server_core_s|" \
         "fanout-1k-deflate wire_bytes_per_delivery|fanout-1k-deflate lost|fanout-1k-deflate server_cpu|" \
         "fanout-1k-deflate loadgen_cpu|" \
         "fanout-1k-takeover deliveries_per_s|fanout-1k-takeover deliveries_per_server_core_s|" \
         "fanout-1k-takeover wire_bytes_per_delivery|fanout-1k-takeover lost|fanout-1k-takeover server_cpu|" \
         "idle kib_per_conn|idle-deflate kib_per_conn|" \
         "storm handshakes_per_s|storm served_ms|storm p99_ms|storm slow_connects|storm failed|storm server_cpu|storm loadgen_cpu|" \
         "churn rate|churn last_over_first|churn probe_p99_quiet_us|churn probe_p99_churn_us|" \
         "resume p50_us|resume p99_us|resume p50_none_us|resume per_publication_us|" \
         "crossnode publications_per_s|crossnode cross_p50_us|crossnode cross_p99_us|crossnode cross_p999_us|" \
         "crossnode local_p50_us|crossnode local_p99_us|crossnode lost|crossnode server_cpu"
  m = split(rows, row, "|")
  printf "\n%-46s", "figure"
  for (j = 1; j <= n; j++) printf " %13s", names[j]
  for (j = 1; j <= n; j++) if (names[j] != "floor") printf " %19s", names[j] "/floor"
  printf "\n"
  for (r = 1; r <= m; r++) {
    split(row[r], p, " ")
    printf "%-46s", p[1] " " p[2]
    for (j = 1; j <= n; j++) printf " %13s", cell(names[j], p[1], p[2])
    for (j = 1; j <= n; j++) if (names[j] != "floor") printf " %19s", ratio(names[j], p[1], p[2])
    printf "\n"
  }
  if (count["wirechan", "fanout-history", "deliveries_per_s"] > 0)
    printf "\nwirechan fan-out with history / without (median of per-round ratios): %s\n", \
      pair_ratio("wirechan", "fanout-history", "fanout", "deliveries_per_s")
  if (count["wirechan", "fanout-1k-deflate", "deliveries_per_s"] > 0) {
    printf "wirechan compressed fan-out / uncompressed, 1 KiB (median of per-round ratios):\n"
    printf "  without context takeover: %s deliveries/s, %s per server core-second\n", \
      pair_ratio("wirechan", "fanout-1k-deflate", "fanout-1k", "deliveries_per_s"), \
      pair_ratio("wirechan", "fanout-1k-deflate", "fanout-1k", "deliveries_per_server_core_s")
    printf "  with context takeover:    %s deliveries/s, %s per server core-second\n", \
      pair_ratio("wirechan", "fanout-1k-takeover", "fanout-1k", "deliveries_per_s"), \
      pair_ratio("wirechan", "fanout-1k-takeover", "fanout-1k", "deliveries_per_server_core_s")
  }
}

# The median over rounds of scenario a's figure k over scenario b's, both of server s.
function pair_ratio(s, a, b, k,    n, i, r) {
  n = count[s, a, k]
  if (n == 0 || count[s, b, k] != n) return "-"
  for (i = 1; i <= n; i++) {
    if (all[s, b, k, i] + 0 == 0) return "-"
    r[i] = all[s, a, k, i] / all[s, b, k, i]
  }
  return sprintf("%.2fx", median_of(r, n))
}
