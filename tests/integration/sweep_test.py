#!/usr/bin/env python3
"""scalesim sweep: the des and mc backends against each other and against Erlang C, identical
results for any ranks x threads, resuming after SIGKILL and SIGTERM, the optimiser, errors.

Environment: SCALESIM (binary), SOURCE_DIR, MPIEXEC (optional)."""
import json
import math
import os
import signal
import statistics
import subprocess
import tempfile
import time
import unittest

import h5py
import numpy as np

SCALESIM = os.environ["SCALESIM"]
SOURCE = os.environ["SOURCE_DIR"]
MPIEXEC = os.environ.get("MPIEXEC", "")
SWEEPS = os.path.join(SOURCE, "configs", "sweeps")


def run(args, ranks=1, check=True, env=None):
    argv = [SCALESIM] + args
    if ranks > 1:
        argv = [MPIEXEC, "--oversubscribe", "--allow-run-as-root", "-n", str(ranks)] + argv
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600,
                       env=dict(os.environ, **(env or {})))
    if check and p.returncode != 0:
        raise AssertionError(f"{argv} exited {p.returncode}: {p.stderr}")
    return p


def write_spec(folder, name, text):
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def sweep_data(path):
    with h5py.File(path, "r") as f:
        g = f["sweep"]
        return {"values": g["values"][()], "mean": g["mean"][()], "half_width": g["half_width"][()],
                "feasible": g["feasible"][()],
                "metrics": [m.decode() if isinstance(m, bytes) else m for m in g["metric_names"][()]],
                "points": [[v.decode() if isinstance(v, bytes) else v for v in row] for row in g["points"][()]],
                "attrs": dict(g.attrs)}


def erlang_c_wait(c, lam, mu=1.0):
    """Mean wait in queue of M/M/c (Erlang C)."""
    a = lam / mu
    rho = a / c
    term = 1.0
    total = 1.0
    for k in range(1, c):
        term *= a / k
        total += term
    top = term * a / c / (1 - rho)  # a^c / c! / (1 - rho)
    p_wait = top / (total + top)
    return p_wait / (c * mu - lam)


MMC_LIST = """
name: {name}
base: {base}
set: {{end.time: {end}}}
design: list
seed: 11
replications: {reps}
parameters:
  - {{path: components.counter.servers, values: [1, 1, 4, 4, 16, 16]}}
  - {{path: components.arrivals.arrivals.rate, values: [0.5/s, 0.8/s, 2/s, 3.2/s, 8/s, 12.8/s]}}
metrics: [counter.mean_wait_s, counter.utilisation, done.mean_latency_s, done.throughput_per_s]
"""
MMC_POINTS = [(1, 0.5), (1, 0.8), (4, 2.0), (4, 3.2), (16, 8.0), (16, 12.8)]


class McAgainstTheory(unittest.TestCase):
    """The mc kernel reproduces Erlang C; mc and des agree within their confidence intervals."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        base = os.path.join(SOURCE, "configs", "examples", "mmc_window.yaml")
        mc_spec = write_spec(cls.tmp.name, "mc.yaml", MMC_LIST.format(name="mmc-mc", base=base, end="20000s", reps=40))
        des_spec = write_spec(cls.tmp.name, "des.yaml", MMC_LIST.format(name="mmc-des", base=base, end="20000s", reps=8))
        cls.mc_path = os.path.join(cls.tmp.name, "mc.h5")
        cls.des_path = os.path.join(cls.tmp.name, "des.h5")
        run(["sweep", mc_spec, "--backend", "mc", "-o", cls.mc_path, "--threads", "2", "-q"])
        run(["sweep", des_spec, "--backend", "des", "-o", cls.des_path, "--threads", "2", "-q"])
        cls.mc = sweep_data(cls.mc_path)
        cls.des = sweep_data(cls.des_path)

    def test_erlang_c_within_the_99_percent_interval(self):
        m = self.mc["metrics"].index("counter.mean_wait_s")
        for i, (c, lam) in enumerate(MMC_POINTS):
            reps = self.mc["values"][i, :, m]
            mean = statistics.fmean(reps)
            se = statistics.stdev(reps) / math.sqrt(len(reps))
            exact = erlang_c_wait(c, lam)
            # 99% Student-t interval, t(0.995, 39) = 2.708; and the interval is narrow enough
            # (under 10% of the value) for the check to have power.
            self.assertLess(abs(mean - exact), 2.708 * se, f"c={c} lambda={lam}: {mean} vs Erlang C {exact}")
            self.assertLess(2.708 * se, 0.10 * exact, f"c={c} lambda={lam}: interval too wide")
        u = self.mc["metrics"].index("counter.utilisation")
        for i, (c, lam) in enumerate(MMC_POINTS):
            self.assertAlmostEqual(statistics.fmean(self.mc["values"][i, :, u]), lam / c, delta=0.01)

    def test_mc_and_des_agree_within_their_intervals(self):
        # Two-sample z test per (point, metric), Bonferroni over all of them at family level 99%.
        metrics = self.mc["metrics"]
        self.assertEqual(metrics, self.des["metrics"])
        tests = len(MMC_POINTS) * len(metrics)
        z = statistics.NormalDist().inv_cdf(1 - 0.01 / (2 * tests))
        for i in range(len(MMC_POINTS)):
            for m, name in enumerate(metrics):
                a = self.mc["values"][i, :, m]
                b = self.des["values"][i, :, m]
                se = math.sqrt(statistics.variance(a) / len(a) + statistics.variance(b) / len(b))
                self.assertLessEqual(abs(statistics.fmean(a) - statistics.fmean(b)), z * se + 1e-12,
                                     f"point {i} {name}: mc {statistics.fmean(a)} des {statistics.fmean(b)}")


CASCADE_SMALL = """
name: cascade-small
base: {base}
set: {{end.time: 12s}}
design: grid
seed: 3
replications: {reps}
parameters:
  - {{path: components.gate.threshold, values: [0.6, 0.8, 0.9]}}
  - {{path: components.complex.replicas, values: [1, 2]}}
metrics: [done.p99_latency_s, done.mean_latency_s, gate.accepted_share, fast.mean_batch_size,
          complex.utilisation, cost.per_hour]
constraints:
  - {{name: p99, metric: done.p99_latency_s, target: "< 50ms"}}
  - {{name: quality, metric: gate.accepted_share, target: "<= 82%"}}
objective: {{minimize: cost.per_hour}}
"""


class SweepRuns(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        base = os.path.join(SOURCE, "configs", "patterns", "cascade.yaml")
        cls.spec = write_spec(cls.tmp.name, "cascade.yaml", CASCADE_SMALL.format(base=base, reps=4))
        cls.reference = os.path.join(cls.tmp.name, "reference.h5")
        cls.ref_run = run(["sweep", cls.spec, "--backend", "des", "-o", cls.reference, "--threads", "1",
                           "--log-interval", "0"])
        cls.ref = sweep_data(cls.reference)

    def test_progress_lines_and_summary(self):
        self.assertIn("sweep: 24/24 runs (100%)", self.ref_run.stderr)
        self.assertIn("optimum", self.ref_run.stdout)

    def test_identical_for_any_ranks_and_threads(self):
        layouts = [(1, 2)] + ([(2, 1), (2, 2)] if MPIEXEC else [])
        for ranks, threads in layouts:
            out = os.path.join(self.tmp.name, f"r{ranks}t{threads}.h5")
            run(["sweep", self.spec, "--backend", "des", "-o", out, "--threads", str(threads), "-q"], ranks=ranks)
            d = sweep_data(out)
            np.testing.assert_array_equal(d["values"], self.ref["values"], f"{ranks} ranks x {threads} threads")
            self.assertEqual(d["attrs"]["optimum"], self.ref["attrs"]["optimum"])
            self.assertFalse([f for f in os.listdir(self.tmp.name) if ".journal." in f and f.startswith(f"r{ranks}")])

    def test_mc_identical_for_any_ranks_and_threads(self):
        outs = []
        for ranks, threads in [(1, 1), (1, 2)] + ([(2, 1)] if MPIEXEC else []):
            out = os.path.join(self.tmp.name, f"mc{ranks}{threads}.h5")
            run(["sweep", self.spec, "--backend", "mc", "--device", "cpu", "-o", out, "--threads", str(threads),
                 "-q"], ranks=ranks)
            outs.append(sweep_data(out)["values"])
        for v in outs[1:]:
            np.testing.assert_array_equal(v, outs[0])

    def test_mc_agrees_with_des_on_the_cascade(self):
        mc_out = os.path.join(self.tmp.name, "cascade-mc.h5")
        spec = write_spec(self.tmp.name, "cascade-mc.yaml",
                          CASCADE_SMALL.format(base=os.path.join(SOURCE, "configs", "patterns", "cascade.yaml"), reps=10))
        run(["sweep", spec, "--backend", "mc", "--device", "cpu", "-o", mc_out, "-q"])
        mc = sweep_data(mc_out)
        metrics = self.ref["metrics"]
        tests = 6 * len(metrics)
        z = statistics.NormalDist().inv_cdf(1 - 0.01 / (2 * tests))
        for i in range(6):
            for m, name in enumerate(metrics):
                a, b = mc["values"][i, :, m], self.ref["values"][i, :, m]
                se = math.sqrt(statistics.variance(a) / len(a) + statistics.variance(b) / len(b))
                # Latency percentiles come from des's log-bucketed histogram (1% buckets): allow
                # that resolution on top of the sampling error.
                slack = 0.01 * abs(statistics.fmean(b)) if "p99" in name else 0.0
                self.assertLessEqual(abs(statistics.fmean(a) - statistics.fmean(b)), z * se + slack + 1e-12,
                                     f"point {i} {name}: mc {statistics.fmean(a)} des {statistics.fmean(b)}")
        self.assertEqual(mc["attrs"]["optimum"], self.ref["attrs"]["optimum"])

    def test_resumes_after_sigkill_with_nothing_lost(self):
        out = os.path.join(self.tmp.name, "killed.h5")
        argv = [SCALESIM, "sweep", self.spec, "--backend", "des", "-o", out, "--threads", "1", "-q"]
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        journal = out + ".journal.0"
        deadline = time.time() + 120
        while time.time() < deadline:
            if os.path.exists(journal) and os.path.getsize(journal) > 600:
                break
            time.sleep(0.02)
        p.send_signal(signal.SIGKILL)
        p.wait()
        self.assertFalse(os.path.exists(out), "no output under the final name after a kill")
        self.assertTrue(os.path.exists(journal))
        r = run(["sweep", self.spec, "--backend", "des", "-o", out, "--threads", "1", "--json"])
        j = json.loads(r.stdout)
        self.assertGreater(j["runs_done_here"], 0)
        self.assertLess(j["runs_done_here"], 24, "finished runs were kept, not recomputed")
        np.testing.assert_array_equal(sweep_data(out)["values"], self.ref["values"])
        self.assertFalse(os.path.exists(journal), "the journal goes once the output is complete")

    def test_sigterm_keeps_the_journal_and_resumes(self):
        out = os.path.join(self.tmp.name, "term.h5")
        argv = [SCALESIM, "sweep", self.spec, "--backend", "des", "-o", out, "--threads", "1", "-q"]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        journal = out + ".journal.0"
        while not (os.path.exists(journal) and os.path.getsize(journal) > 300) and p.poll() is None:
            time.sleep(0.02)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=120)
        # The signal goes out once ~4 of the 24 runs are journaled; the other ~20 take about a
        # second, so the sweep is still running when it arrives.
        self.assertEqual(p.returncode, 128 + signal.SIGTERM, err)
        self.assertIn("run the same command again to resume", err)
        self.assertFalse(os.path.exists(out))
        run(["sweep", self.spec, "--backend", "des", "-o", out, "-q"])
        np.testing.assert_array_equal(sweep_data(out)["values"], self.ref["values"])

    def test_journal_of_another_spec_is_refused(self):
        out = os.path.join(self.tmp.name, "other.h5")
        other = write_spec(self.tmp.name, "other.yaml", CASCADE_SMALL.format(
            base=os.path.join(SOURCE, "configs", "patterns", "cascade.yaml"), reps=3))
        argv = [SCALESIM, "sweep", other, "--backend", "des", "-o", out, "-q"]
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not (os.path.exists(out + ".journal.0") and os.path.getsize(out + ".journal.0") > 300):
            time.sleep(0.02)
        p.send_signal(signal.SIGKILL)
        p.wait()
        r = run(["sweep", self.spec, "--backend", "des", "-o", out, "-q"], check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("journal", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_json_output_names_the_optimum(self):
        out = os.path.join(self.tmp.name, "res.json")
        r = run(["sweep", self.spec, "--backend", "mc", "--device", "cpu", "-o", out, "--json"])
        j = json.loads(r.stdout)
        self.assertIn("optimum", j)
        self.assertIn("wall_seconds", j)
        self.assertGreater(j["station_visits_per_s"], 0)
        with open(out) as f:
            self.assertEqual(json.load(f)["optimum"], j["optimum"])


class SweepErrors(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def sweep(self, text, *extra):
        spec = write_spec(self.tmp.name, "bad.yaml", text)
        out = os.path.join(self.tmp.name, "out.h5")
        r = run(["sweep", spec, "-o", out, "-q", *extra], check=False)
        self.assertFalse(os.path.exists(out))
        return spec, r

    def test_component_that_does_not_fit_mc(self):
        base = os.path.join(SOURCE, "configs", "patterns", "feature_store.yaml")
        _, r = self.sweep(f"base: {base}\nparameters:\n  - {{path: seed, values: [1, 2]}}\n", "--backend", "mc")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("does not fit the mc backend", r.stderr)
        self.assertIn("component '", r.stderr)

    def test_unknown_metric(self):
        base = os.path.join(SOURCE, "configs", "examples", "mmc_window.yaml")
        spec, r = self.sweep(f"base: {base}\nparameters:\n  - {{path: components.counter.servers, values: [4]}}\n"
                             "metrics: [counter.mean_wait_s, done.p99_latncy_s]\n", "--backend", "mc")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn(f"{spec}:4:", r.stderr)
        self.assertIn("did you mean 'done.p99_latency_s'", r.stderr)

    def test_bad_parameter_path(self):
        base = os.path.join(SOURCE, "configs", "examples", "mmc_window.yaml")
        spec, r = self.sweep(f"base: {base}\nparameters:\n  - {{path: components.countr.servers, values: [4]}}\n")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn(f"{spec}:3:", r.stderr)

    def test_bad_value_is_a_config_error_of_the_point(self):
        base = os.path.join(SOURCE, "configs", "examples", "mmc_window.yaml")
        _, r = self.sweep(f"base: {base}\nparameters:\n  - {{path: components.counter.servers, values: [4, -1]}}\n")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("servers", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
