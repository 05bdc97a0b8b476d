#!/usr/bin/env python3
"""One name per statistic everywhere. For every example and template in configs/, run it with
--json and -o, and check that
  - each component's statistics in --json (numbers and texts) are the attributes of its HDF5
    group /components/NAME, with the same values, and nothing else is there (type, lp and
    interval_s aside);
  - its tables (arrays of objects in --json) are the HDF5 groups of the same name, column by
    column;
  - every headline metric NAME.k in --json's `metrics` is the statistic k of component NAME (or
    a table cell NAME.<row>.<column>), with the same value;
and, with --replications 2 on the examples, that every numeric statistic of every component is a
metric NAME.k there; and that a sweep collects the same metrics, in the same order, on the des
and the mc backend (cascade template, M/M/c example: every component fits the kernel). Prints the
list of names it compared."""
import argparse
import glob
import json
import math
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--scalesim", required=True)
parser.add_argument("--source", required=True)
args = parser.parse_args()

RUN_KEYS = {"name", "type", "events"}
GROUP_ONLY = {"type", "lp", "interval_s"}
failures = []


def same(a, b):
    # JSON has no infinity or NaN: --json writes null where HDF5 holds a non-finite number.
    def missing(x):
        return x is None or (isinstance(x, float) and not math.isfinite(x))
    if missing(a) or missing(b):
        return missing(a) and missing(b)
    return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)


def decoded(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray):
        return [decoded(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        return v.item()
    return v


def table_metrics(name, key, rows):
    """NAME.<prefix><row>.<column> for every cell: the prefix is unknown here, so yield suffixes."""
    out = {}
    for row in rows:
        label = next(iter(row.values()))
        for col, v in list(row.items())[1:]:
            out[f"{label}.{col}"] = v
    return out


compared = set()
configs = sorted(glob.glob(os.path.join(args.source, "configs/examples/*.yaml")) +
                 glob.glob(os.path.join(args.source, "configs/patterns/*.yaml")))
with tempfile.TemporaryDirectory() as tmp:
    for config in configs:
        label = os.path.relpath(config, args.source)
        h5 = os.path.join(tmp, "out.h5")
        res = subprocess.run([args.scalesim, "run", config, "--json", "-o", h5],
                             capture_output=True, text=True, timeout=600)
        if res.returncode not in (0, 2):  # 2: an SLO missed, still a complete report
            failures.append(f"{label}: rc {res.returncode}: {res.stderr[-400:]}")
            continue
        out = json.loads(res.stdout)
        with h5py.File(h5, "r") as f:
            for comp in out["components"]:
                name = comp["name"]
                group = f["components"][name]
                attrs = {k: decoded(v) for k, v in group.attrs.items() if k not in GROUP_ONLY}
                stats = {k: v for k, v in comp.items() if k not in RUN_KEYS and
                         not isinstance(v, (list, dict))}
                tables = {k: v for k, v in comp.items() if isinstance(v, list)}
                for k, v in stats.items():
                    compared.add(f"{comp['type']}.{k}")
                    if k not in attrs:
                        failures.append(f"{label}: {name}.{k} in --json, not in HDF5")
                    elif isinstance(v, str) or isinstance(attrs[k], str):
                        if v != attrs[k]:
                            failures.append(f"{label}: {name}.{k}: {v!r} vs HDF5 {attrs[k]!r}")
                    elif not same(v, attrs[k]):
                        failures.append(f"{label}: {name}.{k}: {v} vs HDF5 {attrs[k]}")
                for k in attrs:
                    if k not in stats:
                        failures.append(f"{label}: {name}: HDF5 attribute {k} not in --json")
                for k, rows in tables.items():
                    if k not in group:
                        failures.append(f"{label}: {name}.{k}: a --json table without HDF5 group")
                        continue
                    for col in (list(rows[0].keys())[1:] if rows else []):
                        col_json = [r[col] for r in rows]
                        col_h5 = decoded(group[k][col][()])
                        if len(col_json) != len(col_h5) or \
                                not all(same(a, b) for a, b in zip(col_json, col_h5)):
                            failures.append(f"{label}: {name}.{k}.{col}: {col_json} vs {col_h5}")
                # The headline metrics of this component are its statistics.
                cells = {}
                for k, rows in tables.items():
                    cells.update(table_metrics(name, k, rows))
                for metric, v in out["metrics"].items():
                    if not metric.startswith(name + "."):
                        continue
                    key = metric[len(name) + 1:]
                    if key in stats:
                        ok = same(v, stats[key])
                    else:
                        match = [c for c in cells if key.endswith(c)]
                        ok = bool(match) and same(v, cells[match[0]])
                    if not ok:
                        failures.append(f"{label}: metric {metric} = {v} is no statistic of {name}")
        if "/examples/" in config:
            res = subprocess.run([args.scalesim, "run", config, "--json", "--replications", "2"],
                                 capture_output=True, text=True, timeout=600)
            if res.returncode not in (0, 2):
                failures.append(f"{label}: --replications rc {res.returncode}")
                continue
            names = {m["name"] for m in json.loads(res.stdout)["metrics"]}
            for comp in out["components"]:
                for k, v in comp.items():
                    if k in RUN_KEYS or isinstance(v, (str, list, dict, bool)):
                        continue
                    if f"{comp['name']}.{k}" not in names:
                        failures.append(f"{label}: {comp['name']}.{k} is no --replications metric")


def sweep_metrics(base, backend, tmp):
    spec = os.path.join(tmp, "names.yaml")
    with open(spec, "w", encoding="utf-8") as f:
        f.write(f"name: names\nbase: {base}\nset: {{end.time: 20s, warmup: 10s}}\n"
                "design: list\nseed: 1\nreplications: 1\nparameters:\n"
                "  - {path: seed, values: [1]}\n")
    out = os.path.join(tmp, f"names-{backend}.h5")
    res = subprocess.run([args.scalesim, "sweep", spec, "--backend", backend, "-o", out],
                         capture_output=True, text=True, timeout=600)
    if res.returncode != 0:
        failures.append(f"sweep {base} --backend {backend}: rc {res.returncode}: {res.stderr}")
        return []
    with h5py.File(out, "r") as f:
        return [decoded(m) for m in f["sweep"]["metric_names"][()]]


with tempfile.TemporaryDirectory() as tmp:
    for base in ["configs/patterns/cascade.yaml", "configs/examples/mmc_window.yaml"]:
        path = os.path.join(args.source, base)
        des, mc = sweep_metrics(path, "des", tmp), sweep_metrics(path, "mc", tmp)
        if not des or des != mc:
            failures.append(f"{base}: sweep metrics differ: des {des} vs mc {mc}")

print(f"compared {len(compared)} statistic names over {len(configs)} configs:")
print("  " + " ".join(sorted(compared)))
for f in failures[:50]:
    print("FAIL", f)
print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
