#!/usr/bin/python3
"""Helpers for bench/redis/redis_harness.sh (Python standard library only).

  dataset N              RESP for the dataset on stdout, for `redis-cli --pipe`
  measure ... -- CMD     run one measurement and write its record (JSON)
  saturation DIR KIND    median closed-loop ops/s of KIND at 50 clients, pipeline 1
  assemble ...           gather the records, the machine and the software into one JSON file
"""

import argparse
import datetime
import json
import os
import platform
import re
import resource
import socket
import statistics
import subprocess
import sys
import time

HASH_FIELDS = 20
KIND_ORDER = ["GET_100B", "SET_100B", "GET_1KiB", "SET_1KiB", "MGET_10", "HGETALL_20"]


def kind_rank(kind):
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def cmd_dataset(args):
    """N strings of 100 B, N of 1 KiB and N hashes of 20 fields x 32 B, in key order."""
    n = args.n
    small, big, field_value = b"v" * 100, b"V" * 1024, b"h" * 32
    out = sys.stdout.buffer
    chunk = []
    fields = []
    for f in range(HASH_FIELDS):
        fields += [b"field_%02d" % f, field_value]
    for i in range(n):
        chunk.append(resp(b"SET", b"key:%012d" % i, small))
        chunk.append(resp(b"SET", b"big:%012d" % i, big))
        chunk.append(resp(b"HSET", b"hash:%012d" % i, *fields))
        if len(chunk) >= 3000:
            out.write(b"".join(chunk))
            chunk = []
    out.write(b"".join(chunk))
    out.flush()


class Redis:
    """Just enough RESP2 to reset and read INFO over one connection."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise RuntimeError("redis closed the connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def call(self, *args):
        self.sock.sendall(resp(*args))
        line = self._line()
        if line[:1] in (b"+", b":"):
            return line[1:].decode()
        if line[:1] == b"-":
            raise RuntimeError(line.decode())
        if line[:1] == b"$":
            n = int(line[1:])
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(65536)
            body, self.buf = self.buf[:n], self.buf[n + 2:]
            return body.decode()
        raise RuntimeError("unexpected reply %r" % line)

    def info(self, section):
        out = {}
        for line in self.call("INFO", section).splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                out[k] = v
        return out

    def close(self):
        self.sock.close()


def proc_cpu(pid):
    """utime+stime of the process (s, clock ticks) and the main thread's run time (s, ns)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    stat_s = (int(fields[11]) + int(fields[12])) / tick
    with open("/proc/%d/schedstat" % pid) as f:
        sched_s = int(f.read().split()[0]) * 1e-9
    return stat_s, sched_s


def cpu_jiffies():
    """Per core (and "cpu" for all): busy and total jiffies, and steal, from /proc/stat."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if not line.startswith("cpu"):
                continue
            parts = line.split()
            v = [int(x) for x in parts[1:9]]  # user nice system idle iowait irq softirq steal
            busy = v[0] + v[1] + v[2] + v[5] + v[6]
            out[parts[0]] = (busy, sum(v), v[7])
    return out


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def info_cpu(r):
    i = r.info("cpu")
    return {k: float(v) for k, v in i.items() if k.startswith("used_cpu")}


def commandstats(r):
    out = {}
    for k, v in r.info("commandstats").items():
        if not k.startswith("cmdstat_"):
            continue
        fields = dict(x.split("=", 1) for x in v.split(","))
        out[k[len("cmdstat_"):]] = {
            "calls": int(fields["calls"]),
            "usec_per_call": float(fields["usec_per_call"]),
        }
    return out


def parse_benchmark_csv(text):
    """redis-benchmark 7.0 --csv: one row per test, latencies in ms."""
    lines = [l for l in text.splitlines() if l.startswith('"')]
    if len(lines) < 2:
        raise RuntimeError("no CSV rows in redis-benchmark output: %r" % text[-500:])
    header = [h.strip('"') for h in lines[0].split('","')]
    row = lines[-1]
    values = [v.strip('"') for v in row.split('","')]
    rec = dict(zip(header, values))
    return {
        # A custom command's test name is the whole command line, values included.
        "test": rec["test"][:60],
        "ops_per_s": float(rec["rps"]),
        "latency_ms": {
            "avg": float(rec["avg_latency_ms"]),
            "min": float(rec["min_latency_ms"]),
            "p50": float(rec["p50_latency_ms"]),
            "p95": float(rec["p95_latency_ms"]),
            "p99": float(rec["p99_latency_ms"]),
            "max": float(rec["max_latency_ms"]),
        },
    }


def cmd_measure(args):
    labels = dict(l.split("=", 1) for l in args.label)
    pid = args.server_pid
    r = Redis(args.port)
    r.call("CONFIG", "RESETSTAT")
    load0 = loadavg()
    cpu0 = proc_cpu(pid)
    icpu0 = info_cpu(r)
    child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    jiffies0 = cpu_jiffies()
    t0 = time.monotonic()
    proc = subprocess.Popen(args.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    t1 = time.monotonic()
    jiffies1 = cpu_jiffies()
    # communicate() has reaped the child; its CPU is what RUSAGE_CHILDREN grew by.
    child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu1 = proc_cpu(pid)
    icpu1 = info_cpu(r)
    load1 = loadavg()
    stats = commandstats(r)
    r.close()
    wall = t1 - t0
    if proc.returncode != 0:
        sys.stderr.write(err.decode(errors="replace"))
        raise SystemExit("measure: %s exited %d" % (args.cmd[0], proc.returncode))
    text = out.decode()
    if labels.get("loop") == "closed":
        result = parse_benchmark_csv(text)
        ops = int(labels["requests"])
    else:
        result = json.loads(text.strip().splitlines()[-1])
        ops = result["completed"]
    server_cpu = cpu1[0] - cpu0[0]
    server_main = cpu1[1] - cpu0[1]
    info_delta = {k: round(icpu1[k] - icpu0.get(k, 0.0), 6) for k in icpu1}
    generator_cpu = (child1.ru_utime + child1.ru_stime) - (child0.ru_utime + child0.ru_stime)
    tick = os.sysconf("SC_CLK_TCK")
    cores = {}
    for name, (busy1, total1, steal1) in jiffies1.items():
        busy0, total0, steal0 = jiffies0.get(name, (busy1, total1, steal1))
        dt = max(total1 - total0, 1)
        cores[name] = {"busy": round((busy1 - busy0) / dt, 4), "steal": round((steal1 - steal0) / dt, 4)}
    all_busy_s = (jiffies1["cpu"][0] - jiffies0["cpu"][0]) / tick
    # What neither the server nor the load generator used: the neighbours on a shared machine.
    foreign = (all_busy_s - server_cpu - generator_cpu) / wall if wall > 0 else None
    rec = {
        "labels": labels,
        "command": args.cmd,
        "wall_s": round(wall, 4),
        "loadavg_before": load0,
        "loadavg_after": load1,
        "result": result,
        "server_cpu": {
            "how": "whole run incl. connection set-up: /proc/<pid>/stat utime+stime (10 ms ticks), "
            "/proc/<pid>/schedstat of the main thread (ns), INFO cpu (getrusage)",
            "stat_s": round(server_cpu, 4),
            "main_thread_s": round(server_main, 6),
            "info_cpu_delta_s": info_delta,
            "util": round(server_main / wall, 4) if wall > 0 else None,
            "us_per_op": round(server_main / ops * 1e6, 4) if ops > 0 else None,
        },
        "commandstats": stats,
        "machine_cpu": {
            "how": "/proc/stat over the run: busy (user+nice+system+irq+softirq) and steal fractions "
            "per core; foreign = all busy CPU minus server and load generator, in cores",
            "cores": cores,
            "generator_cpu_s": round(generator_cpu, 4),
            "generator_util": round(generator_cpu / wall, 4) if wall > 0 else None,
            "foreign_cpu_cores": round(max(foreign, 0.0), 3) if foreign is not None else None,
        },
    }
    if err.strip():
        rec["stderr_tail"] = err.decode(errors="replace")[-300:]
    with open(args.out, "w") as f:
        json.dump(rec, f)


def load_records(d):
    recs = []
    for name in sorted(os.listdir(d)):
        if name.endswith(".json"):
            with open(os.path.join(d, name)) as f:
                recs.append(json.load(f))
    return recs


def cmd_saturation(args):
    rates = [
        r["result"]["ops_per_s"]
        for r in load_records(args.dir)
        if r["labels"].get("loop") == "closed"
        and r["labels"]["kind"] == args.kind
        and r["labels"]["clients"] == "50"
        and r["labels"]["pipeline"] == "1"
    ]
    if not rates:
        raise SystemExit("saturation: no closed-loop run of %s at 50 clients, pipeline 1" % args.kind)
    print("%.1f" % statistics.median(rates))


def med(xs):
    xs = [x for x in xs if x is not None]
    return round(statistics.median(xs), 4) if xs else None


def med_dict(dicts):
    return {k: med([d[k] for d in dicts]) for k in dicts[0]}


def max_foreign(rs):
    xs = [r["machine_cpu"]["foreign_cpu_cores"] for r in rs
          if r["machine_cpu"]["foreign_cpu_cores"] is not None]
    return max(xs) if xs else None


def usec_per_call(rec):
    name = rec["labels"]["redis_command"]
    s = rec["commandstats"].get(name)
    return s["usec_per_call"] if s else None


def summarise_closed(recs):
    groups = {}
    for r in recs:
        l = r["labels"]
        groups.setdefault((l["kind"], int(l["clients"]), int(l["pipeline"])), []).append(r)
    rows = []
    for (kind, clients, pipeline), rs in groups.items():
        res = [r["result"] for r in rs]
        rows.append({
            "kind": kind,
            "clients": clients,
            "pipeline": pipeline,
            "requests": int(rs[0]["labels"]["requests"]),
            "reps": len(rs),
            "ops_per_s_median": med([x["ops_per_s"] for x in res]),
            "ops_per_s_reps": [x["ops_per_s"] for x in res],
            "latency_ms_median": med_dict([x["latency_ms"] for x in res]),
            "server_cpu_us_per_op": med([r["server_cpu"]["us_per_op"] for r in rs]),
            "server_cpu_util": med([r["server_cpu"]["util"] for r in rs]),
            "server_usec_per_call": med([usec_per_call(r) for r in rs]),
            "generator_cpu_util": med([r["machine_cpu"]["generator_util"] for r in rs]),
            "foreign_cpu_cores_max": max_foreign(rs),
            "loadavg_1min_range": [min(r["loadavg_before"][0] for r in rs),
                                   max(r["loadavg_after"][0] for r in rs)],
            "command": rs[0]["command"],
        })
    rows.sort(key=lambda r: (kind_rank(r["kind"]), r["clients"], r["pipeline"]))
    return rows


def summarise_open(recs):
    groups = {}
    for r in recs:
        l = r["labels"]
        groups.setdefault((l["kind"], float(l["fraction"])), []).append(r)
    rows = []
    for (kind, fraction), rs in groups.items():
        res = [r["result"] for r in rs]
        rows.append({
            "kind": kind,
            "fraction_of_saturation": fraction if fraction > 0 else None,
            "offered_rate": med([x["rate"] for x in res]),
            "reps": len(rs),
            "throughput_median": med([x["throughput"] for x in res]),
            "throughput_reps": [x["throughput"] for x in res],
            "latency_us_median": med_dict([x["latency_us"] for x in res]),
            "latency_us_p99_reps": [x["latency_us"]["p99"] for x in res],
            "service_latency_us_median": med_dict([x["service_latency_us"] for x in res]),
            "send_lag_us_median": med_dict([x["send_lag_us"] for x in res]),
            "late_send_fraction_median": med_dict([x["late_send_fraction"] for x in res]),
            "not_completed": sum(x["not_completed"] for x in res),
            "errors": sum(x["errors"] for x in res),
            "server_cpu_us_per_op": med([x.get("server_main_thread_us_per_op") for x in res]),
            "server_cpu_util": med([x.get("server_main_thread_util") for x in res]),
            "server_process_cpu_util": med([x.get("server_cpu_util") for x in res]),
            "client_cpu_util": med([x["client_cpu_util"] for x in res]),
            "server_usec_per_call": med([usec_per_call(r) for r in rs]),
            "foreign_cpu_cores_max": max_foreign(rs),
            "loadavg_1min_range": [min(r["loadavg_before"][0] for r in rs),
                                   max(r["loadavg_after"][0] for r in rs)],
            "command": rs[0]["command"],
        })
    rows.sort(key=lambda r: (kind_rank(r["kind"]), r["fraction_of_saturation"] or 0))
    return rows


def read(path, default=None):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def run_text(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return None


def machine():
    cpuinfo = read("/proc/cpuinfo", "")
    models = sorted(set(re.findall(r"^model name\s*:\s*(.*)$", cpuinfo, re.M)))
    mhz = re.findall(r"^cpu MHz\s*:\s*(.*)$", cpuinfo, re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", read("/proc/meminfo", ""), re.M)
    osrel = dict(re.findall(r'^(\w+)="?([^"\n]*)"?$', read("/etc/os-release", ""), re.M))
    return {
        "nproc": os.cpu_count(),
        "cpus_allowed": sorted(os.sched_getaffinity(0)),
        "cpu_model": models,
        "cpu_mhz": mhz,
        "hypervisor": " hypervisor " in (" " + cpuinfo.replace("\n", " ") + " "),
        "mem_total_kb": int(mem.group(1)) if mem else None,
        "kernel": platform.release(),
        "os": osrel.get("PRETTY_NAME"),
        "debian_version": (read("/etc/debian_version", "") or "").strip(),
        "clocksource": (read("/sys/devices/system/clocksource/clocksource0/current_clocksource", "")
                        or "").strip(),
        "transparent_hugepage": (read("/sys/kernel/mm/transparent_hugepage/enabled", "") or "").strip(),
    }


def software(generator):
    dpkg = run_text(["dpkg-query", "-W", "-f=${Package}=${Version} ", "redis-server", "redis-tools"])
    return {
        "redis_server": run_text(["redis-server", "--version"]),
        "redis_benchmark": run_text(["redis-benchmark", "--version"]),
        "redis_cli": run_text(["redis-cli", "--version"]),
        "debian_packages": dpkg,
        "python": platform.python_version(),
        "generator": generator,
    }


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); it no longer runs.
    state = read("/proc/%d/stat" % pid, "")
    return bool(state) and state.rsplit(")", 1)[1].split()[0] != "Z"


def cmd_assemble(args):
    recs = load_records(args.records)
    closed = [r for r in recs if r["labels"].get("loop") == "closed"]
    opened = [r for r in recs if r["labels"].get("loop") == "open"]
    with open(args.meta) as f:
        meta = dict(l.rstrip("\n").split("\t", 1) for l in f if "\t" in l)
    sat = {}
    for k, v in meta.items():
        if k.startswith("saturation."):
            sat[k[len("saturation."):]] = float(v)
    server_pid = int(meta["server_pid"])
    doc = {
        "what": "Redis (Debian's redis-server) measured on this machine by bench/redis/redis_harness.sh: "
        "closed loop with redis-benchmark and open loop (Poisson arrivals, latency from the "
        "scheduled send time) with bench/redis/redis_open_loop, per command kind, with the server's "
        "CPU per operation. Server and load generator pinned to different cores.",
        "form": meta["form"],
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "harness_command": meta["harness_command"],
        "elapsed_s": round(float(meta["end_time"]) - float(meta["start_time"]), 1),
        "machine": machine(),
        "load_average": {
            "start": [float(x) for x in meta["loadavg_start"].split()],
            "end": [float(x) for x in meta["loadavg_end"].split()],
            "waited_for_quiet_s": float(meta.get("waited_for_quiet_s", "0")),
            "note": "the machine is shared; each row also gives the 1-minute load average range over "
            "its repetitions",
        },
        "software": software(meta["generator"]),
        "server": {
            "command": meta["server_command"],
            "pid": server_pid,
            "server_cpu": meta["server_cpu"],
            "generator_cpus": meta["generator_cpus"],
            "stopped_by": "kill -TERM <pid>",
            "alive_after_stop": pid_alive(server_pid),
        },
        "dataset": {
            "n": int(meta["dataset_n"]),
            "keys": {
                "key:%012d": "N strings, value 100 bytes (GET/SET 100 B, MGET)",
                "big:%012d": "N strings, value 1024 bytes (GET/SET 1 KiB)",
                "hash:%012d": "N hashes, %d fields field_00.. of 32 bytes (HGETALL)" % HASH_FIELDS,
            },
            "key_choice": "uniform random index in [0, N) per key (redis-benchmark -r N, "
            "redis_open_loop --keyspace N)",
            "load_command": meta["load_command"],
            "load_output": meta["load_output"],
            "load_s": float(meta["load_s"]),
            "dbsize": int(meta["dbsize"]),
            "used_memory": meta.get("used_memory"),
        },
        "method": {
            "closed_loop": "redis-benchmark --csv -r N with a custom command per kind (so 1 KiB "
            "writes go to big: keys and leave the 100 B keys as loaded), clients 1 and 50, "
            "pipeline 1 and 16; medians over repetitions; latency from redis-benchmark (ms)",
            "saturation": "median closed-loop ops/s at 50 clients, pipeline 1 (per kind)",
            "open_loop": "redis_open_loop: Poisson arrivals (seed fixed), round-robin over the "
            "connections, busy-polled; latency from the scheduled send time to the reply, service "
            "latency from the actual write, send lag = actual - scheduled; medians over "
            "repetitions (us)",
            "foreign_cpu": "per run, CPU used by neither the server nor the load generator "
            "(other work on the shared machine), in cores, from /proc/stat",
            "cpu": "server CPU per operation from /proc/<pid>/schedstat of its main thread over the "
            "measured window (open loop) or the whole run (closed loop); process utime+stime is also "
            "given (10 ms ticks); usec_per_call from INFO commandstats after CONFIG RESETSTAT "
            "(time inside the command only, no I/O)",
            "open_loop_settings": meta.get("open_settings"),
            "closed_loop_reps": int(meta["closed_reps"]),
            "open_loop_reps": int(meta["open_reps"]),
        },
        "saturation_ops_per_s": sat,
        "closed_loop": summarise_closed(closed),
        "open_loop": summarise_open(opened),
    }
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def fmt(x, digits=0):
    return "-" if x is None else ("{:,.%df}" % digits).format(x)


def cmd_table(args):
    """Markdown tables of an assembled file, for calibration/redis_commands_local.md."""
    with open(args.file) as f:
        doc = json.load(f)
    closed = doc["closed_loop"]
    opened = doc["open_loop"]
    out = []
    out.append("| command | saturation ops/s | server util there | server CPU us/op there "
               "| usec_per_call | c1 P1 ops/s | c1 P16 ops/s | c50 P16 ops/s | foreign cores (max) |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind in sorted({r["kind"] for r in closed}, key=kind_rank):
        by = {(r["clients"], r["pipeline"]): r for r in closed if r["kind"] == kind}
        sat = by.get((50, 1), {})
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            kind, fmt(doc["saturation_ops_per_s"].get(kind)), fmt(sat.get("server_cpu_util"), 2),
            fmt(sat.get("server_cpu_us_per_op"), 2), fmt(sat.get("server_usec_per_call"), 2),
            *(fmt(by.get(k, {}).get("ops_per_s_median")) for k in ((1, 1), (1, 16), (50, 16))),
            fmt(max([r.get("foreign_cpu_cores_max") or 0 for r in by.values()]), 2)))
    out.append("")
    out.append("Open loop, latency from the scheduled send time (us, median over repetitions); "
               "server CPU per operation from its main thread's run time:")
    out.append("")
    out.append("| command | load | offered ops/s | achieved ops/s | p50 us | p99 us | p99.9 us "
               "| service p99 us | send lag p99 us | server util | server CPU us/op "
               "| foreign cores (max) |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in opened:
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["kind"], r["fraction_of_saturation"] if r["fraction_of_saturation"] else "-",
            fmt(r["offered_rate"]), fmt(r["throughput_median"]),
            fmt(r["latency_us_median"]["p50"], 1), fmt(r["latency_us_median"]["p99"], 1),
            fmt(r["latency_us_median"]["p99_9"], 1), fmt(r["service_latency_us_median"]["p99"], 1),
            fmt(r["send_lag_us_median"]["p99"], 1), fmt(r["server_cpu_util"], 2),
            fmt(r["server_cpu_us_per_op"], 2), fmt(r.get("foreign_cpu_cores_max"), 2)))
    print("\n".join(out))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    d = sub.add_parser("dataset")
    d.add_argument("n", type=int)
    m = sub.add_parser("measure")
    m.add_argument("--port", type=int, required=True)
    m.add_argument("--server-pid", type=int, required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--label", action="append", default=[])
    m.add_argument("cmd", nargs=argparse.REMAINDER)
    s = sub.add_parser("saturation")
    s.add_argument("dir")
    s.add_argument("kind")
    a = sub.add_parser("assemble")
    a.add_argument("--records", required=True)
    a.add_argument("--meta", required=True)
    a.add_argument("--out", required=True)
    t = sub.add_parser("table")
    t.add_argument("file")
    args = p.parse_args()
    if args.what == "measure":
        if args.cmd and args.cmd[0] == "--":
            args.cmd = args.cmd[1:]
        if not args.cmd:
            p.error("measure needs a command after --")
    {"dataset": cmd_dataset, "measure": cmd_measure, "saturation": cmd_saturation,
     "assemble": cmd_assemble, "table": cmd_table}[args.what](args)


if __name__ == "__main__":
    main()
