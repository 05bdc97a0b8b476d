#!/usr/bin/env python3
"""--replications gives a 99% confidence interval for every reported metric, the distribution of
times included: run the M/M/1 example (lambda = 50/s, mu = 100/s) as 10 replications and check
that the exact M/M/1 values lie inside the intervals of P(wait > 0) = rho, the wait p90
(P(W > t) = rho e^{-(mu - lambda) t}), the sojourn p50 and p99 (exponential with rate
mu - lambda) and the mean queue length rho^2 / (1 - rho). Fixed seeds (the config's), so the
outcome is reproducible; a correct simulator misses one 99% interval in a hundred."""
import argparse
import json
import math
import os
import subprocess
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--scalesim", required=True)
args = parser.parse_args()
here = os.path.dirname(os.path.abspath(__file__))
config = os.path.join(here, "..", "..", "configs", "examples", "mm1.yaml")
out = subprocess.run([args.scalesim, "run", config, "--replications", "10", "--json"],
                     capture_output=True, text=True, timeout=300, check=True).stdout
metrics = {m["name"]: m for m in json.loads(out)["metrics"]}

lam, mu = 50.0, 100.0
rho = lam / mu
exact = {
    "server.p_wait_positive": rho,
    "server.p90_wait_s": math.log(10 * rho) / (mu - lam),
    "server.p50_sojourn_s": math.log(2) / (mu - lam),
    "server.p99_sojourn_s": math.log(100) / (mu - lam),
    "server.mean_queue_length": rho * rho / (1 - rho),
    "done.p999_latency_s": math.log(1000) / (mu - lam),
}
failures = 0
for name in ["server.p50_wait_s", "server.p99_wait_s", "server.p999_wait_s",
             "server.p999_sojourn_s", "server.mean_sojourn_s", "done.p90_latency_s"]:
    if name not in metrics or not metrics[name]["ci99_half_width"] > 0:
        print(f"FAIL {name}: missing or without a confidence interval")
        failures += 1
for name, value in exact.items():
    m = metrics.get(name)
    if m is None:
        print(f"FAIL {name}: not reported")
        failures += 1
        continue
    lo, hi = m["mean"] - m["ci99_half_width"], m["mean"] + m["ci99_half_width"]
    ok = lo <= value <= hi
    print(f"{'ok  ' if ok else 'FAIL'} {name}: exact {value:.6g}, 99% CI [{lo:.6g}, {hi:.6g}]")
    failures += not ok
sys.exit(1 if failures else 0)
