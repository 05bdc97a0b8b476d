#!/usr/bin/python3
"""`scalesim export` end to end: the artefacts validate, and their numbers are the config's and
the run's.

Usage: export_test.py --scalesim BIN --source-dir DIR [--keep]

1. Kubernetes: every pattern and composite template with a model_server, llm_engine or
   feature_lookup, the four LLM examples and a TensorRT-LLM variant of llm_serving_azure.yaml
   export and pass validate_artifacts.py kubernetes; per component the Deployment's replicas
   (config, default 1; prefill + decode for a disaggregated engine), the GPU limit
   (tensor_parallel x pipeline_parallel, 1 for a GPU model server, none on a CPU), the memory
   request (ceil(host_memory_per_replica_bytes / MiB) of `scalesim run --json`), Triton's
   config.pbtxt against dynamic_batching (and the ConfigMap mounted), vLLM's engine arguments
   against the scheduler, the Redis StatefulSet's nodes (shards x (1 + replicas)) and
   --maxmemory (round(memory_per_shard_bytes x 1.3)), the HPA bounds, MIG resource names
   (NVIDIA's published profiles), label values of at most 63 characters, and each file's
   provenance comment (the config and "scalesim run").
2. Kubeflow and MLflow: ml_pipeline.yaml and continuous_training.yaml validate; the DAG's
   dependentTasks are the stages' `after:` lists; the training executor asks for gpus_per_node
   GPUs; MLflow's `main` runs the stages in an order that respects `after:`.
3. Feast: feature_store.yaml and every composite with a feature_lookup validate; redis_type is
   redis_cluster exactly when shards > 1; a copy with `ttl: 6h` gives key_ttl_seconds 21600 and
   ttl=timedelta(seconds=21600).
4. Sweeps: --from-sweep takes the optimum's (or --point N's) value of components.complex.replicas
   and says so in the comments; editing the point's value in /sweep/points changes the export.
5. Bad input: exit status, message, and no file written.
6. Determinism: the same export twice gives byte-identical files.
7. Long config names: object names stay distinct and label values stay within 63 characters.

Prints each check's subject and timings; exit 1 with the list of failures.
"""
import argparse
import ast
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import h5py
import yaml

MIB = 1024.0 * 1024.0
SERVING = ("model_server", "llm_engine", "feature_lookup")
LLM_EXAMPLES = ("llm_serving_azure", "llm_tp70b_h100", "llm_pipeline_l40s",
                "llm_disaggregated_h100")
VLLM_DEFAULT_MAX_NUM_SEQS = 256
REDIS_HEADROOM = 1.3

# NVIDIA's MIG profiles (GPU operator, mixed strategy: nvidia.com/mig-<profile>) by GPU memory.
MIG_PROFILES = {
    "40GB": {1: "1g.5gb", 2: "2g.10gb", 3: "3g.20gb", 4: "4g.20gb", 7: "7g.40gb"},
    "80GB": {1: "1g.10gb", 2: "2g.20gb", 3: "3g.40gb", 4: "4g.40gb", 7: "7g.80gb"},
    "141GB": {1: "1g.18gb", 2: "2g.35gb", 3: "3g.71gb", 4: "4g.71gb", 7: "7g.141gb"},
}

failures = []
timings = []


def fail(where, message):
    failures.append("%s: %s" % (where, message))
    print("  FAIL %s: %s" % (where, message))


def check(cond, where, message):
    if not cond:
        fail(where, message)
    return bool(cond)


class Section:
    def __init__(self, title):
        self.title = title

    def __enter__(self):
        print("\n== %s" % self.title, flush=True)
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc):
        took = time.monotonic() - self.start
        timings.append((self.title, took))
        print("   (%.1f s)" % took, flush=True)
        return False


# --------------------------------------------------------------------------
# running scalesim


def run(cmd, timeout=120):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        fail(" ".join(cmd), "timed out after %d s" % timeout)
        return subprocess.CompletedProcess(cmd, 124, "", "timed out")
    except OSError as e:
        fail(" ".join(cmd), "cannot run: %s" % e)
        return subprocess.CompletedProcess(cmd, 127, "", str(e))


def export(args, config, target, out, *extra):
    return run([args.scalesim, "export", config, "--to", target, "-o", out, *extra])


def export_ok(args, config, target, out, *extra):
    """Exports, checks exit 0 and that the files listed on stdout are the folder's files."""
    where = "%s --to %s%s" % (os.path.basename(config), target, " " + " ".join(extra) if extra else "")
    p = export(args, config, target, out, *extra)
    if not check(p.returncode == 0, where, "exit %d: %s" % (p.returncode, p.stderr.strip())):
        return False
    listed = sorted(os.path.basename(line) for line in p.stdout.splitlines() if line.strip())
    present = sorted(os.listdir(out))
    check(listed == present, where, "stdout lists %s, the folder holds %s" % (listed, present))
    return True


def validate(args, target, out, where):
    p = run([sys.executable, os.path.join(args.source_dir, "tests/deploy/validate_artifacts.py"),
             target, out])
    return check(p.returncode == 0, where, "validate_artifacts.py %s: exit %d\n%s%s" %
                 (target, p.returncode, p.stdout, p.stderr))


def run_json(args, config):
    p = run([args.scalesim, "run", config, "--json"])
    if p.returncode != 0:
        fail(config, "scalesim run --json: exit %d: %s" % (p.returncode, p.stderr.strip()))
        return None
    return {c["name"]: c for c in json.loads(p.stdout)["components"]}


# --------------------------------------------------------------------------
# reading configs and artefacts


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f)


def load_docs(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def read(path):
    with open(path) as f:
        return f.read()


_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0,
          "d": 86400.0}


def seconds(value):
    if isinstance(value, (int, float)):
        return float(value)
    m = re.fullmatch(r"\s*([0-9.eE+-]+)\s*([a-zµ]+)\s*", str(value))
    if not m or m.group(2) not in _UNITS:
        raise ValueError("not a duration: %r" % (value,))
    return float(m.group(1)) * _UNITS[m.group(2)]


def mebibytes(nbytes):
    return "%dMi" % max(1, math.ceil(max(nbytes, 0.0) / MIB))


def identifier(s):
    out = "".join(c.lower() if c.isalnum() else "_" for c in s)
    return "x_" + out if not out or out[0].isdigit() else out


def dns_label(s):
    out = ""
    for c in s:
        if c.isalnum():
            out += c.lower()
        elif out and out[-1] != "-":
            out += "-"
    out = out.rstrip("-")
    if not out or not out[0].isalpha():
        out = "x-" + out
    return out[:63].rstrip("-")


def leading_comments(text):
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def check_provenance(text, config, where):
    """The file opens with comment lines naming the config and the run they came from."""
    head = leading_comments(text)
    if not check(head, where, "does not start with a comment naming where it came from"):
        return
    check(config in head, where, "the leading comments do not name the config %s" % config)
    check("scalesim run" in head, where, "the leading comments do not say \"scalesim run\"")


def of_kind(docs, kind):
    return [d for d in docs if d.get("kind") == kind]


def container(workload):
    return workload["spec"]["template"]["spec"]["containers"][0]


def gpu_limits(c):
    limits = (c.get("resources") or {}).get("limits") or {}
    return {k: v for k, v in limits.items() if re.fullmatch(r"nvidia\.com/(gpu|mig-.+)", k)}


def engine_args(c):
    """--flag value pairs (a flag with no value maps to True)."""
    args = [str(a) for a in (c.get("args") or [])]
    out = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--") and "=" not in a:
            if i + 1 < len(args) and not args[i + 1].startswith("--"):
                out[a] = args[i + 1]
                i += 2
                continue
            out[a] = True
        i += 1
    return out


def pbtxt_fields(text):
    out = {}
    m = re.search(r"^\s*max_batch_size:\s*(\d+)", text, re.M)
    out["max_batch_size"] = int(m.group(1)) if m else None
    m = re.search(r"preferred_batch_size:\s*\[([^\]]*)\]", text)
    out["preferred_batch_size"] = [int(x) for x in m.group(1).split(",")] if m else None
    m = re.search(r"max_queue_delay_microseconds:\s*(\d+)", text)
    out["max_queue_delay_microseconds"] = int(m.group(1)) if m else None
    m = re.search(r"instance_group\s*\[\s*\{\s*count:\s*(\d+)", text)
    out["instances"] = int(m.group(1)) if m else None
    params = dict(re.findall(r'parameters \{ key: "([^"]+)" value: \{ string_value: "([^"]*)" \} \}',
                             text))
    out["parameters"] = params
    return out


def mounted_configmaps(workload):
    vols = workload["spec"]["template"]["spec"].get("volumes") or []
    return {(v.get("configMap") or {}).get("name") for v in vols if v.get("configMap")}


def scheduler_of(c):
    s = c.get("scheduler")
    if isinstance(s, str):
        return {"name": s}
    return dict(s or {})


# --------------------------------------------------------------------------
# 1. Kubernetes


def check_mig(resource, gpu, where):
    if "/" not in gpu:
        check(resource == "nvidia.com/gpu", where,
              "whole GPU %s asks for %s, not nvidia.com/gpu" % (gpu, resource))
        return
    base, slice_ = gpu.split("/", 1)
    g = int(re.match(r"(\d+)", slice_).group(1))
    table = next((t for size, t in MIG_PROFILES.items() if size in base), None)
    if table is None or g not in table:
        fail(where, "no published MIG profile for %s" % gpu)
        return
    want = "nvidia.com/mig-" + table[g]
    check(resource == want, where,
          "MIG instance %s asks for %s; NVIDIA's profile is %s" % (gpu, resource, want))


def check_hpas(docs, where):
    deployments = {d["metadata"]["name"]: d for d in of_kind(docs, "Deployment")}
    for h in of_kind(docs, "HorizontalPodAutoscaler"):
        spec = h["spec"]
        target = spec["scaleTargetRef"]["name"]
        lo, hi = spec.get("minReplicas", 1), spec["maxReplicas"]
        w = "%s HPA %s" % (where, h["metadata"]["name"])
        check(lo >= 1, w, "minReplicas %s < 1" % lo)
        check(lo <= hi, w, "minReplicas %s > maxReplicas %s" % (lo, hi))
        if check(target in deployments, w, "targets %s, not a Deployment of the file" % target):
            r = deployments[target]["spec"]["replicas"]
            check(hi >= r, w, "maxReplicas %s below the Deployment's replicas %s" % (hi, r))
            if lo > r:
                print("  note %s: minReplicas %d above the simulated replicas %d" % (w, lo, r))


def check_labels(docs, where):
    for d in docs:
        meta = d.get("metadata") or {}
        label_sets = [meta.get("labels") or {}]
        tmpl = ((d.get("spec") or {}).get("template") or {}).get("metadata") or {}
        label_sets.append(tmpl.get("labels") or {})
        for labels in label_sets:
            for k, v in labels.items():
                v = str(v)
                check(len(v) <= 63 and re.fullmatch(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?", v),
                      "%s %s %s" % (where, d.get("kind"), meta.get("name")),
                      "label %s=%s is not a valid label value (at most 63 characters)" % (k, v))


def check_model_server(cname, c, run_c, docs, where):
    deps = of_kind(docs, "Deployment")
    if not check(len(deps) == 1, where, "%d Deployments, expected 1" % len(deps)):
        return
    dep = deps[0]
    check(dep["spec"]["replicas"] == c.get("replicas", 1), where,
          "replicas %s, the config says %s" % (dep["spec"]["replicas"], c.get("replicas", 1)))
    ctr = container(dep)
    gl = gpu_limits(ctr)
    if "gpu" in c:
        if check(len(gl) == 1, where, "GPU limits %s, expected one GPU resource" % gl):
            (res, n), = gl.items()
            check(int(n) == 1, where, "GPU limit %s=%s, expected 1" % (res, n))
            check_mig(res, c["gpu"], where)
    else:
        check(not gl, where, "a CPU model server asks for GPUs %s" % gl)
    host = run_c.get("host_memory_per_replica_bytes")
    if check(host is not None, where, "scalesim run --json reports no host_memory_per_replica_bytes"):
        req = ctr["resources"]["requests"].get("memory")
        check(req == mebibytes(host), where,
              "memory request %s, the run says %s (%.0f bytes)" % (req, mebibytes(host), host))
        check(ctr["resources"]["limits"].get("memory") == req, where,
              "memory limit %s differs from the request %s" % (ctr["resources"]["limits"].get("memory"), req))
    cms = [d for d in of_kind(docs, "ConfigMap") if "config.pbtxt" in (d.get("data") or {})]
    if "gpu" in c:
        if not check(len(cms) == 1, where, "%d Triton ConfigMaps, expected 1" % len(cms)):
            return
    for cm in cms:
        check(cm["metadata"]["name"] in mounted_configmaps(dep), where,
              "ConfigMap %s is not mounted by the Deployment" % cm["metadata"]["name"])
        pb = pbtxt_fields(cm["data"]["config.pbtxt"])
        b = c.get("dynamic_batching") or {}
        if "max_batch_size" in b:
            check(pb["max_batch_size"] == b["max_batch_size"], where,
                  "config.pbtxt max_batch_size %s, the config says %s" % (pb["max_batch_size"], b["max_batch_size"]))
        if "preferred_batch_sizes" in b:
            check(pb["preferred_batch_size"] == list(b["preferred_batch_sizes"]), where,
                  "config.pbtxt preferred_batch_size %s, the config says %s" %
                  (pb["preferred_batch_size"], b["preferred_batch_sizes"]))
        if "max_queue_delay" in b:
            us = round(seconds(b["max_queue_delay"]) * 1e6)
            check(pb["max_queue_delay_microseconds"] == us, where,
                  "config.pbtxt max_queue_delay_microseconds %s, the config says %s (%d us)" %
                  (pb["max_queue_delay_microseconds"], b["max_queue_delay"], us))
        # Default instances: 1 per GPU; one per physical core of a CPU instance (docs/config.md).
        default_instances = 1 if "gpu" in c else CPU_CORES[c["cpu"]]
        check(pb["instances"] == c.get("instances", default_instances), where,
              "config.pbtxt instance_group count %s, the config says %s instances" %
              (pb["instances"], c.get("instances", 1)))


def check_llm_engine(cname, c, run_c, docs, where):
    deps = of_kind(docs, "Deployment")
    if not check(len(deps) == 1, where, "%d Deployments, expected 1" % len(deps)):
        return
    dep = deps[0]
    dis = c.get("disaggregation") or {}
    if dis:
        want = dis.get("prefill_replicas", 0) + dis.get("decode_replicas", 0)
    else:
        want = c.get("replicas", 1)
    check(dep["spec"]["replicas"] == want, where,
          "replicas %s, the config says %s" % (dep["spec"]["replicas"], want))
    tp, pp = c.get("tensor_parallel", 1), c.get("pipeline_parallel", 1)
    ctr = container(dep)
    gl = gpu_limits(ctr)
    if check(len(gl) == 1, where, "GPU limits %s, expected one GPU resource" % gl):
        (res, n), = gl.items()
        check(int(n) == tp * pp, where, "GPU limit %s=%s, expected tensor_parallel %d x "
              "pipeline_parallel %d = %d" % (res, n, tp, pp, tp * pp))
        check(int(n) == run_c.get("gpus_per_replica"), where, "GPU limit %s, the run says "
              "gpus_per_replica %s" % (n, run_c.get("gpus_per_replica")))
        check_mig(res, c["gpu"], where)
    host = run_c.get("host_memory_per_replica_bytes")
    if check(host is not None, where, "scalesim run --json reports no host_memory_per_replica_bytes"):
        req = ctr["resources"]["requests"].get("memory")
        check(req == mebibytes(host), where,
              "memory request %s, the run says %s (%.0f bytes)" % (req, mebibytes(host), host))
    s = scheduler_of(c)
    name = s.get("name", "vllm")
    if name == "tensorrt_llm":
        cms = [d for d in of_kind(docs, "ConfigMap") if "config.pbtxt" in (d.get("data") or {})]
        if check(len(cms) == 1, where, "%d TensorRT-LLM ConfigMaps, expected 1" % len(cms)):
            cm = cms[0]
            check(cm["metadata"]["name"] in mounted_configmaps(dep), where,
                  "ConfigMap %s (the simulated in-flight batching) is not mounted by the "
                  "Deployment, so Triton never reads it" % cm["metadata"]["name"])
            pb = pbtxt_fields(cm["data"]["config.pbtxt"])
            if "max_batch_size" in s:
                check(pb["max_batch_size"] == s["max_batch_size"], where,
                      "config.pbtxt max_batch_size %s, the config says %s" % (pb["max_batch_size"], s["max_batch_size"]))
            if "max_num_tokens" in s:
                check(pb["parameters"].get("max_num_tokens") == str(s["max_num_tokens"]), where,
                      "max_num_tokens %s, the config says %s" % (pb["parameters"].get("max_num_tokens"), s["max_num_tokens"]))
            if "enable_chunked_context" in s:
                want = "true" if s["enable_chunked_context"] else "false"
                check(pb["parameters"].get("enable_chunked_context") == want, where,
                      "enable_chunked_context %s, the config says %s" % (pb["parameters"].get("enable_chunked_context"), want))
        return
    a = engine_args(ctr)
    check(a.get("--tensor-parallel-size") == str(tp), where,
          "--tensor-parallel-size %s, the config says %d" % (a.get("--tensor-parallel-size"), tp))
    if pp > 1:
        check(a.get("--pipeline-parallel-size") == str(pp), where,
              "--pipeline-parallel-size %s, the config says %d" % (a.get("--pipeline-parallel-size"), pp))
    else:
        check("--pipeline-parallel-size" not in a, where, "--pipeline-parallel-size without pipeline_parallel")
    if name == "vllm":
        seqs = s.get("max_num_seqs", VLLM_DEFAULT_MAX_NUM_SEQS)
        check(a.get("--max-num-seqs") == str(seqs), where,
              "--max-num-seqs %s, the config (or vLLM's default) says %s" % (a.get("--max-num-seqs"), seqs))
    for key, flag in (("max_num_batched_tokens", "--max-num-batched-tokens"),
                      ("max_model_len", "--max-model-len"), ("block_size", "--block-size")):
        if key in s:
            check(a.get(flag) == str(s[key]), where,
                  "%s %s, the config says %s" % (flag, a.get(flag), s[key]))
    if "gpu_memory_utilization" in s:
        check(a.get("--gpu-memory-utilization") is not None and
              abs(float(a["--gpu-memory-utilization"]) - s["gpu_memory_utilization"]) < 1e-9, where,
              "--gpu-memory-utilization %s, the config says %s" % (a.get("--gpu-memory-utilization"), s["gpu_memory_utilization"]))
    chunked = bool(s.get("enable_chunked_prefill", False))
    check(("--enable-chunked-prefill" in a) == chunked, where,
          "--enable-chunked-prefill %s, the config's enable_chunked_prefill is %s" %
          ("given" if "--enable-chunked-prefill" in a else "absent", chunked))


def check_feature_lookup(cname, c, run_c, docs, where):
    sts = of_kind(docs, "StatefulSet")
    if not check(len(sts) == 1, where, "%d StatefulSets, expected 1" % len(sts)):
        return
    st = sts[0]
    # The controller labels each pod controller-revision-hash=<name>-<10 characters> and names
    # it <name>-<ordinal>: both must stay within 63 characters.
    name = st["metadata"]["name"]
    check(len(name) <= 52, where, "StatefulSet name %s has %d characters: its pods' "
          "controller-revision-hash label would pass 63 (at most 52)" % (name, len(name)))
    shards, reps = c.get("shards", 3), c.get("replicas", 1)
    check(st["spec"]["replicas"] == shards * (1 + reps), where,
          "StatefulSet replicas %s, expected shards %d x (1 + replicas %d) = %d" %
          (st["spec"]["replicas"], shards, reps, shards * (1 + reps)))
    svc = [d for d in of_kind(docs, "Service") if d["metadata"]["name"] == st["spec"].get("serviceName")]
    check(svc and svc[0]["spec"].get("clusterIP") == "None", where,
          "serviceName %s is not a headless Service of the file" % st["spec"].get("serviceName"))
    per_shard = run_c.get("memory_per_shard_bytes")
    if check(per_shard is not None, where, "scalesim run --json reports no memory_per_shard_bytes"):
        a = engine_args(container(st))
        want = "%d" % round(per_shard * REDIS_HEADROOM)
        check(a.get("--maxmemory") == want, where,
              "--maxmemory %s, expected round(%.1f x %.1f) = %s" % (a.get("--maxmemory"), per_shard, REDIS_HEADROOM, want))


def kubernetes_case(args, tmp, config, label=None):
    """Exports CONFIG --to kubernetes and checks it against the config and a run of it."""
    if label is None:
        label = (os.path.relpath(config, args.source_dir) if config.startswith(args.source_dir + os.sep)
                 else os.path.basename(config))
    out = os.path.join(tmp, "k8s", re.sub(r"[^A-Za-z0-9_.-]", "_", label))
    start = time.monotonic()
    if not export_ok(args, config, "kubernetes", out):
        return
    took_export = time.monotonic() - start
    validate(args, "kubernetes", out, label)
    cfg = load_yaml(config)
    ran = run_json(args, config) or {}
    names = []
    for cname, c in cfg["components"].items():
        kind = c.get("type")
        if kind not in SERVING:
            continue
        where = "%s %s" % (label, cname)
        path = os.path.join(out, cname + ".yaml")
        if not check(os.path.exists(path), where, "no %s.yaml written for the %s" % (cname, kind)):
            continue
        text = read(path)
        docs = load_docs(path)
        check_provenance(text, config, where)
        check_labels(docs, where)
        for d in docs:
            comp = ((d.get("metadata") or {}).get("labels") or {}).get("app.kubernetes.io/component")
            check(comp == dns_label(cname), where, "%s %s labelled component %s" % (d.get("kind"), d["metadata"].get("name"), comp))
            names.append((d.get("kind"), d["metadata"].get("name")))
        run_c = ran.get(cname, {})
        if kind == "model_server":
            check_model_server(cname, c, run_c, docs, where)
        elif kind == "llm_engine":
            check_llm_engine(cname, c, run_c, docs, where)
        else:
            check_feature_lookup(cname, c, run_c, docs, where)
        check_hpas(docs, where)
    want = sorted(n + ".yaml" for n, c in cfg["components"].items() if c.get("type") in SERVING)
    check(sorted(os.listdir(out)) == want, label,
          "wrote %s, expected one file per serving component %s" % (sorted(os.listdir(out)), want))
    dup = sorted({n for n in names if names.count(n) > 1})
    check(not dup, label, "objects of the same kind and name from different components: %s" % dup)
    print("  %-48s %d files, export %.2f s" % (label, len(os.listdir(out)), took_export))


def serving_templates(args):
    out = []
    for path in sorted(glob.glob(os.path.join(args.source_dir, "configs/patterns/*.yaml")) +
                       glob.glob(os.path.join(args.source_dir, "configs/composites/*.yaml"))):
        cfg = load_yaml(path)
        types = {c.get("type") for c in (cfg.get("components") or {}).values()}
        if types & set(SERVING):
            out.append(path)
    return out


def absolute_files(text, config_dir):
    """Trace `file:` paths made absolute, so a copy elsewhere reads the same trace."""
    def fix(m):
        p = m.group(2)
        return m.group(1) + (p if os.path.isabs(p) else os.path.normpath(os.path.join(config_dir, p)))
    return re.sub(r"^(\s+file:\s*)(\S+)\s*$", fix, text, flags=re.M)


def tensorrt_llm_copy(args, tmp):
    src = os.path.join(args.source_dir, "configs/examples/llm_serving_azure.yaml")
    text = absolute_files(read(src), os.path.dirname(src))
    text, n = re.subn(r"^    scheduler:\n(?:      .*\n)+",
                      "    scheduler: {name: tensorrt_llm, max_batch_size: 128, max_num_tokens: 2048, "
                      "max_seq_len: 8192, enable_chunked_context: true}\n", text, flags=re.M)
    if not check(n == 1, src, "could not replace the scheduler block for the TensorRT-LLM copy"):
        return None
    path = os.path.join(tmp, "configs", "llm_serving_trtllm.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


# --------------------------------------------------------------------------
# 2. Kubeflow and MLflow


def pipeline_components(cfg):
    return {n: c for n, c in cfg["components"].items() if c.get("type") == "pipeline"}


def check_kubeflow(args, tmp, config):
    label = os.path.basename(config)
    out = os.path.join(tmp, "kubeflow", label)
    if not export_ok(args, config, "kubeflow", out):
        return
    validate(args, "kubeflow", out, label + " kubeflow")
    cfg = load_yaml(config)
    for pname, p in pipeline_components(cfg).items():
        where = "%s kubeflow %s" % (label, pname)
        path = os.path.join(out, pname + ".pipeline.yaml")
        if not check(os.path.exists(path), where, "no %s.pipeline.yaml" % pname):
            continue
        check_provenance(read(path), config, where)
        docs = load_docs(path)
        spec = docs[0]
        tasks = spec["root"]["dag"]["tasks"]
        executors = spec["deploymentSpec"]["executors"]
        stages = p["stages"]
        check(set(tasks) == {dns_label(s) for s in stages}, where,
              "tasks %s, the config's stages %s" % (sorted(tasks), sorted(stages)))
        for sname, s in stages.items():
            t = tasks.get(dns_label(sname))
            if t is None:
                continue
            want = sorted(dns_label(a) for a in (s.get("after") or []))
            got = sorted(t.get("dependentTasks") or [])
            check(got == want, where, "task %s dependentTasks %s, the config's after: %s" % (sname, got, want))
            comp = spec["components"][t["componentRef"]["name"]]
            ex = executors[comp["executorLabel"]]
            acc = ex["container"].get("resources", {}).get("accelerator")
            if "training" in s:
                gpus = s["training"].get("gpus_per_node", 1)
                if check(acc is not None, where, "training stage %s asks for no accelerator" % sname):
                    check(str(acc.get("resourceCount")) == str(gpus), where,
                          "stage %s accelerator resourceCount %s, training gpus_per_node %s" %
                          (sname, acc.get("resourceCount"), gpus))
                    check(acc.get("resourceType") == "nvidia.com/gpu", where,
                          "stage %s accelerator type %s" % (sname, acc.get("resourceType")))
            elif s.get("resource") != "gpu":
                check(acc is None, where, "stage %s (no GPU) asks for an accelerator" % sname)
        print("  %-48s %d tasks" % (where, len(tasks)))


def check_mlflow(args, tmp, config):
    label = os.path.basename(config)
    out = os.path.join(tmp, "mlflow", label)
    if not export_ok(args, config, "mlflow", out):
        return
    validate(args, "mlflow", out, label + " mlflow")
    where = label + " mlflow"
    path = os.path.join(out, "MLproject")
    check_provenance(read(path), config, where)
    proj = load_yaml(path)
    cfg = load_yaml(config)
    pipes = pipeline_components(cfg)
    entries = proj["entry_points"]
    main = [m.group(1) for m in re.finditer(r"-e (\S+)", entries["main"]["command"])]
    for pname, p in pipes.items():
        ident = (lambda s: identifier(pname + "_" + s)) if len(pipes) > 1 else identifier
        for sname, s in p["stages"].items():
            e = ident(sname)
            if not check(e in entries, where, "no entry point %s for stage %s" % (e, sname)):
                continue
            check(e in main, where, "main does not run %s" % e)
            for a in s.get("after") or []:
                if e in main and ident(a) in main:
                    check(main.index(ident(a)) < main.index(e), where,
                          "main runs %s before %s, which it must follow" % (e, ident(a)))
            if "training" in s:
                d = entries[e]["parameters"]["gpus"]["default"]
                check(d == s["training"].get("gpus_per_node", 1), where,
                      "stage %s gpus default %s, training gpus_per_node %s" % (sname, d, s["training"].get("gpus_per_node", 1)))
    print("  %-48s %d entry points" % (where, len(entries)))


# --------------------------------------------------------------------------
# 3. Feast


def check_feast(args, tmp, config, ttl_s=None, label=None):
    label = label or os.path.basename(config)
    out = os.path.join(tmp, "feast", re.sub(r"[^A-Za-z0-9_.-]", "_", label))
    if not export_ok(args, config, "feast", out):
        return
    validate(args, "feast", out, label + " feast")
    where = label + " feast"
    cfg = load_yaml(config)
    stores = [(n, c) for n, c in cfg["components"].items() if c.get("type") == "feature_lookup"]
    fsy = read(os.path.join(out, "feature_store.yaml"))
    check_provenance(fsy, config, where + " feature_store.yaml")
    repo = yaml.safe_load(fsy)
    online = repo["online_store"]
    shards = stores[0][1].get("shards", 3)
    want = "redis_cluster" if shards > 1 else "redis"
    check(online.get("redis_type") == want, where,
          "redis_type %s with %d shards, expected %s" % (online.get("redis_type"), shards, want))
    hosts = [h for h in str(online.get("connection_string", "")).split(",") if ":" in h]
    check(len(hosts) == shards, where, "connection_string names %d nodes, %d shards" % (len(hosts), shards))
    py = read(os.path.join(out, "features.py"))
    doc = ast.get_docstring(ast.parse(py)) or ""
    check("scalesim run" in doc and config in doc, where,
          "features.py's docstring does not name %s and the run" % config)
    views = [n for n in ast.walk(ast.parse(py)) if isinstance(n, ast.Call) and
             getattr(n.func, "id", None) == "FeatureView"]
    check(len(views) == len(stores), where, "%d FeatureViews for %d feature_lookup components" % (len(views), len(stores)))
    if ttl_s is None:
        check("key_ttl_seconds" not in online, where, "key_ttl_seconds without a ttl in the config")
        check("ttl=" not in py, where, "a FeatureView ttl without a ttl in the config")
    else:
        check(online.get("key_ttl_seconds") == ttl_s, where,
              "key_ttl_seconds %s, the config's ttl is %d s" % (online.get("key_ttl_seconds"), ttl_s))
        check("ttl=timedelta(seconds=%d)" % ttl_s in py, where,
              "features.py has no ttl=timedelta(seconds=%d)" % ttl_s)
    print("  %-48s %s, %d shard(s)%s" % (where, online.get("redis_type"), shards,
                                        ", ttl %s s" % online.get("key_ttl_seconds") if ttl_s else ""))


def feature_store_with_ttl(args, tmp):
    src = os.path.join(args.source_dir, "configs/patterns/feature_store.yaml")
    text, n = re.subn(r"^(  features:\n    type: feature_lookup\n)", r"\1    ttl: 6h\n", read(src), flags=re.M)
    check(n == 1, src, "could not add ttl to components.features")
    text = re.sub(r"^end: .*$", "end: {time: 5s}", text, flags=re.M)
    path = os.path.join(tmp, "configs", "feature_store_ttl.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


# --------------------------------------------------------------------------
# 4. Sweeps


REPLICAS_PATH = "components.complex.replicas"
BASE_REPLICAS = 4  # the copy's own value, unlike every swept one


def replicas_line(text):
    """(replicas, comment) of the Deployment's `  replicas: N  # comment` line."""
    m = re.search(r"^  replicas: (\d+)(?:  # (.*))?$", text, re.M)
    return (int(m.group(1)), m.group(2) or "") if m else (None, "")


def check_sweep(args, tmp):
    d = os.path.join(tmp, "sweep")
    os.makedirs(d)
    base = os.path.join(d, "cascade.yaml")
    text, n = re.subn(r"(complex_replicas: &complex_replicas )1\b", r"\g<1>%d" % BASE_REPLICAS,
                      read(os.path.join(args.source_dir, "configs/patterns/cascade.yaml")))
    check(n == 1, base, "could not set the copy's complex replicas knob")
    with open(base, "w") as f:
        f.write(text)
    spec = os.path.join(d, "replicas.yaml")
    with open(spec, "w") as f:
        f.write("name: export-test-replicas\n"
                "description: \"BERT-large replicas of the cascade, for scalesim export --from-sweep\"\n"
                "base: %s\n"
                "set:\n  end.time: 10s\n"
                "design: grid\nreplications: 1\n"
                "parameters:\n  - {path: %s, values: [1, 2]}\n"
                "metrics: [done.p99_latency_s, cost.per_hour]\n"
                "constraints:\n  - {name: \"p99 latency\", metric: done.p99_latency_s, target: \"< 50ms\"}\n"
                "objective: {minimize: cost.per_hour}\n" % (base, REPLICAS_PATH))
    h5 = os.path.join(d, "S.h5")
    p = run([args.scalesim, "sweep", spec, "-o", h5])
    if not check(p.returncode == 0 and os.path.exists(h5), "sweep",
                 "scalesim sweep: exit %d: %s" % (p.returncode, p.stderr.strip())):
        return None
    with h5py.File(h5, "r") as f:
        g = f["/sweep"]
        optimum = int(g.attrs["optimum"])
        params = [x.decode() if isinstance(x, bytes) else str(x) for x in g["parameters"][()]]
        k = params.index(REPLICAS_PATH)
        raw = g["points"][()]
        values = [(r[k].decode() if isinstance(r[k], bytes) else str(r[k])) for r in raw]
        dtype = g["points"].dtype
    print("  sweep: points %s, optimum %d, /sweep/points dtype %s" % (values, optimum, dtype))
    if not check(optimum >= 0, "sweep", "no optimum (point 0 should meet p99 < 50 ms)"):
        return h5

    def exported(out, *extra):
        """(replicas, its comment, complex.yaml's text), or None when the export failed."""
        if not export_ok(args, base, "kubernetes", out, "--from-sweep", h5, *extra):
            return None
        text = read(os.path.join(out, "complex.yaml"))
        return replicas_line(text) + (text,)

    out = os.path.join(d, "optimum")
    r = exported(out)
    if r is not None:
        validate(args, "kubernetes", out, "export --from-sweep")
        replicas, comment, text = r
        check(replicas == int(values[optimum]), "export --from-sweep",
              "complex replicas %s, the optimum (point %d) has %s" % (replicas, optimum, values[optimum]))
        check(h5 in comment and "point %d" % optimum in comment, "export --from-sweep",
              "the replicas comment does not name the sweep and its point: %r" % comment)
        head = leading_comments(text)
        check(h5 in head and "optimum" in head, "export --from-sweep",
              "the leading comments do not name the sweep's optimum: %r" % head)
        check("10 s simulated" in head, "export --from-sweep",
              "the sweep's set: end.time 10s is not what was run: %r" % head)
        print("  optimum point %d -> replicas %s  # %s" % (optimum, replicas, comment))
    for i, v in enumerate(values):
        r = exported(os.path.join(d, "point%d" % i), "--point", str(i))
        if r is not None:
            check(r[0] == int(v), "export --point %d" % i, "complex replicas %s, point %d has %s" % (r[0], i, v))
            check("point %d" % i in r[1], "export --point %d" % i, "the replicas comment names no point %d: %r" % (i, r[1]))
    # Edit the optimum's value in place: the export follows the file, not a cache of it.
    edited = os.path.join(d, "S_edited.h5")
    shutil.copyfile(h5, edited)
    with h5py.File(edited, "r+") as f:
        pts = f["/sweep/points"]
        row = pts[optimum]
        if pts.dtype.kind == "S":
            check(pts.dtype.itemsize >= 1, "sweep", "points dtype %s too narrow" % pts.dtype)
            row[k] = b"3"
        else:
            row[k] = "3"
        pts[optimum] = row
    out = os.path.join(d, "edited")
    if export_ok(args, base, "kubernetes", out, "--from-sweep", edited):
        text = read(os.path.join(out, "complex.yaml"))
        check(re.search(r"^  replicas: 3(  #|$)", text, re.M), "export of the edited sweep",
              "replicas: 3 is not in complex.yaml after setting the point's value to 3")
        check("replicas=3" in replicas_line(text)[1], "export of the edited sweep",
              "the replicas comment does not say replicas=3: %r" % replicas_line(text)[1])
        print("  edited /sweep/points[%d] to 3 -> replicas %s" % (optimum, replicas_line(text)[0]))
    return h5, base


# --------------------------------------------------------------------------
# 5. Bad input


def bad_input(args, tmp, where, cmd_tail, code, *phrases):
    out = os.path.join(tmp, "bad", re.sub(r"[^A-Za-z0-9]+", "_", where))
    p = run([args.scalesim, "export", *cmd_tail, "-o", out])
    msg = (p.stderr + p.stdout).strip()
    check(p.returncode == code, where, "exit %d, expected %d: %s" % (p.returncode, code, msg))
    for phrase in phrases:
        check(phrase in msg, where, "message lacks %r: %s" % (phrase, msg))
    check(not os.path.exists(out) or not os.listdir(out), where,
          "wrote %s despite failing" % (os.listdir(out) if os.path.exists(out) else ""))
    print("  %-40s exit %d: %s" % (where, p.returncode, msg.splitlines()[-1] if msg else ""))


# --------------------------------------------------------------------------
# 6. Determinism


def same_files(a, b):
    fa, fb = sorted(os.listdir(a)), sorted(os.listdir(b))
    if fa != fb:
        return "file lists differ: %s vs %s" % (fa, fb)
    for name in fa:
        with open(os.path.join(a, name), "rb") as x, open(os.path.join(b, name), "rb") as y:
            if x.read() != y.read():
                return "%s differs" % name
    return None


# --------------------------------------------------------------------------


CPU_CORES = {}  # catalog CPU instance -> physical cores (filled from `scalesim info hardware`)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scalesim", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    args.scalesim = os.path.abspath(args.scalesim)
    args.source_dir = os.path.abspath(args.source_dir)
    cfgdir = os.path.join(args.source_dir, "configs")
    catalog = json.loads(subprocess.run([args.scalesim, "info", "hardware", "--json"], check=True,
                                        capture_output=True, text=True).stdout)
    CPU_CORES.update({name: cpu["cores"] for name, cpu in catalog["cpus"].items()})
    tmp = tempfile.mkdtemp(prefix="scalesim-export-test-")
    os.makedirs(os.path.join(tmp, "configs"))
    started = time.monotonic()
    try:
        with Section("1. Kubernetes: templates and LLM examples"):
            configs = serving_templates(args)
            configs += [os.path.join(cfgdir, "examples", n + ".yaml") for n in LLM_EXAMPLES]
            for config in configs:
                kubernetes_case(args, tmp, config)
            trt = tensorrt_llm_copy(args, tmp)
            if trt:
                kubernetes_case(args, tmp, trt, "llm_serving_azure (tensorrt_llm copy)")

        with Section("2. Kubeflow and MLflow"):
            for name in ("ml_pipeline", "continuous_training"):
                config = os.path.join(cfgdir, "patterns", name + ".yaml")
                check_kubeflow(args, tmp, config)
                check_mlflow(args, tmp, config)

        with Section("3. Feast"):
            feast = [os.path.join(cfgdir, "patterns/feature_store.yaml")]
            feast += [p for p in sorted(glob.glob(os.path.join(cfgdir, "composites/*.yaml")))
                      if any(c.get("type") == "feature_lookup" for c in load_yaml(p)["components"].values())]
            for config in feast:
                check_feast(args, tmp, config)
            check_feast(args, tmp, feature_store_with_ttl(args, tmp), ttl_s=6 * 3600,
                        label="feature_store.yaml + ttl: 6h")

        with Section("4. --from-sweep"):
            sweep = check_sweep(args, tmp)

        with Section("5. Bad input"):
            mm1 = os.path.join(cfgdir, "examples/mm1.yaml")
            fs = os.path.join(cfgdir, "patterns/feature_store.yaml")
            cascade = os.path.join(cfgdir, "patterns/cascade.yaml")
            bad_input(args, tmp, "mm1 --to kubernetes", [mm1, "--to", "kubernetes"], 3,
                      mm1, "no serving component")
            bad_input(args, tmp, "feature_store --to kubeflow", [fs, "--to", "kubeflow"], 3,
                      fs, "no ML pipeline")
            bad_input(args, tmp, "feature_store --to mlflow", [fs, "--to", "mlflow"], 3,
                      fs, "no ML pipeline")
            bad_input(args, tmp, "cascade --to feast", [cascade, "--to", "feast"], 3,
                      cascade, "no feature store")
            bad_input(args, tmp, "--to kubernets", [cascade, "--to", "kubernets"], 2,
                      "did you mean 'kubernetes'")
            bad_input(args, tmp, "--point without --from-sweep", [cascade, "--to", "kubernetes",
                                                                  "--point", "0"], 2, "--from-sweep")
            bad_input(args, tmp, "missing config", [os.path.join(tmp, "nonexistent.yaml"), "--to",
                                                    "kubernetes"], 3, "nonexistent.yaml")
            if sweep:
                h5, base = sweep
                ens = os.path.join(cfgdir, "patterns/ensemble.yaml")
                bad_input(args, tmp, "sweep of another config", [ens, "--to", "kubernetes",
                                                                 "--from-sweep", h5], 3,
                          "is a sweep of", "not of", ens)
                bad_input(args, tmp, "sweep of a copy", [cascade, "--to", "kubernetes",
                                                         "--from-sweep", h5], 3,
                          "is a sweep of", "not of")
                bad_input(args, tmp, "--point 99", [base, "--to", "kubernetes", "--from-sweep", h5,
                                                    "--point", "99"], 3, "no point 99")
                bad_input(args, tmp, "--point -1", [base, "--to", "kubernetes", "--from-sweep", h5,
                                                    "--point", "-1"], 2, "0 or more")
            bad_input(args, tmp, "not a sweep file", [cascade, "--to", "kubernetes", "--from-sweep",
                                                      cascade], 3, cascade)
            # Redis Cluster needs 3 masters: 2 shards cannot be deployed as simulated.
            two = os.path.join(tmp, "two_shards.yaml")
            with open(fs) as f:
                text = f.read()
            with open(two, "w") as f:
                f.write(re.sub(r"shards: &shards \d+", "shards: &shards 2", text))
            bad_input(args, tmp, "2 Redis shards", [two, "--to", "kubernetes"], 3, "at least 3 masters")
            # An earlier export is replaced only with --force; a folder of other files never.
            again = os.path.join(tmp, "again")
            check(run([args.scalesim, "export", cascade, "--to", "kubernetes", "-o", again]).returncode == 0,
                  "export twice", "the first export failed")
            p = run([args.scalesim, "export", cascade, "--to", "kubernetes", "-o", again])
            check(p.returncode == 2 and "--force" in p.stderr, "export twice", "not refused: " + p.stderr)
            with open(os.path.join(again, "stale.yaml"), "w") as f:
                f.write("# Generated by scalesim export from an earlier run.\n")
            p = run([args.scalesim, "export", cascade, "--to", "kubernetes", "-o", again, "--force"])
            check(p.returncode == 0 and not os.path.exists(os.path.join(again, "stale.yaml")),
                  "export --force", "stale file kept or failed: " + p.stderr)
            mine = os.path.join(tmp, "mine")
            os.makedirs(mine)
            with open(os.path.join(mine, "notes.txt"), "w") as f:
                f.write("mine\n")
            p = run([args.scalesim, "export", cascade, "--to", "kubernetes", "-o", mine, "--force"])
            check(p.returncode == 2 and os.listdir(mine) == ["notes.txt"], "folder of other files",
                  "not refused or touched: " + p.stderr)
            p = run([args.scalesim, "export", cascade, "--to", "kubernetes", "-o", "/dev/null/x"])
            check(p.returncode == 4 and "cannot write" in p.stderr, "unwritable output",
                  "exit %d: %s" % (p.returncode, p.stderr))

        with Section("6. Determinism"):
            cases = [("patterns/cascade.yaml", "kubernetes"), ("patterns/feature_store.yaml", "kubernetes"),
                     ("patterns/feature_store.yaml", "feast"), ("examples/llm_pipeline_l40s.yaml", "kubernetes"),
                     ("patterns/ml_pipeline.yaml", "kubeflow"), ("patterns/ml_pipeline.yaml", "mlflow")]
            for rel, target in cases:
                config = os.path.join(cfgdir, rel)
                a = os.path.join(tmp, "det", rel.replace("/", "_") + "." + target + ".1")
                b = a[:-1] + "2"
                if export_ok(args, config, target, a) and export_ok(args, config, target, b):
                    diff = same_files(a, b)
                    check(diff is None, "%s --to %s twice" % (rel, target), diff or "")
                    print("  %-48s %s" % ("%s --to %s" % (rel, target), "identical" if diff is None else diff))

        with Section("7. Long config names"):
            src = os.path.join(cfgdir, "patterns/feature_store.yaml")
            text = re.sub(r"^name: .*$", "name: recommendation_platform_feature_store_with_ranking_service_eu",
                          read(src), count=1, flags=re.M)
            text = re.sub(r"^end: .*$", "end: {time: 3s}", text, flags=re.M)
            # "ranker" and "rescorer" share their first letter, all a 63-character name keeps.
            text = text.replace("    to: {component: done, latency: 100us}\n",
                                "    to: {component: rescorer, latency: 100us}\n"
                                "  rescorer:\n    type: model_server\n    model: dlrm\n    gpu: A10\n"
                                "    to: {component: done, latency: 100us}\n", 1)
            path = os.path.join(tmp, "configs", "long_name.yaml")
            with open(path, "w") as f:
                f.write(text)
            kubernetes_case(args, tmp, path, "feature_store (63+ character name)")
    finally:
        if args.keep:
            print("\nkept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    total = time.monotonic() - started
    print("\ntimings: " + ", ".join("%s %.1f s" % (t.split(" ")[0].rstrip("."), s) for t, s in timings) +
          "; total %.1f s" % total)
    if failures:
        print("\n%d failure(s):" % len(failures))
        for f in failures:
            print("  - " + f)
        return 1
    print("all export checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
