#!/usr/bin/env bash
# hearth-exporter against mtail (Debian package) and a `wc -l` floor, on the
# same generated corpus, each pinned to one core. Prints lines/s, MB/s and
# peak RSS (median of RUNS=3 runs each), and hearth-exporter's lines/s as a
# multiple of mtail's. Usage:
#   bench/exporter.sh [LINES] [GARBAGE] [NON_UTF8] [LONG]
# BEFORE=path/to/hearth-exporter adds a row for another build (a baseline).
# MTAIL_TIMEOUT=SECONDS stops each mtail run after that long (default 900):
# on ~95 KB records mtail's regexes can take more than ten minutes; a run
# stopped so is reported as "> N s" and gets no ratio.
#
# The corpus: ~780-byte ingress-nginx JSON access lines, Zipf-distributed
# client IPs (50,000), every status class, ~5 % ModSecurity interruptions
# (each after 0-2 rule-match warnings) and 2 % nginx error lines, 2 % of
# records split into P/F parts. The fractions (default 0) add broken records
# (mtail slows down sevenfold on them, see README.md), records with bytes
# that are not UTF-8, and ~95 KB records in 16 KiB P frames.
set -euo pipefail
cd "$(dirname "$0")/.."

lines=${1:-1000000}
garbage=${2:-0}
non_utf8=${3:-0}
long=${4:-0}
runs=${RUNS:-3}
mtail_timeout=${MTAIL_TIMEOUT:-900}
target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v mtail >/dev/null || { echo "mtail is missing: apt-get install mtail" >&2; exit 2; }
command -v taskset >/dev/null || { echo "taskset is missing (util-linux)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: apt-get install time" >&2; exit 2; }

cargo build --release -q -p hearth-exporter --bin hearth-exporter --example corpus
"$target/release/examples/corpus" "$lines" 50000 1 "$garbage" "$non_utf8" "$long" > "$work/corpus.log"
bytes=$(stat -c %s "$work/corpus.log")
records=$(grep -c ' [FP] ' "$work/corpus.log" || true)
cat "$work/corpus.log" > /dev/null # warm the page cache for every contender

# run NAME CMD...: $runs timed runs on core 0 (this machine's cores are
# shared, single runs vary by ±40 %); prints a row with the median time and
# the largest peak RSS.
run() {
  local name=$1; shift
  local all=() secs kib maxkib=0 limit=()
  [ "$name" = mtail ] && limit=(timeout "$mtail_timeout")
  for _ in $(seq "$runs"); do
    if ! /usr/bin/time -f '%e %M' -o "$work/time" "${limit[@]}" taskset -c 0 "$@" > "$work/$name.out" 2> "$work/$name.err"; then
      if [ "$name" = mtail ]; then
        echo "| $name | > $mtail_timeout s (stopped) | | | |"
        echo timeout > "$work/$name.secs"
        return
      fi
      echo "$name failed: $(head -c 500 "$work/$name.err")" >&2
      exit 1
    fi
    read -r secs kib < <(tail -n 1 "$work/time")
    all+=("$secs")
    (( kib > maxkib )) && maxkib=$kib
  done
  secs=$(printf '%s\n' "${all[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  kib=$maxkib
  awk -v n="$name" -v s="$secs" -v k="$kib" -v l="$lines" -v b="$bytes" 'BEGIN {
    printf "| %-16s | %8.2f s | %12.0f | %8.1f | %8.1f MiB |\n", n, s, l / s, b / s / 1048576, k / 1024 }'
  echo "$secs" > "$work/$name.secs"
}

echo "median of $runs runs; corpus: $lines records ($records physical lines), $((bytes / 1048576)) MiB, fractions: garbage $garbage, non-UTF-8 $non_utf8, long $long"
echo
echo "| tool             |     time |      lines/s |     MB/s |    peak RSS |"
echo "|------------------|---------:|-------------:|---------:|------------:|"
run "wc -l" wc -l "$work/corpus.log"
run "hearth-exporter" "$target/release/hearth-exporter" --oneshot "$work/corpus.log"
if [ -n "${BEFORE:-}" ]; then
  run "before" "$BEFORE" --oneshot "$work/corpus.log"
fi
run "mtail" mtail --one_shot --one_shot_format prometheus --progs bench/mtail --logs "$work/corpus.log"

# Sanity: both saw the same access lines (mtail misses records split in P/F).
ours=$(awk '/^promtail_custom_http_requests_total_ip\{/ {s += $2} END {print s}' "$work/hearth-exporter.out")
theirs=$(awk '/^http_requests_total_ip\{/ {s += $2} END {print s}' "$work/mtail.out")
echo
echo "requests counted: hearth-exporter $ours, mtail $theirs (mtail cannot join P/F records)"
if [ "$(cat "$work/mtail.secs")" = timeout ]; then
  echo "mtail stopped after $mtail_timeout s: no ratio"
  exit 0
fi
awk -v a="$(cat "$work/hearth-exporter.secs")" -v m="$(cat "$work/mtail.secs")" \
  'BEGIN { printf "hearth-exporter: %.1fx mtail'"'"'s lines per second\n", m / a }'
if [ -n "${BEFORE:-}" ]; then
  awk -v a="$(cat "$work/hearth-exporter.secs")" -v m="$(cat "$work/mtail.secs")" -v b="$(cat "$work/before.secs")" \
    'BEGIN { printf "before: %.1fx mtail'"'"'s lines per second; this build %.2fx the before build\n", m / b, b / a }'
fi
