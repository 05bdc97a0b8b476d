#!/usr/bin/env python3
"""Checks that an instruction-set build of the mc kernel (mc_cpu_<isa>.cpp's object) defines no
weak or unique symbol outside its own namespace: such a symbol is an inline function or template
compiled for that instruction set under a name the portable build shares, and the linker may
keep that copy for every caller.

usage: check_isa_symbols.py ISA OBJECT...   (the objects of scalesim_mc; the one named
mc_cpu_<ISA>.cpp.o is checked)
"""
import os
import subprocess
import sys


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    isa = sys.argv[1]
    objects = [o for o in sys.argv[2:] if os.path.basename(o).startswith(f"mc_cpu_{isa}.")]
    if len(objects) != 1:
        print(f"expected one mc_cpu_{isa} object among {sys.argv[2:]}", file=sys.stderr)
        return 1
    out = subprocess.run(["nm", "-C", "--defined-only", objects[0]], check=True,
                         capture_output=True, text=True).stdout
    own = f"::{isa}::"
    in_namespace = 0
    stray = []
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) != 3:
            continue
        kind, name = parts[1], parts[2]
        if kind not in ("W", "w", "V", "v", "u"):
            continue
        if name.startswith("DW.ref."):  # a pointer to the exception personality: data, not code
            continue
        if own in name:
            in_namespace += 1
        else:
            stray.append(f"{kind} {name}")
    if stray:
        print(f"{objects[0]}: weak symbols outside {own}:", *stray, sep="\n  ", file=sys.stderr)
        return 1
    if in_namespace == 0:
        print(f"{objects[0]}: no weak symbol in {own} at all (is the kernel in it?)",
              file=sys.stderr)
        return 1
    print(f"{objects[0]}: {in_namespace} weak symbols, all in {own}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
