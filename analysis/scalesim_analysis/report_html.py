"""report.html: the report as one self-contained web page.

The page opens from a file with no server and no network: styles and the small image check
are inline, every plot is a PNG embedded as a base64 `data:` URI and the topology drawing is
an inline SVG made by Graphviz's `dot` from /topology/dot. A Content-Security-Policy forbids
every fetch except `data:` images, so a stray external reference fails loudly in a browser
instead of silently needing the network.

What the page shows beyond report.md: the SLO verdicts, the cost figures and the topology
drawing. SLO verdicts come from /slo when the file has it; otherwise from the configuration's
`slos` list (in /config) evaluated against the statistics in /components (docs/hdf5-schema.md:
the metric NAME.key is the attribute `key` of /components/NAME, with the value `--json` gives),
with the same comparison rules as the simulator (models/patterns/slo.cpp). Rows of /summary
whose `slo_met` is 0 or 1 are listed too.
"""

import base64
import html
import math
import os
import re
import shutil
import struct
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd

from .loader import decode_string
from .report import metric_scale_and_label, pareto_front

try:  # python3-yaml: only needed to read the SLOs and the description out of /config
    import yaml
except ImportError:  # pragma: no cover - Debian's python3 has it with matplotlib
    yaml = None

DOT_TIMEOUT_S = 60
MAX_SWEEP_ROWS = 60  # longer sweeps show the optimum and the Pareto front, not every point
NS = 1e-9

# Durations and rates as the config's units (sim/config/units.cpp), in seconds and per second.
DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0,
                  "h": 3600.0}
RATE_UNITS = {"/ns": 1e9, "/us": 1e6, "/ms": 1e3, "/s": 1.0, "/min": 1.0 / 60.0,
              "/h": 1.0 / 3600.0}
COST_PATTERN = re.compile(r"cost|price|usd|dollar|gpu_hours", re.IGNORECASE)

# Counts the images that decoded and the inline drawings, for readers and for the browser test
# (tests/report/html_report_test.py): <body data-images="LOADED/TOTAL">. A resource that fails
# to load is also reported on the console, where headless browsers' logs show it.
IMAGE_CHECK_SCRIPT = """
(function () {
  "use strict";
  window.addEventListener("error", function (event) {
    var target = event.target;
    if (target && target !== window && target.tagName) {
      console.error("report.html: failed to load <" + target.tagName.toLowerCase() + "> " +
                    (target.getAttribute("alt") || target.id || ""));
    }
  }, true);
  window.addEventListener("load", function () {
    var images = document.images, loaded = 0;
    for (var i = 0; i < images.length; i++) {
      if (images[i].complete && images[i].naturalWidth > 0) loaded++;
    }
    var drawings = document.querySelectorAll("figure.topology svg").length;
    document.body.dataset.images = (loaded + drawings) + "/" + (images.length + drawings);
  });
})();
"""

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'")

CSS = """
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --band: #f5f7fa; --accent: #2b5cab;
        --ok: #17663a; --ok-bg: #e1f4e8; --bad: #a2151f; --bad-bg: #fbe3e4;
        --unknown: #5b6475; --unknown-bg: #eceff3; --warn: #7a4a00; --warn-bg: #fff2d6; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: var(--ink); line-height: 1.45;
       font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial,
             sans-serif; }
header.page { background: #1f3b68; color: #fff; padding: 28px 0 22px; }
header.page h1 { margin: 0 0 6px; font-size: 26px; font-weight: 650; }
header.page p { margin: 4px 0; color: #dbe5f5; }
header.page .kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 12px;
                      color: #a9bfe3; margin-bottom: 4px; }
.wrap { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
nav.toc { border-bottom: 1px solid var(--line); background: var(--band); font-size: 14px; }
nav.toc ul { list-style: none; margin: 0; padding: 10px 0; display: flex; flex-wrap: wrap;
             gap: 6px 18px; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
main section { margin: 30px 0; }
h2 { font-size: 20px; margin: 0 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 18px 0 8px; }
p.note, .note { color: var(--muted); font-size: 13.5px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 22px 0 0; }
.card { flex: 1 1 150px; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px;
        background: #fff; color: var(--ink); }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase;
               letter-spacing: .05em; }
.card .value { font-size: 20px; font-weight: 650; margin-top: 2px; word-break: break-word; }
.card.ok { border-color: #9fd6b4; background: var(--ok-bg); }
.card.bad { border-color: #eba4a9; background: var(--bad-bg); }
.card.warn { border-color: #e8c982; background: var(--warn-bg); }
.table-scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 6px 0 10px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { background: var(--band); font-weight: 600; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafbfd; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.meta th { width: 230px; background: none; font-weight: 500; color: var(--muted); }
table.meta td { font-variant-numeric: tabular-nums; word-break: break-all; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-weight: 650;
         font-size: 13px; white-space: nowrap; border: 1px solid transparent; }
.badge.met, .badge.complete { color: var(--ok); background: var(--ok-bg); border-color: #9fd6b4; }
.badge.missed { color: var(--bad); background: var(--bad-bg); border-color: #eba4a9; }
.badge.unknown { color: var(--unknown); background: var(--unknown-bg); border-color: #cfd5de; }
.badge.interrupted { color: var(--warn); background: var(--warn-bg); border-color: #e8c982; }
tr.slo-missed td { background: #fff5f5 !important; }
tr.optimum td { background: #eaf2ff !important; font-weight: 600; }
.bar { position: relative; min-width: 92px; }
.bar span.fill { position: absolute; left: 0; top: 3px; bottom: 3px; border-radius: 3px;
                 background: #cfe0f7; }
.bar span.text { position: relative; }
figure { margin: 0 0 26px; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line);
             border-radius: 6px; background: #fff; }
figcaption { color: var(--muted); font-size: 13.5px; margin-top: 6px; }
figcaption strong { color: var(--ink); }
figure.topology .drawing { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px;
                           padding: 10px; background: #fff; }
figure.topology svg { max-width: 100%; height: auto; display: block; margin: 0 auto; }
.message { border-left: 4px solid #e0a800; background: var(--warn-bg); padding: 10px 14px;
           border-radius: 4px; margin: 10px 0; }
pre { background: var(--band); border: 1px solid var(--line); border-radius: 6px; padding: 12px;
      overflow-x: auto; font-size: 12.5px; line-height: 1.4; }
details summary { cursor: pointer; color: var(--accent); margin: 6px 0; }
ul.skipped { margin: 6px 0; padding-left: 20px; color: var(--muted); font-size: 13.5px; }
footer { border-top: 1px solid var(--line); color: var(--muted); font-size: 12.5px;
         padding: 14px 0 30px; margin-top: 40px; }
@media print { nav.toc { display: none; } header.page { background: none; color: var(--ink); }
               header.page p { color: var(--ink); } }
"""


# ----------------------------------------------------------------------------- entry point


def write_html_report(results, sections, out_dir, filename="report.html"):
    """Write report.html into out_dir atomically and return its path.

    `results`: the loaded Results; `sections`: (title, png path or None, caption or the
    reason the plot is missing), as report.write_report gathers them.
    """
    extras = read_extras(results.path)
    page = render_html(results, sections, extras)
    path = os.path.join(out_dir, filename)
    write_atomically(path, page)
    return path


def write_atomically(path, text):
    """Write text to a temporary file beside `path` and rename it over `path`, so readers see
    the old page or the whole new one, never half a page."""
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def warn(message):
    """A warning on stderr in the command line's style; the report goes on."""
    print(f"scalesim-report: warning: {message}", file=sys.stderr)


# ----------------------------------------------------------------------------- reading


def read_extras(path):
    """What the page needs that the loader does not read: /topology/dot, /slo and the sweep's
    attributes and spec. Missing parts are None / empty."""
    extras = {"dot": None, "slo": None, "sweep_attrs": {}, "sweep_spec": None}
    with h5py.File(path, "r") as f:
        topology = f.get("topology")
        if isinstance(topology, h5py.Group) and isinstance(topology.get("dot"), h5py.Dataset):
            extras["dot"] = _scalar_text(topology["dot"])
        if "slo" in f:
            extras["slo"] = _read_slo(f["slo"])
        sweep = f.get("sweep")
        if isinstance(sweep, h5py.Group):
            extras["sweep_attrs"] = {key: _plain_value(sweep.attrs[key]) for key in sweep.attrs}
            if isinstance(sweep.get("spec"), h5py.Dataset):
                extras["sweep_spec"] = _scalar_text(sweep["spec"])
    return extras


def _scalar_text(dataset):
    """A scalar (or 1-D) string dataset as one str."""
    value = dataset[()]
    if isinstance(value, np.ndarray):
        return "".join(str(decode_string(item)) for item in value.ravel().tolist())
    return str(decode_string(value))


def _plain_value(value):
    """An attribute as a plain Python value: str, int, float or a list of them."""
    value = decode_string(value)
    if isinstance(value, np.ndarray):
        return [_plain_value(item) for item in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _read_slo(node):
    """/slo as a DataFrame with columns among name, metric, target, value, met: a compound
    table, a group of equally long column arrays, or a group of one subgroup per SLO."""
    try:
        if isinstance(node, h5py.Dataset):
            array = node[()]
            if array.dtype.names is None:
                return None
            frame = pd.DataFrame(array)
        else:
            datasets = {k: v for k, v in node.items() if isinstance(v, h5py.Dataset)}
            groups = {k: v for k, v in node.items() if isinstance(v, h5py.Group)}
            if datasets:
                frame = pd.DataFrame({k: np.atleast_1d(v[()]) for k, v in datasets.items()})
                names = node.attrs.get("names", node.attrs.get("rows"))
                if names is not None and "name" not in frame:
                    frame.insert(0, "name", [decode_string(n) for n in np.atleast_1d(names)])
            elif groups:
                rows = []
                for key, group in groups.items():
                    row = {"name": key}
                    row.update({a: _plain_value(group.attrs[a]) for a in group.attrs})
                    rows.append(row)
                frame = pd.DataFrame(rows)
            else:
                rows = [{"name": k, "met": _plain_value(v)} for k, v in node.attrs.items()]
                frame = pd.DataFrame(rows)
    except (ValueError, TypeError) as err:
        warn(f"/slo could not be read ({err}); the SLO table uses the configuration instead")
        return None
    for column in frame.columns:
        frame[column] = frame[column].map(decode_string)
    return frame


def parse_config(results):
    """The resolved configuration as a dict ({} when absent, unreadable or without yaml)."""
    if not results.config or yaml is None:
        return {}
    try:
        parsed = yaml.safe_load(results.config)
    except yaml.YAMLError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


# ----------------------------------------------------------------------------- SLOs


def parse_target(text):
    """A target such as "< 50ms" as (operator, value in the metric's unit), like
    SloSpec::from_config: durations in seconds, rates per second, percentages as fractions,
    "$3" as 3. ValueError when it cannot be read."""
    text = str(text).strip()
    for op in ("<=", ">=", "<", ">"):
        if text.startswith(op):
            break
    else:
        raise ValueError(f"target '{text}' does not start with <, <=, > or >=")
    rest = text[len(op):].strip()
    if rest.startswith("$"):
        rest = rest[1:]
    if rest.endswith("%"):
        return op, float(rest[:-1]) / 100.0
    try:
        return op, float(rest)
    except ValueError:
        pass
    match = re.fullmatch(r"([0-9.eE+-]+)\s*(\S+)", rest)
    if not match:
        raise ValueError(f"target '{text}' has no number")
    number, unit = float(match.group(1)), match.group(2)
    if "/" in unit:
        if unit not in RATE_UNITS:
            raise ValueError(f"unknown rate unit '{unit}' in '{text}'")
        return op, number * RATE_UNITS[unit]
    if unit not in DURATION_UNITS:
        raise ValueError(f"unknown duration unit '{unit}' in '{text}'")
    return op, round(number * DURATION_UNITS[unit] / NS) * NS  # durations are whole ns


def target_met(op, target, value):
    """The comparison of SloSpec::met_by; a missing (NaN) value never meets a target."""
    if value is None or math.isnan(float(value)):
        return False
    value = float(value)
    return {"<": value < target, "<=": value <= target, ">": value > target,
            ">=": value >= target}[op]


def format_slo_value(value, target_text):
    """A measured value in the target's unit, as the simulator prints it (slo_value)."""
    if value is None:
        return "not in the file"
    value = float(value)
    if not math.isfinite(value):
        return "no value"
    text = str(target_text)
    if "%" in text:
        return f"{100 * value:.1f}%"
    if text.endswith("/h"):
        return f"{value * 3600:.4g}/h"
    if text.endswith("/min"):
        return f"{value * 60:.4g}/min"
    if "/" in text:
        return f"{value:.4g}/s"
    if "$" in text:
        return f"${value:.4g}"
    if re.search(r"[mun\u00b5h]", text) or (len(text) > 1 and text.endswith("s")):
        return format_duration(value)
    return f"{value:.4g}"


def format_duration(seconds):
    """Seconds in a readable unit (ns, us, ms, s), as sim/config/units.cpp writes them."""
    a = abs(seconds)
    if a < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if a < 1e-3:
        return f"{seconds * 1e6:.3g} us"
    if a < 1.0:
        return f"{seconds * 1e3:.3g} ms"
    if a < 1e4:
        return f"{seconds:.4g} s"
    return f"{seconds:.0f} s"


def component_metric(results, metric):
    """The value of metric NAME.key from /components/NAME's attribute `key`, or None."""
    for name in sorted(results.components, key=len, reverse=True):  # longest name first
        if metric.startswith(name + "."):
            value = results.components[name].get(metric[len(name) + 1:])
            if value is None or isinstance(value, (str, list)):
                return None
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


def _met_flag(value):
    """A stored verdict (bool, 0/1, 'true', 'met') as True/False, or None when unknown."""
    value = decode_string(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "met", "yes"):
            return True
        if lowered in ("0", "false", "missed", "no"):
            return False
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number in (0.0, 1.0):
        return bool(number)
    return None


def slo_rows(results, extras, config):
    """Every SLO verdict the file allows, and a sentence saying where they come from.

    Each row: name, metric, target, value (text), met (True, False or None = unknown).
    """
    rows, source = [], None
    stored = extras.get("slo")
    if stored is not None and len(stored):
        source = "as recorded in /slo of the results file"
        for _, row in stored.iterrows():
            target = str(row.get("target", ""))
            value = row.get("value")
            try:
                value = float(value) if value is not None else None
            except (TypeError, ValueError):
                value = None
            met = _met_flag(row["met"]) if "met" in row else None
            rows.append({"name": str(row.get("name", row.get("metric", ""))),
                         "metric": str(row.get("metric", "")), "target": target,
                         "value": format_slo_value(value, target) if value is not None else "",
                         "met": met})
    elif isinstance(config.get("slos"), list) and config["slos"]:
        source = ("the configuration's slos, evaluated against the statistics in /components "
                  "(the values scalesim run --json reports)")
        for slo in config["slos"]:
            if not isinstance(slo, dict):
                continue
            metric = str(slo.get("metric", ""))
            target = str(slo.get("target", ""))
            value = component_metric(results, metric)
            row = {"name": str(slo.get("name", metric)), "metric": metric, "target": target,
                   "value": format_slo_value(value, target), "met": None}
            if value is not None:
                try:
                    op, bound = parse_target(target)
                    row["met"] = target_met(op, bound, value)
                except ValueError as err:
                    row["value"] += f" ({err})"
            rows.append(row)
    from_summary = False
    for table, what in ((results.summary, "component"), (results.classes, "request class")):
        if table.empty or "slo_met" not in table:
            continue
        for _, row in table.iterrows():
            flag = int(row["slo_met"]) if np.isfinite(float(row["slo_met"])) else -1
            if flag in (0, 1):
                rows.append({"name": f"{row['name']} ({what})", "metric": "", "target": "",
                             "value": "see /summary", "met": bool(flag)})
                from_summary = True
    if from_summary:
        summary = "the slo_met column of /summary"
        source = f"{source}; component and class rows: {summary}" if source else summary
    return rows, source


# ----------------------------------------------------------------------------- cost


def cost_rows(results):
    """(figure, value text, where it comes from) for every cost number the file has, plus the
    totals derived from them; and notes to print under the table."""
    rows, notes = [], []
    for key, value in results.meta.items():
        if COST_PATTERN.search(key) and _is_number(value):
            rows.append((_cost_label(key), _money(key, value), "run (root attribute)"))
    prices = {}
    for name, attrs in results.components.items():
        for key, value in attrs.items():
            if COST_PATTERN.search(key) and _is_number(value):
                rows.append((_cost_label(key), _money(key, value), name))
                if key == "price_per_hour":
                    prices[name] = float(value)
    for table in (results.summary, results.classes):
        if table.empty or "cost_usd" not in table:
            continue
        for _, row in table.iterrows():
            if _is_number(row["cost_usd"]) and math.isfinite(float(row["cost_usd"])):
                rows.append(("cost attributed (/summary cost_usd)",
                             f"${float(row['cost_usd']):,.4g}", str(row["name"])))
    has_run_price = any(re.search(r"price_per_hour|per_hour", k) for k in results.meta)
    if prices and not has_run_price:
        total = sum(prices.values())
        rows.append(("price per hour, sum of the prices above", f"${total:,.4g}/h",
                     "derived"))
        sinks = results.summary[results.summary["type"] == "sink"] if not results.summary.empty \
            else results.summary
        delivered = float(np.nansum(sinks["throughput_per_s"].to_numpy(dtype=np.float64))) \
            if len(sinks) else 0.0
        if delivered > 0:
            per_million = total / 3600.0 / delivered * 1e6
            rows.append(("cost per million requests (provisioned)", f"${per_million:,.4g}",
                         "derived: total price per hour / requests per second at the sinks"))
        notes.append("Totals count only components whose group in the file carries "
                     "price_per_hour; the run's own cost.per_hour (scalesim run --json, "
                     "price_per_hour) may also include hardware priced elsewhere, such as the "
                     "nodes of a feature store.")
    return rows, notes


def _is_number(value):
    """True for ints and floats (numpy ones too), not for bools and strings."""
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, (int, float, np.integer, np.floating))


def _cost_label(key):
    """A cost attribute name as words: cost_per_million_output_tokens -> cost per million
    output tokens."""
    return key.replace("_", " ").replace(".", " ")


def _money(key, value):
    """A cost attribute's value in dollars, or plain where the key says it is not money."""
    number = float(value)
    if not math.isfinite(number):
        return "n/a"
    if "gpu_hours" in key:
        return f"{number:,.4g} GPU-hours"
    suffix = "/h" if key.endswith("per_hour") else ""
    return f"${number:,.4g}{suffix}"


# ----------------------------------------------------------------------------- topology


def topology_svg(dot_source):
    """Run `dot -Tsvg` on the drawing; (svg text, None) or (None, the reason it is missing)."""
    dot = shutil.which("dot")
    if dot is None:
        reason = ("Graphviz's dot is not installed (Debian package graphviz), so the topology "
                  "is not drawn; its DOT source follows")
        warn("'dot' not found on PATH: report.html has no topology drawing "
             "(install graphviz)")
        return None, reason
    try:
        done = subprocess.run([dot, "-Tsvg"], input=dot_source.encode("utf-8"),
                              capture_output=True, timeout=DOT_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        warn(f"dot failed ({err}): report.html has no topology drawing")
        return None, f"dot failed ({err}); the DOT source follows"
    if done.returncode != 0 or b"<svg" not in done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else f"exit status {done.returncode}"
        warn(f"dot failed ({detail}): report.html has no topology drawing")
        return None, f"dot failed ({detail}); the DOT source follows"
    return clean_svg(done.stdout.decode("utf-8", "replace")), None


def clean_svg(svg):
    """dot's SVG made fit to inline in HTML: no XML prolog, DOCTYPE or comments, no namespace
    URLs, and no links of any kind (the page must reference nothing outside itself)."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"\s(?:xlink:)?href\s*=\s*(\"[^\"]*\"|'[^']*')", "", svg)
    svg = re.sub(r"<a\b[^>]*>|</a>", "", svg)
    svg = re.sub(r"<image\b[^>]*/?>", "", svg)

    def root(match):
        tag = re.sub(r"\sxmlns(?::\w+)?\s*=\s*\"[^\"]*\"", "", match.group(0))
        return tag[:-1].rstrip() + ' role="img" aria-label="topology of the run">'

    return re.sub(r"<svg\b[^>]*>", root, svg, count=1).strip()


# ----------------------------------------------------------------------------- HTML pieces


def esc(value):
    """Text escaped for HTML element content and attribute values."""
    return html.escape(str(value), quote=True)


def _number(value, scale=1.0, digits=4):
    """A table cell number: blank for NaN or missing, otherwise a short number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return esc(value)
    if not math.isfinite(number):
        return ""
    number *= scale
    if abs(number) >= 1e4:
        return f"{number:,.0f}"
    return f"{number:.{digits}g}"


def _count(value):
    """An integer count with thousands separators."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError, OverflowError):
        return esc(value)


def badge(met):
    """The verdict in colour and in words."""
    if met is True:
        return '<span class="badge met">&#10003; met</span>'
    if met is False:
        return '<span class="badge missed">&#10007; missed</span>'
    return '<span class="badge unknown">? not evaluated</span>'


def table(headers, rows, numeric=(), row_classes=None, css_class=""):
    """An HTML table; cells are HTML already. `numeric`: indices of right-aligned columns."""
    head = "".join(f'<th class="num">{h}</th>' if i in numeric else f"<th>{h}</th>"
                   for i, h in enumerate(headers))
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{row_classes[r]}"' if row_classes and row_classes[r] else ""
        cells = "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                        for i, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    cls = f' class="{css_class}"' if css_class else ""
    return (f'<div class="table-scroll"><table{cls}><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _png_size(path):
    """Width and height from a PNG's IHDR chunk, or None."""
    with open(path, "rb") as png:
        header = png.read(24)
    if len(header) == 24 and header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR":
        return struct.unpack(">II", header[16:24])
    return None


def figure_html(title, png, note):
    """One plot as a <figure> with the PNG embedded as a data: URI and a caption."""
    with open(png, "rb") as data:
        encoded = base64.b64encode(data.read()).decode("ascii")
    size = _png_size(png)
    dimensions = f' width="{size[0]}" height="{size[1]}"' if size else ""
    caption = f"<strong>{esc(title)}</strong>"
    if note:
        caption += f" &mdash; {esc(note)}"
    caption += f' <span class="note">({esc(os.path.basename(png))})</span>'
    return (f'<figure class="plot"><img src="data:image/png;base64,{encoded}" '
            f'alt="{esc(title)}"{dimensions} decoding="sync">'
            f"<figcaption>{caption}</figcaption></figure>")


def _meta_value(key, value):
    """Root attribute values as readable text (units and badges where they help)."""
    value = _plain_value(value)
    if key == "status":
        state = "complete" if value == "complete" else "interrupted"
        return f'<span class="badge {state}">{esc(value)}</span>'
    if key in ("sim_time_s", "warmup_s", "wall_time_s", "wall_seconds") and _is_number(value):
        return f"{float(value):,.6g} s"
    if (isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10000
            and key not in ("seed", "fingerprint")):
        return f"{value:,}"
    if isinstance(value, list):
        return esc(", ".join(str(v) for v in value))
    if isinstance(value, float):
        return f"{value:.10g}"
    return f"<code>{esc(value)}</code>" if key in ("result_hash", "git_revision") else esc(value)


META_LABELS = {"name": "name", "seed": "seed", "status": "status", "result_hash": "result hash",
               "sim_time_s": "simulated time", "warmup_s": "warm-up", "wall_time_s": "wall time",
               "ranks": "MPI ranks", "threads": "threads per rank",
               "events_processed": "events processed", "scalesim_version": "ScaleSim version",
               "git_revision": "git revision", "schema_version": "schema version"}
META_ORDER = ["name", "seed", "status", "result_hash", "sim_time_s", "warmup_s", "wall_time_s",
              "ranks", "threads", "events_processed", "scalesim_version", "git_revision",
              "schema_version"]


def metadata_section(results, config):
    """The run's attributes in a two-column table."""
    meta = results.meta
    rows = []
    if config.get("description"):
        rows.append(("description", esc(config["description"])))
    for key in META_ORDER + [k for k in meta if k not in META_ORDER]:
        if key in meta:
            rows.append((META_LABELS.get(key, key), _meta_value(key, meta[key])))
    if "ranks" in meta and "threads" in meta:
        try:
            ranks, threads = int(meta["ranks"]), int(meta["threads"])
            rows.append(("ranks x threads", esc(f"{ranks} x {threads} = {ranks * threads} "
                                                "workers in all")))
        except (TypeError, ValueError):
            pass
    for key in ("sampling_fraction", "recorded", "completed"):
        if key in results.requests_meta:
            rows.append((f"requests {key.replace('_', ' ')}",
                         _meta_value(key, results.requests_meta[key])))
    if results.config_source:
        rows.append(("configuration file", f"<code>{esc(results.config_source)}</code>"))
    rows.append(("results file", f"<code>{esc(os.path.abspath(results.path))}</code>"))
    body = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return _section("metadata", "Run metadata",
                    f'<div class="table-scroll"><table class="meta"><tbody>{body}</tbody>'
                    "</table></div>")


def slo_section(rows, source, unread_config=False):
    """The SLO table with each verdict in colour and words."""
    if not rows:
        why = ("python3-yaml is not installed, so the configuration's slos could not be read, "
               if unread_config else "The configuration declares no SLOs ")
        return _section("slo", "Service-level objectives",
                        f'<p class="note">{why}and /summary marks none as met or missed.</p>')
    cells, classes = [], []
    for row in rows:
        cells.append([esc(row["name"]), f"<code>{esc(row['metric'])}</code>" if row["metric"]
                      else "", esc(row["target"]), esc(row["value"]), badge(row["met"])])
        classes.append("slo-missed" if row["met"] is False else "")
    met = sum(1 for r in rows if r["met"] is True)
    missed = sum(1 for r in rows if r["met"] is False)
    summary = f"<p><strong>{met} of {len(rows)} met</strong>"
    if missed:
        summary += f", <strong>{missed} missed</strong>"
    summary += f'. <span class="note">Verdicts: {esc(source)}.</span></p>'
    return _section("slo", "Service-level objectives",
                    summary + table(["SLO", "metric", "target", "measured", "verdict"], cells,
                                    numeric=(3,), row_classes=classes, css_class="slo"))


def cost_section(rows, notes):
    """Cost figures: what each priced component or run total costs."""
    if not rows:
        return _section("cost", "Cost", '<p class="note">The file records no prices or costs '
                        "(no component has price_per_hour, no cost_usd in /summary).</p>")
    body = table(["figure", "value", "where"], [[esc(a), esc(b), esc(c)] for a, b, c in rows],
                 numeric=(1,))
    body += "".join(f'<p class="note">{esc(n)}</p>' for n in notes)
    return _section("cost", "Cost", body)


RESOURCE_KEYS = ("gpus", "gpu_memory_bytes", "gpu_capacity_bytes", "host_memory_bytes",
                 "redis_nodes", "redis_memory_bytes")


def resources_section(results):
    """What the design asks for (root attributes gpus, *_bytes, redis_nodes), in GB, and per
    component (HBM per GPU, host memory per replica, Redis memory per shard)."""
    meta = results.meta
    if not any(k in meta for k in RESOURCE_KEYS):
        return ""
    gb = lambda v: f"{float(v) / 1e9:,.3g} GB"
    rows = []
    if int(meta.get("gpus", 0)) > 0:
        share = float(meta["gpu_memory_bytes"]) / float(meta["gpu_capacity_bytes"])
        rows.append(["GPUs", f"{int(meta['gpus'])}",
                     f"{gb(meta['gpu_memory_bytes'])} of {gb(meta['gpu_capacity_bytes'])} HBM in use "
                     f"({share:.0%})"])
    if float(meta.get("host_memory_bytes", 0)) > 0:
        rows.append(["host memory", gb(meta["host_memory_bytes"]), "serving replicas, all together"])
    if int(meta.get("redis_nodes", 0)) > 0:
        rows.append(["Redis", gb(meta["redis_memory_bytes"]),
                     f"data on {int(meta['redis_nodes'])} nodes (masters and replicas)"])
    per = []
    for name, attrs in (results.components or {}).items():
        a = attrs if isinstance(attrs, dict) else {}
        for key, what in (("gpu_memory_per_gpu_bytes", "HBM in use per GPU"),
                          ("host_memory_per_replica_bytes", "host memory per replica"),
                          ("memory_per_shard_bytes", "Redis memory per shard")):
            if key in a and _is_number(a[key]) and math.isfinite(float(a[key])):
                per.append([esc(name), what, gb(a[key])])
    body = table(["resource", "amount", "what"], [[esc(a), esc(b), esc(c)] for a, b, c in rows],
                 numeric=(1,))
    if per:
        body += table(["component", "figure", "amount"], per, numeric=(2,))
    return _section("resources", "Resources", body)


def topology_section(extras):
    """The inline SVG drawing of /topology/dot, or why it is missing and the DOT source."""
    if extras.get("dot") is None:
        return ""
    svg, reason = topology_svg(extras["dot"])
    if svg is not None:
        body = (f'<figure class="topology"><div class="drawing">{svg}</div>'
                "<figcaption><strong>Topology</strong> &mdash; drawn by Graphviz from "
                "/topology/dot; colour shows utilisation (green idle to red saturated), labels "
                "the throughput and p99 latency each component measured.</figcaption></figure>")
        body += ("<details><summary>DOT source</summary>"
                 f"<pre>{esc(extras['dot'])}</pre></details>")
    else:
        body = (f'<p class="message">{esc(reason)}.</p>'
                f"<pre>{esc(extras['dot'])}</pre>")
    return _section("topology", "Topology", body)


SUMMARY_HEADERS = ["name", "type", "count", "mean (ms)", "p50 (ms)", "p90 (ms)", "p99 (ms)",
                   "p99.9 (ms)", "throughput (/s)", "utilisation"]


def summary_html(frame):
    """/summary/components or /summary/classes as a table, with SLO and cost columns when any
    row has them."""
    with_slo = "slo_met" in frame and (frame["slo_met"].astype(float) >= 0).any()
    with_cost = "cost_usd" in frame and np.isfinite(frame["cost_usd"].astype(float)).any()
    headers = list(SUMMARY_HEADERS) + (["SLO"] if with_slo else []) + \
        (["cost (USD)"] if with_cost else [])
    rows, classes = [], []
    for _, row in frame.iterrows():
        cells = [esc(row["name"]), esc(row["type"]), _count(row["count"])]
        cells += [_number(row.get(c), 1e3) for c in ("mean_s", "p50_s", "p90_s", "p99_s",
                                                     "p999_s")]
        cells.append(_number(row.get("throughput_per_s")))
        cells.append(_utilisation_cell(row.get("utilisation")))
        if with_slo:
            flag = int(row["slo_met"])
            cells.append(badge(bool(flag)) if flag in (0, 1) else "")
            classes.append("slo-missed" if flag == 0 else "")
        else:
            classes.append("")
        if with_cost:
            cells.append(_number(row.get("cost_usd")))
        rows.append(cells)
    numeric = tuple(range(2, 10)) + ((len(headers) - 1,) if with_cost else ())
    return table(headers, rows, numeric=numeric, row_classes=classes)


def _utilisation_cell(value):
    """Utilisation as a percentage over a bar of the same length."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(number):
        return ""
    width = max(0.0, min(1.0, number)) * 100
    return (f'<div class="bar"><span class="fill" style="width:{width:.1f}%"></span>'
            f'<span class="text">{100 * number:.1f}%</span></div>')


def components_section(results):
    """Per-component and per-class summary tables, and each component's full statistics."""
    parts = []
    if not results.summary.empty:
        parts.append(summary_html(results.summary))
    if not results.classes.empty:
        parts.append("<h3>Request classes (measured at the sinks)</h3>")
        parts.append(summary_html(results.classes))
    if results.components:
        parts.append("<h3>Statistics of each component</h3>")
        for name, attrs in results.components.items():
            rows = "".join(f"<tr><th>{esc(k)}</th><td>{_meta_value(k, v)}</td></tr>"
                           for k, v in sorted(attrs.items()))
            parts.append(f"<details><summary>{esc(name)} ({esc(attrs.get('type', ''))})"
                         f'</summary><div class="table-scroll"><table class="meta"><tbody>'
                         f"{rows}</tbody></table></div></details>")
    if not parts:
        return ""
    return _section("components", "Components", "".join(parts))


def plots_section(sections):
    """Every drawn plot as an embedded figure; the skipped ones listed with their reason."""
    figures = [figure_html(title, png, note) for title, png, note in sections if png]
    skipped = [f"<li>{esc(title)}: {esc(note)}</li>" for title, png, note in sections
               if not png]
    body = "".join(figures) or '<p class="note">No plot could be drawn from this file.</p>'
    if skipped:
        body += ("<details><summary>Plots not drawn for this file "
                 f"({len(skipped)})</summary><ul class=\"skipped\">{''.join(skipped)}</ul>"
                 "</details>")
    return _section("plots", "Plots", body)


def config_section(results, extras):
    """The resolved configuration (or the sweep spec) as text, folded."""
    text = results.config or extras.get("sweep_spec") or ""
    if not text:
        return ""
    source = results.config_source or extras.get("sweep_attrs", {}).get("spec_path")
    where = f" (from <code>{esc(source)}</code>)" if source else ""
    title = "Configuration" if results.config else "Sweep specification"
    return _section("config", title, f"<details open><summary>{title}{where}</summary>"
                    f"<pre>{esc(text.rstrip())}</pre></details>")


def _section(anchor, title, body):
    """A titled section with an anchor for the table of contents."""
    return f'<section id="{anchor}"><h2>{esc(title)}</h2>{body}</section>'


# ----------------------------------------------------------------------------- sweeps


def sweep_sections(results, extras):
    """Overview, constraints at the optimum, cost at the optimum and the points table."""
    attrs = extras.get("sweep_attrs", {})
    spec = {}
    if extras.get("sweep_spec") and yaml is not None:
        try:
            loaded = yaml.safe_load(extras["sweep_spec"])
            spec = loaded if isinstance(loaded, dict) else {}
        except yaml.YAMLError:
            spec = {}
    parts = []
    overview = {**{k: v for k, v in results.meta.items()}, **attrs}
    if overview:
        rows = "".join(f"<tr><th>{esc(k)}</th><td>{_meta_value(k, v)}</td></tr>"
                       for k, v in overview.items())
        rows += (f"<tr><th>results file</th><td><code>{esc(os.path.abspath(results.path))}"
                 "</code></td></tr>")
        parts.append(_section("sweep", "Sweep", '<div class="table-scroll"><table class="meta">'
                              f"<tbody>{rows}</tbody></table></div>"))
    points = (results.sweep or {}).get("points")
    optimum = attrs.get("optimum", -1)
    optimum = int(optimum) if _is_number(optimum) else -1
    if points is not None and "feasible" in points and points.attrs.get("metrics"):
        parts.append(_constraints_section(points, spec, optimum))
        parts.append(_sweep_cost_section(points, optimum))
    for name, frame in (results.sweep or {}).items():
        parts.append(_sweep_table_section(name, frame, optimum if name == "points" else -1,
                                          spec.get("objective")))
    return parts


def _constraints_section(points, spec, optimum):
    """The spec's constraints, judged at the optimal point, and how many points are feasible."""
    feasible = int(points["feasible"].sum())
    intro = (f"<p><strong>{feasible} of {len(points)} points feasible</strong> "
             '<span class="note">(every constraint met on the safe side of the confidence '
             "interval).</span></p>")
    constraints = spec.get("constraints") if isinstance(spec.get("constraints"), list) else []
    if not constraints:
        return _section("slo", "Constraints", intro + '<p class="note">The spec declares no '
                        "constraints.</p>")
    if not 0 <= optimum < len(points):
        return _section("slo", "Constraints", intro + '<p class="note">No optimal point: '
                        "the spec has no objective or no point is feasible.</p>" +
                        table(["constraint", "metric", "target"],
                              [[esc(c.get("name", "")), f"<code>{esc(c.get('metric', ''))}"
                                "</code>", esc(c.get("target", ""))]
                               for c in constraints if isinstance(c, dict)]))
    cells, classes = [], []
    for constraint in constraints:
        if not isinstance(constraint, dict):
            continue
        metric, target = str(constraint.get("metric", "")), str(constraint.get("target", ""))
        value = float(points[metric].iloc[optimum]) if metric in points else None
        met = None
        if value is not None:
            try:
                op, bound = parse_target(target)
                met = target_met(op, bound, value)
            except ValueError:
                met = None
        cells.append([esc(constraint.get("name", metric)), f"<code>{esc(metric)}</code>",
                      esc(target), esc(format_slo_value(value, target)), badge(met)])
        classes.append("slo-missed" if met is False else "")
    return _section("slo", "Constraints at the optimal point",
                    intro + f'<p class="note">Mean over the replications of point {optimum}.</p>'
                    + table(["constraint", "metric", "target", "mean at the optimum",
                             "verdict"], cells, numeric=(3,), row_classes=classes,
                            css_class="slo"))


def _sweep_cost_section(points, optimum):
    """The cost metrics of the optimal point."""
    metrics = [m for m in points.attrs.get("metrics", []) if COST_PATTERN.search(m)]
    if not metrics or not 0 <= optimum < len(points):
        return ""
    rows = []
    for metric in metrics:
        value = float(points[metric].iloc[optimum])
        text = f"${value:,.4g}" + ("/h" if metric.endswith("per_hour") else "") \
            if math.isfinite(value) else "no value"
        rows.append([f"<code>{esc(metric)}</code>", esc(text)])
    return _section("cost", "Cost at the optimal point",
                    table(["metric", "mean at the optimum"], rows, numeric=(1,)))


def _sweep_table_section(name, frame, optimum, objective=None):
    """One /sweep table: every row when short; else the optimum, the cost-p99 Pareto front and
    the feasible points best on the objective ({"minimize": metric} or {"maximize": metric}),
    up to MAX_SWEEP_ROWS, saying how many are shown."""
    shown = list(range(len(frame)))
    note = ""
    if len(frame) > MAX_SWEEP_ROWS:
        chosen, what = set(), []
        if 0 <= optimum < len(frame):
            chosen.add(optimum)
            what.append("the optimum")
        cost = next((c for c in frame.columns if re.search(r"cost", str(c), re.I)
                     and "half_width" not in str(c)), None)
        p99 = next((c for c in frame.columns if re.search(r"p99(?!9)", str(c), re.I)
                    and "half_width" not in str(c)), None)
        if cost is not None and p99 is not None:
            front = pareto_front(frame[cost].to_numpy(dtype=np.float64),
                                 frame[p99].to_numpy(dtype=np.float64))
            chosen.update(int(i) for i in front[:MAX_SWEEP_ROWS - len(chosen)])
            what.append(f"the Pareto front of {cost} against {p99} (no other point beats them "
                        "on both)")
        ranked, ranking = _ranked_points(frame, objective)
        added = 0
        for index in ranked:
            if len(chosen) >= MAX_SWEEP_ROWS:
                break
            if index not in chosen:
                chosen.add(index)
                added += 1
        if added:
            what.append(ranking)
        shown = sorted(chosen)
        note = (f'<p class="note">{len(shown)} of {len(frame)} points shown: '
                f"{esc(', '.join(what))}. Every point is in /sweep of the results file.</p>")
    metrics = list(frame.attrs.get("metrics", []))
    columns = [c for c in frame.columns if not str(c).endswith(" half_width")]
    headers = ["#"] + [esc(_column_label(c)) for c in columns]
    rows, classes = [], []
    for index in shown:
        cells = [str(index)]
        for column in columns:
            value = frame[column].iloc[index]
            if column == "feasible":
                cells.append("yes" if bool(value) else "no")
                continue
            text = _number(value) if _is_number(value) else esc(value)
            half = f"{column} half_width"
            if column in metrics and half in frame:
                width = float(frame[half].iloc[index])
                if math.isfinite(width):
                    text += f" &plusmn; {_number(width)}"
            cells.append(text)
        rows.append(cells)
        classes.append("optimum" if index == optimum else "")
    numeric = tuple(i + 1 for i, c in enumerate(columns)
                    if pd.api.types.is_numeric_dtype(frame[c]) and c != "feasible")
    caption = ""
    if 0 <= optimum < len(frame):
        caption = f'<p class="note">Optimal point: #{optimum}.</p>'
    title = "Sweep points" if name == "points" else f"Sweep table {name}"
    return _section(f"sweep-{_anchor(name)}", title,
                    note + caption + table(headers, rows, numeric=numeric,
                                           row_classes=classes))


def _ranked_points(frame, objective):
    """Row indices in the order worth showing, and the words for it: feasible points best on
    the objective first when there is one, else feasible points, else every point, by index."""
    indices = np.arange(len(frame))
    feasible = frame["feasible"].to_numpy(dtype=bool) if "feasible" in frame else None
    if feasible is not None:
        indices = indices[feasible]
    words = "the first feasible points" if feasible is not None else "the first points"
    if isinstance(objective, dict) and len(objective) == 1:
        direction, metric = next(iter(objective.items()))
        if metric in frame and direction in ("minimize", "maximize"):
            values = frame[metric].to_numpy(dtype=np.float64)[indices]
            order = np.argsort(values if direction == "minimize" else -values, kind="stable")
            indices = indices[order]
            best = "lowest" if direction == "minimize" else "highest"
            words = ("the feasible points" if feasible is not None else "the points") + \
                f" of {best} {metric}"
    return [int(i) for i in indices], words


def _column_label(column):
    """A sweep column's header with its unit, as the plots label it."""
    scale, label = metric_scale_and_label(column)
    return str(column) if scale != 1.0 else label


def _anchor(text):
    """An id-safe version of a name."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(text)).strip("-") or "table"


# ----------------------------------------------------------------------------- the page


def _title(results, config, extras):
    """The run's name: the config's, the sweep spec's, or the file's name."""
    if results.meta.get("name"):
        return str(results.meta["name"])
    spec = extras.get("sweep_spec")
    if spec and yaml is not None:
        try:
            loaded = yaml.safe_load(spec)
            if isinstance(loaded, dict) and loaded.get("name"):
                return str(loaded["name"])
        except yaml.YAMLError:
            pass
    return os.path.splitext(os.path.basename(results.path))[0]


def _sweep_cards(results, extras):
    """The headline figures of a sweep: points, feasible points, the optimum, wall time."""
    attrs = extras.get("sweep_attrs", {})
    points = (results.sweep or {}).get("points")
    cards = []
    if points is not None:
        cards.append(("", "points", f"{len(points):,}"))
        if "feasible" in points:
            feasible = int(points["feasible"].sum())
            cards.append(("ok" if feasible else "bad", "feasible", f"{feasible:,}"))
    if _is_number(attrs.get("optimum")):
        optimum = int(attrs["optimum"])
        cards.append(("ok" if optimum >= 0 else "", "optimal point",
                      f"#{optimum}" if optimum >= 0 else "none"))
    for key, label in (("replications", "replications"), ("backend", "backend")):
        if key in attrs:
            cards.append(("", label, esc(attrs[key])))
    if _is_number(attrs.get("wall_seconds")):
        cards.append(("", "wall time", esc(format_duration(float(attrs["wall_seconds"])))))
    return "".join(f'<div class="card {state}"><div class="label">{esc(label)}</div>'
                   f'<div class="value">{value}</div></div>' for state, label, value in cards)


def _cards(results, slos, costs):
    """The headline figures at the top: status, SLOs met, price, throughput, p99."""
    cards = []
    status = results.meta.get("status")
    if status:
        state = "ok" if status == "complete" else "warn"
        cards.append((state, "status", esc(status)))
    if slos:
        met = sum(1 for r in slos if r["met"] is True)
        missed = sum(1 for r in slos if r["met"] is False)
        state = "bad" if missed else ("ok" if met == len(slos) else "")
        words = f"{met}/{len(slos)} met" + (f", {missed} missed" if missed else "")
        cards.append((state, "SLOs", esc(words)))
    for label, value, where in costs:
        if where.startswith("run"):  # totals the run recorded; derived ones may be partial
            cards.append(("", label, esc(value)))
    if not results.summary.empty:
        sinks = results.summary[results.summary["type"] == "sink"]
        if len(sinks) == 1:
            row = sinks.iloc[0]
            if math.isfinite(float(row["p99_s"])):
                cards.append(("", f"p99 end-to-end ({row['name']})",
                              esc(format_duration(float(row["p99_s"])))))
            if math.isfinite(float(row["throughput_per_s"])):
                cards.append(("", "throughput", esc(f"{float(row['throughput_per_s']):,.4g}/s")))
    if "sim_time_s" in results.meta and _is_number(results.meta["sim_time_s"]):
        cards.append(("", "simulated", esc(format_duration(float(results.meta["sim_time_s"])))))
    return "".join(f'<div class="card {state}"><div class="label">{esc(label)}</div>'
                   f'<div class="value">{value}</div></div>' for state, label, value in cards)


def render_html(results, sections, extras):
    """The whole page as a string."""
    config = parse_config(results)
    name = _title(results, config, extras)
    is_sweep = results.sweep is not None and not results.config
    parts = []
    if is_sweep:
        parts += sweep_sections(results, extras)
        slos, costs = [], []
    else:
        slos, source = slo_rows(results, extras, config)
        costs, notes = cost_rows(results)
        parts.append(metadata_section(results, config))
        unread = yaml is None and bool(results.config)
        if unread:
            warn("python3-yaml is not installed: report.html cannot read the configuration's "
                 "SLOs and description")
        parts.append(slo_section(slos, source, unread))
        parts.append(cost_section(costs, notes))
        parts.append(resources_section(results))
        parts.append(topology_section(extras))
        parts.append(components_section(results))
        if results.sweep:
            parts += [_sweep_table_section(n, f, -1) for n, f in results.sweep.items()]
    parts.append(plots_section(sections))
    parts.append(config_section(results, extras))
    parts = [p for p in parts if p]
    toc = "".join(f'<li><a href="#{anchor}">{esc(title)}</a></li>'
                  for anchor, title in re.findall(r'<section id="([^"]+)"><h2>([^<]+)</h2>',
                                                  "".join(parts)))
    template = config.get("template") if isinstance(config.get("template"), dict) else {}
    subtitle = config.get("description") or template.get("title") or ""
    kicker = "ScaleSim sweep report" if is_sweep else "ScaleSim run report"
    version = results.meta.get("scalesim_version", "")
    made_by = "scalesim-report" + (f" (ScaleSim {esc(version)})" if version else "")
    header = (f'<header class="page"><div class="wrap"><div class="kicker">{kicker}</div>'
              f"<h1>{esc(name)}</h1>"
              + (f"<p>{esc(subtitle)}</p>" if subtitle else "")
              + f'<div class="cards">{_cards(results, slos, costs)}</div></div></header>'
              if not is_sweep else
              f'<header class="page"><div class="wrap"><div class="kicker">{kicker}</div>'
              f"<h1>{esc(name)}</h1>" + (f"<p>{esc(subtitle)}</p>" if subtitle else "")
              + f'<div class="cards">{_sweep_cards(results, extras)}</div></div></header>')
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="scalesim-report">',
        f"<title>ScaleSim report: {esc(name)}</title>",
        f"<style>{CSS}</style>",
        f"<script>{IMAGE_CHECK_SCRIPT}</script>",
        "</head>",
        "<body>",
        header,
        f'<nav class="toc"><div class="wrap"><ul>{toc}</ul></div></nav>',
        f'<main class="wrap">{"".join(parts)}</main>',
        f'<footer><div class="wrap">Written by {made_by} from '
        f"<code>{esc(os.path.abspath(results.path))}</code>.</div></footer>",
        "</body>",
        "</html>",
        "",
    ])
