#!/usr/bin/env bash
# Measures a real redis-server (Debian's package) on this machine: closed loop with
# redis-benchmark and open loop with redis_open_loop (Poisson arrivals, latency from the scheduled
# send time), per command kind, with the server's CPU per operation. See bench/redis/README.md.
#
#   bench/redis/redis_harness.sh [--short] [--out FILE] [--generator PATH]
#                                [--kinds K1,K2..] [--duration S] [--no-wait]
#
# The full form writes calibration/redis_commands_local.json (10-20 minutes); --short is the CI
# form (a few seconds: tiny dataset, one point per kind and loop). --kinds picks command kinds
# (GET_100B SET_100B GET_1KiB SET_1KiB MGET_10 HGETALL_20), --duration the open-loop seconds per
# point (full form, default 4), --no-wait skips waiting for a quiet machine.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
short=0
out=""
generator=""
only_kinds=""
open_dur_arg=""
wait_quiet=1
harness_command="$0 $*"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --short) short=1 ;;
    --out) out=$2; shift ;;
    --generator) generator=$2; shift ;;
    --kinds) only_kinds=$2; shift ;;
    --duration) open_dur_arg=$2; shift ;;
    --no-wait) wait_quiet=0 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "redis_harness: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

die() { echo "redis_harness: $*" >&2; exit 1; }

for p in redis-server redis-benchmark redis-cli taskset; do
  command -v "$p" >/dev/null ||
    die "$p not found; install the project's Debian packages with scripts/ensure_deps.sh (redis-server redis-tools)"
done
py=/usr/bin/python3
[[ -x $py ]] || py=$(command -v python3) || die "python3 not found"
if [[ -z $generator ]]; then
  for g in "$root/build/default/bench/redis_open_loop" "$root/build/bench/redis_open_loop"; do
    [[ -x $g ]] && generator=$g && break
  done
fi
[[ -n $generator && -x $generator ]] ||
  die "load generator not found; build the redis_open_loop target and pass --generator PATH"
generator=$(cd "$(dirname "$generator")" && pwd)/$(basename "$generator")
if [[ -z $out ]]; then
  [[ $short -eq 1 ]] && out=$PWD/redis_harness_short.json || out=$root/calibration/redis_commands_local.json
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/redis-harness.XXXXXX")
server_pid=""
stop_server() {
  [[ -n $server_pid ]] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$server_pid" 2>/dev/null && kill -KILL "$server_pid" 2>/dev/null
  fi
  wait "$server_pid" 2>/dev/null || true
}
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

meta=$work/meta.tsv
records=$work/records
mkdir -p "$records" "$work/data"
put() { printf '%s\t%s\n' "$1" "$2" >>"$meta"; }
put form "$([[ $short -eq 1 ]] && echo short || echo full)"
put harness_command "$harness_command"
put generator "$generator"

# The shared machine: wait (up to 10 minutes) for a quiet start before a full run.
waited=0
if [[ $short -eq 0 && $wait_quiet -eq 1 ]]; then
  while awk '{exit !($1 > 1.5)}' /proc/loadavg && [[ $waited -lt 600 ]]; do
    echo "redis_harness: load average $(cut -d' ' -f1-3 /proc/loadavg) > 1.5, waiting" >&2
    sleep 60
    waited=$((waited + 60))
  done
fi
put waited_for_quiet_s "$waited"
put loadavg_start "$(cut -d' ' -f1-3 /proc/loadavg)"
put start_time "$(date +%s.%N)"

# Server on the last allowed core, load generator on the others.
read -r -a cpus <<<"$($py -c 'import os; print(*sorted(os.sched_getaffinity(0)))')"
server_pin=()
gen_pin=()
if [[ ${#cpus[@]} -ge 2 ]]; then
  server_cpu=${cpus[-1]}
  gen_cpus=$(IFS=,; echo "${cpus[*]:0:${#cpus[@]}-1}")
  server_pin=(taskset -c "$server_cpu")
  gen_pin=(taskset -c "$gen_cpus")
else
  server_cpu=none
  gen_cpus=none
fi
put server_cpu "$server_cpu"
put generator_cpus "$gen_cpus"

free_port() {
  $py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Another program may take the port between the bind test and the server's bind: then retry.
port=""
for attempt in 1 2 3 4 5; do
  port=$(free_port)
  server_cmd=(redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no
              --daemonize no --dir "$work/data" --logfile "$work/redis.log")
  "${server_pin[@]}" "${server_cmd[@]}" &
  server_pid=$!
  up=0
  for _ in $(seq 200); do
    kill -0 "$server_pid" 2>/dev/null || break
    if [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]; then up=1; break; fi
    sleep 0.05
  done
  [[ $up -eq 1 ]] && break
  stop_server
  server_pid=""
  echo "redis_harness: redis-server did not start on port $port (attempt $attempt)" >&2
  tail -3 "$work/redis.log" >&2 || true
done
[[ -n $server_pid ]] || die "could not start redis-server"
[[ $(cat "/proc/$server_pid/comm") == redis-server ]] || die "PID $server_pid is not redis-server"
put server_pid "$server_pid"
put server_command "$(printf '%q ' "${server_pin[@]}" "${server_cmd[@]}" | sed "s|$work|<tmpdir>|g")"
rcli=(redis-cli -h 127.0.0.1 -p "$port")

if [[ $short -eq 1 ]]; then
  n=1000; reps_closed=1; reps_open=1
  clients_list=(1); pipelines=(1)
  fractions=(0); open_rate=2000; open_dur=0.3; open_warm=0.05; open_conns=2
else
  n=100000; reps_closed=3; reps_open=3
  clients_list=(1 50); pipelines=(1 16)
  fractions=(0.1 0.3 0.5 0.7 0.8 0.9 0.95); open_dur=${open_dur_arg:-4}; open_warm=1; open_conns=50
fi
put dataset_n "$n"
put closed_reps "$reps_closed"
put open_reps "$reps_open"
put open_settings "connections=$open_conns duration_s=$open_dur warmup_s=$open_warm seed=rep number"

t0=$(date +%s.%N)
load_out=$($py "$here/assemble.py" dataset "$n" | "${rcli[@]}" --pipe 2>&1 | tail -1)
t1=$(date +%s.%N)
put load_command "assemble.py dataset $n | redis-cli -h 127.0.0.1 -p <port> --pipe"
put load_output "$load_out"
put load_s "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')"
[[ $load_out == "errors: 0, replies: $((3 * n))" ]] || die "dataset load failed: $load_out"
dbsize=$("${rcli[@]}" dbsize)
[[ $dbsize -eq $((3 * n)) ]] || die "dbsize $dbsize, expected $((3 * n))"
put dbsize "$dbsize"
put used_memory "$("${rcli[@]}" info memory | tr -d '\r' | awk -F: '$1=="used_memory_human"{print $2}')"

# Kinds: name, command in redis-benchmark's form, redis_open_loop's options, command stat name.
v100=$(printf 'v%.0s' $(seq 100))
v1024=$(printf 'V%.0s' $(seq 1024))
mget10=$(for _ in $(seq 10); do printf ' key:__rand_int__'; done)
kinds=(GET_100B SET_100B GET_1KiB SET_1KiB MGET_10 HGETALL_20)
declare -A bench_cmd open_opts stat_name scale
bench_cmd[GET_100B]="GET key:__rand_int__"
bench_cmd[SET_100B]="SET key:__rand_int__ $v100"
bench_cmd[GET_1KiB]="GET big:__rand_int__"
bench_cmd[SET_1KiB]="SET big:__rand_int__ $v1024"
bench_cmd[MGET_10]="MGET$mget10"
bench_cmd[HGETALL_20]="HGETALL hash:__rand_int__"
open_opts[GET_100B]="--command get --prefix key:"
open_opts[SET_100B]="--command set --prefix key: --value-size 100"
open_opts[GET_1KiB]="--command get --prefix big:"
open_opts[SET_1KiB]="--command set --prefix big: --value-size 1024"
open_opts[MGET_10]="--command mget --prefix key: --mget-keys 10"
open_opts[HGETALL_20]="--command hgetall --prefix hash:"
if [[ -n $only_kinds ]]; then
  IFS=, read -r -a kinds <<<"$only_kinds"
  for k in "${kinds[@]}"; do [[ -n ${bench_cmd[$k]:-} ]] || die "unknown kind $k"; done
fi
stat_name=([GET_100B]=get [SET_100B]=set [GET_1KiB]=get [SET_1KiB]=set [MGET_10]=mget
           [HGETALL_20]=hgetall)
# Requests per closed-loop run, in percent of the GET 100 B count, so each run lasts about a
# second or two.
scale=([GET_100B]=100 [SET_100B]=100 [GET_1KiB]=80 [SET_1KiB]=70 [MGET_10]=40 [HGETALL_20]=35)
requests_for() {  # clients pipeline kind
  local base
  if [[ $short -eq 1 ]]; then echo 500; return; fi
  case "$1/$2" in
    1/1) base=20000 ;;
    1/16) base=150000 ;;
    50/1) base=150000 ;;
    *) base=600000 ;;
  esac
  echo $((base * ${scale[$3]} / 100))
}

measure() {  # record-file labels... -- command...
  local rec=$1
  shift
  local labels=()
  while [[ $1 != -- ]]; do labels+=(--label "$1"); shift; done
  $py "$here/assemble.py" measure --port "$port" --server-pid "$server_pid" --out "$rec" \
    "${labels[@]}" "$@"
}

# Per kind, the closed loop, its saturation and then the open loop at fractions of it, so that
# the fractions refer to a nearby moment on a shared machine.
for kind in "${kinds[@]}"; do
  echo "redis_harness: $kind closed loop (redis-benchmark)" >&2
  read -r -a cmd <<<"${bench_cmd[$kind]}"
  for clients in "${clients_list[@]}"; do
    for pipeline in "${pipelines[@]}"; do
      requests=$(requests_for "$clients" "$pipeline" "$kind")
      for rep in $(seq "$reps_closed"); do
        measure "$records/closed_${kind}_c${clients}_P${pipeline}_r${rep}.json" \
          loop=closed kind="$kind" clients="$clients" pipeline="$pipeline" rep="$rep" \
          requests="$requests" redis_command="${stat_name[$kind]}" -- \
          "${gen_pin[@]}" redis-benchmark -h 127.0.0.1 -p "$port" -c "$clients" -P "$pipeline" \
          -n "$requests" -r "$n" --csv "${cmd[@]}"
      done
    done
  done
  if [[ $short -eq 0 ]]; then
    sat=$($py "$here/assemble.py" saturation "$records" "$kind")
    put "saturation.$kind" "$sat"
    echo "redis_harness: $kind saturation $sat ops/s; open loop (redis_open_loop)" >&2
  fi
  read -r -a opts <<<"${open_opts[$kind]}"
  for fraction in "${fractions[@]}"; do
    if [[ $short -eq 1 ]]; then
      rate=$open_rate
    else
      rate=$(awk -v s="$sat" -v f="$fraction" 'BEGIN{printf "%.1f", s * f}')
    fi
    for rep in $(seq "$reps_open"); do
      measure "$records/open_${kind}_f${fraction}_r${rep}.json" \
        loop=open kind="$kind" fraction="$fraction" rep="$rep" \
        redis_command="${stat_name[$kind]}" -- \
        "${gen_pin[@]}" "$generator" --port "$port" "${opts[@]}" --keyspace "$n" \
        --rate "$rate" --duration "$open_dur" --warmup "$open_warm" \
        --connections "$open_conns" --seed "$rep" --server-pid "$server_pid"
    done
  done
done

stop_server
put end_time "$(date +%s.%N)"
put loadavg_end "$(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$(dirname "$out")"
$py "$here/assemble.py" assemble --records "$records" --meta "$meta" --out "$out"
echo "redis_harness: wrote $out" >&2
