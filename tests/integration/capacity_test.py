#!/usr/bin/env python3
"""scalesim capacity finds the highest arrival rate meeting the SLOs.

1. M/M/1 (mu = 100/s): the sojourn time is exponential with rate mu - lambda, so
   p99 < 200 ms holds up to lambda* = mu - ln(100) / 0.2 = 76.97/s. The search (tolerance 0.5%)
   must land within 2% of it: the simulated p99 of 500,000 customers is within about 1% of the
   exact one, and at lambda* a 1% error in p99 moves the rate by 0.3%.
2. The search is deterministic: the trials are identical (rates, verdicts, values) with 1 and 2
   threads (where OpenMP is built; without it --threads 2 is refused) and, where MPI is
   built, on 2 ranks.
3. Bad input: an unknown metric gets "did you mean"; a config with two sources and no --source
   names them; a bound no rate meets ends with status 4 and says so.

  capacity_test.py --scalesim BIN [--mpiexec MPIEXEC] [--openmp]"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

parser = argparse.ArgumentParser()
parser.add_argument("--scalesim", required=True)
parser.add_argument("--mpiexec")
parser.add_argument("--openmp", action="store_true", help="the binary is built with OpenMP")
args = parser.parse_args()
here = os.path.dirname(os.path.abspath(__file__))
mm1 = os.path.join(here, "..", "..", "configs", "examples", "mm1.yaml")
failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    failures += 0 if ok else 1


def capacity(extra, ranks=1, expect=0):
    argv = [args.scalesim, "capacity", mm1, "--slo", "done.p99_latency_s < 200ms",
            "--tolerance", "0.005", "--json"] + extra
    env = dict(os.environ)
    if ranks > 1:
        argv = [args.mpiexec, "--oversubscribe", "--allow-run-as-root", "-n", str(ranks)] + argv
        env["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env)
    if p.returncode != expect:
        print(p.stdout, p.stderr)
    check(p.returncode == expect, f"exit status {p.returncode} (expected {expect}) for {extra}")
    return json.loads(p.stdout) if p.returncode == expect and p.stdout.strip() else None


one = capacity(["--threads", "1"])
exact = 100.0 - math.log(100.0) / 0.2
if one:
    c = one["capacity_per_s"]
    check(abs(c / exact - 1) < 0.02, f"M/M/1 capacity {c:.3f}/s vs exact {exact:.3f}/s")
    check(one["converged"] and one["first_missed_per_s"] / c <= 1.005 + 1e-12,
          "bracketed within the tolerance")
    met = [t for t in one["trials"] if t["met"]]
    missed = [t for t in one["trials"] if not t["met"]]
    check(all(t["slos"][0]["value"] < 0.2 for t in met) and
          all(t["slos"][0]["value"] >= 0.2 for t in missed), "verdicts agree with the values")
    check(max(t["rate_per_s"] for t in met) == c, "the capacity is the highest rate met")
    if args.openmp:
        check(capacity(["--threads", "2"]) == one, "2 threads: the same trials")
    else:
        p = subprocess.run([args.scalesim, "capacity", mm1, "--slo", "done.p99_latency_s < 1s",
                            "--threads", "2"], capture_output=True, text=True, timeout=120)
        check(p.returncode != 0 and "without OpenMP" in p.stderr,
              "without OpenMP, --threads 2 is refused: " + p.stderr.strip())
    if args.mpiexec:
        check(capacity(["--threads", "1"], ranks=2) == one, "2 MPI ranks: the same trials")

p = subprocess.run([args.scalesim, "capacity", mm1, "--slo", "done.p99_latncy_s < 1s"],
                   capture_output=True, text=True, timeout=120)
check(p.returncode == 3 and "did you mean 'done.p99_latency_s'" in p.stderr,
      f"unknown metric: {p.stderr.strip()}")

with tempfile.TemporaryDirectory() as tmp:
    two_sources = os.path.join(tmp, "two.yaml")
    with open(two_sources, "w") as f:
        f.write("name: t\ncomponents:\n"
                "  a: {type: source, arrivals: {process: poisson, rate: 10/s}, customers: 100, "
                "to: done}\n"
                "  b: {type: source, arrivals: {process: poisson, rate: 10/s}, customers: 100, "
                "to: done}\n  done: {type: sink}\n")
    p = subprocess.run([args.scalesim, "capacity", two_sources, "--slo",
                        "done.p99_latency_s < 1s"], capture_output=True, text=True, timeout=120)
    check(p.returncode == 3 and "2 sources (a, b)" in p.stderr and "two.yaml:" in p.stderr,
          f"two sources: {p.stderr.strip()}")

p = subprocess.run([args.scalesim, "capacity", mm1, "--slo", "done.p99_latency_s < 1ms",
                    "--max-runs", "6"], capture_output=True, text=True, timeout=120)
check(p.returncode == 4 and "no rate tried meets every SLO" in p.stdout,
      "an unreachable bound: status 4, said")

sys.exit(1 if failures else 0)
