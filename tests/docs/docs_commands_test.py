#!/usr/bin/env python3
"""Every shell command shown in the documentation that can run here, run.

Reads the fenced code blocks marked sh/bash/shell/console in README.md, the folder READMEs and
docs/*.md; joins backslash continuations and drops trailing comments. A command that starts with
the scalesim binary (`scalesim` or `build/default/cli/scalesim`) or `analysis/scalesim-report`
runs with the built binary put in, in a scratch folder that sees the repository's configs/,
data/ and analysis/ (and an empty docs/, so nothing is written into the repository), with a
timeout; the commands of one file run in order, so a report can read the results file an
earlier command wrote. Sweep specs shown as yaml blocks (`base:` and `parameters:`) run too,
reduced to a few short runs. Every other command must match SKIPPED below, which says why it cannot
run here; a command that is neither fails the test, as does a command that exits non-zero
(naming the doc file and line).

  docs_commands_test.py --scalesim BIN [--source DIR]"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
import time

SHELL_LANGUAGES = {"sh", "bash", "shell", "console"}
TIMEOUT_S = 120

# (regular expression on the command, why it is not run here)
SKIPPED = [
    (r"^\./(run|test)\.sh\b", "sets up, builds and tests the whole project (ctest runs inside it)"),
    (r"^(cmake|ctest)\b", "builds, tests or installs the project (tests/install covers install)"),
    (r"^export\b", "changes the caller's environment only"),
    (r"^mpirun\b", "an MPI launch over ranks (the parallel.* and io.* tests run these paths)"),
    (r"\bsbatch\b|submit_sweep\.sh", "needs a SLURM cluster (tests/cluster runs the job scripts)"),
    (r"^spack\b", "needs Spack and the network (tests/install checks the recipe)"),
    (r"^/usr/bin/python3 -m unittest discover -s analysis/tests",
     "the analysis.unit test runs it"),
    (r"\bscalesim calibrate --report docs/calibration\.md$",
     "the calibration.report test runs it and diffs what it writes against docs/calibration.md"),
    (r"^#", "a comment line inside a block"),
    (r"\bCONFIG\.yaml\b", "CONFIG.yaml stands for the reader's own config"),
    (r"^analysis/scalesim-report results/run\.h5\b",
     "reads results/run.h5, which this page does not write (./run.sh writes results/demo.h5)"),
]


def doc_files(source):
    files = [os.path.join(source, "README.md")]
    files += sorted(glob.glob(os.path.join(source, "*", "README.md")))
    files += sorted(glob.glob(os.path.join(source, "docs", "*.md")))
    return files


def strip_comment(line):
    """Drop a trailing `# comment` outside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def commands(path):
    """(line number, command) for every command in the file's shell blocks."""
    found, language, pending, start = [], None, "", 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.lstrip().startswith("```"):
                language = None if language is not None else line.strip()[3:].strip() or ""
                continue
            if language not in SHELL_LANGUAGES:
                continue
            text = line.strip()
            if not pending and text.startswith("#"):
                continue  # a whole-line comment
            if not pending:
                start = number
            if text.endswith("\\"):
                pending += text[:-1] + " "
                continue
            command = strip_comment(pending + text)
            pending = ""
            if command:
                found.append((start, command))
    return found


def sweep_specs(path):
    """(line number, text) of every yaml block that is a sweep spec (has base: and parameters:)."""
    specs, block, start, language = [], [], 0, None
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.lstrip().startswith("```"):
                if language is None:
                    language, block, start = line.strip()[3:].strip(), [], number + 1
                else:
                    text = "".join(block)
                    if language == "yaml" and re.search(r"^base:", text, re.M) and \
                            re.search(r"^parameters:", text, re.M):
                        specs.append((start, text))
                    language = None
                continue
            if language is not None:
                block.append(line)
    return specs


def reduced_spec(text):
    """The same spec with 2 values per range, 2 sampled points and 1 replication of 2 s."""
    text = re.sub(r"^replications: \d+", "replications: 1", text, flags=re.M)
    text = re.sub(r"^points: \d+", "points: 2", text, flags=re.M)
    text = re.sub(r"steps: \d+", "steps: 2", text)
    text = re.sub(r"end\.time: \w+", "end.time: 2s", text)
    return text


def runnable(command, scalesim, source):
    """The command with the built binary put in, or None when it is not a scalesim command."""
    m = re.match(r"^(build/default/cli/scalesim|scalesim)(\s|$)", command)
    if m:
        return scalesim + command[len(m.group(1)):]
    if command.startswith("analysis/scalesim-report"):
        return os.path.join(source, command)
    return None


def scratch_folder(source):
    folder = tempfile.mkdtemp(prefix="scalesim-docs-")
    for name in ("configs", "data", "analysis"):
        os.symlink(os.path.join(source, name), os.path.join(folder, name))
    os.mkdir(os.path.join(folder, "docs"))
    # Sweep specs from the pages go in sweeps/, where `base: ../patterns/...` resolves as it does
    # from configs/sweeps/.
    os.symlink(os.path.join(source, "configs", "patterns"), os.path.join(folder, "patterns"))
    os.mkdir(os.path.join(folder, "sweeps"))
    return folder


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scalesim", required=True)
    parser.add_argument("--source", default=os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    args = parser.parse_args()
    scalesim, source = os.path.abspath(args.scalesim), os.path.abspath(args.source)
    failures, ran, skipped = [], 0, 0
    started = time.monotonic()
    for path in doc_files(source):
        listed = commands(path)
        if not listed and not sweep_specs(path):
            continue
        rel = os.path.relpath(path, source)
        folder = scratch_folder(source)
        for line, command in listed:
            where = f"{rel}:{line}"
            reason = next((why for pattern, why in SKIPPED if re.search(pattern, command)), None)
            if reason:
                print(f"skip {where}: {command}\n     ({reason})")
                skipped += 1
                continue
            exe = runnable(command, scalesim, source)
            if exe is None:
                failures.append(f"{where}: `{command}` is neither run nor listed as skipped "
                                f"in tests/docs/docs_commands_test.py")
                continue
            t0 = time.monotonic()
            try:
                p = subprocess.run(["bash", "-c", exe], cwd=folder, capture_output=True,
                                   text=True, timeout=TIMEOUT_S)
                code, tail = p.returncode, (p.stderr or p.stdout).strip()[-600:]
            except subprocess.TimeoutExpired:
                code, tail = "timeout", f"still running after {TIMEOUT_S} s"
            print(f"run  {where}: {command} ({time.monotonic() - t0:.1f} s)")
            ran += 1
            if code != 0:
                failures.append(f"{where}: `{command}` exited {code}: {tail}")
        for line, text in sweep_specs(path):
            spec = os.path.join(folder, "sweeps", f"doc-{line}.yaml")
            with open(spec, "w", encoding="utf-8") as f:
                f.write(reduced_spec(text))
            p = subprocess.run([scalesim, "sweep", spec, "-q", "--threads", "2", "-o",
                                spec + ".json"], cwd=folder, capture_output=True, text=True,
                               timeout=TIMEOUT_S)
            print(f"run  {rel}:{line}: the sweep spec shown there, reduced")
            ran += 1
            if p.returncode != 0:
                failures.append(f"{rel}:{line}: the sweep spec shown there exited "
                                f"{p.returncode}: {p.stderr.strip()[-600:]}")
        subprocess.run(["rm", "-rf", folder], check=False)
    print(f"{ran} commands run, {skipped} skipped, {time.monotonic() - started:.1f} s")
    if ran == 0:
        failures.append("no documented command was run: the extraction is broken")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
