"""Standard plots and a Markdown report for one ScaleSim results file.

Every plot is its own small function that returns the file it wrote, or None when
the results hold nothing to draw (no stations, no sweep, ...), so that the report
lists exactly what exists and says why the rest is missing.
"""

import os
import re

import matplotlib

matplotlib.use("Agg")  # reports are made on headless machines; never need a display
import matplotlib.pyplot as plt  # noqa: E402  (must follow the backend choice)
from matplotlib import ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .loader import load  # noqa: E402

DPI = 120
MAX_CDF_POINTS = 2000  # enough for a smooth curve; millions of requests would bloat the PNG
NS_PER_MS = 1e6
METRIC_PATTERN = re.compile(r"cost|p\d+|mean|throughput|utili[sz]ation|latency|count|slo|"
                            r"_s$|_ns$|_usd$", re.IGNORECASE)


def write_report(results_path, out_dir):
    """Load a results file, draw every applicable plot into out_dir and write report.md and
    report.html (the same report as one self-contained page: report_html.py).

    Returns the paths of all files written (PNGs first, then report.html, report.md last).
    """
    results = load(results_path)
    os.makedirs(out_dir, exist_ok=True)
    sections = []  # (title, png path or None, caption or the reason the plot was skipped)
    sections.append(("Latency CDF per request class", *plot_class_latency_cdf(results, out_dir)))
    sections.append(("Latency CDF per component",
                     *plot_component_latency_cdf(results, out_dir)))
    sections.append(("Utilisation per station", *plot_station_timeline(
        results, out_dir, "utilisation", "utilisation (fraction of servers)",
        "Station utilisation over time", "utilisation.png")))
    sections.append(("Queue length per station", *plot_station_timeline(
        results, out_dir, "queue_length", "queue length (customers waiting)",
        "Station queue length over time", "queue_length.png")))
    sections.append(("Throughput per component", *plot_throughput(results, out_dir)))
    sections.append(("Time to first token and time per output token (LLM engines)",
                     *plot_llm_token_latency(results, out_dir)))
    sections.append(("Batch occupancy and queue of the LLM engines",
                     *plot_llm_batch(results, out_dir)))
    sections.append(("Cost vs p99 latency (sweep)", *plot_pareto(results, out_dir)))
    heatmaps = plot_sweep_heatmaps(results, out_dir)
    for title, png in heatmaps:
        sections.append((title, png, None))
    if not heatmaps:
        why = ("the file has no /sweep data" if results.sweep is None
               else "no /sweep table has two varying parameters and a metric")
        sections.append(("Sweep heatmaps", None, f"not drawn: {why}"))
    pngs = [png for _, png, _ in sections if png]
    report = os.path.join(out_dir, "report.md")
    with open(report, "w", encoding="utf-8") as out:
        out.write(render_markdown(results, sections, out_dir))
    from .report_html import write_html_report  # here: report_html imports this module
    page = write_html_report(results, sections, out_dir)
    return pngs + [page, report]


# ----------------------------------------------------------------------------- helpers


def _save(fig, out_dir, filename):
    """Write a figure at the report's resolution with nothing cut off, then free it."""
    fig.tight_layout()
    path = os.path.join(out_dir, filename)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path


def _legend(ax, entries, outside=False):
    """Legend inside for a few CDF lines; beside the axes for many lines or for time series,
    whose lines span the whole width, so that it never hides data."""
    if outside or entries > 6:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize="small")
    else:
        ax.legend(loc="best", fontsize="small")


def _mark_warmup(ax, results):
    """Shade the warm-up interval: statistics exclude it, so readers should too."""
    warmup = float(results.meta.get("warmup_s", 0.0) or 0.0)
    if warmup > 0:
        ax.axvspan(0.0, warmup, color="0.85", alpha=0.6, label=f"warm-up ({warmup:g} s)", lw=0)


def _thin(x, y):
    """Keep at most MAX_CDF_POINTS evenly spaced points of a curve, always keeping both ends."""
    if len(x) <= MAX_CDF_POINTS:
        return x, y
    index = np.unique(np.linspace(0, len(x) - 1, MAX_CDF_POINTS).astype(np.int64))
    return x[index], y[index]


def empirical_cdf_ms(latency_ns):
    """Sorted latencies in ms and the fraction of requests at or below each, for plotting."""
    values = np.sort(np.asarray(latency_ns, dtype=np.float64)) / NS_PER_MS
    fractions = np.arange(1, len(values) + 1, dtype=np.float64) / max(len(values), 1)
    keep = values > 0  # a log axis cannot show zero latency
    return _thin(values[keep], fractions[keep])


def histogram_cdf_ms(histogram):
    """CDF of a bucketed distribution in ms: 0 at the first lower edge, then each upper edge."""
    if histogram.empty or histogram["count"].sum() == 0:
        return np.array([]), np.array([])
    x = np.concatenate([[histogram["bucket_lower_ns"].iloc[0]],
                        histogram["bucket_upper_ns"].to_numpy()]).astype(np.float64) / NS_PER_MS
    y = np.concatenate([[0.0], histogram["cdf"].to_numpy(dtype=np.float64)])
    keep = x > 0
    return _thin(x[keep], y[keep])


def _style_cdf_axes(ax, title):
    """Common look of latency CDFs: log-x in ms, fraction on y, guide lines at p50 and p99."""
    ax.set_xscale("log")
    # Plain numbers (0.5, 2, 20 ms), with the 2x and 5x ticks labelled when a plot spans few
    # decades, so a reader can read a latency off the axis.
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_locator(ticker.LogLocator(base=10, subs=(2.0, 5.0)))
    lo, hi = ax.get_xlim()
    if hi / max(lo, 1e-300) < 1e4:
        ax.xaxis.set_minor_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("cumulative fraction of requests")
    ax.set_title(title)
    for level in (0.5, 0.99):
        ax.axhline(level, color="0.6", lw=0.8, ls=":")
    ax.grid(True, which="major", alpha=0.3)


# ----------------------------------------------------------------------------- plots


def plot_class_latency_cdf(results, out_dir):
    """End-to-end latency CDF per class from /requests; per sink from histograms if none."""
    requests = results.requests
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    drawn = 0
    if len(requests):
        order = list(results.requests_meta.get("class_names", [])) or \
            sorted(requests["class_name"].unique())
        for name in order:
            latencies = requests.loc[requests["class_name"] == name, "latency_ns"]
            if len(latencies) == 0:
                continue
            x, y = empirical_cdf_ms(latencies)
            ax.plot(x, y, drawstyle="steps-post", label=f"{name} (n={len(latencies):,})")
            drawn += 1
        title = "End-to-end latency by request class"
        fraction = results.requests_meta.get("sampling_fraction")
        if fraction is not None and float(fraction) < 1.0:
            title += f" (sample, fraction {float(fraction):g})"
    else:
        for name in results.components_of_type("sink"):
            histogram = results.histograms.get(name)
            if histogram is None or histogram.empty:
                continue
            x, y = histogram_cdf_ms(histogram)
            ax.plot(x, y, label=f"{name} (all classes, n={int(histogram['count'].sum()):,})")
            drawn += 1
        title = "End-to-end latency per sink (from histograms)"
    if not drawn:
        plt.close(fig)
        return None, "not drawn: no request records and no sink histograms"
    _style_cdf_axes(ax, title)
    _legend(ax, drawn)
    caption = None if len(requests) else ("/requests is empty, so this shows each sink's "
                                          "end-to-end histogram (all classes together)")
    return _save(fig, out_dir, "latency_cdf_classes.png"), caption


def plot_component_latency_cdf(results, out_dir):
    """Sojourn-time CDF of each station and end-to-end CDF of each sink, from histograms."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    drawn = 0
    for name, histogram in results.histograms.items():
        if histogram.empty or histogram["count"].sum() == 0:
            continue
        kind = results.components.get(name, {}).get("type", "")
        meaning = {"station": "sojourn", "sink": "end-to-end"}.get(kind, kind)
        x, y = histogram_cdf_ms(histogram)
        ax.plot(x, y, label=f"{name} ({meaning})")
        drawn += 1
    if not drawn:
        plt.close(fig)
        return None, "not drawn: no component has a latency histogram"
    _style_cdf_axes(ax, "Latency per component (stations: sojourn, sinks: end-to-end)")
    _legend(ax, drawn)
    return _save(fig, out_dir, "latency_cdf_components.png"), None


def _interval_steps(frame, column):
    """Time and value arrays that draw each interval as a flat step starting at t = 0."""
    t = np.concatenate([[0.0], frame["t_s"].to_numpy(dtype=np.float64)])
    v = frame[column].to_numpy(dtype=np.float64)
    return t, np.concatenate([v[:1], v])


def _plot_series(ax, results, names, column, series=None):
    """Draw one step line per component that has non-NaN values; return the names drawn.
    `series`: the frames to read (default: the components' time series)."""
    drawn = []
    for name in names:
        frame = (results.timeseries if series is None else series).get(name)
        if frame is None or frame.empty or frame[column].isna().all():
            continue
        t, v = _interval_steps(frame, column)
        ax.plot(t, v, drawstyle="steps-pre", label=name)
        drawn.append(name)
    return drawn


def plot_station_timeline(results, out_dir, column, ylabel, title, filename):
    """One time series (utilisation or queue length) per station over simulated time."""
    stations = results.components_of_type("station")
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    drawn = _plot_series(ax, results, stations, column)
    if not drawn:
        plt.close(fig)
        return None, "not drawn: no station has time-series rows"
    _mark_warmup(ax, results)
    ax.set_xlim(left=0.0)
    if column == "utilisation":
        ax.set_ylim(0.0, 1.05)
    else:
        ax.set_ylim(bottom=0.0)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    _legend(ax, len(drawn) + 1, outside=True)
    missing = [name for name in stations if name not in drawn]
    caption = f"no time-series rows for: {', '.join(missing)}" if missing else None
    return _save(fig, out_dir, filename), caption


def plot_throughput(results, out_dir):
    """Emissions, departures and arrivals per second for sources, stations and sinks."""
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    drawn = _plot_series(ax, results, list(results.timeseries), "throughput_per_s")
    if not drawn:
        plt.close(fig)
        return None, "not drawn: no component has throughput rows"
    _mark_warmup(ax, results)
    ax.set_xlim(left=0.0)
    ax.set_ylim(bottom=0.0)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("throughput (requests/s)")
    ax.set_title("Throughput over time (sources: emitted, stations: departed, sinks: arrived)",
                 fontsize="medium")
    ax.grid(True, alpha=0.3)
    _legend(ax, len(drawn) + 1, outside=True)
    return _save(fig, out_dir, "throughput.png"), None


def plot_llm_token_latency(results, out_dir):
    """TTFT and TPOT CDFs of every LLM engine, side by side, from their histograms."""
    engines = [name for name in results.components_of_type("llm_engine")
               if name in results.ttft_histograms
               and results.ttft_histograms[name]["count"].sum() > 0]
    if not engines:
        return None, "not drawn: no LLM engine served a request"
    fig, (ax_ttft, ax_tpot) = plt.subplots(1, 2, figsize=(10.0, 4.0))
    for name in engines:
        x, y = histogram_cdf_ms(results.ttft_histograms[name])
        ax_ttft.plot(x, y, label=name)
        tpot = results.tpot_histograms.get(name)
        if tpot is not None and tpot["count"].sum() > 0:
            x, y = histogram_cdf_ms(tpot)
            ax_tpot.plot(x, y, label=name)
    _style_cdf_axes(ax_ttft, "Time to first token")
    _style_cdf_axes(ax_tpot, "Time per output token (after the first)")
    _legend(ax_ttft, len(engines))
    return _save(fig, out_dir, "llm_ttft_tpot_cdf.png"), None


def plot_llm_batch(results, out_dir):
    """Running sequences (share of replicas x max_num_seqs), KV-cache use (engine-wide and per
    replica) and waiting requests over time."""
    engines = results.components_of_type("llm_engine")
    with_kv = [name for name in engines if name in results.kv_timeseries]
    fig, axes = plt.subplots(3 if with_kv else 2, 1, figsize=(7.5, 8.5 if with_kv else 6.0),
                             sharex=True)
    ax_batch, ax_queue = axes[0], axes[-1]
    drawn = _plot_series(ax_batch, results, engines, "utilisation")
    _plot_series(ax_queue, results, engines, "queue_length")
    if with_kv:
        _plot_series(axes[1], results, with_kv, "kv_utilisation", series=results.kv_timeseries)
        # Each replica's own cache, thin, under the engine-wide line (a few replicas only:
        # past eight the lines are noise).
        for name in with_kv:
            per = results.replica_timeseries.get(name, {})
            if 1 < len(per) <= 8:
                for replica, frame in per.items():
                    if frame.empty or frame["kv_utilisation"].isna().all():
                        continue
                    t, v = _interval_steps(frame, "kv_utilisation")
                    axes[1].plot(t, v, drawstyle="steps-pre", linewidth=0.7, alpha=0.6,
                                 label=f"{name} replica {replica}")
        axes[1].set_ylabel("KV cache in use")
        _legend(axes[1], len(axes[1].get_lines()), outside=True)
    if not drawn:
        plt.close(fig)
        return None, "not drawn: no LLM engine has time-series rows"
    for ax in axes:
        _mark_warmup(ax, results)
        ax.set_xlim(left=0.0)
        ax.set_ylim(bottom=0.0)
        ax.grid(True, alpha=0.3)
    ax_batch.set_ylabel("batch occupancy")
    ax_batch.set_title("Running sequences / (replicas x max_num_seqs), and requests waiting",
                       fontsize="medium")
    ax_queue.set_ylabel("requests waiting")
    ax_queue.set_xlabel("time (s)")
    _legend(ax_batch, len(drawn) + 1, outside=True)
    return _save(fig, out_dir, "llm_batch.png"), None


# ----------------------------------------------------------------------------- sweeps


def _find_column(frame, pattern):
    """First column whose name matches a regular expression (case-insensitive), or None."""
    for column in frame.columns:
        if re.search(pattern, str(column), re.IGNORECASE):
            return column
    return None


def metric_scale_and_label(column):
    """Factor and axis label for a sweep column, converting seconds and ns to ms."""
    name = str(column)
    if name.endswith("_ns"):
        return 1.0 / NS_PER_MS, f"{name[:-3]} (ms)"
    if name.endswith("_s"):
        return 1000.0, f"{name[:-2]} (ms)"
    if name.endswith("_usd"):
        return 1.0, f"{name[:-4]} (USD)"
    return 1.0, name


def pareto_front(cost, latency):
    """Indices of points no other point beats on both cost and latency, by increasing cost."""
    order = np.lexsort((latency, cost))
    front, best = [], np.inf
    for index in order:
        if latency[index] < best:
            front.append(index)
            best = latency[index]
    return np.asarray(front, dtype=np.int64)


def sweep_parameters(frame):
    """Numeric columns that vary and do not look like measured metrics: the swept knobs.

    A table that names its parameters (attrs["parameters"], as a real sweep file's does) is
    taken at its word, since metrics such as `gate.accepted_share` do not look like metrics.
    """
    named = frame.attrs.get("parameters")
    if named is not None:
        return [c for c in named if c in frame.columns
                and pd.api.types.is_numeric_dtype(frame[c]) and frame[c].nunique() > 1]
    return [c for c in frame.columns
            if pd.api.types.is_numeric_dtype(frame[c]) and not METRIC_PATTERN.search(str(c))
            and frame[c].nunique() > 1]


def plot_pareto(results, out_dir):
    """Cost against p99 latency over all sweep points, with the Pareto front highlighted."""
    if results.sweep is None:
        return None, "not drawn: the file has no /sweep data"
    for table_name, frame in results.sweep.items():
        cost = _find_column(frame, r"cost")
        p99 = _find_column(frame, r"p99(?!9)")
        if cost is None or p99 is None or frame.empty:
            continue
        return _draw_pareto(frame, table_name, cost, p99, out_dir), None
    return None, "not drawn: no /sweep table has both a cost and a p99 column"


def _plain_label(value):
    """A swept value as a label: numbers in short form, text as it is."""
    if isinstance(value, bytes):
        value = value.decode()
    return value if isinstance(value, str) else f"{value:g}"


def _draw_pareto(frame, table_name, cost, p99, out_dir):
    """Scatter of one sweep table's points and the step line through its Pareto front."""
    cost_scale, cost_label = metric_scale_and_label(cost)
    p99_scale, p99_label = metric_scale_and_label(p99)
    x = frame[cost].to_numpy(dtype=np.float64) * cost_scale
    y = frame[p99].to_numpy(dtype=np.float64) * p99_scale
    front = pareto_front(x, y)
    fig, ax = plt.subplots(figsize=(7.0, 4.5))
    ax.scatter(x, y, color="0.6", s=18, label="sweep point")
    ax.plot(x[front], y[front], "o-", color="C3", drawstyle="steps-post", label="Pareto front")
    # Labels name every swept knob, text ones (a GPU type) included.
    named = frame.attrs.get("parameters")
    params = ([c for c in named if c in frame.columns and frame[c].nunique() > 1]
              if named is not None else sweep_parameters(frame))[:3]
    if params and len(front) <= 15:
        for index in front:
            text = "(" + ", ".join(_plain_label(frame[p].iloc[index]) for p in params) + ")"
            ax.annotate(text, (x[index], y[index]), textcoords="offset points", xytext=(5, 5),
                        fontsize="x-small")
        ax.plot([], [], " ", label="labels: (" + ", ".join(params) + ")")
    ax.margins(x=0.08, y=0.08)  # room for the labels of the extreme points
    finite = y[np.isfinite(y) & (y > 0)]
    if finite.size and finite.max() / finite.min() > 100:
        ax.set_yscale("log")  # overloaded points sit orders of magnitude above the rest
    ax.set_xlabel(cost_label)
    ax.set_ylabel(p99_label)
    ax.set_title(f"Cost vs p99 latency over sweep '{table_name}'")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return _save(fig, out_dir, "pareto_cost_p99.png")


def plot_sweep_heatmaps(results, out_dir):
    """Heatmaps of p99 and cost (or the first metric) over the first two swept parameters."""
    if results.sweep is None:
        return []
    written = []
    for table_name, frame in results.sweep.items():
        params = sweep_parameters(frame)
        if len(params) < 2 or frame.empty:
            continue
        for metric in _heatmap_metrics(frame, params):
            png = _draw_heatmap(frame, table_name, params[0], params[1], metric, out_dir)
            written.append((f"Sweep heatmap: {metric} over {params[0]} x {params[1]}", png))
    return written


def _heatmap_metrics(frame, params):
    """The p99 and cost columns when present, otherwise the first numeric metric column."""
    chosen = [c for c in (_find_column(frame, r"p99(?!9)"), _find_column(frame, r"cost")) if c]
    if chosen:
        return chosen
    metrics = [c for c in frame.columns if c not in params and
               pd.api.types.is_numeric_dtype(frame[c])]
    return metrics[:1]


def _safe_name(text):
    """A file-name-safe version of a table or column name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("_") or "sweep"


def _draw_heatmap(frame, table_name, row_param, col_param, metric, out_dir):
    """One heatmap cell per (row, column) parameter pair, averaging over other parameters."""
    scale, label = metric_scale_and_label(metric)
    grid = frame.pivot_table(index=row_param, columns=col_param, values=metric, aggfunc="mean")
    values = grid.to_numpy(dtype=np.float64) * scale
    width = 1.2 + 0.9 * max(grid.shape[1], 4)  # cells stay readable for small and large grids
    height = 1.2 + 0.6 * max(grid.shape[0], 4)
    fig, ax = plt.subplots(figsize=(width, height))
    image = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
    ax.set_xlabel(str(col_param))
    ax.set_ylabel(str(row_param))
    others = [p for p in sweep_parameters(frame) if p not in (row_param, col_param)]
    title = f"{label} over sweep '{table_name}'"
    ax.set_title(title + ("\n(mean over " + ", ".join(others) + ")" if others else ""))
    if values.size <= 100:
        _annotate_cells(ax, values)
    fig.colorbar(image, ax=ax, label=label)
    name = f"heatmap_{_safe_name(table_name)}_{_safe_name(metric)}.png"
    return _save(fig, out_dir, name)


def _annotate_cells(ax, values):
    """Write each cell's value on small heatmaps, where reading numbers beats reading colours."""
    finite = values[np.isfinite(values)]
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
    for (row, col), value in np.ndenumerate(values):
        if np.isfinite(value):
            color = "black" if value > middle else "white"
            ax.text(col, row, f"{value:.3g}", ha="center", va="center", fontsize="x-small",
                    color=color)


# ----------------------------------------------------------------------------- markdown


def _fmt(value, scale=1.0, digits=4):
    """A table cell: blank for NaN, otherwise a short number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not np.isfinite(number):
        return ""
    return f"{number * scale:.{digits}g}"


def summary_table(frame):
    """Markdown table of name, count, mean/p50/p99 (ms), throughput and utilisation."""
    header = ("| name | type | count | mean (ms) | p50 (ms) | p99 (ms) | throughput (/s) "
              "| utilisation |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
    rows = []
    for _, row in frame.iterrows():
        rows.append(f"| {row['name']} | {row['type']} | {int(row['count']):,} "
                    f"| {_fmt(row['mean_s'], 1e3)} | {_fmt(row['p50_s'], 1e3)} "
                    f"| {_fmt(row['p99_s'], 1e3)} | {_fmt(row['throughput_per_s'])} "
                    f"| {_fmt(row['utilisation'], 1, 3)} |")
    return header + "\n".join(rows) + "\n"


def metadata_table(results):
    """Markdown table of the root attributes plus request-sampling facts."""
    lines = ["| attribute | value |", "| --- | --- |"]
    for key, value in results.meta.items():
        lines.append(f"| {key} | {_plain(value)} |")
    for key in ("sampling_fraction", "recorded", "completed"):
        if key in results.requests_meta:
            lines.append(f"| requests.{key} | {_plain(results.requests_meta[key])} |")
    return "\n".join(lines) + "\n"


def _plain(value):
    """A metadata value as plain text (numpy scalars shown without their type)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def render_markdown(results, sections, out_dir):
    """The report text: metadata, summary tables, then each plot or why it is missing."""
    name = results.meta.get("name", os.path.basename(results.path))
    parts = [f"# ScaleSim report: {name}\n",
             f"Results file: `{os.path.abspath(results.path)}`\n",
             "## Run metadata\n", metadata_table(results)]
    if not results.summary.empty:
        parts += ["## Components\n", summary_table(results.summary)]
    if not results.classes.empty:
        parts += ["## Request classes (measured at the sinks)\n", summary_table(results.classes)]
    parts.append("## Plots\n")
    for title, png, note in sections:
        parts.append(f"### {title}\n")
        if png:
            parts.append(f"![{title}]({os.path.relpath(png, out_dir)})\n")
            if note:
                parts.append(f"_{note}_\n")
        else:
            parts.append(f"_{note}_\n")
    if results.config:
        source = f" (from `{results.config_source}`)" if results.config_source else ""
        parts += [f"## Configuration{source}\n", "```yaml\n" + results.config.rstrip() + "\n```\n"]
    return "\n".join(parts)
