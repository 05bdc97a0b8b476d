#!/usr/bin/env python3
"""docs/robustness.md, generated: every bad input and injected fault below is run through the
scalesim binary, its outcome asserted (exit code, message, no output under the final name, or
the fault's effect on the metrics), and a table row written from what actually happened.

  robustness.py --scalesim BIN [--mpiexec MPIEXEC] --write docs/robustness.md   regenerate
  robustness.py --scalesim BIN [--mpiexec MPIEXEC] --check docs/robustness.md   test (ctest)
"""
import argparse
import difflib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
EXAMPLES = os.path.join(SOURCE, "configs", "examples")
PATTERNS = os.path.join(SOURCE, "configs", "patterns")

MMC = """name: t
seed: 1
warmup: 1s
end: {time: 50s}
components:
  src:
    type: source
    arrivals: {process: poisson, rate: 3/s}
    to: q
  q:
    type: station
    servers: 4
    service: {distribution: exponential, mean: 1s}
    to: done
  done:
    type: sink
"""

TRACE_CONFIG = """name: t
seed: 1
end: {time: 100s}
components:
  requests:
    type: trace
    file: trace.csv
    format: azure_llm
    to: done
  done:
    type: sink
"""
HEADER = "TIMESTAMP,ContextTokens,GeneratedTokens\n"


class Runner:
    def __init__(self, scalesim, mpiexec, tmp):
        self.scalesim, self.mpiexec, self.tmp = scalesim, mpiexec, tmp
        self.rows = {"input": [], "simulator": [], "system": []}
        self.failures = []

    def file(self, name, text, binary=False):
        path = os.path.join(self.tmp, name)
        with open(path, "wb" if binary else "w") as f:
            f.write(text)
        return path

    def clean(self, text):
        text = text.replace(self.tmp + "/", "").replace(SOURCE + "/", "")
        return re.sub(r"\s+", " ", text).strip()

    def run(self, args, ranks=1, timeout=300):
        argv = [self.scalesim] + args
        if ranks > 1:
            argv = [self.mpiexec, "--oversubscribe", "--allow-run-as-root", "-n", str(ranks)] + argv
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=self.tmp)

    def record(self, table, what, outcome, ok, detail=""):
        if not ok:
            self.failures.append(f"{what}: {detail or outcome}")
        self.rows[table].append((what, outcome))

    def bad_input(self, what, args, code, fragment, output=None):
        """A bad input: exits `code`, the message contains `fragment`, no output file."""
        out = os.path.join(self.tmp, output or "out.h5")
        if os.path.exists(out):
            os.remove(out)
        p = self.run(args + (["-o", out] if output is not False else []))
        message = self.clean(p.stderr.strip().splitlines()[0] if p.stderr.strip() else "")
        ok = p.returncode == code and fragment in message and not os.path.exists(out)
        self.record("input", what, f"exit {p.returncode}: `{message}`", ok,
                    f"exit {p.returncode} (want {code}), message {message!r} (want {fragment!r})")


def inputs(r):
    cfg = lambda name, text: r.file(name, text)
    run = lambda path: ["run", path]
    r.bad_input("YAML syntax error", run(cfg("syntax.yaml", MMC.replace("servers: 4", "servers: [4"))),
                3, "syntax.yaml:")
    r.bad_input("unknown key", run(cfg("key.yaml", MMC.replace("servers: 4", "sevrers: 4"))),
                3, "did you mean")
    r.bad_input("wrong type (servers: four)", run(cfg("type.yaml", MMC.replace("servers: 4", "servers: four"))),
                3, "type.yaml:12")
    r.bad_input("missing unit (rate: 3)", run(cfg("unit.yaml", MMC.replace("rate: 3/s", "rate: 3"))),
                3, "unit.yaml:8")
    r.bad_input("wrong unit (mean: 1GB)", run(cfg("unit2.yaml", MMC.replace("mean: 1s", "mean: 1GB"))),
                3, "unit2.yaml:13")
    r.bad_input("zero servers", run(cfg("zero.yaml", MMC.replace("servers: 4", "servers: 0"))), 3, "zero.yaml:12")
    r.bad_input("negative warm-up", run(cfg("neg.yaml", MMC.replace("warmup: 1s", "warmup: -1s"))), 3, "neg.yaml:3")
    r.bad_input("link to a missing component", run(cfg("to.yaml", MMC.replace("to: done", "to: dne"))),
                3, "did you mean 'done'")
    gpu = MMC.replace("""  q:
    type: station
    servers: 4
    service: {distribution: exponential, mean: 1s}""", """  q:
    type: model_server
    model: bert-base
    gpu: A200-SXM4""")
    r.bad_input("unknown GPU", run(cfg("gpu.yaml", gpu)), 3, "gpu.yaml:")
    r.bad_input("unknown model", run(cfg("model.yaml", gpu.replace("bert-base", "bert-bsae").replace("A200-SXM4", "A100-SXM4-40GB"))),
                3, "did you mean 'bert-base'")
    r.bad_input("model too big for its GPU", run(cfg("big.yaml", gpu.replace("bert-base", "llama-7b\n    precision: fp32").replace("A200-SXM4", "V100-SXM2-16GB"))),
                3, "llama-7b")
    tcfg = cfg("trace.yaml", TRACE_CONFIG)
    rows = ["2023-11-16 18:15:46.0,374,44\n", "2023-11-16 18:15:47.0,10,20\n", "2023-11-16 18:15:48.0,5,5\n"]
    r.file("trace.csv", HEADER + rows[0] + "2023-11-16 18:15:47.0,ten,20\n")
    r.bad_input("trace: malformed row 3", run(tcfg), 3, "trace.csv:3: column 'ContextTokens'")
    r.file("trace.csv", HEADER + rows[1] + rows[0])
    r.bad_input("trace: timestamps out of order", run(tcfg), 3, "trace.csv:3: time goes backwards")
    p = r.run(["run", tcfg, "--sort-trace", "--json"])
    ok = p.returncode == 0 and json.loads(p.stdout)["metrics"]["done.throughput_per_s"] > 0
    r.record("input", "trace out of order, with `--sort-trace`", f"exit {p.returncode}: sorted in memory, 2 requests replayed", ok, p.stderr)
    r.file("trace.csv", HEADER)
    r.bad_input("trace: header only", run(tcfg), 3, "header but no rows")
    r.file("trace.csv", "")
    r.bad_input("trace: empty file", run(tcfg), 3, "trace.csv:1: empty trace")
    r.file("trace.csv", (HEADER + rows[0] + "2023-11-16 18:15:47.0,10,20 caf\xe9\n").encode("latin-1"), binary=True)
    r.bad_input("trace: Latin-1 byte", run(tcfg), 3, "trace.csv:3:")
    r.file("trace.csv", (HEADER + rows[0]).encode("utf-16"), binary=True)
    r.bad_input("trace: UTF-16 file", run(tcfg), 3, "UTF-16")
    r.file("trace.csv", HEADER + "2023-11-16 18:15:46.0,99999999999,44\n")
    r.bad_input("trace: absurd token count", run(tcfg), 3, "expected a whole number")
    r.bad_input("absurdly high arrival rate", run(cfg("rate.yaml", MMC.replace("rate: 3/s", "rate: 1e15/s"))), 3, "rate.yaml:8")
    spec = lambda name, text: ["sweep", r.file(name, text)]
    base = f"base: {os.path.join(EXAMPLES, 'mmc_window.yaml')}\n"
    r.bad_input("sweep: unknown key", spec("s1.yaml", base + "replicatoins: 3\nparameters:\n  - {path: seed, values: [1]}\n"),
                3, "did you mean 'replications'")
    r.bad_input("sweep: parameter path not in the base", spec("s2.yaml", base + "parameters:\n  - {path: components.countr.servers, values: [1]}\n"),
                3, "s2.yaml:3")
    r.bad_input("sweep: range low > high", spec("s3.yaml", base + "design: lhs\npoints: 5\nparameters:\n  - {path: components.counter.servers, range: [8, 2], integer: true}\n"),
                3, "s3.yaml:5")
    r.bad_input("sweep: component that does not fit the mc kernel",
                spec("s4.yaml", f"base: {os.path.join(PATTERNS, 'feature_store.yaml')}\nparameters:\n  - {{path: seed, values: [1]}}\n") + ["--backend", "mc"],
                3, "does not fit the mc backend")


def simulator(r):
    # SIGTERM: graceful stop, results under an "interrupted" name only.
    out = os.path.join(r.tmp, "long.h5")
    long_cfg = r.file("long.yaml", MMC.replace("end: {time: 50s}", "end: {time: 10000000s}").replace("rate: 3/s", "rate: 3.9/s"))
    p = subprocess.Popen([r.scalesim, "run", long_cfg, "-o", out], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=120)
    interrupted = os.path.join(r.tmp, "long.interrupted.h5")
    ok = p.returncode == 143 and not os.path.exists(out) and os.path.exists(interrupted)
    # The line that says so (sanitizer builds may print more after it).
    said = [line for line in err.splitlines() if "interrupted by signal" in line]
    last = re.sub(r"t=[0-9.e+]+ s", "t=... s", r.clean(said[-1] if said else ""))
    r.record("simulator", "SIGTERM during a run", f"exit {p.returncode}; `{last}`; "
             "results only as `long.interrupted.h5`", ok, err)
    # SIGKILL during a sweep, then the same command: nothing lost, nothing recomputed twice.
    spec = r.file("sweep.yaml", f"base: {os.path.join(EXAMPLES, 'mmc_window.yaml')}\nset: {{end.time: 30000s}}\n"
                  "replications: 6\nparameters:\n  - {path: components.counter.servers, values: [4, 5, 6, 8]}\n")
    ref = os.path.join(r.tmp, "ref.json")
    r.run(["sweep", spec, "-o", ref, "-q"])
    out = os.path.join(r.tmp, "killed.json")
    p = subprocess.Popen([r.scalesim, "sweep", spec, "-o", out, "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = out + ".journal.0"
    deadline = time.time() + 60
    while time.time() < deadline and not (os.path.exists(journal) and os.path.getsize(journal) > 400):
        time.sleep(0.01)
    p.send_signal(signal.SIGKILL)
    p.wait()
    q = r.run(["sweep", spec, "-o", out, "--json"])
    j = json.loads(q.stdout) if q.returncode == 0 else {}
    with open(ref) as f:
        same = json.load(f)["results"] == j.get("results")
    ok = q.returncode == 0 and same and 0 < j.get("runs_done_here", 0) < 24
    r.record("simulator", "SIGKILL during a sweep, then the same command",
             "resumed from `killed.json.journal.0`: only the missing runs computed, results identical to an uninterrupted sweep", ok, q.stderr)
    if r.mpiexec:
        bad = r.file("badrow.csv", HEADER + "".join(f"2023-11-16 18:{15 + i // 60:02d}:{i % 60:02d}.0,10,10\n" for i in range(600)) + "2023-11-16 18:30:00.0,x,1\n")
        cfg = r.file("mpi.yaml", TRACE_CONFIG.replace("trace.csv", "badrow.csv").replace("end: {time: 100s}", "end: {time: 10000s}"))
        p = r.run(["run", cfg], ranks=2, timeout=120)
        ok = p.returncode != 0 and "badrow.csv:602" in p.stderr
        r.record("simulator", "malformed trace row met at run time on one of 2 MPI ranks",
                 "every rank stops (exit non-zero) with `badrow.csv:602: column 'ContextTokens' ...`; no hang", ok, p.stderr)


def system(r):
    slos = []  # the `slo` list of the last run metrics() made

    def metrics(args):
        slos.clear()
        p = r.run(args + ["--json"])
        if p.returncode != 0:
            r.failures.append(f"{args}: exit {p.returncode}: {p.stderr}")
            return {}
        out = json.loads(p.stdout)
        slos.extend(out.get("slo", []))
        return out["metrics"]
    cfg = os.path.join(EXAMPLES, "replica_failures.yaml")
    m = metrics(["run", cfg])
    ok = m and m["bert.crashes"] > 0 and m["bert.failed_requests"] == 0 and abs(m["bert.availability"] - 120 / 140) < 0.05
    r.record("system", "replica crash/restart (MTBF 120 s, MTTR 20 s, 4 replicas), in-flight requests retried",
             f"{m.get('bert.crashes', 0):.0f} crashes, availability {100 * m.get('bert.availability', 0):.1f}% "
             f"(theory 85.7%), {m.get('bert.retried_requests', 0):.0f} requests retried, 0 failed, "
             f"p99 {1000 * m.get('done.p99_latency_s', 0):.2f} ms", ok)
    m = metrics(["run", cfg, "--set", "components.bert.failures.in_flight=fail", "--set", "components.bert.replicas=1"])
    ok = m and m["bert.failed_requests"] > 0 and m["bert.outage_share"] > 0.1
    # The config's two SLOs (availability, p99 latency) must both be reported, and both missed.
    ok = ok and len(slos) == 2 and not any(s["met"] for s in slos)
    r.record("system", "same on 1 replica, in-flight requests fail",
             f"{m.get('bert.failed_requests', 0):.0f} requests failed, no replica up {100 * m.get('bert.outage_share', 0):.1f}% "
             f"of the time, p99 {m.get('done.p99_latency_s', 0):.1f} s: both SLOs reported missed", ok,
             f"expected both SLOs reported missed, got {slos}")
    link = os.path.join(EXAMPLES, "link_outage.yaml")
    m = metrics(["run", link])
    ok = m and m["wan.held_requests"] > 0 and m["wan.failed_requests"] == 0
    r.record("system", "link down for 10 s at 30 s and 2 s at 80 s, requests held (`link_outage.yaml`)",
             f"link up {100 * m.get('wan.availability', 0):.2f}% of the time, {m.get('wan.held_requests', 0):.0f} "
             f"requests held (mean {m.get('wan.mean_hold_s', 0):.2f} s), none lost; p99 "
             f"{m.get('done.p99_latency_s', 0):.2f} s", ok)
    m = metrics(["run", link, "--set", "components.wan.in_flight=fail"])
    ok = m and m["wan.failed_requests"] > 0 and m["wan.held_requests"] == 0
    r.record("system", "same, requests in an outage fail",
             f"{m.get('wan.failed_requests', 0):.0f} requests lost and counted; p99 of the rest "
             f"{1000 * m.get('done.p99_latency_s', 0):.1f} ms", ok)
    m = metrics(["run", os.path.join(PATTERNS, "feature_store.yaml"), "--set",
                 "components.features.failure={shard: 0, at: 10s}"])
    ok = m and m.get("features.failover_waits", 0) > 0
    r.record("system", "Redis master of shard 0 fails at 10 s, its replica promoted after the node timeout (feature_store template)",
             f"{m.get('features.failover_waits', 0):.0f} lookups held until the promotion; p99 lookup "
             f"{1000 * m.get('features.p99_lookup_s', 0):.2f} ms", ok)
    m = metrics(["run", os.path.join(PATTERNS, "model_versioning.yaml"), "--set",
                 "components.split.fault={at: 45s, error_rate: 10%}"])
    ok = m and m.get("split.rolled_back") == 1 and abs(m.get("split.rollback_s", 0) - 60) < 1e-9
    r.record("system", "new model version's error rate raised to 10% at 45 s (model_versioning template)",
             f"automated rollback at {m.get('split.rollback_s', 0):.0f} s", ok)


def table(rows):
    out = ["| case | outcome |", "| --- | --- |"]
    bar = "\\|"
    out += ["| " + w + " | " + o.replace("|", bar) + " |" for w, o in rows]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scalesim", required=True)
    ap.add_argument("--mpiexec", default="")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write")
    g.add_argument("--check")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        r = Runner(os.path.abspath(a.scalesim), a.mpiexec, tmp)
        inputs(r)
        simulator(r)
        system(r)
    doc = "\n".join([
        "# Robustness",
        "",
        "Generated by `tests/robustness/robustness.py` (ctest `robustness.table`), which runs every",
        "case below through `scalesim`, asserts its outcome and fails if this page differs from what",
        "it observed. Exit codes: `docs/cli.md`. Errors name the file, line (and column) and key,",
        "and leave nothing under the output's final name.",
        "",
        "## Bad input",
        "",
        table(r.rows["input"]),
        "",
        "## Faults in the simulator",
        "",
        table(r.rows["simulator"]),
        "",
        "## Faults in the simulated system",
        "",
        table(r.rows["system"]),
        "",
        "Also covered elsewhere: libFuzzer targets for the config loader, unit parsers and",
        "calibration reader (`tests/fuzz/`), AddressSanitizer + UBSan and ThreadSanitizer runs of the",
        "test suite (`./test.sh`).",
        "",
    ])
    if r.failures:
        print("\n".join(r.failures), file=sys.stderr)
        return 1
    if a.write:
        with open(a.write, "w") as f:
            f.write(doc)
        return 0
    with open(a.check) as f:
        old = f.read()
    if old != doc:
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), doc.splitlines(True), a.check, "observed"))
        print(f"{a.check} differs from what the cases produce: regenerate with --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
