#!/usr/bin/env python3
"""analysis/scalesim-report on real `scalesim sweep` output files of both backends: the shipped
configs/sweeps/cascade_mc.yaml (mc) and cascade_des.yaml (des), reduced to run in seconds (two
values per parameter, 2 replications, 2 s simulated), each drawn into a report whose Pareto and
heatmap PNGs must exist, be real PNGs and be linked from report.md.

Environment: SCALESIM (binary), SOURCE_DIR."""
import os
import re
import subprocess
import sys
import tempfile

SCALESIM = os.environ["SCALESIM"]
SOURCE = os.environ["SOURCE_DIR"]
REPORT = os.path.join(SOURCE, "analysis", "scalesim-report")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def reduce_spec(name, tmp):
    """The shipped spec with fewer points, runs and simulated time; same base and metrics."""
    with open(os.path.join(SOURCE, "configs", "sweeps", name), encoding="utf-8") as f:
        text = f.read()
    base = os.path.join(SOURCE, "configs", "patterns", "cascade.yaml")
    steps = [
        (r"base: \.\./patterns/cascade\.yaml", f"base: {base}"),
        (r"replications: \d+", "replications: 2"),
        (r"end\.time: \d+s", "end.time: 2s"),
        (r"range: \[([0-9.]+), ([0-9.]+)\], steps: \d+", r"values: [\1, \2]"),
        (r"values: \[([^,\]]+), ([^,\]]+)(, [^\]]+)?\]", r"values: [\1, \2]"),
    ]
    for pattern, replacement in steps:
        text, n = re.subn(pattern, replacement, text)
        if n == 0 and "range" not in pattern:
            sys.exit(f"{name}: no '{pattern}' to reduce; update this test with the spec")
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def check(name, backend, tmp, failures):
    spec = reduce_spec(name, tmp)
    out = os.path.join(tmp, f"{backend}.sweep.h5")
    p = subprocess.run([SCALESIM, "sweep", spec, "--backend", backend, "--threads", "2",
                        "--device", "cpu", "-q", "-o", out], capture_output=True, text=True,
                       timeout=600)
    if p.returncode != 0:
        failures.append(f"{name} ({backend}): sweep exit {p.returncode}: {p.stderr}")
        return
    report_dir = os.path.join(tmp, f"{backend}-report")
    p = subprocess.run([PYTHON, REPORT, out, "-o", report_dir], capture_output=True, text=True,
                       timeout=300)
    if p.returncode != 0:
        failures.append(f"{name} ({backend}): scalesim-report exit {p.returncode}: {p.stderr}")
        return
    with open(os.path.join(report_dir, "report.md"), encoding="utf-8") as f:
        markdown = f.read()
    expected = ["pareto_cost_p99.png", "heatmap_points_done.p99_latency_s.png",
                "heatmap_points_cost.per_hour.png"]
    for png in expected:
        path = os.path.join(report_dir, png)
        if not os.path.isfile(path):
            failures.append(f"{name} ({backend}): {png} not written")
            continue
        with open(path, "rb") as f:
            head = f.read(8)
        if head != PNG_SIGNATURE or os.path.getsize(path) < 5000:
            failures.append(f"{name} ({backend}): {png} is not a real plot "
                            f"({os.path.getsize(path)} bytes)")
        if f"]({png})" not in markdown:
            failures.append(f"{name} ({backend}): report.md does not link {png}")
    # Heatmaps are over the first two swept parameters, in spec order.
    if "over components.gate.threshold x components.fast.replicas" not in markdown:
        failures.append(f"{name} ({backend}): heatmap axes are not the first two parameters")
    print(f"{name} on {backend}: report with {', '.join(expected)}")


def check_llm_gpu_choice(tmp, failures):
    """The shipped LLM sweep as it is (24 full runs of the trace): the optimum it names is the
    cheapest point meeting both latency bounds, and the report draws cost against TTFT p99."""
    with open(os.path.join(SOURCE, "configs", "sweeps", "llm_gpu_choice.yaml"), encoding="utf-8") as f:
        text = f.read().replace("base: ../examples/",
                                "base: " + os.path.join(SOURCE, "configs", "examples") + "/")
    spec = os.path.join(tmp, "llm_gpu_choice.yaml")
    with open(spec, "w", encoding="utf-8") as f:
        f.write(text)
    out = os.path.join(tmp, "llm.sweep.h5")
    p = subprocess.run([SCALESIM, "sweep", spec, "-o", out], capture_output=True, text=True,
                       timeout=600)
    if p.returncode != 0:
        failures.append(f"llm_gpu_choice: sweep exit {p.returncode}: {p.stderr}")
        return
    m = re.search(r"optimum: point \d+ of \d+ \(components\.engine\.gpu=([^,]+), "
                  r"components\.engine\.replicas=(\d+)\): cost\.per_hour = ([0-9.]+)", p.stdout)
    if not m:
        failures.append(f"llm_gpu_choice: no optimum in\n{p.stdout}")
        return
    sys.path.insert(0, os.path.join(SOURCE, "analysis"))
    from scalesim_analysis import load
    points = load(out).sweep["points"]
    ok = points[(points["engine.p99_ttft_s"] <= 1.0) & (points["engine.p99_tpot_s"] <= 0.1)]
    cheapest = ok.loc[ok["cost.per_hour"].idxmin()]
    gpu = cheapest["components.engine.gpu"]
    gpu = gpu.decode() if isinstance(gpu, bytes) else gpu
    if (gpu, int(cheapest["components.engine.replicas"])) != (m.group(1), int(m.group(2))):
        failures.append(f"llm_gpu_choice: optimum {m.groups()} is not the cheapest feasible point "
                        f"({gpu}, {cheapest['components.engine.replicas']})")
    if len(ok) == len(points) or ok.empty:
        failures.append(f"llm_gpu_choice: {len(ok)} of {len(points)} points feasible: the bounds "
                        "no longer separate the points")
    report_dir = os.path.join(tmp, "llm-report")
    p = subprocess.run([PYTHON, REPORT, out, "-o", report_dir], capture_output=True, text=True,
                       timeout=300)
    png = os.path.join(report_dir, "pareto_cost_p99.png")
    if p.returncode != 0 or not os.path.isfile(png) or os.path.getsize(png) < 5000:
        failures.append(f"llm_gpu_choice: no Pareto plot ({p.returncode}: {p.stderr})")
    print(f"llm_gpu_choice: optimum {m.group(1)} x {m.group(2)} at ${m.group(3)}/h, "
          f"{len(ok)} of {len(points)} points feasible")


failures = []
with tempfile.TemporaryDirectory() as tmp:
    check("cascade_mc.yaml", "mc", tmp, failures)
    check("cascade_des.yaml", "des", tmp, failures)
    check_llm_gpu_choice(tmp, failures)
if failures:
    sys.exit("\n".join(failures))
print("ok")
