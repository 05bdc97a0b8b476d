#!/usr/bin/env python3
"""Per-source compile commands from a unity build's compile_commands.json.

A unity build compiles eight sources per compiler run, so CMake's compile database names only
the generated unity_N_cxx.cxx files. clang-tidy must see each source as its own translation unit
(a missing include hidden by an earlier source in the batch is a real defect), so this writes a
database with one entry per source, each with the command of the batch that includes it.

  per_file_compile_db.py BUILD_DIR OUT_DIR

Entries that are not unity batches are copied unchanged. Exit status 0, or 1 with the reason."""
import json
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def sources_of(unity_file):
    with open(unity_file, encoding="utf-8") as f:
        return [m.group(1) for m in map(INCLUDE.match, f) if m]


def expand(entry):
    path = entry["file"]
    if not re.search(r"/Unity/unity_\d+_\w+\.\w+$", path):
        return [entry]
    out = []
    for source in sources_of(path):
        e = dict(entry, file=source)
        if "command" in e:
            e["command"] = e["command"].replace(path, source)
        if "arguments" in e:
            e["arguments"] = [source if a == path else a for a in e["arguments"]]
        e.pop("output", None)
        out.append(e)
    return out


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 1
    db = os.path.join(argv[1], "compile_commands.json")
    try:
        with open(db, encoding="utf-8") as f:
            entries = json.load(f)
    except (OSError, ValueError) as err:
        sys.stderr.write(f"{db}: {err}\n")
        return 1
    expanded = [e for entry in entries for e in expand(entry)]
    os.makedirs(argv[2], exist_ok=True)
    target = os.path.join(argv[2], "compile_commands.json")
    with open(target + ".tmp", "w", encoding="utf-8") as f:
        json.dump(expanded, f, indent=1)
    os.replace(target + ".tmp", target)
    print(f"{target}: {len(expanded)} sources from {len(entries)} compile commands")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
