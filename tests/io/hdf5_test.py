#!/usr/bin/env python3
"""HDF5 results: the C++ writer against the documented schema, plain h5py/pandas, the analysis
loader and the --json output; 1 and 2 ranks give identical datasets; sampling; signals.

Environment: SCALESIM (binary), SOURCE_DIR, MPIEXEC (optional), H5DUMP."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import h5py
import numpy as np
import pandas as pd

SCALESIM = os.environ["SCALESIM"]
SOURCE = os.environ["SOURCE_DIR"]
MPIEXEC = os.environ.get("MPIEXEC", "")
H5DUMP = os.environ.get("H5DUMP", "h5dump")
NETWORK = os.path.join(SOURCE, "tests", "parallel", "router_network.yaml")
sys.path.insert(0, os.path.join(SOURCE, "analysis"))
import scalesim_analysis  # noqa: E402


def run(args, ranks=1, check=True):
    argv = [SCALESIM] + args
    if ranks > 1:
        argv = [MPIEXEC, "--oversubscribe", "--allow-run-as-root", "-n", str(ranks)] + argv
    p = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"{argv} exited {p.returncode}: {p.stderr}")
    return p


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out


class Hdf5Results(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "net.h5")
        p = run(["run", NETWORK, "--json", "-o", cls.path])
        cls.json = json.loads(p.stdout)

    def test_final_name_only(self):
        self.assertTrue(os.path.exists(self.path))
        self.assertFalse(os.path.exists(self.path + ".partial"))

    def test_h5dump_shows_the_documented_structure(self):
        header = subprocess.run([H5DUMP, "-H", self.path], capture_output=True, text=True, check=True).stdout
        for name in ["schema_version", "scalesim_version", "git_revision", "seed", "ranks", "threads",
                     "wall_time_s", "events_processed", "status", "result_hash", 'DATASET "config"',
                     'DATASET "requests"', 'GROUP "components"', 'GROUP "frontend"', 'DATASET "timeseries"',
                     'GROUP "latency_histogram"', 'GROUP "wait_histogram"', 'DATASET "bucket_lower_ns"',
                     'GROUP "summary"', 'DATASET "classes"', 'GROUP "sweep"', "class_names", "path_names",
                     "sampling_fraction", '"arrival_ns"', '"completion_ns"', '"latency_ns"', '"path"']:
            self.assertIn(name, header)
        props = subprocess.run([H5DUMP, "-p", "-H", "-d", "/requests", self.path], capture_output=True,
                               text=True).stdout
        self.assertIn("CHUNKED", props)
        self.assertIn("PREPROCESSING SHUFFLE", props)
        self.assertIn("COMPRESSION DEFLATE", props)

    def test_plain_h5py_and_pandas_read_every_table(self):
        with h5py.File(self.path, "r") as f:
            self.assertEqual(int(f.attrs["schema_version"]), 1)
            self.assertEqual(f.attrs["status"].decode(), "complete")
            self.assertEqual(f.attrs["result_hash"].decode(), self.json["result_hash"])
            tables = []
            f.visititems(lambda n, o: tables.append(n) if isinstance(o, h5py.Dataset) and o.dtype.names else None)
            # a time series per component (8), /requests, /summary/components, /summary/classes
            self.assertEqual(len(tables), len(self.json["components"]) + 3)
            for name in tables:
                frame = pd.DataFrame(f[name][()])
                self.assertEqual(list(frame.columns), list(f[name].dtype.names), name)
            config = f["config"][()].decode()
            self.assertIn("parallel-router-network", config)
            self.assertIn("components:", config)

    def test_values_equal_the_in_memory_results(self):
        by_name = {c["name"]: c for c in self.json["components"]}
        with h5py.File(self.path, "r") as f:
            summary = pd.DataFrame(f["summary/components"][()])
            summary["name"] = summary["name"].str.decode("ascii")
            row = summary.set_index("name").loc["done"]
            sink = by_name["done"]
            self.assertEqual(row["count"], sink["measured"])
            self.assertEqual(row["mean_s"], sink["mean_latency_s"])
            self.assertEqual(row["p99_s"], sink["p99_latency_s"])
            self.assertEqual(row["throughput_per_s"], sink["throughput_per_s"])
            station = summary.set_index("name").loc["large"]
            self.assertEqual(station["utilisation"], by_name["large"]["utilisation"])
            self.assertEqual(station["p99_s"], by_name["large"]["p99_sojourn_s"])
            requests = f["requests"]
            self.assertEqual(len(requests), sink["measured"])
            r = requests[()]
            self.assertTrue(np.all(r["latency_ns"] == r["completion_ns"] - r["arrival_ns"]))
            self.assertAlmostEqual(r["latency_ns"].mean() * 1e-9, sink["mean_latency_s"], places=9)
            hist = f["components/done/latency_histogram"]
            self.assertEqual(hist["bucket_lower_ns"][()].tolist(), sink["latency_histogram"]["bucket_lower_ns"])
            self.assertEqual(hist["count"][()].tolist(), sink["latency_histogram"]["count"])
            classes = pd.DataFrame(f["summary/classes"][()])
            self.assertEqual(int(classes["count"].sum()), sink["measured"])
            ts = f["components/small/timeseries"][()]
            self.assertEqual(len(ts), 20)  # 20 s at the default 1 s interval
            served = by_name["small"]["served"]
            self.assertAlmostEqual(float((ts["throughput_per_s"] * 1.0).sum()), served, delta=0.5)

    def test_analysis_loader_round_trip(self):
        res = scalesim_analysis.load(self.path)
        raw = datasets(self.path)
        self.assertEqual(res.meta["result_hash"], self.json["result_hash"])
        self.assertEqual(len(res.requests), len(raw["requests"]))
        self.assertTrue(np.array_equal(res.requests["latency_ns"].to_numpy(), raw["requests"]["latency_ns"]))
        self.assertEqual(set(res.requests["class_name"]), {"web", "batch"})
        self.assertEqual(set(res.requests["path_name"]), {"small", "medium", "large"})
        sink = {c["name"]: c for c in self.json["components"]}["done"]
        self.assertEqual(res.summary.set_index("name").loc["done", "p50_s"], sink["p50_latency_s"])
        self.assertIn("large", res.timeseries)
        out = os.path.join(self.tmp.name, "report")
        p = subprocess.run([os.path.join(SOURCE, "analysis", "scalesim-report"), self.path, "-o", out],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        pngs = [n for n in os.listdir(out) if n.endswith(".png")]
        self.assertGreaterEqual(len(pngs), 5)
        with open(os.path.join(out, "report.md")) as md:
            text = md.read()
        for png in pngs:
            self.assertIn(png, text)

    def test_sampling_keeps_the_same_requests_at_any_layout(self):
        cfg = os.path.join(self.tmp.name, "sampled.yaml")
        with open(NETWORK) as src, open(cfg, "w") as dst:
            dst.write(src.read() + "output: {requests: {sample: 0.25}}\n")
        one = os.path.join(self.tmp.name, "s1.h5")
        run(["run", cfg, "-o", one])
        with h5py.File(one, "r") as f:
            n, total = len(f["requests"]), int(f["requests"].attrs["completed"])
            self.assertEqual(float(f["requests"].attrs["sampling_fraction"]), 0.25)
        sd = (total * 0.25 * 0.75) ** 0.5
        self.assertLess(abs(n - 0.25 * total), 4 * sd)
        if MPIEXEC:
            two = os.path.join(self.tmp.name, "s2.h5")
            run(["run", cfg, "-o", two, "--threads", "2"], ranks=2)
            # (bytes: NaN, in the columns no LLM engine fills, is not equal to itself)
            self.assertEqual(datasets(one)["requests"].tobytes(), datasets(two)["requests"].tobytes())

    @unittest.skipUnless(MPIEXEC, "built without MPI: one rank only")
    def test_one_and_two_ranks_give_identical_datasets(self):
        two = os.path.join(self.tmp.name, "two.h5")
        run(["run", NETWORK, "-o", two], ranks=2)
        a, b = datasets(self.path), datasets(two)
        self.assertEqual(sorted(a), sorted(b))
        for name in a:
            self.assertEqual(np.asarray(a[name]).tobytes(), np.asarray(b[name]).tobytes(), name)
        with h5py.File(self.path, "r") as fa, h5py.File(two, "r") as fb:
            differ = [k for k in fa.attrs if str(fa.attrs[k]) != str(fb.attrs[k])]
            self.assertTrue(set(differ) <= {"ranks", "wall_time_s"}, differ)
            self.assertEqual(int(fb.attrs["ranks"]), 2)

    def _interrupt(self, sig, ranks=1):
        out = os.path.join(self.tmp.name, f"long-{sig}-{ranks}.h5")
        argv = [SCALESIM, "run", os.path.join(SOURCE, "tests", "io", "long_run.yaml"), "-o", out]
        if ranks > 1:
            argv = [MPIEXEC, "--oversubscribe", "--allow-run-as-root", "-n", str(ranks)] + argv
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        p.send_signal(sig)
        _, err = p.communicate(timeout=120)
        return p.returncode, out, err

    def test_sigterm_leaves_a_readable_interrupted_file(self):
        for sig, code in [(signal.SIGTERM, 143), (signal.SIGINT, 130)]:
            rc, out, err = self._interrupt(sig)
            self.assertEqual(rc, code, err)
            self.assertFalse(os.path.exists(out))
            stopped = out[:-3] + ".interrupted.h5"
            res = scalesim_analysis.load(stopped)
            self.assertEqual(res.meta["status"], "interrupted")
            self.assertGreater(res.meta["sim_time_s"], 0)
            self.assertGreater(len(res.requests), 0)

    @unittest.skipUnless(MPIEXEC, "built without MPI: one rank only")
    def test_sigterm_stops_every_rank_at_one_window(self):
        rc, out, err = self._interrupt(signal.SIGTERM, ranks=2)
        stopped = out[:-3] + ".interrupted.h5"
        self.assertTrue(os.path.exists(stopped), err)
        with h5py.File(stopped, "r") as f:
            self.assertEqual(f.attrs["status"].decode(), "interrupted")
            self.assertEqual(int(f.attrs["ranks"]), 2)

    def test_sigkill_leaves_nothing_under_the_final_name(self):
        out = os.path.join(self.tmp.name, "killed.h5")
        p = subprocess.Popen([SCALESIM, "run", os.path.join(SOURCE, "tests", "io", "long_run.yaml"), "-o", out],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        p.kill()
        p.wait(timeout=30)
        self.assertEqual(p.returncode, -signal.SIGKILL)
        self.assertFalse(os.path.exists(out))
        self.assertFalse(os.path.exists(out[:-3] + ".interrupted.h5"))



class LlmEngineHdf5(unittest.TestCase):
    """An LLM engine's own datasets: kv_timeseries and the by_replica table agree with the
    engine's statistics (warm-up 0, a run that drains)."""

    def test_llm_requests_carry_their_ttft_and_tpot(self):
        # Each /requests row of an LLM engine's request has its TTFT (from its creation) and
        # TPOT, in half precision; a request no engine served has NaN in both.
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "llm.h5")
            cfg = os.path.join(SOURCE, "configs", "examples", "llm_serving_azure.yaml")
            run(["run", cfg, "--set", "warmup=0s", "--set", "components.requests.customers=3000",
                 "-o", path])
            with h5py.File(path, "r") as f:
                r = f["requests"][()]
                engine = f["components/engine"].attrs
                self.assertEqual(len(r), int(engine["served"]))
                ttft, tpot = r["ttft_s"].astype(float), r["tpot_s"].astype(float)
                self.assertTrue(np.all(np.isfinite(ttft)) and np.all(np.isfinite(tpot)))
                latency = r["latency_ns"] / 1e9
                # The first token comes before the answer reaches the sink (1 ms link after).
                self.assertTrue(np.all((ttft > 0) & (ttft <= latency * (1 + 2**-11))))
                self.assertTrue(np.all(tpot >= 0))
                # The same requests as the engine's own exact statistics: their means agree
                # within the half precision (<= 2^-11 each), TTFT less the 1 ms link before it.
                self.assertLess(abs((ttft.mean() - 0.001) / float(engine["mean_ttft_s"]) - 1), 2**-11)
                self.assertLess(abs(tpot.mean() / float(engine["mean_tpot_s"]) - 1), 2**-11)
            plain = os.path.join(tmp, "net.h5")  # a queueing network: no LLM engine
            run(["run", NETWORK, "-o", plain])
            with h5py.File(plain, "r") as f:
                r = f["requests"][()]
                self.assertGreater(len(r), 0)
                self.assertTrue(np.all(np.isnan(r["ttft_s"])) and np.all(np.isnan(r["tpot_s"])))

    def test_kv_timeseries_and_replica_table(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "llm.h5")
            cfg = os.path.join(SOURCE, "configs", "examples", "llm_serving_azure.yaml")
            p = run(["run", cfg, "--set", "warmup=0s", "--set", "components.requests.customers=3000",
                     "--json", "-o", path])
            engine = {c["name"]: c for c in json.loads(p.stdout)["components"]}["engine"]
            with h5py.File(path, "r") as f:
                g = f["components/engine"]
                kv = g["kv_timeseries"][()]
                self.assertEqual(kv.dtype.names, ("t_s", "kv_utilisation", "running", "output_tokens_per_s"))
                self.assertEqual(len(kv), len(g["timeseries"]))
                spans = np.diff(np.concatenate([[0.0], kv["t_s"]]))
                self.assertTrue(np.all((kv["kv_utilisation"] >= 0) & (kv["kv_utilisation"] <= 1)))
                end = kv["t_s"][-1]
                # Interval means weighted by their spans: the run's time averages and totals.
                self.assertAlmostEqual(float((kv["kv_utilisation"] * spans).sum() / end),
                                       engine["kv_utilisation"], places=9)
                self.assertAlmostEqual(float((kv["running"] * spans).sum() / end), engine["mean_running"], places=6)
                tokens = float((kv["output_tokens_per_s"] * spans).sum())
                self.assertAlmostEqual(tokens, float(engine["output_tokens_per_s"]) * end,
                                       delta=1e-6 * tokens)
                rows = g["by_replica"]
                self.assertEqual([r.decode() if isinstance(r, bytes) else r for r in rows.attrs["replicas"]],
                                 ["0", "1"])
                self.assertEqual(int(rows["left"][()].sum()), engine["served"])
                # Little's law on each replica (the run drains, nothing was measured before 0).
                for n, t, x in zip(rows["mean_in_system"][()], rows["mean_time_s"][()], rows["throughput_per_s"][()]):
                    self.assertAlmostEqual(n, x * t, delta=1e-6 * n)
                self.assertEqual([r["replica"] for r in engine["by_replica"]], ["0", "1"])
                # Per replica: the same series, whose time averages and totals are the
                # by_replica table's (the run drains; nothing before 0 is excluded).
                per = g["replica_timeseries"]
                self.assertEqual(sorted(per.keys()), ["0", "1"])
                total_tokens = 0.0
                for row in engine["by_replica"]:
                    ts = per[row["replica"]][()]
                    self.assertEqual(len(ts), len(kv))
                    self.assertTrue(np.array_equal(ts["t_s"], kv["t_s"]))
                    self.assertAlmostEqual(float((ts["kv_utilisation"] * spans).sum() / end),
                                           row["kv_utilisation"], places=9)
                    self.assertAlmostEqual(float((ts["running"] * spans).sum() / end),
                                           row["mean_running"], places=6)
                    replica_tokens = float((ts["output_tokens_per_s"] * spans).sum())
                    self.assertAlmostEqual(replica_tokens, row["output_tokens_per_s"] * end,
                                           delta=1e-6 * replica_tokens)
                    total_tokens += replica_tokens
                self.assertAlmostEqual(total_tokens, tokens, delta=1e-6 * tokens)
                self.assertGreater(engine["mbu"], engine["mfu"])  # decoding is bandwidth-bound
                self.assertLess(engine["mbu"], 1.0)

    def test_slo_table_cost_and_annotated_topology(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "cascade.h5")
            cfg = os.path.join(SOURCE, "configs", "patterns", "cascade.yaml")
            # A tight target that is missed beside the template's met ones.
            p = run(["run", cfg, "--set", "end.time=10s", "--set",
                     "slos=[{name: tight, metric: done.p99_latency_s, target: '< 1us'}, "
                     "{name: loose, metric: done.p99_latency_s, target: '< 1s'}]", "--json", "-o", path])
            j = json.loads(p.stdout)
            with h5py.File(path, "r") as f:
                slo = f["slo"]
                self.assertEqual([n.decode() for n in slo["name"][()]], [s["name"] for s in j["slo"]])
                self.assertEqual(list(slo["met"][()]), [0, 1])
                self.assertEqual(list(slo["value"][()]), [s["value"] for s in j["slo"]])
                self.assertEqual([t.decode() for t in slo["target"][()]], ["< 1us", "< 1s"])
                for key in ("per_hour", "per_million_requests", "compute_per_million_requests"):
                    self.assertEqual(float(f.attrs["cost_" + key]), j["metrics"]["cost." + key])
                dot = f["topology/dot"][()].decode()
                for c in j["components"]:
                    self.assertIn(f'"{c["name"]}" [label=', dot)
                fast = {c["name"]: c for c in j["components"]}["fast"]
                self.assertIn(f'{fast["utilisation"] * 100:.0f}% busy', dot)
                self.assertIn('"fast" -> "gate"', dot)


if __name__ == "__main__":
    unittest.main(verbosity=2)
