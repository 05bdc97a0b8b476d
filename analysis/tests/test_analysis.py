"""Tests for scalesim_analysis against synthetic files that follow docs/hdf5-schema.md.

The files are written with plain h5py exactly as the schema describes (compound
tables, fixed-length ASCII strings, chunked + compressed /requests), so the reader
is checked against the contract rather than against any one writer.
"""

import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

ANALYSIS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ANALYSIS_DIR)

from scalesim_analysis import load, write_report  # noqa: E402

SCRIPT = os.path.join(ANALYSIS_DIR, "scalesim-report")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

REQUEST_DTYPE = np.dtype([("id", "<u8"), ("class", "<u2"), ("arrival_ns", "<i8"),
                          ("completion_ns", "<i8"), ("latency_ns", "<i8"), ("path", "<u2"),
                          ("status", "u1")])
TIMESERIES_DTYPE = np.dtype([("t_s", "<f8"), ("utilisation", "<f8"), ("queue_length", "<f8"),
                             ("throughput_per_s", "<f8")])
SUMMARY_DTYPE = np.dtype([("name", "S64"), ("type", "S16"), ("count", "<u8"), ("mean_s", "<f8"),
                          ("p50_s", "<f8"), ("p90_s", "<f8"), ("p99_s", "<f8"),
                          ("p999_s", "<f8"), ("throughput_per_s", "<f8"),
                          ("utilisation", "<f8"), ("slo_met", "i1"), ("cost_usd", "<f8")])
SWEEP_DTYPE = np.dtype([("frontend_servers", "<i4"), ("db_servers", "<i4"),
                        ("cost_usd", "<f8"), ("p99_s", "<f8"), ("throughput_per_s", "<f8")])

# name, type, lp, servers (stations only)
COMPONENTS = [("web", "source", 0, None), ("batch", "source", 1, None),
              ("lb", "router", 2, None), ("frontend", "station", 3, 4),
              ("db", "station", 4, 2), ("sink", "sink", 5, None)]
CLASS_NAMES = ["web", "batch"]
PATH_NAMES = ["-", "frontend", "db"]
SIM_TIME_S = 10.5
WARMUP_S = 1.0

PROMISED_SINGLE_RUN = {"latency_cdf_classes.png", "latency_cdf_components.png",
                       "utilisation.png", "queue_length.png", "throughput.png"}
PROMISED_SWEEP = {"pareto_cost_p99.png", "heatmap_points_p99_s.png",
                  "heatmap_points_cost_usd.png"}


# ----------------------------------------------------------------------------- synthetic data


def make_requests(rng, n):
    """Two classes with different lognormal latencies, sorted by arrival at the one sink."""
    cls = (rng.random(n) < 0.35).astype(np.uint16)  # 0 = web, 1 = batch
    arrival = rng.integers(int(WARMUP_S * 1e9), int(10 * 1e9), n, dtype=np.int64)
    median_ns = np.where(cls == 0, 5e6, 40e6)
    latency = np.maximum(1000, median_ns * rng.lognormal(0.0, 0.6, n)).astype(np.int64)
    path = np.where(cls == 0, 1, 2).astype(np.uint16)
    path[rng.random(n) < 0.02] = 0  # a few requests bypassed every station
    records = np.zeros(n, dtype=REQUEST_DTYPE)
    sequence = np.zeros(n, dtype=np.uint64)
    for c in (0, 1):
        mine = cls == c
        sequence[mine] = np.arange(mine.sum(), dtype=np.uint64)
    records["id"] = (cls.astype(np.uint64) << np.uint64(40)) | sequence
    records["class"] = cls
    records["arrival_ns"] = arrival
    records["completion_ns"] = arrival + latency
    records["latency_ns"] = latency
    records["path"] = path
    records["status"] = 0
    return records[np.argsort(records["completion_ns"], kind="stable")]


def make_histogram(values_ns):
    """Log-linear buckets no wider than 1/64 of their lower edge; only non-empty ones kept."""
    values = np.maximum(np.asarray(values_ns, dtype=np.int64), 64)
    exponent = np.floor(np.log2(values)).astype(np.int64)
    width = (np.int64(1) << exponent) // 64
    lower = (values // width) * width
    edges, counts = np.unique(lower, return_counts=True)
    widths = (np.int64(1) << np.floor(np.log2(edges)).astype(np.int64)) // 64
    return (edges.astype(np.uint64), (edges + widths).astype(np.uint64),
            counts.astype(np.uint64))


RATE_PER_S = {"web": 200.0, "batch": 100.0, "frontend": 195.0, "db": 101.0, "sink": 300.0}


def make_timeseries(rng, name, kind, empty=False):
    """One row per 1 s interval up to SIM_TIME_S (the last one shorter), NaN where the
    schema says the value does not apply."""
    if empty:
        return np.zeros(0, dtype=TIMESERIES_DTYPE)
    t = np.append(np.arange(1.0, 11.0), SIM_TIME_S)
    rows = np.zeros(len(t), dtype=TIMESERIES_DTYPE)
    rows["t_s"] = t
    rows["utilisation"] = np.nan
    rows["queue_length"] = np.nan
    rows["throughput_per_s"] = np.nan
    ramp = np.minimum(t / 2.0, 1.0)
    if kind == "station":
        rows["utilisation"] = np.clip(0.7 * ramp + rng.normal(0, 0.03, len(t)), 0, 1)
        rows["queue_length"] = np.maximum(0, 3.0 * ramp + rng.normal(0, 0.5, len(t)))
    if kind in ("station", "sink", "source"):
        rate = RATE_PER_S[name]
        rows["throughput_per_s"] = rate * ramp + rng.normal(0, rate / 50, len(t))
    return rows


def summary_row(name, kind, count, latencies_ns=None, throughput=np.nan, utilisation=np.nan,
                slo=-1, cost=np.nan):
    """One /summary row; latency statistics are NaN where the schema says so."""
    row = np.zeros(1, dtype=SUMMARY_DTYPE)[0]
    row["name"], row["type"], row["count"] = name.encode(), kind.encode(), count
    stats = {"mean_s": np.nan, "p50_s": np.nan, "p90_s": np.nan, "p99_s": np.nan,
             "p999_s": np.nan}
    if latencies_ns is not None and len(latencies_ns):
        seconds = np.asarray(latencies_ns, dtype=np.float64) / 1e9
        stats = {"mean_s": seconds.mean(), "p50_s": np.quantile(seconds, 0.5),
                 "p90_s": np.quantile(seconds, 0.9), "p99_s": np.quantile(seconds, 0.99),
                 "p999_s": np.quantile(seconds, 0.999)}
    for key, value in stats.items():
        row[key] = value
    row["throughput_per_s"], row["utilisation"] = throughput, utilisation
    row["slo_met"], row["cost_usd"] = slo, cost
    return row


def make_sweep():
    """A 4 x 3 grid of server counts with cost rising and p99 falling as servers are added."""
    rows = []
    for frontend in (2, 4, 6, 8):
        for db in (1, 2, 3):
            cost = 0.12 * frontend + 0.30 * db
            p99 = 0.02 + 0.4 / frontend ** 1.5 + 0.25 / db ** 2
            rows.append((frontend, db, cost, p99, 300.0 - 40.0 / frontend))
    return np.array(rows, dtype=SWEEP_DTYPE)


def write_synthetic(path, n_requests=3000, seed=7, schema_version=1, empty_requests=False,
                    with_sweep=False):
    """Write a schema-v1 results file and return everything written, for comparisons."""
    rng = np.random.default_rng(seed)
    requests = np.zeros(0, dtype=REQUEST_DTYPE) if empty_requests else make_requests(rng,
                                                                                     n_requests)
    all_latency = make_requests(rng, n_requests)["latency_ns"]  # histograms cover every request
    written = {"meta": {
        "schema_version": (np.int32(schema_version) if isinstance(schema_version, int)
                           else schema_version),
        "scalesim_version": "0.1.0",
        "git_revision": np.bytes_(b"0d465f7"), "name": "synthetic-two-tier",
        "seed": np.uint64(2 ** 63 + 5), "ranks": np.int32(2), "threads": np.int32(4),
        "wall_time_s": np.float64(1.25), "events_processed": np.uint64(123456789),
        "sim_time_s": np.float64(SIM_TIME_S), "warmup_s": np.float64(WARMUP_S),
        "status": np.bytes_(b"complete"), "result_hash": "0x9e3779b97f4a7c15"}}
    written["config"] = "name: synthetic-two-tier\nseed: 42\noutput:\n  interval: 1\n"
    written["requests"] = requests
    written["timeseries"], written["histograms"], written["wait_histograms"] = {}, {}, {}
    with h5py.File(path, "w") as f:
        for key, value in written["meta"].items():
            f.attrs[key] = value
        f["config"] = written["config"]
        f["config"].attrs["source"] = "configs/synthetic.yaml"
        write_requests(f, requests, n_requests)
        for name, kind, lp, servers in COMPONENTS:
            write_component(f, rng, written, name, kind, lp, servers, all_latency,
                            empty_timeseries=empty_requests and name == "db")
        written["summary"] = write_summary(f, requests, all_latency)
        f.create_group("sweep")
        if with_sweep:
            written["sweep"] = make_sweep()
            f["sweep"].create_dataset("points", data=written["sweep"])
    return written


def write_requests(f, requests, n_requests):
    """The /requests table: chunked, shuffled, deflated, with its naming attributes."""
    dataset = f.create_dataset("requests", data=requests, maxshape=(None,), chunks=(65536,),
                               shuffle=True, compression="gzip")
    # one fixed-length and one variable-length string array: both are valid HDF5 strings
    dataset.attrs["class_names"] = np.array([n.encode() for n in CLASS_NAMES], dtype="S16")
    dataset.attrs.create("path_names", PATH_NAMES, dtype=h5py.string_dtype())
    dataset.attrs["sampling_fraction"] = np.float64(1.0)
    dataset.attrs["recorded"] = np.uint64(len(requests))
    dataset.attrs["completed"] = np.uint64(n_requests)


def write_component(f, rng, written, name, kind, lp, servers, all_latency, empty_timeseries):
    """One /components/<name> group with its time series and, where due, histograms."""
    group = f.create_group(f"components/{name}")
    group.attrs["type"] = np.bytes_(kind.encode())
    group.attrs["lp"] = np.uint32(lp)
    if servers is not None:
        group.attrs["servers"] = np.uint32(servers)
    rows = make_timeseries(rng, name, kind, empty=empty_timeseries)
    group.create_dataset("timeseries", data=rows)
    written["timeseries"][name] = rows
    if kind == "sink":
        written["histograms"][name] = write_histogram(group, "latency_histogram", all_latency)
    if kind == "station":
        scale = 3e6 if name == "frontend" else 20e6
        sojourn = (scale * rng.lognormal(0.0, 0.5, 2000)).astype(np.int64)
        wait = (0.3 * scale * rng.lognormal(0.0, 0.9, 2000)).astype(np.int64)
        written["histograms"][name] = write_histogram(group, "latency_histogram", sojourn)
        written["wait_histograms"][name] = write_histogram(group, "wait_histogram", wait)


def write_histogram(group, kind, values_ns):
    """A histogram group of uint64 datasets; returns (lower, upper, count) as written."""
    lower, upper, count = make_histogram(values_ns)
    hist = group.create_group(kind)
    hist["bucket_lower_ns"], hist["bucket_upper_ns"], hist["count"] = lower, upper, count
    return lower, upper, count


def write_summary(f, requests, all_latency):
    """/summary/components and /summary/classes tables with fixed-length string fields."""
    components = np.array([
        summary_row("web", "source", 2000, throughput=222.2),
        summary_row("batch", "source", 1000, throughput=111.1),
        summary_row("lb", "router", 3000),
        summary_row("frontend", "station", 1950, all_latency[:1950] / 2, 216.7, 0.71, 1, 0.48),
        summary_row("db", "station", 1010, all_latency[:1010] * 2, 112.2, 0.64, 0, 0.60),
        summary_row("sink", "sink", 3000, all_latency, 333.3, slo=1),
    ], dtype=SUMMARY_DTYPE)
    classes = np.array([
        summary_row(name, "class", int((requests["class"] == c).sum()),
                    requests["latency_ns"][requests["class"] == c],
                    throughput=200.0 / (c + 1), slo=1 - c)
        for c, name in enumerate(CLASS_NAMES)], dtype=SUMMARY_DTYPE)
    f.create_dataset("summary/components", data=components)
    f.create_dataset("summary/classes", data=classes)
    return {"components": components, "classes": classes}


# ----------------------------------------------------------------------------- assertions


def assert_column_equal(test, series, expected, what):
    """Same dtype and the same values (NaN equal to NaN) for one column."""
    expected = np.asarray(expected)
    test.assertEqual(series.dtype, expected.dtype, f"dtype of {what}")
    np.testing.assert_array_equal(series.to_numpy(), expected, err_msg=what)


def assert_table_equal(test, frame, records, what):
    """A DataFrame equals a structured array field by field, strings compared decoded."""
    test.assertEqual(list(frame.columns[:len(records.dtype.names)]), list(records.dtype.names))
    test.assertEqual(len(frame), len(records), f"rows of {what}")
    for name in records.dtype.names:
        if records.dtype[name].kind == "S":
            expected = [v.decode() for v in records[name]]
            test.assertEqual(list(frame[name]), expected, f"{what}.{name}")
            test.assertTrue(all(isinstance(v, str) for v in frame[name]))
        else:
            assert_column_equal(test, frame[name], records[name], f"{what}.{name}")


class LoaderTest(unittest.TestCase):
    """load() returns exactly what a schema-v1 file holds."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "run.h5")
        cls.written = write_synthetic(cls.path)
        cls.results = load(cls.path)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_meta_keeps_types_and_decodes_strings(self):
        meta = self.results.meta
        self.assertEqual(list(meta), list(self.written["meta"]))  # schema order
        for key, value in self.written["meta"].items():
            if isinstance(value, (str, bytes, np.bytes_)):
                expected = value.decode() if isinstance(value, bytes) else value
                self.assertIsInstance(meta[key], str, key)
                self.assertEqual(meta[key], expected, key)
            else:
                self.assertEqual(np.asarray(meta[key]).dtype, np.asarray(value).dtype, key)
                self.assertEqual(meta[key], value, key)
        self.assertEqual(meta["seed"], 2 ** 63 + 5)  # no float rounding of a uint64

    def test_config(self):
        self.assertEqual(self.results.config, self.written["config"])
        self.assertEqual(self.results.config_source, "configs/synthetic.yaml")

    def test_requests_exact(self):
        requests = self.results.requests
        assert_table_equal(self, requests, self.written["requests"], "requests")
        self.assertEqual(list(requests.columns),
                         ["id", "class", "arrival_ns", "completion_ns", "latency_ns", "path",
                          "status", "class_name", "path_name", "latency_s"])
        expected_class = [CLASS_NAMES[c] for c in self.written["requests"]["class"]]
        expected_path = [PATH_NAMES[p] for p in self.written["requests"]["path"]]
        self.assertEqual(list(requests["class_name"]), expected_class)
        self.assertEqual(list(requests["path_name"]), expected_path)
        assert_column_equal(self, requests["latency_s"],
                            self.written["requests"]["latency_ns"] / 1e9, "latency_s")
        self.assertEqual(self.results.requests_meta["class_names"], CLASS_NAMES)
        self.assertEqual(self.results.requests_meta["path_names"], PATH_NAMES)

    def test_summary_tables_exact(self):
        assert_table_equal(self, self.results.summary, self.written["summary"]["components"],
                           "summary")
        assert_table_equal(self, self.results.classes, self.written["summary"]["classes"],
                           "classes")

    def test_components_and_timeseries(self):
        self.assertEqual(list(self.results.components), [c[0] for c in COMPONENTS])
        self.assertEqual(self.results.components["db"]["type"], "station")
        self.assertEqual(self.results.components["db"]["servers"], 2)
        self.assertEqual(self.results.components_of_type("station"), ["frontend", "db"])
        self.assertEqual(set(self.results.timeseries), {c[0] for c in COMPONENTS})
        for name, rows in self.written["timeseries"].items():
            assert_table_equal(self, self.results.timeseries[name], rows, f"timeseries[{name}]")

    def test_histograms_exact_with_cdf(self):
        self.assertEqual(set(self.results.histograms), {"frontend", "db", "sink"})
        self.assertEqual(set(self.results.wait_histograms), {"frontend", "db"})
        for table, source in ((self.results.histograms, self.written["histograms"]),
                              (self.results.wait_histograms, self.written["wait_histograms"])):
            for name, (lower, upper, count) in source.items():
                frame = table[name]
                self.assertEqual(list(frame.columns),
                                 ["bucket_lower_ns", "bucket_upper_ns", "count", "cdf"])
                assert_column_equal(self, frame["bucket_lower_ns"], lower, f"{name} lower")
                assert_column_equal(self, frame["bucket_upper_ns"], upper, f"{name} upper")
                assert_column_equal(self, frame["count"], count, f"{name} count")
                cdf = frame["cdf"].to_numpy()
                self.assertTrue(np.all(np.diff(cdf) > 0))
                self.assertEqual(cdf[-1], 1.0)
                np.testing.assert_allclose(cdf, np.cumsum(count) / count.sum())

    def test_single_run_has_no_sweep(self):
        self.assertIsNone(self.results.sweep)

    def test_wrong_schema_version_raises(self):
        path = os.path.join(self.tmp.name, "v2.h5")
        write_synthetic(path, n_requests=50, schema_version=2)
        with self.assertRaises(ValueError) as caught:
            load(path)
        self.assertIn(path, str(caught.exception))
        self.assertIn("schema_version", str(caught.exception))

    def test_any_integer_type_of_schema_version_is_accepted(self):
        """The schema says int32, but a reader should not reject an int64 or unsigned 1."""
        for version in (np.int64(1), np.uint8(1)):
            path = os.path.join(self.tmp.name, f"v1_{version.dtype}.h5")
            write_synthetic(path, n_requests=20, schema_version=version)
            self.assertEqual(load(path).meta["schema_version"], 1)

    def test_not_hdf5_raises_value_error(self):
        path = os.path.join(self.tmp.name, "garbage.h5")
        with open(path, "wb") as out:
            out.write(b"not an hdf5 file\n")
        with self.assertRaises(ValueError) as caught:
            load(path)
        self.assertIn(path, str(caught.exception))


class EmptyRequestsTest(unittest.TestCase):
    """An empty /requests dataset and a component without time-series rows still load and plot."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "empty.h5")
        cls.written = write_synthetic(cls.path, empty_requests=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_load_empty(self):
        results = load(self.path)
        self.assertEqual(len(results.requests), 0)
        for column in ("id", "class", "latency_ns", "class_name", "path_name", "latency_s"):
            self.assertIn(column, results.requests.columns)
        self.assertEqual(results.requests["id"].dtype, np.uint64)
        self.assertEqual(len(results.timeseries["db"]), 0)
        self.assertEqual(list(results.timeseries["db"].columns),
                         ["t_s", "utilisation", "queue_length", "throughput_per_s"])

    def test_report_falls_back_to_sink_histograms(self):
        out = os.path.join(self.tmp.name, "report")
        written = write_report(self.path, out)
        names = {os.path.basename(p) for p in written}
        self.assertTrue(PROMISED_SINGLE_RUN <= names, names)
        with open(os.path.join(out, "report.md"), encoding="utf-8") as md:
            self.assertIn("/requests is empty", md.read())


class ReportTest(unittest.TestCase):
    """write_report draws every promised plot, and the command line behaves."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.single = os.path.join(cls.tmp.name, "run.h5")
        cls.sweep = os.path.join(cls.tmp.name, "sweep.h5")
        write_synthetic(cls.single)
        write_synthetic(cls.sweep, n_requests=500, with_sweep=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check_report(self, written, out_dir, promised):
        """Every promised PNG exists, is a real PNG, and report.md links it."""
        names = {os.path.basename(p) for p in written}
        self.assertEqual(names - {"report.md", "report.html"}, promised)
        self.assertEqual(os.path.basename(written[-1]), "report.md")
        with open(os.path.join(out_dir, "report.md"), encoding="utf-8") as md:
            text = md.read()
        for name in promised:
            path = os.path.join(out_dir, name)
            self.assertGreater(os.path.getsize(path), 1000, name)
            with open(path, "rb") as png:
                self.assertEqual(png.read(8), PNG_SIGNATURE, name)
            self.assertIn(f"]({name})", text)
        for heading in ("Run metadata", "p99 (ms)", "utilisation", "synthetic-two-tier"):
            self.assertIn(heading, text)

    def test_single_run_report(self):
        out = os.path.join(self.tmp.name, "single")
        self.check_report(write_report(self.single, out), out, PROMISED_SINGLE_RUN)

    def test_sweep_report_adds_pareto_and_heatmaps(self):
        out = os.path.join(self.tmp.name, "sweep")
        self.assertEqual(set(load(self.sweep).sweep), {"points"})
        self.check_report(write_report(self.sweep, out), out,
                          PROMISED_SINGLE_RUN | PROMISED_SWEEP)

    def test_llm_engine_report_adds_token_latency_and_batch_plots(self):
        # The single-run file plus an llm_engine group, as the C++ writer lays it out: the
        # time series (batch occupancy, requests waiting) and the ttft and tpot histograms.
        path = os.path.join(self.tmp.name, "llm.h5")
        write_synthetic(path)
        rng = np.random.default_rng(3)
        with h5py.File(path, "a") as f:
            group = f.create_group("components/engine")
            group.attrs["type"] = np.bytes_(b"llm_engine")
            group.attrs["lp"] = np.uint32(6)
            rows = make_timeseries(rng, "engine", "llm_engine")
            rows["utilisation"] = np.linspace(0.1, 0.6, len(rows))
            rows["queue_length"] = np.linspace(0.0, 12.0, len(rows))
            group.create_dataset("timeseries", data=rows)
            kv = np.zeros(len(rows), dtype=[("t_s", "f8"), ("kv_utilisation", "f8"),
                                            ("running", "f8"), ("output_tokens_per_s", "f8")])
            kv["t_s"] = rows["t_s"]
            kv["kv_utilisation"] = np.linspace(0.2, 0.9, len(rows))
            group.create_dataset("kv_timeseries", data=kv)
            write_histogram(group, "ttft_histogram",
                            (150e6 * rng.lognormal(0.0, 0.6, 2000)).astype(np.int64))
            write_histogram(group, "tpot_histogram",
                            (20e6 * rng.lognormal(0.0, 0.3, 2000)).astype(np.int64))
        results = load(path)
        self.assertEqual(list(results.ttft_histograms), ["engine"])
        self.assertEqual(list(results.kv_timeseries), ["engine"])
        self.assertAlmostEqual(float(results.kv_timeseries["engine"]["kv_utilisation"].iloc[-1]), 0.9)
        self.assertAlmostEqual(float(results.tpot_histograms["engine"]["cdf"].iloc[-1]), 1.0)
        out = os.path.join(self.tmp.name, "llm")
        self.check_report(write_report(path, out), out,
                          PROMISED_SINGLE_RUN | {"llm_ttft_tpot_cdf.png", "llm_batch.png"})
        # Without an engine the sections say why they are missing.
        plain = os.path.join(self.tmp.name, "no_llm")
        write_report(self.single, plain)
        with open(os.path.join(plain, "report.md"), encoding="utf-8") as md:
            self.assertIn("no LLM engine served a request", md.read())

    def run_cli(self, *args):
        """Run scalesim-report as a user would and return the finished process."""
        return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                              timeout=120)

    def test_cli_success(self):
        out = os.path.join(self.tmp.name, "cli")
        done = self.run_cli(self.single, "-o", out)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertTrue(os.path.isfile(os.path.join(out, "report.md")))
        self.assertIn("report.md", done.stdout)

    def test_cli_runs_as_executable(self):
        """Through its #! line, as a user types it (whatever python3 is first on PATH)."""
        self.assertTrue(os.access(SCRIPT, os.X_OK))
        out = os.path.join(self.tmp.name, "cli_exec")
        done = subprocess.run([SCRIPT, self.single, "-o", out], capture_output=True, text=True,
                              timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)

    def test_cli_missing_file_exits_2(self):
        done = self.run_cli(os.path.join(self.tmp.name, "absent.h5"), "-o", self.tmp.name)
        self.assertEqual(done.returncode, 2)
        self.assertIn("no such file", done.stderr)

    def test_cli_invalid_file_exits_2(self):
        bad = os.path.join(self.tmp.name, "bad.h5")
        with open(bad, "w", encoding="utf-8") as out:
            out.write("plain text\n")
        done = self.run_cli(bad, "-o", os.path.join(self.tmp.name, "bad"))
        self.assertEqual(done.returncode, 2)
        self.assertIn("bad.h5", done.stderr)

    def test_cli_wrong_version_exits_2(self):
        path = os.path.join(self.tmp.name, "v3.h5")
        write_synthetic(path, n_requests=20, schema_version=3)
        done = self.run_cli(path, "-o", os.path.join(self.tmp.name, "v3"))
        self.assertEqual(done.returncode, 2)
        self.assertIn("schema_version", done.stderr)


if __name__ == "__main__":
    unittest.main()
