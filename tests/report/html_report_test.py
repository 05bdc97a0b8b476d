#!/usr/bin/env python3
"""report.html in a real browser. Runs ScaleSim on configs/patterns/feature_store.yaml and on
configs/examples/llm_serving_azure.yaml (about 1 s each; no --set needed), writes each report
with analysis/scalesim-report and opens each report.html from disk in Debian's headless
chromium, then checks that

  (a) the page logs nothing to the console: no console.error, no uncaught exception and no
      failed resource load (the page itself reports a resource that fails to load on the
      console, and its Content-Security-Policy makes any fetch other than a data: image a
      logged violation);
  (b) every image loads: the page's own script sets <body data-images="LOADED/TOTAL"> on
      window load (images complete with a natural width, plus the inline topology SVG); the
      dumped DOM must show LOADED == TOTAL >= the PNGs the report wrote (+1 for the SVG when
      Graphviz is installed);
  (c) a 1280x2400 screenshot is not blank.

A negative self-check first loads a copy of the first report.html with a console.error, an
undecodable data: PNG and an external image added, and requires the detector to flag all three
and the image count to fall short, so a change in chromium's log format cannot make (a) or (b)
pass vacuously.

What chromium 156 (Debian 12) prints with --enable-logging=stderr --v=0, one line per console
message, whatever its level (console.log, .warn and .error look alike, so every console line
from the page counts as an error; the page logs nothing when all is well):

  [PID:TID:MMDD/HHMMSS.micro:INFO:CONSOLE:LINE] "MESSAGE", source: file:///.../report.html (LINE)

(older releases wrote CONSOLE(LINE)] instead of CONSOLE:LINE]; both are matched). An uncaught
exception is such a line with MESSAGE "Uncaught Error: ...". A failed image load prints nothing
by itself; the page's capture-phase error listener logs "report.html: failed to load <img> ALT".

Usage: html_report_test.py --scalesim BIN --source-dir DIR   (exit 1 on any failure)
Needs: Debian's chromium (./test.sh installs it), graphviz for the topology drawing, and
python3-h5py, python3-pandas, python3-matplotlib for scalesim-report and the screenshot check.
"""

import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

CHROMIUM_TIMEOUT_S = 60
RUN_TIMEOUT_S = 120
WINDOW = (1280, 2400)
# A screenshot counts as "not blank" when at least 5% of its pixels are not near-white (any
# channel below 240) and it has at least 500 distinct RGB colours. A blank page has 0% and one
# colour; a page showing only a line of text and broken-image icons has about 0% and ~300
# colours; the real reports measure 10-16% and 2,000-3,500 colours.
MIN_NON_WHITE_SHARE = 0.05
MIN_DISTINCT_COLOURS = 500
CONFIGS = ["configs/patterns/feature_store.yaml", "configs/examples/llm_serving_azure.yaml"]

# One console message in chromium's log: "...:CONSOLE:12] "text", source: URL (12)".
CONSOLE_LINE = re.compile(r':CONSOLE(?::\d+|\(\d+\))\]\s*(".*)$')
IMAGES_ATTRIBUTE = re.compile(r'<body\b[^>]*\bdata-images="(\d+)/(\d+)"')

failures = []


def fail(message):
    """Record a failure and say it at once."""
    failures.append(message)
    print(f"FAIL: {message}", flush=True)


def find_chromium():
    """Debian's chromium binary, or None."""
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def run(command, timeout, what):
    """Run a command, returning the finished process; a failure or timeout is recorded."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        fail(f"{what}: timed out after {timeout} s: {' '.join(command)}")
        return None
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-10:])
        fail(f"{what}: exit status {done.returncode}: {' '.join(command)}\n{tail}")
        return None
    return done


def load_in_chromium(chromium, page, work, tag):
    """Open `page` from disk in headless chromium with logging on; return (dumped DOM,
    console lines, screenshot path) or None when chromium fails."""
    profile = os.path.join(work, f"profile-{tag}")  # a fresh profile for every invocation
    screenshot = os.path.join(work, f"screenshot-{tag}.png")
    command = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
               "--allow-file-access-from-files", f"--user-data-dir={profile}",
               "--enable-logging=stderr", "--v=0", "--no-first-run",
               "--no-default-browser-check", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--mute-audio",
               "--virtual-time-budget=5000", "--hide-scrollbars",
               f"--window-size={WINDOW[0]},{WINDOW[1]}", f"--screenshot={screenshot}",
               "--dump-dom", "file://" + os.path.abspath(page)]
    done = run(command, CHROMIUM_TIMEOUT_S, f"chromium on {page}")
    if done is None:
        return None
    console = [line.strip() for line in done.stderr.splitlines()
               if CONSOLE_LINE.search(line) or "Uncaught" in line]
    return done.stdout, console, screenshot


def image_counts(dom):
    """(loaded, total) from <body data-images="L/T">, or None when the script never ran."""
    match = IMAGES_ATTRIBUTE.search(dom)
    return (int(match.group(1)), int(match.group(2))) if match else None


def screenshot_stats(path):
    """Shape, share of non-white pixels and number of distinct colours of a PNG."""
    from matplotlib import image  # imported here: only needed once chromium has run

    pixels = image.imread(path)
    rgb = np.round(pixels[..., :3] * 255).astype(np.uint32)
    non_white = float((rgb.min(axis=2) < 240).mean())
    distinct = len(np.unique((rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]))
    return pixels.shape, non_white, distinct


def static_checks(page):
    """No reference outside the page: no http(s) src or href, every src a data: URI."""
    with open(page, encoding="utf-8") as source:
        text = source.read()
    bad = re.findall(r'(?:src|href)\s*=\s*"https?:[^"]*"', text)
    bad += [m for m in re.findall(r'\bsrc\s*=\s*"([^"]*)"', text) if not m.startswith("data:")]
    bad += [m for m in re.findall(r'\bhref\s*=\s*"([^"]*)"', text) if not m.startswith("#")]
    if bad:
        fail(f"{page}: references outside the page: {bad[:5]}")
    for needle in ("<!DOCTYPE html>", '<html lang="en">', '<meta charset="utf-8">', "<title>"):
        if needle not in text:
            fail(f"{page}: missing {needle}")
    return text


def plant_errors(page, work):
    """A copy of report.html with a console.error, an undecodable data: PNG and an external
    image added before its main content; returns the copy's path."""
    with open(page, encoding="utf-8") as source:
        text = source.read()
    planted = ('<img src="data:image/png;base64,AAAA" alt="self-check: undecodable">'
               '<img src="https://example.invalid/x.png" alt="self-check: external">'
               '<script>console.error("self-check: console.error");</script>')
    broken = os.path.join(work, "self-check.html")
    with open(broken, "w", encoding="utf-8") as out:
        out.write(text.replace("<main", planted + "<main", 1))
    return broken


def negative_self_check(loaded):
    """The detector must fire on the planted console.error, broken data: image and external
    image, and the image count must come out short."""
    if loaded is None:
        return
    dom, console, _ = loaded
    expected = ["self-check: console.error", "failed to load <img> self-check: undecodable",
                "self-check: external"]
    missing = [e for e in expected if not any(e in line for line in console)]
    if missing:
        fail("negative self-check: the console detector did not flag "
             f"{missing}; chromium printed {console or 'no console lines'}")
    counts = image_counts(dom)
    if counts is None or counts[0] >= counts[1]:
        fail(f"negative self-check: data-images should show missing images, got {counts}")
    elif not missing:
        example = next(line for line in console if expected[0] in line)
        print(f"ok   negative self-check: detector flagged {len(console)} console lines "
              f"({len(expected)} planted), images {counts[0]}/{counts[1]}; for example:\n"
              f"     {example}")


def check_report(report_dir, tag, has_topology, loaded):
    """Checks (a), (b), (c) on one report directory and what chromium made of its page."""
    page = os.path.join(report_dir, "report.html")
    text = static_checks(page)
    pngs = sorted(glob.glob(os.path.join(report_dir, "*.png")))
    svg_expected = has_topology and shutil.which("dot") is not None
    if loaded is None:
        return
    dom, console, screenshot = loaded
    if console:
        fail(f"{page}: console errors:\n  " + "\n  ".join(console))
    else:
        print(f"ok   {tag}: no console errors")
    counts = image_counts(dom)
    least = len(pngs) + (1 if svg_expected else 0)
    if counts is None:
        fail(f"{page}: <body data-images> not set: the page's script did not run")
    elif counts[0] != counts[1] or counts[1] < least:
        fail(f"{page}: images loaded {counts[0]} of {counts[1]}; the report wrote {len(pngs)} "
             f"PNGs{' and a topology drawing' if svg_expected else ''} (at least {least})")
    else:
        print(f"ok   {tag}: images loaded {counts[0]}/{counts[1]} "
              f"({len(pngs)} PNGs{' + inline SVG' if svg_expected else ''})")
    if svg_expected and "<svg" not in dom:
        fail(f"{page}: no inline <svg> topology drawing in the rendered page")
    if text.count("<img ") != len(pngs):
        fail(f"{page}: {text.count('<img ')} <img> elements for {len(pngs)} PNGs")
    if not os.path.isfile(screenshot):
        fail(f"{page}: chromium wrote no screenshot")
        return
    shape, non_white, distinct = screenshot_stats(screenshot)
    if shape[:2] != (WINDOW[1], WINDOW[0]):
        fail(f"{page}: screenshot is {shape[1]}x{shape[0]}, expected {WINDOW[0]}x{WINDOW[1]}")
    if non_white < MIN_NON_WHITE_SHARE or distinct < MIN_DISTINCT_COLOURS:
        fail(f"{page}: screenshot looks blank: {100 * non_white:.1f}% non-white pixels "
             f"(need {100 * MIN_NON_WHITE_SHARE:.0f}%), {distinct} colours "
             f"(need {MIN_DISTINCT_COLOURS})")
    else:
        print(f"ok   {tag}: screenshot {shape[1]}x{shape[0]}, {100 * non_white:.1f}% non-white, "
              f"{distinct} distinct colours")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scalesim", required=True, help="the scalesim binary")
    parser.add_argument("--source-dir", required=True, help="the repository root")
    args = parser.parse_args()
    start = time.monotonic()
    chromium = find_chromium()
    if chromium is None:
        print("FAIL: chromium not found (looked for 'chromium' on PATH and /usr/bin/chromium): "
              "install Debian's chromium package (apt-get install chromium; ./test.sh installs "
              "it) to run this test", flush=True)
        return 1
    report_script = os.path.join(args.source_dir, "analysis", "scalesim-report")
    with tempfile.TemporaryDirectory(prefix="scalesim-html-report-") as work, \
            concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        # The two configs side by side, then the three browser loads side by side: each step
        # mostly waits (start-up, file writes), so this keeps the test well inside a minute.
        reports = [r for r in pool.map(lambda c: simulate_and_report(args, report_script, c,
                                                                     work), CONFIGS) if r]
        if not reports:
            return finish(start)
        pages = [plant_errors(os.path.join(reports[0][1], "report.html"), work)]
        pages += [os.path.join(report_dir, "report.html") for _, report_dir, _ in reports]
        tags = ["self-check"] + [tag for tag, _, _ in reports]
        loads = list(pool.map(lambda p, t: load_in_chromium(chromium, p, work, t), pages, tags))
        negative_self_check(loads[0])
        for (tag, report_dir, has_topology), loaded in zip(reports, loads[1:]):
            check_report(report_dir, tag, has_topology, loaded)
    return finish(start)


def simulate_and_report(args, report_script, config, work):
    """Run one config with -o and write its report; (tag, report dir, has /topology/dot) or
    None on failure."""
    tag = os.path.splitext(os.path.basename(config))[0]
    results = os.path.join(work, f"{tag}.h5")
    if run([args.scalesim, "run", os.path.join(args.source_dir, config), "-o", results],
           RUN_TIMEOUT_S, f"scalesim run {config}") is None:
        return None
    report_dir = os.path.join(work, f"{tag}-report")
    if run([sys.executable, report_script, results, "-o", report_dir], RUN_TIMEOUT_S,
           f"scalesim-report on {tag}") is None:
        return None
    if not os.path.isfile(os.path.join(report_dir, "report.html")):
        fail(f"{report_dir}: scalesim-report wrote no report.html")
        return None
    import h5py  # only after scalesim-report ran, which has said so if h5py is missing

    with h5py.File(results, "r") as f:
        has_topology = "topology/dot" in f
    print(f"ok   {tag}: ran and wrote {len(os.listdir(report_dir))} report files", flush=True)
    return tag, report_dir, has_topology


def finish(start):
    """Print the verdict and return the exit status."""
    elapsed = time.monotonic() - start
    if failures:
        print(f"html_report_test: {len(failures)} failure(s) in {elapsed:.1f} s")
        return 1
    print(f"html_report_test: all checks passed for {len(CONFIGS)} reports in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
