#!/usr/bin/env python3
"""Sweeps over OpenMP threads (the des backend's workers taking runs from the shared counter, the
mc kernel's replications): 1 and 2 threads give identical results. Run under ThreadSanitizer by
the tsan stage of test.sh, where a data race fails the run.

  sweep_threads.py --scalesim BIN"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--scalesim", required=True)
a = ap.parse_args()
source = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
spec_text = f"""base: {os.path.join(source, 'configs', 'examples', 'mmc_window.yaml')}
set: {{end.time: 1500s}}
replications: 4
parameters:
  - {{path: components.counter.servers, values: [4, 5, 6]}}
metrics: [counter.mean_wait_s, done.p99_latency_s, done.throughput_per_s]
"""
failures = []
with tempfile.TemporaryDirectory() as tmp:
    spec = os.path.join(tmp, "spec.yaml")
    with open(spec, "w") as f:
        f.write(spec_text)
    for backend in ("des", "mc"):
        results = []
        for threads in (1, 2):
            out = os.path.join(tmp, f"{backend}{threads}.json")
            p = subprocess.run([a.scalesim, "sweep", spec, "--backend", backend, "--device", "cpu",
                                "--threads", str(threads), "-o", out, "-q"],
                               capture_output=True, text=True, timeout=600)
            if p.returncode != 0:
                failures.append(f"{backend} with {threads} threads: exit {p.returncode}: {p.stderr[-2000:]}")
                continue
            with open(out) as f:
                results.append(json.load(f)["results"])
        if len(results) == 2 and results[0] != results[1]:
            failures.append(f"{backend}: 1 and 2 threads differ")
if failures:
    sys.exit("\n".join(failures))
print("sweeps identical on 1 and 2 threads (des and mc)")
