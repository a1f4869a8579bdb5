# Shared by the benchmark scripts (sourced, not run).
# shellcheck shell=bash

# median_ms CMD...: median wall time in milliseconds of running CMD $runs times.
median_ms() {
  local times=() t0 t1
  for _ in $(seq "${runs:-5}"); do
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
