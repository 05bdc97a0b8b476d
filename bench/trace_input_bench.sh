#!/bin/sh
# Trace input rate by form: the bundled Azure trace tiled to >= 10^7 rows, written once as a
# CSV file (datetimes, as bundled), then gzip, zstd and HDF5 (`scalesim trace convert`), each
# read through with `scalesim trace read` (every row parsed and checked, as a run reads it) and
# replayed by `scalesim run` into a sink. Best of 3; one core.
# Usage: bench/trace_input_bench.sh [SCALESIM] [TILES]  (default build/default/cli/scalesim, 517)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
scalesim=${1:-$here/build/default/cli/scalesim}
tiles=${2:-517}
work=$(mktemp -d "${TMPDIR:-/tmp}/trace-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trace=$here/data/traces/azure_llm_conv_2023.csv

# A real file of the tiled rows (not `repeat`: that would read one small file over and over,
# and HDF5's chunk cache would keep it decompressed). Each tile starts one mean gap after the
# previous one ends, as `repeat` places them.
/usr/bin/python3 - "$trace" "$tiles" "$work/big.csv" <<'EOF'
import sys, datetime
src, tiles, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(src, newline="").read().splitlines()
header, rows = lines[0], [l.split(",") for l in lines[1:] if l]
epoch = datetime.datetime(1970, 1, 1)
def ns(t):
    d = datetime.datetime.strptime(t[:19], "%Y-%m-%d %H:%M:%S")
    frac = (t[20:] + "000000000")[:9] if len(t) > 19 else "0"
    return int((d - epoch).total_seconds()) * 10**9 + int(frac)
times = [ns(r[0]) for r in rows]
span = times[-1] - times[0]
gap = span // (len(times) - 1)
with open(out, "w", newline="") as f:
    f.write(header + "\r\n")
    for k in range(tiles):
        off = k * (span + gap)
        for t, r in zip(times, rows):
            v = t + off
            s, frac = divmod(v, 10**9)
            f.write("%s.%07d,%s,%s\r\n" % ((epoch + datetime.timedelta(seconds=s)).strftime("%Y-%m-%d %H:%M:%S"), frac // 100, r[1], r[2]))
EOF
rows=$(($(wc -l <"$work/big.csv") - 1))
gzip -1 -c "$work/big.csv" >"$work/big.csv.gz"
zstd -q -c "$work/big.csv" >"$work/big.csv.zst"
"$scalesim" trace convert "$work/big.csv" "$work/big.h5" 2>/dev/null
echo "rows: $rows; bytes: csv $(stat -c %s "$work/big.csv"), gz $(stat -c %s "$work/big.csv.gz"), zst $(stat -c %s "$work/big.csv.zst"), h5 $(stat -c %s "$work/big.h5")"

cat >"$work/run.yaml" <<EOF
name: trace-bench
components:
  requests: {type: trace, file: FILE, format: azure_llm, to: done}
  done: {type: sink}
EOF

best() {  # best of 3 of a command printing one rate per line
  for _ in 1 2 3; do "$@"; done | sort -g | tail -1
}
read_rate() {
  "$scalesim" trace read "$1" --format azure_llm --json |
    sed -n 's/.*"rows_per_s":\([0-9.e+]*\).*/\1/p' | awk '{printf "%.4g\n", $1}'
}
run_rate() {
  sed "s|FILE|$1|" "$work/run.yaml" >"$work/r.yaml"
  start=$(date +%s%N)
  "$scalesim" run "$work/r.yaml" --threads 1 >/dev/null
  echo "$rows $start $(date +%s%N)" | awk '{printf "%.4g\n", $1 / (($3 - $2) / 1e9)}'
}
printf "%-10s %16s %18s\n" form "trace read rows/s" "run rows/s (whole)"
for f in big.csv big.csv.gz big.csv.zst big.h5; do
  printf "%-10s %16s %18s\n" "${f#big.}" "$(best read_rate "$work/$f")" "$(best run_rate "$work/$f")"
done
piped() {
  zcat "$work/big.csv.gz" | "$scalesim" trace read - --format azure_llm --json |
    sed -n 's/.*"rows_per_s":\([0-9.e+]*\).*/\1/p' | awk '{printf "%.4g\n", $1}'
}
echo "piped (zcat big.csv.gz | scalesim trace read -): $(best piped) rows/s"
