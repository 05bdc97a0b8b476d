#!/usr/bin/python3
"""Checks the output of `redis_harness.sh --short`: every command kind measured in both loops,
finite positive throughputs, ordered latency percentiles, CPU accounting present, and the
server process gone afterwards.

  check_short.py FILE
"""

import json
import math
import os
import sys

KINDS = {"GET_100B", "SET_100B", "GET_1KiB", "SET_1KiB", "MGET_10", "HGETALL_20"}


def positive(x):
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def finite(x):
    return isinstance(x, (int, float)) and math.isfinite(x) and x >= 0


def check(doc):
    errors = []

    def need(ok, what):
        if not ok:
            errors.append(what)

    for loop in ("closed_loop", "open_loop"):
        rows = doc.get(loop, [])
        need(KINDS <= {r["kind"] for r in rows},
             "%s: kinds missing: %s" % (loop, sorted(KINDS - {r["kind"] for r in rows})))
        for r in rows:
            where = "%s %s" % (loop, r["kind"])
            if loop == "closed_loop":
                need(positive(r["ops_per_s_median"]), where + ": ops/s not positive")
                lat = r["latency_ms_median"]
                need(all(finite(lat[k]) for k in ("min", "p50", "p95", "p99", "max")),
                     where + ": latency not finite")
                need(lat["min"] <= lat["p50"] <= lat["p95"] <= lat["p99"] <= lat["max"],
                     where + ": latency percentiles out of order %s" % lat)
            else:
                need(positive(r["throughput_median"]), where + ": throughput not positive")
                need(r["not_completed"] == 0 and r["errors"] == 0,
                     where + ": requests unanswered or errors")
                for name in ("latency_us_median", "service_latency_us_median"):
                    lat = r[name]
                    need(all(finite(lat[k]) for k in ("p50", "p90", "p99", "p99_9", "max")),
                         where + ": %s not finite" % name)
                    need(0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p99_9"] <= lat["max"],
                         where + ": %s percentiles out of order %s" % (name, lat))
                need(r["service_latency_us_median"]["p50"] <= r["latency_us_median"]["p50"],
                     where + ": service latency above latency from the scheduled time")
                need(finite(r["client_cpu_util"]), where + ": client CPU missing")
            # A short run may take under one 10 ms tick of the process's CPU, but schedstat
            # counts nanoseconds and usec_per_call is exact.
            need(positive(r["server_cpu_us_per_op"]), where + ": server CPU per op missing")
            need(finite(r["server_cpu_util"]), where + ": server CPU utilisation missing")
            need(positive(r["server_usec_per_call"]), where + ": INFO commandstats missing")

    pid = doc.get("server", {}).get("pid")
    need(isinstance(pid, int) and pid > 0, "server pid not recorded")
    if isinstance(pid, int) and pid > 0:
        need(doc["server"].get("alive_after_stop") is False, "server alive when the harness stopped")
        try:
            os.kill(pid, 0)
            with open("/proc/%d/comm" % pid) as f:
                need(f.read().strip() != "redis-server", "redis-server %d still running" % pid)
        except (ProcessLookupError, FileNotFoundError):
            pass
    for key in ("nproc", "cpu_model", "kernel", "mem_total_kb"):
        need(doc.get("machine", {}).get(key), "machine." + key + " missing")
    need(doc.get("software", {}).get("redis_server"), "redis-server version missing")
    return errors


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    errors = check(doc)
    for e in errors:
        print("check_short: " + e, file=sys.stderr)
    if errors:
        return 1
    print("check_short: %d closed-loop and %d open-loop points, server %d stopped" %
          (len(doc["closed_loop"]), len(doc["open_loop"]), doc["server"]["pid"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
