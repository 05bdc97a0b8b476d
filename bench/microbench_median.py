#!/usr/bin/env python3
"""Merges several runs of bench/gpu_microbench (same cases, same order) into one calibration
CSV: per case, the median of the runs' median times, with the extreme trial times of all runs.
The '#' lines are the first run's, plus the number of runs merged.

    bench/microbench_median.py run1.csv run2.csv run3.csv -o calibration/gpu_microbench_X.csv
"""
import argparse
import csv
import os
import statistics
import sys


def read(path):
    meta, rows = [], []
    with open(path, newline="") as f:
        lines = f.read().splitlines()
    body = []
    for line in lines:
        (meta if line.startswith("#") else body).append(line)
    reader = csv.DictReader(body)
    rows = list(reader)
    return meta, reader.fieldnames, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    runs = [read(p) for p in a.runs]
    meta, fields, first = runs[0]
    for path, (_, f, rows) in zip(a.runs, runs):
        if f != fields or [(r["kind"], r["name"], r["precision"], r["n"]) for r in rows] != [
            (r["kind"], r["name"], r["precision"], r["n"]) for r in first
        ]:
            sys.exit(f"{path}: not the same cases as {a.runs[0]}")
    out = []
    for i, row in enumerate(first):
        times = [float(r[i]["seconds"]) for _, _, r in runs]
        t = statistics.median(times)
        merged = dict(row)
        merged["seconds"] = f"{t:.6g}"
        merged["seconds_min"] = f"{min(float(r[i]['seconds_min']) for _, _, r in runs):.6g}"
        merged["seconds_max"] = f"{max(float(r[i]['seconds_max']) for _, _, r in runs):.6g}"
        scale = float(row["value"]) * float(row["seconds"])  # value = work / time, or time in us
        merged["value"] = f"{(t * 1e6 if row['unit'] == 'us' else scale / t):.6g}"
        out.append(merged)
    tmp = a.output + ".partial"
    with open(tmp, "w", newline="") as f:
        for line in meta:
            f.write(line + "\n")
        f.write(f"# runs_merged: {len(runs)} (median time per case; bench/microbench_median.py)\n")
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(out)
    os.replace(tmp, a.output)


if __name__ == "__main__":
    main()
