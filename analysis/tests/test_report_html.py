"""Tests for report.html (scalesim_analysis/report_html.py) on synthetic schema-v1 files.

The files are test_analysis.py's synthetic run and sweep, plus what a run of today's writer
also holds: /topology/dot, a configuration with `slos`, prices on components. A sweep file
laid out as `scalesim sweep` writes it (docs/hdf5-schema.md, "Sweep results files") covers
the sweep page.
"""

import base64
import contextlib
import html
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from html.parser import HTMLParser
from unittest import mock

import h5py
import numpy as np

ANALYSIS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ANALYSIS_DIR)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scalesim_analysis import write_report  # noqa: E402
from scalesim_analysis import report_html  # noqa: E402
from test_analysis import write_synthetic  # noqa: E402

SCRIPT = os.path.join(ANALYSIS_DIR, "scalesim-report")
HAVE_DOT = shutil.which("dot") is not None

# The configuration of the synthetic run: four SLOs on component statistics (the attributes
# below make them met, missed, met, and one on a metric the file does not hold).
CONFIG = """name: synthetic-two-tier
description: "Two tiers <behind> a balancer & a sink"
seed: 42
slos:
  - {name: "frontend p99", metric: frontend.p99_sojourn_s, target: "< 50ms"}
  - {name: "db throughput", metric: db.throughput_per_s, target: ">= 500/s"}
  - {name: "balancer accepts", metric: lb.accepted_share, target: ">= 80%"}
  - {name: "cost per million", metric: cost.per_million_requests, target: "< $1"}
output:
  interval: 1
"""
COMPONENT_ATTRIBUTES = {
    "frontend": {"p99_sojourn_s": 0.012, "throughput_per_s": 216.7, "price_per_hour": 4.1},
    "db": {"p99_sojourn_s": 0.2, "throughput_per_s": 112.2, "price_per_hour": 2.0},
    "lb": {"accepted_share": 0.85},
}
EXPECTED_CONFIG_SLOS = {"frontend p99": "met", "db throughput": "missed",
                        "balancer accepts": "met", "cost per million": "not evaluated"}
TOPOLOGY_DOT = """digraph "synthetic-two-tier" {
  graph [rankdir=LR, label="synthetic-two-tier"];
  node [style="filled,rounded", fillcolor="#f4f6fa"];
  "web" [label="web\\nsource", shape=invhouse];
  "batch" [label="batch\\nsource", shape=invhouse];
  "lb" [label="lb\\nrouter"];
  "frontend" [label="frontend\\nstation\\n71% busy", fillcolor="0.100 0.45 0.95"];
  "db" [label="db\\nstation\\n64% busy", fillcolor="0.150 0.45 0.95"];
  "sink" [label="sink", shape=house];
  "web" -> "lb"; "batch" -> "lb"; "lb" -> "frontend"; "frontend" -> "db"; "db" -> "sink";
}
"""
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                 "source", "track", "wbr"}


def write_run(path, topology=True, slo_table=None):
    """The synthetic single run with a configuration that declares SLOs, component
    statistics and prices, /topology/dot (unless topology=False) and, when given, /slo."""
    write_synthetic(path)
    with h5py.File(path, "a") as f:
        source = f["config"].attrs["source"]
        del f["config"]
        f["config"] = CONFIG
        f["config"].attrs["source"] = source
        for name, attrs in COMPONENT_ATTRIBUTES.items():
            for key, value in attrs.items():
                f["components"][name].attrs[key] = np.float64(value)
        if topology:
            f.create_group("topology")["dot"] = TOPOLOGY_DOT
        if slo_table is not None:
            f.create_dataset("slo", data=slo_table)


def write_sweep_file(path):
    """A sweep results file as `scalesim sweep` lays it out: a 4 x 3 grid of server counts,
    p99 falling and cost rising with servers, one constraint and a cost objective."""
    frontend, db = np.meshgrid([2, 4, 6, 8], [1, 2, 3], indexing="ij")
    frontend, db = frontend.ravel().astype(np.float64), db.ravel().astype(np.float64)
    p99 = 0.01 + 0.1 / frontend + 0.05 / db ** 2
    cost = 1.2 * frontend + 3.0 * db
    mean = np.stack([p99, cost], axis=1)
    feasible = (p99 < 0.05).astype(np.uint8)
    optimum = int(np.flatnonzero(feasible)[np.argmin(cost[feasible == 1])])
    spec = ("name: synthetic-capacity\nbase: ../examples/tandem.yaml\ndesign: grid\n"
            "parameters:\n  - {path: components.frontend.servers, values: [2, 4, 6, 8]}\n"
            "  - {path: components.db.servers, values: [1, 2, 3]}\n"
            "metrics: [done.p99_latency_s, cost.per_hour]\n"
            "constraints:\n  - {name: \"p99 end-to-end\", metric: done.p99_latency_s, "
            "target: \"< 50ms\"}\nobjective: {minimize: cost.per_hour}\n")
    with h5py.File(path, "w") as f:
        f.attrs["schema_version"] = np.int64(1)
        f.attrs["scalesim_version"] = "0.1.0"
        sweep = f.create_group("sweep")
        for key, value in {"backend": "des", "seed": np.uint64(1), "replications": np.int64(3),
                           "level": 0.95, "optimum": np.int64(optimum),
                           "wall_seconds": 1.5, "ranks": np.int64(1),
                           "threads": np.int64(1)}.items():
            sweep.attrs[key] = value
        sweep["spec"] = spec
        sweep["parameters"] = np.array([b"components.frontend.servers",
                                        b"components.db.servers"], dtype="S32")
        sweep["points"] = np.array([[b"%d" % a, b"%d" % b] for a, b in zip(frontend, db)],
                                   dtype="S4")
        sweep["point_values"] = np.stack([frontend, db], axis=1)
        sweep["metric_names"] = np.array([b"done.p99_latency_s", b"cost.per_hour"], dtype="S24")
        sweep["mean"] = mean
        sweep["half_width"] = mean * 0.01
        sweep["values"] = np.repeat(mean[:, None, :], 3, axis=1)
        sweep["feasible"] = feasible
    return {"optimum": optimum, "points": len(frontend), "feasible": int(feasible.sum())}


class StructureChecker(HTMLParser):
    """Collects what the tests look at and checks that every element is closed in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.ids = [], [], []
        self.images, self.svgs, self.attributes = [], 0, []
        self.doctype = None
        self.in_title, self.title = False, ""

    def handle_decl(self, decl):
        self.doctype = self.doctype or decl

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.attributes.append((tag, attributes))
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "img":
            self.images.append(attributes)
        if tag == "svg":
            self.svgs += 1
        if tag == "title" and not self.stack.count("svg"):
            self.in_title = True
        if tag not in VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.attributes.append((tag, dict(attrs)))  # <path .../> inside the SVG

    def handle_endtag(self, tag):
        if tag in VOID_ELEMENTS:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        if tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data


def parse_page(text):
    """A finished StructureChecker over a page."""
    checker = StructureChecker()
    checker.feed(text)
    checker.close()
    return checker


def slo_verdicts(text):
    """{SLO name: met | missed | not evaluated} from the page's SLO table."""
    table = re.search(r'<table class="slo">(.*?)</table>', text, re.S)
    if table is None:
        return {}
    verdicts = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)[1:]:  # skip the header
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        badge = re.search(r'class="badge (met|missed|unknown)"', cells[-1])
        word = {"met": "met", "missed": "missed", "unknown": "not evaluated"}[badge.group(1)]
        verdicts[html.unescape(re.sub(r"<[^>]+>", "", cells[0]))] = word
    return verdicts


class SelfContainedPageMixin:
    """Checks every page must pass."""

    def check_self_contained(self, text):
        """No reference outside the page: data: images only, in-page links only."""
        self.assertNotIn('src="http', text)
        self.assertNotIn('href="http', text)
        self.assertNotIn("<link", text)
        for source in re.findall(r'\bsrc\s*=\s*"([^"]*)"', text):
            self.assertTrue(source.startswith("data:"), source[:80])
        for target in re.findall(r'\bhref\s*=\s*"([^"]*)"', text):
            self.assertTrue(target.startswith("#"), target)
        self.assertNotIn("url(", re.sub(r"<pre>.*?</pre>", "", text, flags=re.S))

    def check_html5(self, text):
        """Doctype, lang, charset, a title, every element closed, ids unique."""
        self.assertTrue(text.startswith("<!DOCTYPE html>\n"), text[:40])
        checker = parse_page(text)
        self.assertEqual(checker.doctype, "DOCTYPE html")
        self.assertEqual(checker.errors, [])
        self.assertEqual(checker.stack, [])
        self.assertEqual(len(checker.ids), len(set(checker.ids)), checker.ids)
        html_tag = next(a for t, a in checker.attributes if t == "html")
        self.assertEqual(html_tag.get("lang"), "en")
        self.assertIn(("meta", {"charset": "utf-8"}), checker.attributes)
        self.assertTrue(checker.title.strip())
        return checker

    def check_images(self, text, written):
        """One <img> per PNG written, each embedding exactly that PNG's bytes, with a caption."""
        checker = parse_page(text)
        pngs = [p for p in written if p.endswith(".png")]
        self.assertEqual(len(checker.images), len(pngs))
        self.assertEqual(text.count("<img"), len(pngs))
        for image, png in zip(checker.images, pngs):
            prefix = "data:image/png;base64,"
            self.assertTrue(image["src"].startswith(prefix))
            with open(png, "rb") as data:
                self.assertEqual(base64.b64decode(image["src"][len(prefix):]), data.read(), png)
            self.assertTrue(image.get("alt"), png)
        self.assertEqual(text.count("<figcaption>"), len(pngs) + (1 if checker.svgs else 0))


class RunPageTest(SelfContainedPageMixin, unittest.TestCase):
    """report.html of a single run with a topology, SLOs and prices."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "run.h5")
        write_run(cls.path)
        cls.out = os.path.join(cls.tmp.name, "report")
        cls.stderr = io.StringIO()
        with contextlib.redirect_stderr(cls.stderr):
            cls.written = write_report(cls.path, cls.out)
        with open(os.path.join(cls.out, "report.html"), encoding="utf-8") as page:
            cls.text = page.read()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_written_beside_report_md(self):
        names = [os.path.basename(p) for p in self.written]
        self.assertIn("report.html", names)
        self.assertIn("report.md", names)
        self.assertTrue(os.path.isfile(os.path.join(self.out, "report.md")))
        self.assertEqual(os.path.dirname(self.written[names.index("report.html")]), self.out)
        # Written through a temporary file and renamed: nothing else is left behind.
        self.assertEqual(sorted(os.listdir(self.out)), sorted(names))

    def test_self_contained_and_valid(self):
        self.check_self_contained(self.text)
        self.check_html5(self.text)
        self.assertIn("Content-Security-Policy", self.text)

    def test_one_embedded_image_per_plot(self):
        self.check_images(self.text, self.written)

    @unittest.skipUnless(HAVE_DOT, "Graphviz's dot is not installed")
    def test_topology_drawn_inline(self):
        self.assertIn("<svg", self.text)
        self.assertEqual(parse_page(self.text).svgs, 1)
        svg = self.text[self.text.index("<svg"):self.text.index("</svg>")]
        for name in ("frontend", "db", "sink"):
            self.assertIn(f">{name}<", svg)
        self.assertNotIn("<!DOCTYPE svg", self.text)
        self.assertNotIn("<?xml", self.text)
        self.assertEqual(self.stderr.getvalue(), "")

    def test_slo_verdicts_from_config_and_summary(self):
        verdicts = slo_verdicts(self.text)
        for name, verdict in EXPECTED_CONFIG_SLOS.items():
            self.assertEqual(verdicts.get(name), verdict, name)
        # /summary rows whose slo_met is 0 or 1 are listed with the same verdict.
        with h5py.File(self.path, "r") as f:
            for table, what in (("components", "component"), ("classes", "request class")):
                for row in f["summary"][table][()]:
                    name = f"{row['name'].decode()} ({what})"
                    if row["slo_met"] in (0, 1):
                        self.assertEqual(verdicts.get(name),
                                         "met" if row["slo_met"] == 1 else "missed", name)
                    else:
                        self.assertNotIn(name, verdicts)
        self.assertIn('<span class="badge missed">', self.text)  # colour class and word
        self.assertIn("&#10007; missed", self.text)

    def test_metadata_and_cost(self):
        for text in ("synthetic-two-tier", "0x9e3779b97f4a7c15", "9223372036854775813",
                     "complete", "10.5 s", "1.25 s", "0.1.0", "0d465f7", "2 x 4"):
            self.assertIn(text, self.text)
        self.assertIn("$4.1/h", self.text)
        self.assertIn("$6.1/h", self.text)  # the sum of both prices
        self.assertIn('id="cost"', self.text)

    def test_text_is_escaped(self):
        self.assertIn("Two tiers &lt;behind&gt; a balancer &amp; a sink", self.text)
        self.assertNotIn("<behind>", self.text)

    def test_summary_table_per_component(self):
        section = self.text[self.text.index('id="components"'):]
        for name in ("web", "batch", "lb", "frontend", "db", "sink"):
            self.assertIn(f"<td>{name}</td>", section)
        self.assertIn("p99 (ms)", section)

    def test_cli_lists_report_html(self):
        out = os.path.join(self.tmp.name, "cli")
        done = subprocess.run([sys.executable, SCRIPT, self.path, "-o", out],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(os.path.join(out, "report.html"), done.stdout.splitlines())

    def test_rewrite_replaces_the_page(self):
        out = os.path.join(self.tmp.name, "again")
        os.makedirs(out)
        with open(os.path.join(out, "report.html"), "w", encoding="utf-8") as old:
            old.write("old page")
        write_report(self.path, out)
        with open(os.path.join(out, "report.html"), encoding="utf-8") as page:
            self.assertTrue(page.read().startswith("<!DOCTYPE html>"))
        self.assertFalse([n for n in os.listdir(out) if n.endswith(".tmp")])


class VariantsTest(SelfContainedPageMixin, unittest.TestCase):
    """No dot, no topology, a recorded /slo table, sweeps."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def report(self, path, name):
        """write_report into a fresh directory; (written paths, page text, stderr text)."""
        out = os.path.join(self.tmp.name, name)
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            written = write_report(path, out)
        with open(os.path.join(out, "report.html"), encoding="utf-8") as page:
            return written, page.read(), stderr.getvalue()

    def test_without_dot_the_page_says_so(self):
        path = os.path.join(self.tmp.name, "nodot.h5")
        write_run(path)
        empty = os.path.join(self.tmp.name, "empty-path")
        os.makedirs(empty, exist_ok=True)
        with mock.patch.dict(os.environ, {"PATH": empty}):
            written, text, stderr = self.report(path, "nodot")
        self.assertIn("warning", stderr)
        self.assertIn("dot", stderr)
        self.assertNotIn("<svg", text)
        self.assertIn("graphviz", text)
        # The DOT source, escaped, in place of the drawing.
        self.assertIn(html.escape('"frontend" -> "db"', quote=True), text)
        self.check_self_contained(text)
        self.check_html5(text)
        self.check_images(text, written)

    def test_without_topology_the_section_is_skipped(self):
        path = os.path.join(self.tmp.name, "notopology.h5")
        write_run(path, topology=False)
        _, text, stderr = self.report(path, "notopology")
        self.assertNotIn('id="topology"', text)
        self.assertNotIn("<svg", text)
        self.assertEqual(stderr, "")

    def test_recorded_slo_table_wins(self):
        slo = np.array([(b"latency", b"done.p99_latency_s", b"< 10ms", 0.02, 0),
                        (b"throughput", b"done.throughput_per_s", b">= 100/s", 333.3, 1)],
                       dtype=[("name", "S32"), ("metric", "S32"), ("target", "S16"),
                              ("value", "<f8"), ("met", "i1")])
        path = os.path.join(self.tmp.name, "slo.h5")
        write_run(path, slo_table=slo)
        _, text, _ = self.report(path, "slo")
        verdicts = slo_verdicts(text)
        self.assertEqual(verdicts.get("latency"), "missed")
        self.assertEqual(verdicts.get("throughput"), "met")
        self.assertNotIn("frontend p99", verdicts)  # the config's SLOs give way to /slo
        self.assertIn("20 ms", text)

    def test_synthetic_sweep_tables_and_plots(self):
        path = os.path.join(self.tmp.name, "sweep_table.h5")
        write_synthetic(path, n_requests=500, with_sweep=True)
        written, text, _ = self.report(path, "sweep_table")
        self.check_self_contained(text)
        self.check_html5(text)
        self.check_images(text, written)
        self.assertIn('id="sweep-points"', text)
        self.assertIn("pareto_cost_p99.png", text)

    def test_sweep_file_page(self):
        path = os.path.join(self.tmp.name, "sweep.h5")
        facts = write_sweep_file(path)
        written, text, stderr = self.report(path, "sweep")
        self.check_self_contained(text)
        self.check_html5(text)
        self.check_images(text, written)
        self.assertGreaterEqual(len([p for p in written if p.endswith(".png")]), 2)
        self.assertNotIn('id="topology"', text)
        self.assertEqual(stderr, "")
        self.assertIn("synthetic-capacity", text)
        self.assertIn(f"{facts['feasible']} of {facts['points']} points feasible", text)
        self.assertIn(f"#{facts['optimum']}", text)
        self.assertEqual(slo_verdicts(text), {"p99 end-to-end": "met"})
        self.assertIn('class="optimum"', text)


class TargetTest(unittest.TestCase):
    """SLO targets read as the simulator reads them (models/patterns/slo.cpp)."""

    def test_parse_target(self):
        cases = {"< 50ms": ("<", 0.05), ">= 1000/s": (">=", 1000.0),
                 ">= 1000000/h": (">=", 1e6 / 3600), ">= 80%": (">=", 0.8),
                 "< $1": ("<", 1.0), "<= 2.5": ("<=", 2.5), "> 2min": (">", 120.0),
                 "< 100us": ("<", 1e-4), "< 2s": ("<", 2.0)}
        for text, (op, value) in cases.items():
            parsed = report_html.parse_target(text)
            self.assertEqual(parsed[0], op, text)
            self.assertAlmostEqual(parsed[1], value, places=12, msg=text)
        for bad in ("50ms", "< fast", "< 5 parsecs"):
            with self.assertRaises(ValueError):
                report_html.parse_target(bad)

    def test_verdicts_and_values(self):
        self.assertTrue(report_html.target_met("<", 0.05, 0.01))
        self.assertFalse(report_html.target_met("<", 0.05, 0.05))
        self.assertTrue(report_html.target_met("<=", 0.05, 0.05))
        self.assertFalse(report_html.target_met(">=", 0.8, float("nan")))
        self.assertEqual(report_html.format_slo_value(0.0123, "< 50ms"), "12.3 ms")
        self.assertEqual(report_html.format_slo_value(0.9991, ">= 95%"), "99.9%")
        self.assertEqual(report_html.format_slo_value(2.0, ">= 1000/h"), "7200/h")


class ResourcesSectionTest(unittest.TestCase):
    def test_totals_and_per_component_figures_in_gb(self):
        from types import SimpleNamespace
        r = SimpleNamespace(meta={"gpus": 2, "gpu_memory_bytes": 13.3e9, "gpu_capacity_bytes": 32e9,
                                  "host_memory_bytes": 21.9e9, "redis_nodes": 12,
                                  "redis_memory_bytes": 0.645e9},
                            components={"pool": {"gpu_memory_per_gpu_bytes": 6.65e9,
                                                 "host_memory_per_replica_bytes": 8.8e9},
                                        "store": {"memory_per_shard_bytes": 5.4e7}})
        page = report_html.resources_section(r)
        self.assertIn("13.3 GB of 32 GB HBM in use (42%)", page)
        self.assertIn("data on 12 nodes", page)
        self.assertIn("6.65 GB", page)
        self.assertIn("0.054 GB", page)
        # A file without the attributes (older runs, sweeps) gets no section.
        self.assertEqual(report_html.resources_section(SimpleNamespace(meta={}, components={})), "")


if __name__ == "__main__":
    unittest.main()
