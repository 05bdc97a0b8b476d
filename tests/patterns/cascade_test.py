#!/usr/bin/env python3
"""The cascade template against independent expectations.

- The share served by the fast model equals P(confidence >= threshold) = 1 - t^7.2 for the
  template's Beta(7.2, 1) confidence, within a 99.9% binomial interval, at every threshold.
- At the shipped threshold 0.8: about 80% served fast and 50-62% lower compute cost than
  sending everything to BERT-large (configs/patterns/cascade_all_complex.yaml): 0.8 minus
  DistilBERT's cost per request over BERT-large's, which lies between their FLOP ratio (1/5)
  and their layer ratio (1/4, the per-kernel costs), plus per-batch costs.
- Cost rises with the threshold (more escalations); every declared SLO is met as shipped.
Prints the threshold table that docs/patterns.md shows.
"""
import json
import math
import os
import subprocess
import sys

scalesim = os.environ["SCALESIM"]
source = os.environ["SOURCE_DIR"]
cascade = os.path.join(source, "configs/patterns/cascade.yaml")
baseline = os.path.join(source, "configs/patterns/cascade_all_complex.yaml")
failures = []


def run(config, *extra):
    out = subprocess.run([scalesim, "run", config, "--json", *extra], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


base = run(baseline)
base_cost = base["metrics"]["cost.compute_per_million_requests"]
print(f"all to BERT-large: compute ${base_cost:.4f} per million requests")
print("| threshold | expected fast share | simulated | compute $/M requests | vs all-complex | p99 latency |")
print("|---|---|---|---|---|---|")
last_cost = 0.0
for t in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
    r = run(cascade, "--set", f"components.gate.threshold={t}")
    gate = next(c for c in r["components"] if c["type"] == "cascade_gate")
    n = gate["accepted"] + gate["escalated"]
    p = 1.0 - t ** 7.2
    share = gate["accepted_share"]
    half = 3.29 * math.sqrt(p * (1 - p) / n)  # 99.9% normal interval of a binomial share
    if abs(share - p) > half:
        failures.append(f"threshold {t}: share {share:.4f} outside {p:.4f} +- {half:.4f}")
    if abs(gate["expected_accepted_share"] - p) > 1e-9:
        failures.append(f"threshold {t}: expected share {gate['expected_accepted_share']} != {p}")
    cost = r["metrics"]["cost.compute_per_million_requests"]
    if cost < last_cost:
        failures.append(f"threshold {t}: cost {cost} fell below {last_cost} at a lower threshold")
    last_cost = cost
    saving = 1 - cost / base_cost
    print(f"| {t} | {p:.1%} | {share:.1%} | {cost:.4f} | {saving:.0%} lower | "
          f"{r['metrics']['done.p99_latency_s'] * 1e3:.1f} ms |")
    if t == 0.8:
        if not 0.78 <= share <= 0.82:
            failures.append(f"shipped threshold: {share:.3f} served fast, not about 80%")
        if not 0.50 <= saving <= 0.62:
            failures.append(f"shipped threshold: compute cost {saving:.1%} lower, not 50-62%")

shipped = run(cascade)
if not shipped["slo"] or not all(s["met"] for s in shipped["slo"]):
    failures.append(f"shipped cascade misses an SLO: {shipped['slo']}")
for s in shipped["slo"]:
    for key in ("name", "metric", "target", "value", "met"):
        if key not in s:
            failures.append(f"slo entry without '{key}': {s}")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
