#!/usr/bin/env python3
"""The shipped capacity question (configs/sweeps/cascade_*.yaml): the 1,200-point x 10-replication
cascade sweep on the mc kernel finds the same optimum as full simulations (des) on the coarser
36-point grid, and as mc on that coarse grid. Its wall time is printed, not asserted (bench/
RESULTS.md records it).

Environment: SCALESIM (binary), SOURCE_DIR."""
import json
import os
import subprocess
import sys
import tempfile

SCALESIM = os.environ["SCALESIM"]
SWEEPS = os.path.join(os.environ["SOURCE_DIR"], "configs", "sweeps")


def optimum(spec, backend, out):
    p = subprocess.run([SCALESIM, "sweep", os.path.join(SWEEPS, spec), "--backend", backend, "--threads", "2",
                        "--device", "cpu", "-o", out, "--json"], capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        sys.exit(f"{spec} {backend}: exit {p.returncode}: {p.stderr}")
    j = json.loads(p.stdout)
    print(f"{spec} on {backend}: {j['points']} points x {j['replications']} replications in "
          f"{j['wall_seconds']:.1f} s: {j['optimum_text']}")
    if j["optimum"] is None:
        sys.exit(f"{spec} {backend}: no feasible point")
    return {k: float(v) for k, v in j["optimum"]["values"].items()}


with tempfile.TemporaryDirectory() as tmp:
    des = optimum("cascade_des.yaml", "des", os.path.join(tmp, "des.json"))
    mc_coarse = optimum("cascade_des.yaml", "mc", os.path.join(tmp, "mc_coarse.json"))
    mc_fine = optimum("cascade_mc.yaml", "mc", os.path.join(tmp, "mc_fine.json"))
failures = []
if mc_coarse != des:
    failures.append(f"coarse grid: mc optimum {mc_coarse} != des optimum {des}")
for key, value in des.items():
    if mc_fine.get(key) != value:
        failures.append(f"fine grid: mc optimum {key}={mc_fine.get(key)}, des on the coarse grid {value}")
# The fine grid's own parameters: one instance per GPU is as cheap and first in grid order.
for key in ("components.fast.instances", "components.complex.instances"):
    if mc_fine.get(key) != 1:
        failures.append(f"fine grid: {key}={mc_fine.get(key)}, expected 1")
if failures:
    sys.exit("\n".join(failures))
print("same optimum:", des)
