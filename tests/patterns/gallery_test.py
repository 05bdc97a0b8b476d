#!/usr/bin/env python3
"""The template gallery: `scalesim templates`, `scalesim new`, knobs and `scalesim show`.

- templates: `--json` lists exactly the ten patterns (kind pattern) and the four composites (kind
  composite), each with a title, a purpose, use cases and SLOs; every composite combines at
  least two of the ten patterns; the text form names every template.
- new: the copy of every template runs to the template's own result_hash; its knobs block holds
  every knob line of the template, grouped under `# --- group ---` headings in the order traffic,
  hardware, replicas, thresholds; the rest of the file is the template's, unchanged.
- knobs: every knob's anchor is used below the knobs block; `--set knobs.K=V` on a knob used in
  several places equals setting each use by its component path, and one path alone differs.
- errors: an unknown template exits 2 with a suggestion; an existing -o file is kept (exit 2).
- show: a config's DOT names every component and draws every configured connection, with no
  arrow to or from an unknown node; -o FILE.svg is well-formed SVG naming every component; an
  unknown extension exits 2; a run's HDF5 is drawn with utilisation (in agreement with the run's
  JSON), throughput, p99 and fill colours; a missing HDF5 file fails naming it.
Environment: SCALESIM (the binary) and SOURCE_DIR (the source tree). Exit 1 listing failures.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

import yaml

scalesim = os.environ["SCALESIM"]
source = os.environ["SOURCE_DIR"]
failures = []
started = time.monotonic()

PATTERNS = ["batch_prediction", "cascade", "continuous_training", "ensemble", "feature_store",
            "federated_learning", "ml_pipeline", "model_versioning", "multimodal",
            "transfer_learning"]
COMPOSITES = ["content_platform", "ecommerce", "financial_services", "healthcare"]
GROUPS = ["traffic", "hardware", "replicas", "thresholds"]
work = tempfile.mkdtemp(prefix="scalesim-gallery-")


def cli(*argv):
    return subprocess.run([scalesim, *argv], capture_output=True, text=True, timeout=300)


def run_hash(config, *extra):
    p = cli("run", config, "--json", *extra)
    if p.returncode != 0:
        failures.append(f"run {config} {' '.join(extra)}: exit {p.returncode}\n{p.stderr[-1500:]}")
        return None
    return json.loads(p.stdout)["result_hash"]


def template_path(name):
    folder = "patterns" if name in PATTERNS else "composites"
    return os.path.join(source, "configs", folder, name + ".yaml")


def knobs_block(lines):
    """(first, end): the index of the `knobs:` line and of the first line after its block (the
    first line that is neither empty, indented nor a comment)."""
    first = lines.index("knobs:")
    end = first + 1
    while end < len(lines) and (not lines[end] or lines[end][0] in " #"):
        end += 1
    return first, end


KNOB = re.compile(r"^\s+([A-Za-z_][\w-]*):\s*&([\w-]+)\s+(.*?)\s+#\s+(\w+)")


def knob_lines(lines):
    """The knob lines (not blank, not comments) of a file's knobs block."""
    first, end = knobs_block(lines)
    return [l for l in lines[first + 1:end] if l.strip() and not l.strip().startswith("#")]


def targets(node, names):
    """The components a component's config sends to: every `to:` and `component:` naming one."""
    out = set()
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("to", "component") and isinstance(v, str) and v in names:
                out.add(v)
            else:
                out |= targets(v, names)
    elif isinstance(node, list):
        for v in node:
            out |= targets(v, names)
    return out


# --- (a) scalesim templates ----------------------------------------------------------------------
p = cli("templates", "--json")
gallery = {}
if p.returncode != 0:
    failures.append(f"templates --json: exit {p.returncode}\n{p.stderr}")
else:
    entries = json.loads(p.stdout)
    gallery = {e["name"]: e for e in entries}
    if len(gallery) != len(entries):
        failures.append(f"templates --json: a name listed twice: {[e['name'] for e in entries]}")
    kinds = {e["name"]: e["kind"] for e in entries}
    expected = {**{n: "pattern" for n in PATTERNS}, **{n: "composite" for n in COMPOSITES}}
    if kinds != expected:
        failures.append(f"templates --json: listed {kinds}, expected {expected}")
    for e in entries:
        n = e["name"]
        for key in ("title", "purpose", "path"):
            if not isinstance(e.get(key), str) or not e[key].strip():
                failures.append(f"templates --json: {n} has no {key}")
        if not e.get("use_cases") or not all(u.strip() for u in e["use_cases"]):
            failures.append(f"templates --json: {n} lists no use case")
        if not e.get("slos") or not all(s.get("name") and s.get("metric") and s.get("target")
                                        for s in e["slos"]):
            failures.append(f"templates --json: {n} lists no SLO (or one without name, metric, "
                            f"target): {e.get('slos')}")
        if n in expected and os.path.realpath(e.get("path", "")) != os.path.realpath(template_path(n)):
            failures.append(f"templates --json: {n} at {e.get('path')}, expected {template_path(n)}")
        if e["kind"] == "composite":
            combined = set(e.get("patterns", []))
            if len(combined & set(PATTERNS)) < 2 or not combined <= set(PATTERNS):
                failures.append(f"templates --json: composite {n} combines {e.get('patterns')}, "
                                f"not two or more of the ten patterns")
        elif e.get("patterns") != [n]:
            failures.append(f"templates --json: pattern {n} lists patterns {e.get('patterns')}")
p = cli("templates")
if p.returncode != 0:
    failures.append(f"templates: exit {p.returncode}\n{p.stderr}")
else:
    for n in PATTERNS + COMPOSITES:
        if not re.search(r"\b" + n + r"\b", p.stdout):
            failures.append(f"templates: the text list does not name {n}")
print(f"templates: {len(gallery)} listed")

# --- (b) scalesim new: the copy runs like the template, its knobs grouped ------------------------
for n in PATTERNS + COMPOSITES:
    path = template_path(n)
    copy = os.path.join(work, n + ".yaml")
    p = cli("new", n, "-o", copy)
    if p.returncode != 0 or not os.path.exists(copy):
        failures.append(f"new {n}: exit {p.returncode}\n{p.stderr}")
        continue
    original = open(path).read().splitlines()
    copied = open(copy).read().splitlines()
    if not copied or f"scalesim new {n}" not in copied[0]:
        failures.append(f"new {n}: the copy does not open with a header naming the template")
    # Outside the knobs block the copy is the template, below a header of comments.
    o_first, o_end = knobs_block(original)
    c_first, c_end = knobs_block(copied)
    header = copied[:c_first - o_first]
    if copied[c_first - o_first:c_first] != original[:o_first] or \
            not all(l.startswith("#") for l in header):
        failures.append(f"new {n}: the lines above `knobs:` are not the template's below a header")
    if copied[c_end:] != original[o_end:]:
        failures.append(f"new {n}: the lines below the knobs block differ from the template's")
    # The knobs block: headings in the fixed group order, each knob under its own group.
    heading = None
    seen_headings = []
    grouped = []
    for line in copied[c_first + 1:c_end]:
        m = re.fullmatch(r"\s+# --- (\w+) ---", line)
        if m:
            heading = m.group(1)
            seen_headings.append(heading)
            continue
        if not line.strip():
            continue
        k = KNOB.match(line)
        if not k:
            failures.append(f"new {n}: unexpected line in the knobs block: {line!r}")
            continue
        grouped.append(line)
        if k.group(4) != heading:
            failures.append(f"new {n}: knob '{k.group(1)}' ({k.group(4)}) under heading {heading}")
    if seen_headings != [g for g in GROUPS if g in seen_headings] or \
            len(set(seen_headings)) != len(seen_headings) or not seen_headings:
        failures.append(f"new {n}: headings {seen_headings}, expected a subset of {GROUPS} in order")
    template_knobs = knob_lines(original)
    if sorted(grouped) != sorted(template_knobs):
        missing = sorted(set(template_knobs) - set(grouped))
        extra = sorted(set(grouped) - set(template_knobs))
        failures.append(f"new {n}: knob lines missing {missing}, extra {extra}")
    for line in template_knobs:
        if not KNOB.match(line) or KNOB.match(line).group(4) not in GROUPS:
            failures.append(f"{n}: knob line without an anchor and a group comment: {line!r}")
    # (c) every knob is used below the block.
    below = "\n".join(original[o_end:])
    for line in template_knobs:
        k = KNOB.match(line)
        if k and not re.search(r"\*" + re.escape(k.group(2)) + r"(?![\w-])", below):
            failures.append(f"{n}: knob '{k.group(1)}' (&{k.group(2)}) is never used below the knobs")
    h_template = run_hash(path)
    h_copy = run_hash(copy)
    if h_template is None or h_template != h_copy:
        failures.append(f"new {n}: the copy's result_hash {h_copy}, the template's {h_template}")
    print(f"new {n}: {len(grouped)} knobs under {seen_headings}, hash {h_copy}"
          f"{'' if h_copy == h_template else ' (template ' + str(h_template) + ')'}")

# --- (c) one knob used in several places: --set knobs.K equals setting every use -----------------
KNOB_TEMPLATE, KNOB_NAME, KNOB_VALUE = "multimodal", "encoder_max_queue_delay", "5ms"
path = template_path(KNOB_TEMPLATE)
root = yaml.compose(open(path))


def mapping(node):
    return {k.value: v for k, v in node.value} if isinstance(node, yaml.MappingNode) else {}


knob_node = mapping(mapping(root)["knobs"])[KNOB_NAME]
uses = []


def find_uses(node, trail):
    for key, child in (mapping(node).items() if isinstance(node, yaml.MappingNode) else []):
        if child is knob_node:
            uses.append(".".join(trail + [key]))
        else:
            find_uses(child, trail + [key])


find_uses(mapping(root)["components"], ["components"])
if len(uses) < 2:
    failures.append(f"{KNOB_TEMPLATE}: knob {KNOB_NAME} used at {uses}, expected several places")
else:
    by_knob = run_hash(path, "--set", f"knobs.{KNOB_NAME}={KNOB_VALUE}")
    every = [a for u in uses for a in ("--set", f"{u}={KNOB_VALUE}")]
    by_paths = run_hash(path, *every)
    one = run_hash(path, "--set", f"{uses[0]}={KNOB_VALUE}")
    shipped = run_hash(path)
    print(f"knob {KNOB_TEMPLATE}.{KNOB_NAME}={KNOB_VALUE} at {uses}: knobs.{KNOB_NAME} {by_knob}, "
          f"every path {by_paths}, {uses[0]} alone {one}, as shipped {shipped}")
    if by_knob is None or by_knob != by_paths:
        failures.append(f"knobs.{KNOB_NAME}={KNOB_VALUE} gives {by_knob}, setting each of {uses} "
                        f"gives {by_paths}")
    if one in (by_knob, by_paths, shipped):
        failures.append(f"{uses[0]}={KNOB_VALUE} alone gives {one}: the same as setting every use "
                        f"({by_knob}) or none ({shipped})")
    if by_knob == shipped:
        failures.append(f"knobs.{KNOB_NAME}={KNOB_VALUE} changed nothing ({shipped})")

# --- (d) errors of `scalesim new` ---------------------------------------------------------------
p = cli("new", "cascde", "-o", os.path.join(work, "typo.yaml"))
if p.returncode != 2 or "did you mean 'cascade'" not in p.stderr or \
        os.path.exists(os.path.join(work, "typo.yaml")):
    failures.append(f"new cascde: exit {p.returncode}: {p.stderr}")
existing = os.path.join(work, "existing.yaml")
with open(existing, "w") as f:
    f.write("# mine, keep it\n")
p = cli("new", "cascade", "-o", existing)
if p.returncode != 2 or open(existing).read() != "# mine, keep it\n" or "--force" not in p.stderr:
    failures.append(f"new cascade -o EXISTING: exit {p.returncode}, file now "
                    f"{open(existing).read()[:80]!r}: {p.stderr}")
p = cli("new", "cascade", "-o", existing, "--force")
if p.returncode != 0 or "scalesim new cascade" not in open(existing).readline():
    failures.append(f"new cascade -o EXISTING --force: exit {p.returncode}: {p.stderr}")

# --- (e) scalesim show -------------------------------------------------------------------------
NODE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)"\s*\[label=')
EDGE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)"\s*->\s*"((?:[^"\\]|\\.)*)"')


def parse_dot(text):
    nodes, edges = {}, set()
    for line in text.splitlines():
        if m := EDGE.match(line):
            edges.add((m.group(1), m.group(2)))
        elif m := NODE.match(line):
            nodes[m.group(1)] = line
    return nodes, edges


for n in ("feature_store", "ecommerce"):
    path = template_path(n)
    components = yaml.safe_load(open(path))["components"]
    p = cli("show", path)
    if p.returncode != 0 or not p.stdout.lstrip().startswith("digraph"):
        failures.append(f"show {n}: exit {p.returncode}: {p.stderr}")
        continue
    nodes, edges = parse_dot(p.stdout)
    if set(nodes) != set(components):
        failures.append(f"show {n}: nodes {sorted(nodes)}, components {sorted(components)}")
    for a, b in sorted(edges):
        if a not in nodes or b not in nodes:
            failures.append(f"show {n}: arrow {a} -> {b} to or from an undrawn node")
    for name, c in components.items():
        for t in targets(c, components):
            if t != name and (name, t) not in edges:
                failures.append(f"show {n}: no arrow {name} -> {t} (configured)")
    svg = os.path.join(work, n + ".svg")
    p = cli("show", path, "-o", svg)
    if p.returncode != 0 or not os.path.exists(svg):
        failures.append(f"show {n} -o {n}.svg: exit {p.returncode}: {p.stderr}")
    else:
        try:
            tree = ET.parse(svg)
            if not tree.getroot().tag.endswith("svg"):
                failures.append(f"show {n} -o {n}.svg: the root element is {tree.getroot().tag}")
            texts = {t.strip() for t in tree.getroot().itertext() if t.strip()}
            for name in components:
                if name not in texts:
                    failures.append(f"show {n} -o {n}.svg: no text names {name}")
        except ET.ParseError as e:
            failures.append(f"show {n} -o {n}.svg: not well-formed XML: {e}")
    print(f"show {n}: {len(nodes)} nodes, {len(edges)} arrows, SVG {os.path.getsize(svg) if os.path.exists(svg) else 0} bytes")

bad = os.path.join(work, "x.txt")
p = cli("show", template_path("ecommerce"), "-o", bad)
if p.returncode != 2 or os.path.exists(bad):
    failures.append(f"show -o x.txt: exit {p.returncode} (expected 2), file written: "
                    f"{os.path.exists(bad)}: {p.stderr}")

# A run's drawing: utilisation, throughput and p99 from the run itself.
h5 = os.path.join(work, "r.h5")
p = cli("run", template_path("feature_store"), "-o", h5, "--json")
if p.returncode != 0:
    failures.append(f"run feature_store -o r.h5: exit {p.returncode}: {p.stderr}")
else:
    run_json = json.loads(p.stdout)
    comps = {c["name"]: c for c in run_json["components"]}
    drawn = os.path.join(work, "r.dot")
    p = cli("show", h5, "-o", drawn)
    if p.returncode != 0 or not os.path.exists(drawn):
        failures.append(f"show r.h5 -o r.dot: exit {p.returncode}: {p.stderr}")
    else:
        nodes, edges = parse_dot(open(drawn).read())
        if set(nodes) != set(comps):
            failures.append(f"show r.h5: nodes {sorted(nodes)}, the run's components {sorted(comps)}")
        for name in ("ranker", "features"):
            line = nodes.get(name, "")
            if "busy" not in line or "p99" not in line or "fillcolor=" not in line:
                failures.append(f"show r.h5: the {name} node lacks busy, p99 or a fill colour: {line}")
        ranker = nodes.get("ranker", "")
        u = comps["ranker"]["utilisation"]
        busy = re.search(r"(\d+)% busy", ranker)
        if not busy or busy.group(1) != f"{u * 100:.0f}":
            failures.append(f"show r.h5: ranker drawn {busy.group(0) if busy else 'without % busy'}, "
                            f"the run's utilisation {u:.4f}")
        # The colour's hue runs from 0.33 (idle) to 0 (saturated) with the utilisation.
        hue = re.search(r'fillcolor="([\d.]+) [\d.]+ [\d.]+"', ranker)
        if not hue or abs(float(hue.group(1)) - (1 - u) * 0.33) > 0.0006:
            failures.append(f"show r.h5: ranker fill colour {hue.group(1) if hue else None} for "
                            f"utilisation {u:.4f}")
        p99 = re.search(r"p99 ([\d.]+) ms", ranker)
        if not p99 or p99.group(1) != f"{comps['ranker']['p99_sojourn_s'] * 1e3:.3g}":
            failures.append(f"show r.h5: ranker {p99.group(0) if p99 else 'without a p99 in ms'}, "
                            f"the run's p99 {comps['ranker']['p99_sojourn_s']} s")
        print(f"show r.h5: ranker {busy.group(0) if busy else '?'} (run {u:.4f}), "
              f"{p99.group(0) if p99 else '?'}")

missing = os.path.join(work, "missing.h5")
p = cli("show", missing)
if p.returncode == 0 or missing not in p.stderr:
    failures.append(f"show missing.h5: exit {p.returncode}: {p.stderr}")

shutil.rmtree(work, ignore_errors=True)
took = time.monotonic() - started
print(f"gallery: {took:.1f} s")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
