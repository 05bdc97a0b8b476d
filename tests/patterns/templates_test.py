#!/usr/bin/env python3
"""Every pattern template runs as shipped, in under 60 s, meets the SLOs it declares, and its
headline outputs agree with independent expectations:

- batch_prediction: makespan = records / the slowest stage's rate plus the pipeline's fill
  time, within 1%; the slowest stage is the object store, whose rate is computed here from its
  catalog figures (16 streams, each GET 30 ms + 110 MB / 85 MB/s, 1,000 records per object).
- model_versioning: four 30 s canary steps roll out at exactly 120 s; a fault raising the
  canary's error rate at 45 s is caught at the end of its step (60 s) and rolls back to 0%.
- transfer_learning: the run is bound by reading from the object store, so it takes
  epochs x samples / (streams x 85 MB/s / 110 kB).
- feature_store: no lookup beats its round trip; Zipf keys make a hot shard, uniform ones do
  not; a master failure holds the lookups sent during the failover (node timeout + election).
- federated_learning: the mean round matches an independent Monte Carlo of the same device
  population within 5%; 300 rounds take 300 mean rounds; bytes moved = model x (selected +
  reported) per round.
- ml_pipeline: a run with fixed stage times takes exactly its critical path; a cycle among
  stages is a configuration error (exit 3) naming them.
- continuous_training: with linear drift only, retraining happens every 20 days (8 times in 180).
- ensemble: joining all members takes at least as long as the slowest member's mean time in
  service plus the two 300 us hops (within 0.5%, see below); a quorum of 2 is faster than all 3;
  no request is lost.

The composite templates (configs/composites) run under the same rules, and:
- their by_class routers keep the request classes apart: following each class (source) through
  the topology, taking only its own routes at a by_class router, every sink is reached by
  exactly one class, and each sink receives at most as many requests as its class emitted and at
  least 99% of them (the rest are in flight at the end); no by_class route carries more than its
  classes emitted;
- the shared tier (the feature store, the GPU pool) is exactly the set of components that both
  classes reach, and it handles the sum of both classes' configured rates within 2% (for
  e-commerce's pool: the page views plus the payments the gate escalates).
"""
import glob
import json
import math
import os
import subprocess
import sys
import time

import yaml

scalesim = os.environ["SCALESIM"]
source = os.environ["SOURCE_DIR"]
failures = []


def run(config, *extra):
    start = time.monotonic()
    out = subprocess.run([scalesim, "run", config, "--json", *extra], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out), time.monotonic() - start


def component(result, name):
    return next(c for c in result["components"] if c["name"] == name)


templates = sorted(glob.glob(os.path.join(source, "configs/patterns/*.yaml")))
composites = sorted(glob.glob(os.path.join(source, "configs/composites/*.yaml")))
templates += composites
results = {}
for path in templates:
    name = os.path.splitext(os.path.basename(path))[0]
    r, wall = run(path)
    results[name] = r
    print(f"{name}: {wall:.1f} s wall, SLOs " +
          ", ".join(f"{s['name']}={'met' if s['met'] else 'MISSED'}" for s in r["slo"]))
    if wall > 60:
        failures.append(f"{name}: took {wall:.1f} s (more than 60 s)")
    if not r["slo"]:
        failures.append(f"{name}: declares no SLO")
    for s in r["slo"]:
        if not s["met"]:
            failures.append(f"{name}: SLO '{s['name']}' missed: {s['value']} vs {s['target']}")

bp = results["batch_prediction"]
records = component(bp, "done")["arrived"]
read_rate = 16 * 1000 / (0.030 + 110e6 / 85e6)  # s3-standard: first byte, stream rate
expected = records / read_rate + 0.030 + 0.1e-3  # the read rate, first byte, one hop
if records != 2_000_000 or abs(bp["sim_time_s"] - expected) > 0.01 * expected:
    failures.append(f"batch_prediction: {records} records in {bp['sim_time_s']} s, "
                    f"expected 2000000 in about {expected:.1f} s")

ens = results["ensemble"]
e = component(ens, "ensemble")
slowest = max(component(ens, m)["mean_sojourn_s"] for m in ("small", "base", "large"))
# Mean of the per-request maximum >= the largest member mean; 0.5% slack because the warm-up
# cut selects slightly different request sets at the ensemble and at each member.
if e["mean_join_s"] < 0.995 * (slowest + 600e-6):
    failures.append(f"ensemble: join {e['mean_join_s']} faster than the slowest member "
                    f"{slowest} + 600 us")
if e["released"] + 0 > e["requests"] or e["requests"] - e["released"] > 100:
    failures.append(f"ensemble: {e['requests']} requests but {e['released']} answered")
q2, _ = run(os.path.join(source, "configs/patterns/ensemble.yaml"),
            "--set", "components.ensemble.quorum=2")
if component(q2, "ensemble")["mean_join_s"] >= e["mean_join_s"]:
    failures.append("ensemble: a quorum of 2 is not faster than joining all 3")

mv = results["model_versioning"]
split = component(mv, "split")
if abs(split["rollout_s"] - 120.0) > 1e-9 or split["rolled_back"]:
    failures.append(f"model_versioning: rolled out at {split['rollout_s']}, expected 4 steps x 30 s")
fault, _ = run(os.path.join(source, "configs/patterns/model_versioning.yaml"),
               "--set", "components.split.fault={at: 45s, error_rate: 10%}")
fs = component(fault, "split")
# The fault starts in step 2 (30-60 s), whose judgement at 60 s must roll back.
if not fs["rolled_back"] or abs(fs["rollback_s"] - 60.0) > 1e-9 or fs["canary_share"] != 0.0:
    failures.append(f"model_versioning with a fault: {fs}")
if fs["canary_answers"] + fs["stable_answers"] != component(fault, "done")["arrived"]:
    failures.append("model_versioning: answers and arrivals at the sink differ")

tl = component(results["transfer_learning"], "finetune")
# Data-loading bound: 32 streams x 85 MB/s of 110 kB images, 10 epochs of 500k images.
expected = 10 * 500_000 / (32 * 85e6 / 110e3)
if tl["bound"] != "data loading" or abs(tl["mean_training_time_s"] - expected) > 1e-3 * expected:
    failures.append(f"transfer_learning: {tl['mean_training_time_s']} s ({tl['bound']} bound), "
                    f"expected {expected:.1f} s, data-loading bound")

fs_ = component(results["feature_store"], "features")
# A lookup is never faster than its round trip; Zipf keys load one shard above the mean, uniform
# keys do not; a failed master makes the lookups sent during its outage wait for the failover.
if fs_["min_lookup_s"] < fs_["rtt_s"]:
    failures.append(f"feature_store: a lookup took {fs_['min_lookup_s']} s < RTT {fs_['rtt_s']}")
uniform, _ = run(os.path.join(source, "configs/patterns/feature_store.yaml"),
                 "--set", "components.features.zipf=0")
if not fs_["hot_shard_ratio"] > component(uniform, "features")["hot_shard_ratio"] + 0.05:
    failures.append(f"feature_store: Zipf keys do not make a hotter shard ({fs_['hot_shard_ratio']})")
failed, _ = run(os.path.join(source, "configs/patterns/feature_store.yaml"),
                "--set", "components.features.failure={shard: 0, at: 10s}")
ff = component(failed, "features")
# Lookups touching shard 0 while it has no master: at 20k/s, ~15.8-16.8 s of outage (node
# timeout 15 s + election), most requests touch shard 0 (10 keys over 6 shards).
if not (150_000 < ff["failover_waits"] < 340_000) or ff["p99_lookup_s"] < 10:
    failures.append(f"feature_store failover: {ff['failover_waits']} waits, p99 {ff['p99_lookup_s']}")

# Federated: an independent Monte Carlo of the same population (Python's own random numbers):
# round = the 100th fastest report of a 130-client cohort (5% dropping out) + 5 s of server work
# + secure aggregation's 20 us per pair of the 100; the mean over 2000 rounds within 5%.
import random
rnd = random.Random(7)
population = []
for _ in range(100_000):
    down = 20e6 / (20e6 / 8 * math.exp(rnd.gauss(0, 1.0)))
    compute = 60 * math.exp(rnd.gauss(0, 0.8))
    up = 20e6 / (5e6 / 8 * math.exp(rnd.gauss(0, 1.0)))
    population.append(down + compute + up)
total = 0.0
for _ in range(2000):
    cohort = [population[i] for i in rnd.sample(range(100_000), 130) if rnd.random() >= 0.05]
    cohort.sort()
    total += cohort[99] + 5 + 100 * 99 / 2 * 20e-6
expected_round = total / 2000
fl = component(results["federated_learning"], "fl")
if abs(fl["mean_round_s"] - expected_round) > 0.05 * expected_round:
    failures.append(f"federated: mean round {fl['mean_round_s']:.1f} s, independent estimate "
                    f"{expected_round:.1f} s")
if fl["rounds"] != 300 or abs(fl["time_to_rounds_s"] - 300 * fl["mean_round_s"]) > 1:
    failures.append(f"federated: {fl['rounds']} rounds in {fl['time_to_rounds_s']} s")
# Bytes: the model down to all 130 selected, back up from the 100 counted, every round.
if abs(fl["bytes_moved"] - 300 * 20e6 * (130 + 100)) > 1e6:
    failures.append(f"federated: {fl['bytes_moved']} bytes moved, expected 300 x 20 MB x 230")

# ML pipeline: one run with fixed stage times lasts exactly its critical path; a cycle among the
# stages is refused at configuration, naming the stages.
mlp = os.path.join(source, "configs/patterns/ml_pipeline.yaml")
one, _ = run(mlp, "--set", "components.triggers.customers=1", "--set",
             "components.pipeline.stages.features.duration={distribution: deterministic, value: 6min}")
p = component(one, "pipeline")
stage_mean_s = {s["stage"]: s["mean_s"] for s in p["stages"]}
expected = 120 + 360 + stage_mean_s["train"] + 180 + 120
if p["runs"] != 1 or abs(p["mean_run_s"] - expected) > 1e-6 or \
        p["critical_path"] != "validate -> features -> train -> evaluate -> deploy":
    failures.append(f"ml_pipeline: {p['mean_run_s']} s via {p['critical_path']}, expected {expected}")
import tempfile
with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as tmp:
    tmp.write(open(mlp).read().replace("validate: {duration:", "validate: {after: [deploy], duration:"))
bad = subprocess.run([scalesim, "run", tmp.name], capture_output=True, text=True)
os.unlink(tmp.name)
if bad.returncode != 3 or "the stages form a cycle: validate -> " not in bad.stderr:
    failures.append(f"ml_pipeline: a cycle gave rc {bad.returncode}: {bad.stderr}")

# Continuous training without sudden shifts and with a noiseless monitor: accuracy falls from
# 90% to the 86% threshold in (0.90 - 0.86) / 0.002 = 20 days, so 180 days see 8 retrains.
ct, _ = run(os.path.join(source, "configs/patterns/continuous_training.yaml"),
            "--set", "components.monitor.shifts={every: 720h, drop: 0%}",
            "--set", "components.monitor.eval_samples=1000000000")
m = component(ct, "monitor")
# Stale: at most one check interval plus one retraining (~28 min) per cycle: 8 x 1.5 h / 4320 h.
if m["triggers"] != 8 or m["deployments"] != 8 or m["stale_share"] > 8 * 1.5 / 4320:
    failures.append(f"continuous_training: {m}")

# Federated cost: servers for the run's duration + egress of 300 x 130 downloads of 20 MB.
expected_cost = fl["time_to_rounds_s"] / 3600 * 0.68 + 300 * 130 * 20e6 / 1e9 * 0.09
if abs(fl["cost_per_run"] - expected_cost) > 1e-6 * expected_cost:
    failures.append(f"federated: cost {fl['cost_per_run']}, expected {expected_cost}")

# Multimodal: fusion waits for all three encoders.
mm = results["multimodal"]
enc = component(mm, "encoders")
slowest_encoder = max(component(mm, m)["mean_sojourn_s"] for m in ("image", "text", "audio"))
if enc["mean_join_s"] < 0.995 * (slowest_encoder + 400e-6) or enc["timeouts"] != 0:
    failures.append(f"multimodal: join {enc['mean_join_s']} below the slowest encoder "
                    f"{slowest_encoder} + 400 us")

# Composites: the by_class routers keep each request class in its own system, and the shared tier
# serves both classes' traffic.
def per_second(rate):
    """A configured rate ('15000/s', '400/s', a number per second) in requests per second."""
    text = str(rate).strip()
    return float(text[:-2]) if text.endswith("/s") else float(text)


def next_hops(config, name, cls):
    """Where a request of class `cls` can go from component `name`: every `to:` or `component:`
    naming a component, except that a by_class router sends it only down its own route (or the
    route without `classes:` when none names it)."""
    c = config[name]
    if c.get("type") == "router" and c.get("policy") == "by_class":
        own = [r["to"] for r in c["routes"] if cls in r.get("classes", [])]
        return set(own or [r["to"] for r in c["routes"] if "classes" not in r])
    found = set()

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("to", "component") and isinstance(v, str) and v in config:
                    found.add(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(c)
    return found


# Shared components that all of both classes' requests pass, and what they should carry; the
# e-commerce pool sees the page views and only the payments that the trees' gate escalates.
SHARED = {
    "content_platform": {"features": lambda r, rates: rates["uploads"] + rates["feed_requests"]},
    "ecommerce": {"features": lambda r, rates: rates["page_views"] + rates["payments"],
                  "gpu_pool": lambda r, rates: rates["page_views"] + rates["payments"] *
                  (1 - component(r, "gate")["accepted_share"])},
    "financial_services": {"meta_pool": lambda r, rates: rates["applications"] + rates["ticks"]},
    "healthcare": {"features": lambda r, rates: rates["studies"] + rates["orders"],
                   "heads_pool": lambda r, rates: rates["studies"] + rates["orders"]},
}
for path in composites:
    name = os.path.splitext(os.path.basename(path))[0]
    config = yaml.safe_load(open(path))["components"]
    r = results[name]
    comps = {c["name"]: c for c in r["components"]}
    classes = [n for n, c in config.items() if c.get("type") in ("source", "trace")]
    reached = {}  # component -> the classes that reach it
    for cls in classes:
        seen, todo = set(), [cls]
        while todo:
            here = todo.pop()
            if here in seen:
                continue
            seen.add(here)
            reached.setdefault(here, set()).add(cls)
            todo.extend(next_hops(config, here, cls))
    sinks = [n for n, c in config.items() if c.get("type") == "sink"]
    for sink in sinks:
        owners = sorted(reached.get(sink, ()))
        if len(owners) != 1:
            failures.append(f"{name}: sink {sink} is reached by the classes {owners}, not by one")
            continue
        emitted = comps[owners[0]]["emitted"]
        arrived = comps[sink]["arrived"]
        print(f"{name}: {sink} received {arrived} of the {emitted} {owners[0]} requests")
        if not 0.99 * emitted <= arrived <= emitted:
            failures.append(f"{name}: sink {sink} received {arrived} requests, its class "
                            f"{owners[0]} emitted {emitted}")
    for router, c in config.items():
        if c.get("type") != "router" or c.get("policy") != "by_class":
            continue
        sent = {row["to"]: row["count"] for row in comps[router]["sent"]}
        for route in c["routes"]:
            limit = sum(comps[k]["emitted"] for k in route.get("classes", classes))
            if sent.get(route["to"], 0) > limit:
                failures.append(f"{name}: router {router} sent {sent.get(route['to'])} requests "
                                f"to {route['to']}, more than its classes emitted ({limit})")
    shared = {n for n, owners in reached.items() if len(owners) > 1 and
              config[n].get("type") not in ("router", "sink")}
    if shared != set(SHARED.get(name, {})):
        failures.append(f"{name}: both classes reach {sorted(shared)}, expected "
                        f"{sorted(SHARED.get(name, {}))}")
    rates = {cls: per_second(config[cls]["arrivals"]["rate"]) for cls in classes}
    for comp, expected_rate in SHARED.get(name, {}).items():
        c = comps[comp]
        # A model server's throughput counts after the warm-up; a feature store's lookups, the run.
        measured = c["throughput_per_s"] if "throughput_per_s" in c else c["lookups"] / r["sim_time_s"]
        want = expected_rate(r, rates)
        print(f"{name}: shared {comp} carries {measured:.1f}/s, both classes {want:.1f}/s")
        if abs(measured - want) > 0.02 * want:
            failures.append(f"{name}: shared {comp} carries {measured:.1f}/s, both classes' "
                            f"traffic is {want:.1f}/s")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
