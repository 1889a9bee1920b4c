#!/bin/sh
# run-fuzz.sh BUILD SECONDS [TARGET…]: runs every libFuzzer target listed in
# BUILD/tests/fuzz-targets.txt (or only the TARGETs named) for SECONDS each,
# two at a time (one per core), then prints one line per target: seconds,
# executions, coverage (edges), features, corpus size, findings.
#
# Per target, in BUILD/fuzz/<name>/: corpus/ (what the run keeps: the seeds
# are read from the source tree, new inputs land here), findings/ (crash-,
# leak-, timeout-, oom- files: each one is a bug to fix and then to copy into
# tests/fuzz/corpus/<name>/), log.  ASan and UBSan stay on (the build has
# them); a finding stops that target's run.
set -eu
build=$1
secs=$2
shift 2
list="$build/tests/fuzz-targets.txt"
# The libraries' own process-lifetime allocations (babl's tables, libhdf5's
# file-image callbacks) are not ours: the same suppressions as the ASan pass.
supp="$(cd "$(dirname "$0")/.." && pwd)/lsan.supp"
[ -f "$list" ] || { echo "run-fuzz: no $list (configure $build first)"; exit 2; }

run_one () {
  name=$1 prog=$2
  shift 2
  dir="$build/fuzz/$name"
  mkdir -p "$dir/corpus" "$dir/findings"
  # -rss_limit_mb: a parser that needs more than 2 GB for a small input is a
  # finding (runaway memory); -timeout: 10 s for one input is a hang
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  LSAN_OPTIONS=suppressions="$supp":print_suppressions=0 \
    "$prog" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$dir/findings/" \
      "$dir/corpus" "$@" > "$dir/log" 2>&1 || true
}

pids=""
running=0
while IFS="$(printf '\t')" read -r name prog seeds; do
  [ -n "$name" ] || continue
  if [ $# -gt 0 ]; then
    case " $* " in *" $name "*) ;; *) continue ;; esac
  fi
  # shellcheck disable=SC2086
  run_one "$name" "$prog" $(printf '%s' "$seeds" | tr '\t' ' ') &
  pids="$pids $!"
  running=$((running + 1))
  if [ $running -ge 2 ]; then
    wait
    running=0
  fi
done < "$list"
wait

printf '%-12s %8s %12s %8s %8s %8s %s\n' target seconds execs cov ft corpus findings
while IFS="$(printf '\t')" read -r name prog seeds; do
  [ -n "$name" ] || continue
  dir="$build/fuzz/$name"
  [ -f "$dir/log" ] || continue
  if [ $# -gt 0 ]; then
    case " $* " in *" $name "*) ;; *) continue ;; esac
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$dir/log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$dir/log" | tail -1)
  cov=$(printf '%s' "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(printf '%s' "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  corpus=$(ls "$dir/corpus" | wc -l)
  findings=$(ls "$dir/findings" | wc -l)
  printf '%-12s %8s %12s %8s %8s %8s %s\n' "$name" "${took:-?}" "${execs:-?}" "${cov:-?}" \
    "${ft:-?}" "$corpus" "$findings"
done < "$list"
