#!/usr/bin/env python3
"""Parallel determinism: the same scenario at several (ranks, threads) layouts must give
bit-identical outputs (total events, per-LP event counts, latency histograms, result hash).
Also the termination edge cases and ensemble mode. Exit status 0 when every check passes."""
import argparse
import json
import os
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--scalesim", required=True)
ap.add_argument("--mpiexec", default="")
ap.add_argument("--max-ranks", type=int, default=4)
ap.add_argument("--max-threads", type=int, default=2)
ap.add_argument("--skip-one-rank-mpi", action="store_true",
                help="leave out the one-rank layout under mpiexec (the sanitizer stage: it adds no "
                     "code path that the launcher-free and the two-rank layouts miss)")
args = ap.parse_args()
here = os.path.dirname(os.path.abspath(__file__))
failures = []

# (ranks, threads); ranks 0 = one rank started without a launcher, which runs without MPI
# (under mpiexec, -n 1 initialises MPI), so the two single-rank paths are compared too.
LAYOUTS = ([(0, 1)] if args.mpiexec else []) + [
    (r, t) for (r, t) in [(1, 1), (1, 2), (2, 1), (2, 2), (4, 1)]
    if r <= args.max_ranks and t <= args.max_threads and (r == 1 or args.mpiexec)
    and not (args.skip_one_rank_mpi and args.mpiexec and r == 1)]


def run(ranks, threads, cmd, expect_rc=0):
    argv = [args.scalesim] + cmd + ["--threads", str(threads)]
    if args.mpiexec and ranks > 0:
        argv = [args.mpiexec, "--oversubscribe", "--allow-run-as-root", "-n", str(ranks)] + argv
    env = dict(os.environ, OMPI_MCA_rmaps_base_oversubscribe="1")
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env)
    if p.returncode != expect_rc:
        failures.append(f"{' '.join(argv)}: exit {p.returncode}, expected {expect_rc}\n{p.stderr[-2000:]}")
        return None, p.stderr
    return (json.loads(p.stdout) if expect_rc == 0 and "--json" in cmd else None), p.stderr


def strip(d):
    """Everything but what may differ between layouts: wall time, rates, layout itself."""
    if isinstance(d, dict):
        return {k: strip(v) for k, v in d.items() if k not in ("wall_s", "events_per_s", "ranks", "threads")}
    if isinstance(d, list):
        return [strip(v) for v in d]
    return d


def same_everywhere(name, cmd, check=None):
    ref = None
    for ranks, threads in LAYOUTS:
        out, err = run(ranks, threads, cmd)
        if out is None:
            continue
        if check:
            check(out, err, ranks, threads)
        if ref is None:
            ref = strip(out)
            print(f"{name}: ({ranks},{threads}) events={out.get('events')} hash={out['result_hash']}")
        elif strip(out) != ref:
            diff = [k for k in ref if ref.get(k) != strip(out).get(k)]
            failures.append(f"{name}: layout ({ranks},{threads}) differs from the first in {diff}")
        else:
            print(f"{name}: ({ranks},{threads}) identical")
    return ref


# PHOLD: per-LP counters and the hash, metis (block for all-to-all) and explicit block.
phold = ["phold", "--nlp", "256", "--start-events", "4", "--end", "50", "--remote", "0.25", "--per-lp", "--json"]
ref = same_everywhere("phold", phold)
same_everywhere("phold --partition block", phold + ["--partition", "block"])
if ref and sum(ref["lp_events"]) != ref["events"]:
    failures.append("phold: per-LP counts do not add up to the total")

# A queueing network with two sources, a router and several stations.
net = ["run", os.path.join(here, "router_network.yaml"), "--json", "--stats"]
idle_seen = []


def saw_idle(out, err, ranks, threads):
    # --stats rows: rank events windows idle ...; an idle window is one where a rank had no event.
    for line in err.splitlines():
        f = line.split()
        if len(f) >= 4 and f[0].isdigit() and ranks > 1 and int(f[3]) > 0:
            idle_seen.append((ranks, threads))


ref = same_everywhere("network", net, saw_idle)
if ref:
    sinks = [c for c in ref["components"] if c["type"] == "sink"]
    if not sinks or not sinks[0]["latency_histogram"]["count"]:
        failures.append("network: the sink's latency histogram is empty")
    if sum(c["events"] for c in ref["components"]) != ref["events"]:
        failures.append("network: per-LP counts do not add up to the total")
same_everywhere("network --partition block", net + ["--partition", "block"])
if args.mpiexec and args.max_ranks >= 2 and not idle_seen:
    failures.append("network: no rank was ever idle in a window (the idle-window case went untested)")

# Model serving: Triton batching on the calibrated GPU model (self events, batch timers).
examples = os.path.join(here, "..", "..", "configs", "examples")
serving = ["run", os.path.join(examples, "bert_serving.yaml"), "--json"]
# Replica crashes and repairs (random draws on the server's own stream, lost batches retried).
# Finite capacity: rejections sent on to another sink (an extra edge for the partitioner).
same_everywhere("finite capacity", ["run", os.path.join(examples, "mmck_blocking.yaml"), "--json"])
# Abandonment: patience events on the station's own stream, abandoning requests sent on.
same_everywhere("abandonment", ["run", os.path.join(examples, "erlang_a_abandonment.yaml"), "--json"])
# Priorities (preemption: stale completions skipped) and processor sharing (rescheduled departures).
same_everywhere("preemptive priority", ["run", os.path.join(examples, "priority_classes.yaml"), "--json",
                                        "--set", "end.time=100000s"])
# Batch service: a batch's requests leave together (several departures in one event).
same_everywhere("batch service", ["run", os.path.join(examples, "bulk_service.yaml"), "--json",
                                  "--set", "components.requests.customers=200000"])
# Admission control: a token bucket at a router, a model server's queue limit, per-class counts.
same_everywhere("load shedding", ["run", os.path.join(examples, "load_shedding.yaml"), "--json",
                                  "--set", "end.time=10s"])
# Warm-up given as a request count: the time is found at build, the same on every layout.
same_everywhere("warm-up in requests", ["run", os.path.join(examples, "mmc.yaml"), "--json",
                                        "--set", "warmup={requests: 5000}",
                                        "--set", "components.arrivals.customers=100000"])
same_everywhere("processor sharing", ["run", os.path.join(examples, "processor_sharing.yaml"), "--json",
                                      "--set", "end.time=50000s"])
same_everywhere("link outage", ["run", os.path.join(examples, "link_outage.yaml"), "--json"])
same_everywhere("replica failures", ["run", os.path.join(examples, "replica_failures.yaml"), "--json",
                                     "--set", "end.time=120s"])
# LLM engines: iteration events, paged KV caches with preemption, routers over replicas.
for example in sorted(f for f in os.listdir(examples) if f.startswith("llm_")):
    same_everywhere(f"llm {example}", ["run", os.path.join(examples, example), "--json"])
ref = same_everywhere("model server", serving)
if ref:
    servers = [c for c in ref["components"] if c["type"] == "model_server"]
    if not servers or servers[0]["batches"] == 0 or servers[0]["mean_batch_size"] < 1:
        failures.append(f"model server: no batches in {servers}")

# Pattern templates (shortened): gates, ensembles' joins and model servers across layouts.
patterns = os.path.join(here, "..", "..", "configs", "patterns")
for template in ("cascade", "ensemble", "feature_store", "model_versioning", "multimodal"):
    same_everywhere(f"pattern {template}", ["run", os.path.join(patterns, template + ".yaml"),
                                            "--set", "end.time=5s", "--json"])
# The other five end by themselves (batch jobs, training runs), the batch one made smaller.
for template, extra in (("batch_prediction", ["--set", "components.storage.customers=50000"]),
                        ("transfer_learning", []), ("federated_learning", []),
                        ("ml_pipeline", []), ("continuous_training", [])):
    same_everywhere(f"pattern {template}", ["run", os.path.join(patterns, template + ".yaml"),
                                            "--json", *extra])
# Composite templates (shortened): two request classes through shared Redis and GPU pools, split
# again by by_class routers (the class travels with each request across ranks).
composites = os.path.join(here, "..", "..", "configs", "composites")
for template in ("content_platform", "ecommerce", "financial_services", "healthcare"):
    same_everywhere(f"composite {template}", ["run", os.path.join(composites, template + ".yaml"),
                                              "--set", "end.time=3s", "--json"])

# Termination edge cases.
r = same_everywhere("no events at all", ["phold", "--nlp", "16", "--start-events", "0", "--json"])
if r and r["events"] != 0:
    failures.append("no events at all: events were processed")
r = same_everywhere("events only after the end", ["phold", "--nlp", "16", "--end", "0.05", "--json"])
if r and (r["events"] != 0 or r["events_past_end"] != 16):
    failures.append(f"events only after the end: got {r}")
r = same_everywhere("a rank owning no LP", ["phold", "--nlp", "3", "--start-events", "2", "--end", "30",
                                            "--per-lp", "--json"])

# Replications (--replications): spread over ranks x threads, merged identically.
same_everywhere("replications", ["run", os.path.join(here, "router_network.yaml"), "--replications", "5", "--json"])

# A zero-latency edge cut by a block partition is refused, naming the edge.
if args.mpiexec and args.max_ranks >= 2:
    _, err = run(2, 1, ["run", os.path.join(here, "zero_latency_cut.yaml"), "--partition", "block"], expect_rc=2)
    if "'a' -> 'b' of latency 0" not in err:
        failures.append(f"zero-latency cut: message does not name the edge:\n{err}")
    run(2, 1, ["run", os.path.join(here, "zero_latency_cut.yaml"), "--json"])  # metis contracts it: fine

# An error on one rank aborts every rank with its message, never a hang: a trace whose row
# 10,005 is malformed passes the configuration check (the first 10,000 rows) and fails at run
# time on the rank that owns the trace, while the other rank waits in the window exchange.
if args.mpiexec and args.max_ranks >= 2:
    import tempfile
    import time
    d = tempfile.mkdtemp()
    with open(os.path.join(d, "broken.csv"), "w") as f:
        f.write("t,size\n")
        for i in range(10010):
            f.write(f"{i * 0.001:.3f},{'x' if i == 10004 else 100}\n")
    with open(os.path.join(d, "broken.yaml"), "w") as f:
        f.write("name: broken\ncomponents:\n"
                "  r: {type: trace, file: broken.csv, time_format: s, columns: {time: t, size: size}, "
                "to: {component: s, latency: 1ms}}\n"
                "  s: {type: station, service: {distribution: exponential, mean: 100us}, "
                "to: {component: done, latency: 1ms}}\n  done: {type: sink}\n")
    start = time.monotonic()
    argv = [args.mpiexec, "--oversubscribe", "--allow-run-as-root", "-n", "2", args.scalesim,
            "run", os.path.join(d, "broken.yaml"), "--partition", "block"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    took = time.monotonic() - start
    if p.returncode == 0 or "broken.csv:10006: column 'size'" not in p.stderr or took > 120:
        failures.append(f"error on one rank: exit {p.returncode} after {took:.1f} s\n{p.stderr[-1500:]}")
    else:
        print(f"error on one rank: every rank stopped (exit {p.returncode}) in {took:.1f} s")

for f in failures:
    print("FAIL:", f, file=sys.stderr)
print(f"{len(failures)} failure(s); layouts {LAYOUTS}")
sys.exit(1 if failures else 0)
