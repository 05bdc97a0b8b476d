"""Read a ScaleSim HDF5 results file (schema version 1) into pandas objects.

The layout is specified in docs/hdf5-schema.md. Everything here is plain h5py so
that the loader stays usable without any ScaleSim code, and every table keeps the
numeric dtypes written to the file: a uint64 request id stays uint64, so values
round-trip exactly.
"""

from dataclasses import dataclass, field
from typing import Dict, Optional

import h5py
import numpy as np
import pandas as pd

SCHEMA_VERSION = 1

REQUEST_COLUMNS = ["id", "class", "arrival_ns", "completion_ns", "latency_ns", "path", "status",
                   "ttft_s", "tpot_s"]
TIMESERIES_COLUMNS = ["t_s", "utilisation", "queue_length", "throughput_per_s"]
SUMMARY_COLUMNS = ["name", "type", "count", "mean_s", "p50_s", "p90_s", "p99_s", "p999_s",
                   "throughput_per_s", "utilisation", "slo_met", "cost_usd"]
ROOT_ATTRIBUTES = ["schema_version", "scalesim_version", "git_revision", "name", "seed", "ranks",
                   "threads", "wall_time_s", "events_processed", "sim_time_s", "warmup_s",
                   "status", "result_hash"]


@dataclass
class Results:
    """Everything one results file holds, as pandas objects keyed by component name."""

    path: str
    meta: dict
    config: str
    config_source: Optional[str]
    requests: pd.DataFrame
    requests_meta: dict
    components: Dict[str, dict]
    summary: pd.DataFrame
    classes: pd.DataFrame
    timeseries: Dict[str, pd.DataFrame] = field(default_factory=dict)
    histograms: Dict[str, pd.DataFrame] = field(default_factory=dict)
    wait_histograms: Dict[str, pd.DataFrame] = field(default_factory=dict)
    # LLM engines: time to first token and time per output token, by engine name.
    ttft_histograms: Dict[str, pd.DataFrame] = field(default_factory=dict)
    tpot_histograms: Dict[str, pd.DataFrame] = field(default_factory=dict)
    # LLM engines: KV-cache share in use, running sequences and output tokens/s over time.
    kv_timeseries: Dict[str, pd.DataFrame] = field(default_factory=dict)
    # The same per replica: {engine: {replica: frame}} (replicas "0", "1", or "prefill0", ...).
    replica_timeseries: Dict[str, Dict[str, pd.DataFrame]] = field(default_factory=dict)
    sweep: Optional[Dict[str, pd.DataFrame]] = None

    def components_of_type(self, kind):
        """Names of components of one type, in file order, so plots can pick stations etc."""
        return [name for name, attrs in self.components.items() if attrs.get("type") == kind]


def load(path):
    """Open a results file and return a Results; ValueError if it is not schema version 1."""
    path = str(path)
    try:
        handle = h5py.File(path, "r")
    except OSError as err:
        raise ValueError(f"{path}: not a readable HDF5 file ({err})") from err
    with handle as f:
        meta = _in_schema_order(_attributes(f.attrs))
        _check_version(path, meta)
        try:
            return _read_all(path, f, meta)
        except KeyError as err:
            raise ValueError(f"{path}: incomplete results file ({err})") from err


def _read_all(path, f, meta):
    """Read every part of an open, version-checked file into a Results."""
    config, config_source = _read_config(f)
    requests, requests_meta = _read_requests(path, f)
    summary = _read_summary_table(f, "summary/components")
    order = _component_order(f, summary)
    return Results(
        path=path,
        meta=meta,
        config=config,
        config_source=config_source,
        requests=requests,
        requests_meta=requests_meta,
        components={name: _attributes(f["components"][name].attrs) for name in order},
        summary=summary,
        classes=_read_summary_table(f, "summary/classes"),
        timeseries=_read_timeseries(f, order),
        histograms=_read_histograms(f, order, "latency_histogram"),
        wait_histograms=_read_histograms(f, order, "wait_histogram", only_type="station"),
        ttft_histograms=_read_histograms(f, order, "ttft_histogram", only_type="llm_engine"),
        tpot_histograms=_read_histograms(f, order, "tpot_histogram", only_type="llm_engine"),
        kv_timeseries={name: _table(f["components"][name]["kv_timeseries"]) for name in order
                       if "kv_timeseries" in f["components"][name]},
        replica_timeseries={name: {r: _table(t) for r, t in
                                   f["components"][name]["replica_timeseries"].items()}
                            for name in order if "replica_timeseries" in f["components"][name]},
        sweep=_read_sweep(f),
    )


def _in_schema_order(meta):
    """Root attributes in the schema's order (HDF5 lists them alphabetically), extras last."""
    known = [key for key in ROOT_ATTRIBUTES if key in meta]
    return {key: meta[key] for key in known + sorted(set(meta) - set(known))}


def _check_version(path, meta):
    """Refuse files of another layout rather than misreading them."""
    version = meta.get("schema_version")
    if version is None:
        raise ValueError(f"{path}: no 'schema_version' attribute; not a ScaleSim results file")
    if int(np.asarray(version).item()) != SCHEMA_VERSION:
        raise ValueError(f"{path}: schema_version is {version}, this reader understands "
                         f"only {SCHEMA_VERSION}")


def decode_string(value):
    """Turn a bytes / numpy bytes value into str; fixed-length HDF5 strings arrive as bytes."""
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8", errors="replace").rstrip("\x00")
    if isinstance(value, np.str_):
        return str(value)
    return value


def _decode_attribute(value):
    """Decode string scalars and string arrays; leave numbers with their numpy dtype."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "SOU":
        return [decode_string(item) for item in value.tolist()]
    return decode_string(value)


def _attributes(attrs):
    """All attributes of an HDF5 object as a dict with strings decoded."""
    return {key: _decode_attribute(attrs[key]) for key in attrs.keys()}


def _read_config(f):
    """The resolved configuration text and the file it came from (None when absent)."""
    if "config" not in f:
        return "", None
    dataset = f["config"]
    text = decode_string(dataset[()])
    if isinstance(text, np.ndarray):
        text = "".join(decode_string(item) for item in text.ravel().tolist())
    source = dataset.attrs.get("source")
    return str(text), (decode_string(source) if source is not None else None)


def _table(dataset):
    """A compound (or plain 1-D) dataset as a DataFrame with byte-string columns decoded."""
    array = dataset[()]
    if array.dtype.names is None:
        name = dataset.name.rsplit("/", 1)[-1]
        frame = pd.DataFrame({name: np.atleast_1d(array)})
    else:
        frame = pd.DataFrame(array)
    return _decode_string_columns(frame)


def _decode_string_columns(frame):
    """Replace bytes columns (fixed- or variable-length strings) with str columns."""
    for column in frame.columns:
        series = frame[column]
        if series.dtype.kind == "S" or (series.dtype == object and len(series)
                                         and isinstance(series.iloc[0], (bytes, np.bytes_))):
            frame[column] = series.map(decode_string).astype(object)
    return frame


def _empty_frame(columns):
    """A zero-row DataFrame with the schema's columns, so callers never special-case absence."""
    return pd.DataFrame({column: pd.Series(dtype=float) for column in columns})


def _read_requests(path, f):
    """The /requests table plus decoded class/path names and latency in seconds."""
    if "requests" not in f:
        frame = _empty_frame(REQUEST_COLUMNS)
        requests_meta = {}
    else:
        frame = _table(f["requests"])
        requests_meta = _attributes(f["requests"].attrs)
    class_names = requests_meta.get("class_names", [])
    path_names = requests_meta.get("path_names", [])
    frame["class_name"] = _names_for(path, frame["class"], class_names, "class_names")
    frame["path_name"] = _names_for(path, frame["path"], path_names, "path_names")
    frame["latency_s"] = frame["latency_ns"].to_numpy(dtype=np.float64) / 1e9
    return frame, requests_meta


def _names_for(path, codes, names, attribute):
    """Map integer codes to names, failing loudly on an index the attribute does not cover."""
    codes = codes.to_numpy()
    lookup = np.asarray(list(names) + [None], dtype=object)
    if len(codes) == 0:
        return pd.Series([], dtype=object)
    if codes.min() < 0 or codes.max() >= len(names):
        raise ValueError(f"{path}: /requests refers to index {codes.max()} but the "
                         f"'{attribute}' attribute has {len(names)} entries")
    return pd.Series(lookup[codes.astype(np.int64)], dtype=object)


def _component_order(f, summary):
    """Component names in config order: the /summary row order, then by LP id.

    HDF5 lists groups alphabetically, which would scramble legends and tables.
    """
    if "components" not in f:
        return []
    names = list(f["components"].keys())
    ranked = {name: i for i, name in enumerate(summary["name"]) if name in names}

    def key(name):
        lp = f["components"][name].attrs.get("lp", np.iinfo(np.int64).max)
        return (ranked.get(name, len(ranked)), int(lp), name)

    return sorted(names, key=key)


def _read_summary_table(f, where):
    """One of the /summary tables, or an empty frame with its columns when missing."""
    if where not in f:
        return _empty_frame(SUMMARY_COLUMNS)
    return _table(f[where])


def _read_timeseries(f, order):
    """Per-component interval series; components without rows give an empty frame."""
    series = {}
    for name in order:
        group = f["components"][name]
        if "timeseries" in group:
            series[name] = _table(group["timeseries"])
        else:
            series[name] = _empty_frame(TIMESERIES_COLUMNS)
    return series


def _read_histograms(f, order, kind, only_type=None):
    """Histogram groups of one kind for every component that has one."""
    histograms = {}
    for name in order:
        group = f["components"][name]
        if only_type is not None and decode_string(group.attrs.get("type")) != only_type:
            continue
        if kind in group:
            histograms[name] = _histogram(group[kind])
    return histograms


def _histogram(group):
    """Bucket edges and counts plus the cumulative fraction at each bucket's upper edge."""
    frame = pd.DataFrame({
        "bucket_lower_ns": group["bucket_lower_ns"][()],
        "bucket_upper_ns": group["bucket_upper_ns"][()],
        "count": group["count"][()],
    })
    frame = frame.sort_values("bucket_lower_ns", kind="stable").reset_index(drop=True)
    total = float(frame["count"].sum())
    cumulative = frame["count"].cumsum().to_numpy(dtype=np.float64)
    frame["cdf"] = cumulative / total if total > 0 else cumulative
    return frame


SWEEP_DATASETS = ("parameters", "points", "point_values", "metric_names", "mean", "half_width",
                  "feasible")


def _read_sweep(f):
    """The sweep as tables keyed by name; None for a single run.

    A `scalesim sweep` file (docs/hdf5-schema.md, "Sweep results files") gives one table,
    `points`; any other table below /sweep is read as it is, by its path inside /sweep.
    """
    if "sweep" not in f or not isinstance(f["sweep"], h5py.Group):
        return None
    group = f["sweep"]
    if all(name in group for name in SWEEP_DATASETS):
        return {"points": _sweep_points(group)}
    tables = {}

    def collect(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.ndim <= 1:
            tables[name] = _table(obj)

    group.visititems(collect)
    return tables or None


def _sweep_points(group):
    """One row per sweep point: each parameter's value, each metric's mean over the runs, its
    confidence half width (column `METRIC half_width`) and `feasible`.

    A parameter whose values are not all plain numbers (`bert-large`, `20s`) keeps its text.
    The frame's attrs["parameters"] names the parameter columns, so plots need not guess them.
    """
    parameters = [decode_string(v) for v in group["parameters"][()].tolist()]
    metrics = [decode_string(v) for v in group["metric_names"][()].tolist()]
    numbers = np.asarray(group["point_values"][()], dtype=np.float64).reshape(-1, len(parameters))
    texts = np.asarray(group["points"][()]).reshape(numbers.shape)
    mean = np.asarray(group["mean"][()], dtype=np.float64).reshape(len(numbers), len(metrics))
    half = np.asarray(group["half_width"][()], dtype=np.float64).reshape(mean.shape)
    columns = {}
    for k, name in enumerate(parameters):
        column = numbers[:, k]
        columns[name] = (column if np.isfinite(column).all()
                         else [decode_string(v) for v in texts[:, k].tolist()])
    for m, name in enumerate(metrics):
        columns[name] = mean[:, m]
    for m, name in enumerate(metrics):
        columns[f"{name} half_width"] = half[:, m]
    columns["feasible"] = np.asarray(group["feasible"][()]).astype(bool)
    frame = pd.DataFrame(columns)
    frame.attrs["parameters"] = parameters
    frame.attrs["metrics"] = metrics
    return frame


def histogram_quantile(histogram, q):
    """Quantile q (0..1) of a bucketed distribution, interpolated inside the bucket, in ns."""
    if histogram.empty or histogram["count"].sum() == 0:
        return float("nan")
    counts = histogram["count"].to_numpy(dtype=np.float64)
    cumulative = np.cumsum(counts)
    target = q * cumulative[-1]
    index = int(np.searchsorted(cumulative, target, side="left"))
    index = min(index, len(counts) - 1)
    before = cumulative[index] - counts[index]
    fraction = (target - before) / counts[index] if counts[index] > 0 else 0.0
    lower = float(histogram["bucket_lower_ns"].iloc[index])
    upper = float(histogram["bucket_upper_ns"].iloc[index])
    return lower + fraction * (upper - lower)
