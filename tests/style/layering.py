#!/usr/bin/env python3
"""Layering: which folder may include which, one include style, and no oversized source file.

  sim/       the engine: includes only itself (public headers as "scalesim/...")
  hardware/  device predictors and the catalog: the engine and itself
  models/    components: the engine, hardware and itself
  sweep/     sweeps and the Monte Carlo kernel: all of the above
  cli/       the command line: everything

Every quoted include in these folders names its file from the project root ("models/queueing/
station.h") or, for the engine's public headers, from sim/include ("scalesim/kernel.h"), so a
reader always knows where a header lives. Exit status 0 when every rule holds; otherwise each
violation is printed as file:line: message."""
import os
import re
import subprocess
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
os.chdir(root)

ALLOWED = {
    "sim": {"sim", "scalesim"},
    "hardware": {"scalesim", "hardware"},
    "models": {"scalesim", "hardware", "models"},
    "sweep": {"scalesim", "hardware", "models", "sweep"},
    "cli": {"scalesim", "hardware", "models", "sweep", "cli"},
}
MAX_LINES = 700
GENERATED = {"sweep/mc/mc_ziggurat_tables.h", "sweep/mc/mc_log_table.h"}  # tables written by tools

files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", *ALLOWED],
                       capture_output=True, text=True, check=True).stdout.split()
include = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
problems = []
checked = 0
for path in files:
    if not re.search(r"\.(h|cpp|cu|cuh|in)$", path) or not os.path.exists(path):
        continue
    checked += 1
    layer = path.split("/", 1)[0]
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    if len(lines) > MAX_LINES and path not in GENERATED:
        problems.append(f"{path}:1: {len(lines)} lines (more than {MAX_LINES}): split it")
    for n, line in enumerate(lines, 1):
        m = include.match(line)
        if not m:
            continue
        target = m.group(1)
        top = target.split("/", 1)[0]
        if "/" not in target or top not in ALLOWED and top != "scalesim":
            problems.append(f"{path}:{n}: \"{target}\": name the header from the project root "
                            "(or as scalesim/... for the engine's public headers)")
            continue
        resolved = os.path.join("sim/include", target) if top == "scalesim" else target
        if not os.path.exists(resolved):
            problems.append(f"{path}:{n}: \"{target}\" does not exist at {resolved}")
            continue
        if top not in ALLOWED[layer]:
            problems.append(f"{path}:{n}: {layer}/ may not include {top}/ (\"{target}\")")
        if top == "sim" and layer != "sim":
            problems.append(f"{path}:{n}: \"{target}\" is private to the engine")

for p in problems:
    print(p)
print(f"layering: {checked} files checked, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
