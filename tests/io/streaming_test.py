#!/usr/bin/env python3
"""Streamed /requests (docs/hdf5-schema.md): records written in chunks as the run goes equal
those written at the end in one chunk, for one sink and for several, at 1 and 2 ranks and 2
threads; a run stopped by SIGTERM or killed leaves a readable file marked interrupted.

Environment: SCALESIM (binary), SOURCE_DIR, MPIEXEC (optional)."""
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

import h5py
import numpy as np

SCALESIM = os.environ["SCALESIM"]
SOURCE = os.environ["SOURCE_DIR"]
MPIEXEC = os.environ.get("MPIEXEC", "")
CASCADE = os.path.join(SOURCE, "configs", "patterns", "cascade.yaml")
REQUESTS = 200000
STREAMED_REQUESTS = 1000000  # the size for "streamed in small chunks = written at the end"

# Two sinks on separate branches, so that their blocks interleave in /requests.
TWO_SINKS = """
name: two-sinks
seed: 5
end: {time: 30s}
components:
  web: {type: source, arrivals: {process: poisson, rate: 2000/s}, to: {component: split, latency: 1ms}}
  split: {type: router, routes: [{to: a, probability: 0.7, latency: 1ms}, {to: b, probability: 0.3, latency: 1ms}]}
  a: {type: station, servers: 2, service: {distribution: exponential, mean: 0.5ms}, to: {component: out_a, latency: 1ms}}
  b: {type: station, servers: 1, service: {distribution: exponential, mean: 1ms}, to: {component: out_b, latency: 1ms}}
  out_a: {type: sink}
  out_b: {type: sink}
"""


def run(args, ranks=1, cpus=None):
    argv = [SCALESIM] + args
    if ranks > 1:
        argv = [MPIEXEC, "--oversubscribe", "--allow-run-as-root", "-n", str(ranks)] + argv
    pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120, preexec_fn=pin)
    if p.returncode != 0:
        raise AssertionError(f"{argv} exited {p.returncode}: {p.stderr}")
    return p


def requests_of(path):
    with h5py.File(path, "r") as f:
        return f["requests"][()], f.attrs["result_hash"].decode(), f["requests"].chunks[0]


class Streaming(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.two_sinks = os.path.join(cls.tmp.name, "two_sinks.yaml")
        with open(cls.two_sinks, "w") as f:
            f.write(TWO_SINKS)

    def out(self, name):
        return os.path.join(self.tmp.name, name)

    def cascade(self, out, *extra, ranks=1, cpus=None, requests=REQUESTS):
        return run(["run", CASCADE, "--set", f"components.requests.customers={requests}",
                    "--set", "end.time=100000s", "--json", "-o", out, *extra], ranks=ranks,
                   cpus=cpus)

    def test_one_cpu_writes_the_same_file_without_a_writer_thread(self):
        # With one CPU the run compresses its blocks itself; with more a writer thread does.
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) < 2:
            self.skipTest("one CPU here: both runs would take the same path")
        pinned, free = self.out("pinned.h5"), self.out("free.h5")
        self.cascade(pinned, "--records-chunk", "4096", cpus={cpus[0]})
        self.cascade(free, "--records-chunk", "4096")
        a, hash_a, _ = requests_of(pinned)
        b, hash_b, _ = requests_of(free)
        self.assertGreater(len(a), 0.9 * REQUESTS)
        self.assertEqual(a.tobytes(), b.tobytes())
        self.assertEqual(hash_a, hash_b)

    def test_small_chunks_equal_one_chunk_written_at_the_end(self):
        streamed, whole = self.out("streamed.h5"), self.out("whole.h5")
        p = self.cascade(streamed, "--records-chunk", "4096", requests=STREAMED_REQUESTS)
        # A chunk larger than the records: all kept to the end and written at once.
        self.cascade(whole, "--records-chunk", "1048576", requests=STREAMED_REQUESTS)
        a, hash_a, chunk_a = requests_of(streamed)
        b, hash_b, chunk_b = requests_of(whole)
        self.assertEqual((chunk_a, chunk_b), (4096, 1048576))
        self.assertGreater(len(a), 0.98 * STREAMED_REQUESTS)  # less the warm-up's
        self.assertLess(len(a), 1048576)
        self.assertEqual(a.tobytes(), b.tobytes())
        self.assertEqual(hash_a, hash_b)
        self.assertEqual(hash_a, json.loads(p.stdout)["result_hash"])
        self.assertTrue(np.all(a["latency_ns"] == a["completion_ns"] - a["arrival_ns"]))
        self.assertTrue(np.all(np.diff(a["completion_ns"]) >= 0))  # one sink: arrival order

    def test_threads_and_ranks_give_the_same_file_content(self):
        # One thread streams into the file; 2 threads and 2 ranks keep blocks in scratch files
        # and place them at the end, collectively with 2 ranks: the same rows in the same order.
        layouts = [([], 1), (["--threads", "2"], 1)]
        if MPIEXEC:
            layouts.append(([], 2))
        for config in [self.two_sinks, CASCADE]:
            extra_set = ["--set", "components.requests.customers=50000", "--set",
                         "end.time=100000s"] if config == CASCADE else []
            files = []
            for i, (extra, ranks) in enumerate(layouts):
                out = self.out(f"layout-{os.path.basename(config)}-{i}.h5")
                run(["run", config, "-o", out, "--records-chunk", "512", *extra_set, *extra],
                    ranks=ranks)
                files.append(requests_of(out))
                self.assertFalse(any(".records." in n for n in os.listdir(self.tmp.name)))
            for rows, digest, _ in files[1:]:
                self.assertEqual(rows.tobytes(), files[0][0].tobytes(), config)
                self.assertEqual(digest, files[0][1], config)
        with h5py.File(self.out(f"layout-{os.path.basename(self.two_sinks)}-0.h5"), "r") as f:
            rows = f["requests"][()]
            names = [n.decode() for n in f["requests"].attrs["path_names"]]
            self.assertEqual(int(f["requests"].attrs["recorded"]), len(rows))
            paths = set(names[p] for p in rows["path"])
            self.assertEqual(paths, {"a", "b"})

    def test_sampling_streams_the_same_requests(self):
        a, b = self.out("sample-a.h5"), self.out("sample-b.h5")
        for out, chunk in [(a, "1000"), (b, "1048576")]:
            self.cascade(out, "--records-chunk", chunk, "--set", "output={requests: {sample: 0.1}}")
        ra, rb = requests_of(a)[0], requests_of(b)[0]
        self.assertEqual(ra.tobytes(), rb.tobytes())
        self.assertLess(abs(len(ra) - 0.1 * REQUESTS), 0.02 * REQUESTS)

    def _long_run(self, out):
        return subprocess.Popen([SCALESIM, "run", CASCADE, "--set", "components.requests.customers=1000000000",
                                 "--set", "end.time=100000000s", "-o", out, "--records-chunk", "8192"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def _wait_for_blocks(self, p, partial):
        # A loaded machine may take seconds to start: stop the run only once blocks are on disk
        # (the file holds about 2 KiB of header before the first block of 8192 records).
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and p.poll() is None:
            if os.path.exists(partial) and os.path.getsize(partial) > 256 * 1024:
                return
            time.sleep(0.05)
        self.fail(f"no block reached {partial} in 90 s")

    def _check_interrupted(self, path):
        with h5py.File(path, "r") as f:
            self.assertEqual(f.attrs["status"].decode(), "interrupted")
            rows = f["requests"][()]
            self.assertGreater(len(rows), 0)
            self.assertTrue(np.all(rows["latency_ns"] == rows["completion_ns"] - rows["arrival_ns"]))
            self.assertEqual(len(np.unique(rows["id"])), len(rows))
            return f, len(rows)

    def test_sigterm_mid_run_leaves_the_streamed_records(self):
        out = self.out("term.h5")
        p = self._long_run(out)
        self._wait_for_blocks(p, out + ".partial")
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 143, err)
        self.assertFalse(os.path.exists(out))
        self.assertFalse(os.path.exists(out + ".partial"))
        self._check_interrupted(out[:-3] + ".interrupted.h5")

    def test_a_killed_run_leaves_a_readable_partial_file(self):
        out = self.out("killed.h5")
        p = self._long_run(out)
        self._wait_for_blocks(p, out + ".partial")
        p.kill()
        p.wait(timeout=30)
        self.assertFalse(os.path.exists(out))
        _, n = self._check_interrupted(out + ".partial")
        self.assertEqual(n % 8192, 0)  # whole blocks, flushed one by one


if __name__ == "__main__":
    unittest.main(verbosity=2)
