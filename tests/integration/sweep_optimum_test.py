#!/usr/bin/env python3
"""The shipped capacity question (configs/sweeps/cascade_*.yaml): on the coarse 36-point grid the
mc kernel finds the same optimum as full simulations (des); the 1,200-point x 10-replication fine
grid, which holds every coarse configuration, finds one no dearer, and full simulations of that
configuration confirm it is feasible. Wall times are printed, not asserted (bench/RESULTS.md
records them).

Environment: SCALESIM (binary), SOURCE_DIR."""
import json
import os
import subprocess
import sys
import tempfile

SCALESIM = os.environ["SCALESIM"]
SWEEPS = os.path.join(os.environ["SOURCE_DIR"], "configs", "sweeps")


def optimum(spec, backend, out):
    p = subprocess.run([SCALESIM, "sweep", spec, "--backend", backend, "--threads", "2",
                        "--device", "cpu", "-o", out, "--json"], capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        sys.exit(f"{spec} {backend}: exit {p.returncode}: {p.stderr}")
    j = json.loads(p.stdout)
    print(f"{os.path.basename(spec)} on {backend}: {j['points']} points x {j['replications']} replications in "
          f"{j['wall_seconds']:.1f} s: {j['optimum_text']}")
    if j["optimum"] is None:
        sys.exit(f"{spec} {backend}: no feasible point")
    return {k: float(v) for k, v in j["optimum"]["values"].items()}, j["optimum"]["mean"]["cost.per_hour"]


def one_point(tmp, values):
    """cascade_des.yaml narrowed to one configuration, as a sweep spec in tmp."""
    lines = []
    with open(os.path.join(SWEEPS, "cascade_des.yaml")) as f:
        for line in f:
            if line.startswith("base: "):
                line = "base: " + os.path.join(SWEEPS, line.split(":", 1)[1].strip()) + "\n"
            if line.startswith("  - {path: "):
                continue
            lines.append(line)
            if line.startswith("parameters:"):
                lines += [f"  - {{path: {k}, values: [{v:g}]}}\n" for k, v in values.items()]
    path = os.path.join(tmp, "one_point.yaml")
    with open(path, "w") as f:
        f.writelines(lines)
    return path


with tempfile.TemporaryDirectory() as tmp:
    des, des_cost = optimum(os.path.join(SWEEPS, "cascade_des.yaml"), "des", os.path.join(tmp, "des.json"))
    mc_coarse, _ = optimum(os.path.join(SWEEPS, "cascade_des.yaml"), "mc", os.path.join(tmp, "mc_coarse.json"))
    mc_fine, fine_cost = optimum(os.path.join(SWEEPS, "cascade_mc.yaml"), "mc", os.path.join(tmp, "mc_fine.json"))
    failures = []
    if mc_coarse != des:
        failures.append(f"coarse grid: mc optimum {mc_coarse} != des optimum {des}")
    # The fine grid holds every coarse configuration (the template runs 2 instances per GPU), so
    # its optimum costs no more; and what mc calls feasible there, full simulations confirm.
    if fine_cost > des_cost + 1e-9:
        failures.append(f"fine grid optimum costs {fine_cost}/h, more than the coarse one's {des_cost}/h")
    confirmed, _ = optimum(one_point(tmp, mc_fine), "des", os.path.join(tmp, "confirm.json"))
    if confirmed != mc_fine:
        failures.append(f"fine grid optimum {mc_fine} not confirmed by des: {confirmed}")
if failures:
    sys.exit("\n".join(failures))
print("same optimum on the coarse grid:", des, "; fine grid optimum confirmed by des:", mc_fine)
