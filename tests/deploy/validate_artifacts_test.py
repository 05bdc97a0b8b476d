#!/usr/bin/python3
"""Self-test of validate_artifacts.py: the bundled examples pass, and mutated
copies fail with a message that names the offending field.

Run: /usr/bin/python3 tests/deploy/validate_artifacts_test.py
Prints one line per case and a closing 'N passed, M failed'; exit status 1 if
any case failed.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
VALIDATOR = os.path.join(HERE, "validate_artifacts.py")
EXAMPLES = os.path.join(HERE, "examples")
PYTHON = sys.executable or "/usr/bin/python3"

results = []


def run(target, directory):
    proc = subprocess.run([PYTHON, VALIDATOR, target, directory], capture_output=True, text=True)
    return proc.returncode, proc.stdout + proc.stderr


def record(name, ok, detail=""):
    results.append(ok)
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, "" if ok else "\n    " + detail.replace("\n", "\n    ")))


def copy_example(target):
    tmp = tempfile.mkdtemp(prefix="deploy-test-")
    dst = os.path.join(tmp, target)
    shutil.copytree(os.path.join(EXAMPLES, target), dst)
    return tmp, dst


# --- mutation helpers ------------------------------------------------------

def edit_text(rel, old, new):
    def apply(d):
        path = os.path.join(d, rel)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        assert old in text, "test bug: %r not in %s" % (old, rel)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))
    return apply


def edit_yaml(rel, func):
    """func(list_of_documents) edits in place."""
    def apply(d):
        path = os.path.join(d, rel)
        with open(path, encoding="utf-8") as f:
            docs = [x for x in yaml.safe_load_all(f) if x is not None]
        func(docs)
        with open(path, "w", encoding="utf-8") as f:
            yaml.safe_dump_all(docs, f, sort_keys=False)
    return apply


def find(docs, kind):
    return next(d for d in docs if d.get("kind") == kind)


def container(docs):
    return find(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]


def add_file(rel, text):
    def apply(d):
        with open(os.path.join(d, rel), "w", encoding="utf-8") as f:
            f.write(text)
    return apply


# --- cases -----------------------------------------------------------------
# (target, name, mutation, [regexes that must all appear in one output line])

K8S = "serving.yaml"
KFP = "kubeflow_pipeline.yaml"


def k8s_replica(docs):
    spec = find(docs, "Deployment")["spec"]
    spec["replica"] = spec.pop("replicas")


def k8s_port_string(docs):
    container(docs)["ports"][0]["containerPort"] = "8000"


def k8s_unknown_kind(docs):
    find(docs, "ConfigMap")["kind"] = "ConfigMapp"


def k8s_gpu_mismatch(docs):
    container(docs)["resources"]["requests"]["nvidia.com/gpu"] = 1


def k8s_gpu_no_limit(docs):
    del container(docs)["resources"]["limits"]["nvidia.com/gpu"]


def k8s_selector(docs):
    find(docs, "Deployment")["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] = "llm"


def k8s_quantity(docs):
    container(docs)["resources"]["requests"]["memory"] = "64 GB"


def k8s_request_over_limit(docs):
    container(docs)["resources"]["requests"]["cpu"] = "32"


def k8s_hpa_v1(docs):
    find(docs, "HorizontalPodAutoscaler")["apiVersion"] = "autoscaling/v1"


def k8s_hpa_target(docs):
    find(docs, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]["name"] = "llm-server"


def k8s_hpa_bounds(docs):
    find(docs, "HorizontalPodAutoscaler")["spec"]["minReplicas"] = 9


def k8s_node_selector_int(docs):
    find(docs, "Deployment")["spec"]["template"]["spec"]["nodeSelector"]["gpu-count"] = 8


def k8s_pdb_both(docs):
    find(docs, "PodDisruptionBudget")["spec"]["maxUnavailable"] = 1


def k8s_name(docs):
    find(docs, "Service")["metadata"]["name"] = "LLM_Serving"


def k8s_missing_image(docs):
    del container(docs)["image"]


def kfp_tasks(docs):
    return docs[0]["root"]["dag"]["tasks"]


def kfp_dep_missing(docs):
    kfp_tasks(docs)["deploy"]["dependentTasks"] = ["trian"]


def kfp_ref_missing(docs):
    kfp_tasks(docs)["train"]["componentRef"]["name"] = "comp-training"


def kfp_executor_missing(docs):
    docs[0]["components"]["comp-deploy"]["executorLabel"] = "exec-serve"


def kfp_unknown_task_field(docs):
    t = kfp_tasks(docs)["train"]
    t["dependentTask"] = t.pop("dependentTasks")


def kfp_resources_typo(docs):
    c = docs[0]["deploymentSpec"]["executors"]["exec-train"]["container"]
    c["resorces"] = c.pop("resources")


def kfp_bool_type(docs):
    kfp_tasks(docs)["ingest"]["cachingOptions"]["enableCache"] = "yes"


def kfp_schema_version(docs):
    docs[0]["schemaVersion"] = "2.0.0"


def kfp_cycle(docs):
    kfp_tasks(docs)["ingest"]["dependentTasks"] = ["deploy"]


def kfp_gpu_count(docs):
    docs[0]["deploymentSpec"]["executors"]["exec-train"]["container"]["resources"]["accelerator"]["resourceCount"] = "eight"


def kfp_memory(docs):
    docs[0]["deploymentSpec"]["executors"]["exec-ingest"]["container"]["resources"]["resourceMemoryLimit"] = "16 GB"


def kfp_oneof(docs):
    docs[0]["components"]["comp-train"]["dag"] = {"tasks": {}}


def kfp_no_name(docs):
    docs[0]["pipelineInfo"]["name"] = "Recsys Training"


def kfp_platform(docs):
    docs.append({"platforms": {"kubernetes": {"deploymentSpec": {"executors": {
        "exec-train": {"nodeSelector": {"labels": {"nvidia.com/gpu.product": "H100"}},
                       "toleration": [{"key": "nvidia.com/gpu", "operator": "Exists"}]}}}}}})


def kfp_platform_ok(docs):
    docs.append({"platforms": {"kubernetes": {"deploymentSpec": {"executors": {
        "exec-train": {"nodeSelector": {"labels": {"nvidia.com/gpu.product": "H100"}},
                       "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists",
                                        "effect": "NoSchedule"}]}}}}}})


CASES = [
    # Kubernetes
    ("kubernetes", "misspelt key replica", edit_yaml(K8S, k8s_replica),
     [r"\[doc 2\] spec\.replica: unknown field 'replica' \(did you mean 'replicas'\?\)"]),
    ("kubernetes", "string where integer needed", edit_yaml(K8S, k8s_port_string),
     [r"containers\[0\]\.ports\[0\]\.containerPort: '8000' is not of type 'integer'"]),
    ("kubernetes", "unknown kind", edit_yaml(K8S, k8s_unknown_kind), [r"kind: unknown kind 'ConfigMapp'"]),
    ("kubernetes", "GPU request != limit", edit_yaml(K8S, k8s_gpu_mismatch),
     [r'requests\["nvidia\.com/gpu"\]: extended resource nvidia\.com/gpu: request must equal limit']),
    ("kubernetes", "GPU request without limit", edit_yaml(K8S, k8s_gpu_no_limit),
     [r'requests\["nvidia\.com/gpu"\]: extended resource nvidia\.com/gpu needs a limit']),
    ("kubernetes", "selector does not match template", edit_yaml(K8S, k8s_selector),
     [r'spec\.selector\.matchLabels\["app\.kubernetes\.io/name"\]: selector does not match template labels']),
    ("kubernetes", "malformed quantity", edit_yaml(K8S, k8s_quantity),
     [r"requests\.memory: '64 GB' is not a Kubernetes quantity"]),
    ("kubernetes", "request above limit", edit_yaml(K8S, k8s_request_over_limit),
     [r"requests\.cpu: request exceeds limit"]),
    ("kubernetes", "unsupported apiVersion", edit_yaml(K8S, k8s_hpa_v1),
     [r"apiVersion: unsupported apiVersion 'autoscaling/v1' for kind HorizontalPodAutoscaler"]),
    ("kubernetes", "HPA target not in set", edit_yaml(K8S, k8s_hpa_target),
     [r"spec\.scaleTargetRef: Deployment 'llm-server' is not defined"]),
    ("kubernetes", "HPA min > max", edit_yaml(K8S, k8s_hpa_bounds), [r"spec\.minReplicas: must be <= maxReplicas"]),
    ("kubernetes", "integer label value", edit_yaml(K8S, k8s_node_selector_int),
     [r"nodeSelector\.gpu-count: 8 is not of type 'string'"]),
    ("kubernetes", "PDB min and max", edit_yaml(K8S, k8s_pdb_both), [r"spec: minAvailable and maxUnavailable"]),
    ("kubernetes", "invalid Service name", edit_yaml(K8S, k8s_name),
     [r"metadata\.name: 'LLM_Serving' is not an RFC 1035 label"]),
    ("kubernetes", "container without image", edit_yaml(K8S, k8s_missing_image),
     [r"containers\[0\]\.image: required"]),
    ("kubernetes", "duplicate YAML key", edit_text(K8S, "  replicas: 2\n", "  replicas: 2\n  replicas: 3\n"),
     [r"serving\.yaml: \[line \d+\] \(yaml\): not valid YAML: duplicate key 'replicas'"]),
    ("kubernetes", "document without kind", add_file("extra.yaml", "apiVersion: v1\nmetadata:\n  name: x\n"),
     [r"extra\.yaml: \[doc 1\] kind: required"]),
    # Kubeflow
    ("kubeflow", "dependentTasks names a missing task", edit_yaml(KFP, kfp_dep_missing),
     [r"root\.dag\.tasks\.deploy\.dependentTasks\[0\]: names no task of this DAG: 'trian'"]),
    ("kubeflow", "componentRef names a missing component", edit_yaml(KFP, kfp_ref_missing),
     [r"root\.dag\.tasks\.train\.componentRef\.name: names no component: 'comp-training'"]),
    ("kubeflow", "executorLabel names a missing executor", edit_yaml(KFP, kfp_executor_missing),
     [r"components\.comp-deploy\.executorLabel: names no executor: 'exec-serve'"]),
    ("kubeflow", "unknown task field", edit_yaml(KFP, kfp_unknown_task_field),
     [r"root\.dag\.tasks\.train\.dependentTask: unknown field 'dependentTask' of ml_pipelines\.PipelineTaskSpec"]),
    ("kubeflow", "misspelt resources in deploymentSpec", edit_yaml(KFP, kfp_resources_typo),
     [r"deploymentSpec\.executors\.exec-train\.container\.resorces: unknown field 'resorces'"]),
    ("kubeflow", "string where boolean needed", edit_yaml(KFP, kfp_bool_type),
     [r"root\.dag\.tasks\.ingest\.cachingOptions\.enableCache: expected a boolean, got string 'yes'"]),
    ("kubeflow", "schemaVersion", edit_yaml(KFP, kfp_schema_version), [r"schemaVersion: must be '2\.1\.0'"]),
    ("kubeflow", "dependency cycle", edit_yaml(KFP, kfp_cycle), [r"dependency cycle: .*ingest"]),
    ("kubeflow", "accelerator count", edit_yaml(KFP, kfp_gpu_count),
     [r"exec-train\.container\.resources\.accelerator\.resourceCount: 'eight' is not a positive whole number"]),
    ("kubeflow", "memory quantity", edit_yaml(KFP, kfp_memory),
     [r"exec-ingest\.container\.resources\.resourceMemoryLimit: '16 GB' is not a Kubernetes quantity"]),
    ("kubeflow", "dag and executorLabel", edit_yaml(KFP, kfp_oneof),
     [r"components\.comp-train\.(dag|executorLabel): .*oneof 'implementation'"]),
    ("kubeflow", "pipeline name", edit_yaml(KFP, kfp_no_name), [r"pipelineInfo\.name: 'Recsys Training'"]),
    ("kubeflow", "platform spec typo", edit_yaml(KFP, kfp_platform),
     [r"\[doc 2\] platforms\.kubernetes\.deploymentSpec\.executors\.exec-train\.toleration: unknown field 'toleration'"]),
    # MLflow
    ("mlflow", "unknown MLproject key", edit_text("MLproject", "entry_points:", "entry_point:"),
     [r"entry_point: unknown field 'entry_point' \(did you mean 'entry_points'\?\)"]),
    ("mlflow", "undeclared command parameter", edit_text("MLproject", "--gpus {gpus}", "--gpus {gpus} --batch {batch}"),
     [r"entry_points\.main\.command: placeholder \{batch\} is not a declared parameter"]),
    ("mlflow", "unknown parameter type", edit_text("MLproject", "epochs: {type: float", "epochs: {type: integer"),
     [r"entry_points\.main\.parameters\.epochs(\.type)?: 'integer' is not one of"]),
    ("mlflow", "docker_env without image", edit_text("MLproject", "  image: registry.example.com/recsys/train:1.0.0\n", ""),
     [r"docker_env: 'image' is a required property"]),
    ("mlflow", "two environments", edit_text("MLproject", "name: recsys-training\n", "name: recsys-training\nconda_env: conda.yaml\n"),
     [r"only one of python_env, conda_env, docker_env"]),
    ("mlflow", "stray brace", edit_text("MLproject", "--model {model_uri}", "--model {model_uri"),
     [r"entry_points\.evaluate\.command: not a valid str\.format template"]),
    # Feast
    ("feast", "unknown Feast keyword argument", edit_text("features.py", "    ttl=timedelta(days=1),", "    ttl_seconds=86400,"),
     [r"features\.py: \[line \d+\] user_activity\.ttl_seconds: FeatureView\(\) has no keyword argument 'ttl_seconds'"]),
    ("feast", "FeatureView entity not defined", edit_text("features.py", "entities=[item]", "entities=[product]"),
     [r"item_stats\.entities\[0\]: 'product' is not an Entity defined above"]),
    ("feast", "non-Feast import", edit_text("features.py", "from feast import Entity,", "import os\nfrom feast import Entity,"),
     [r"\[line 4\] import: use 'from feast import \.\.\.'"]),
    ("feast", "name missing from feast", edit_text("features.py", "from feast import Entity,", "from feast import Entity, BatchSource,"),
     [r"import: feast has no name 'BatchSource'"]),
    ("feast", "Field without dtype", edit_text("features.py", 'Field(name="category", dtype=String)', 'Field(name="category")'),
     [r"item_stats\.schema\[0\]: Field\(\) is missing the required keyword 'dtype'"]),
    ("feast", "dtype not a Feast type", edit_text("features.py", 'dtype=Float32),\n    ],\n    online=True,\n    source=FileSource', 'dtype=float),\n    ],\n    online=True,\n    source=FileSource'),
     [r"item_stats\.schema\[1\]\.dtype: dtype must be a feast\.types name"]),
    ("feast", "positional argument", edit_text("features.py", 'Entity(name="item", join_keys=["item_id"])', 'Entity("item", join_keys=["item_id"])'),
     [r"item: Entity\(\) takes keyword arguments only"]),
    ("feast", "misspelt redis key", edit_text("feature_store.yaml", "connection_string:", "connection_strin:"),
     [r"online_store\.connection_strin: unknown field 'connection_strin' \(did you mean 'connection_string'\?\)"]),
    ("feast", "string where integer needed", edit_text("feature_store.yaml", "key_ttl_seconds: 86400", "key_ttl_seconds: '1d'"),
     [r"online_store\.key_ttl_seconds: '1d' is not of type 'integer', 'null'"]),
    ("feast", "unknown top-level key", edit_text("feature_store.yaml", "offline_store:", "offline_stores:"),
     [r"feature_store\.yaml: \[doc 1\] offline_stores: unknown field 'offline_stores' \(did you mean 'offline_store'\?\)"]),
    ("feast", "hyphen in project", edit_text("feature_store.yaml", "project: recsys_features", "project: recsys-features"),
     [r"project: 'recsys-features' does not match"]),
    ("feast", "registry missing", edit_text("feature_store.yaml", "registry: data/registry.db\n", ""),
     [r"\(root\): 'registry' is a required property"]),
    ("feast", "unknown redis_type", edit_text("feature_store.yaml", "redis_type: redis", "redis_type: cluster"),
     [r"online_store\.redis_type: 'cluster' is not one of"]),
]


def main():
    for target in ("kubernetes", "kubeflow", "mlflow", "feast"):
        rc, out = run(target, os.path.join(EXAMPLES, target))
        record("%s: bundled example is valid" % target, rc == 0 and out.strip() == "",
               "exit %d, output:\n%s" % (rc, out))
    tmp, dst = copy_example("kubeflow")
    try:
        edit_yaml(KFP, kfp_platform_ok)(dst)
        rc, out = run("kubeflow", dst)
        record("kubeflow: example plus a valid kubernetes PlatformSpec is valid", rc == 0 and out.strip() == "",
               "exit %d, output:\n%s" % (rc, out))
    finally:
        shutil.rmtree(tmp)
    for target, name, mutate, patterns in CASES:
        tmp, dst = copy_example(target)
        try:
            mutate(dst)
            rc, out = run(target, dst)
            lines = out.splitlines()
            missing = [p for p in patterns if not any(re.search(p, line) for line in lines)]
            ok = rc == 1 and not missing
            record("%s: %s is rejected" % (target, name), ok,
                   "exit %d (want 1); missing %s in output:\n%s" % (rc, missing, out))
        finally:
            shutil.rmtree(tmp)
    failed = results.count(False)
    print("%d passed, %d failed" % (results.count(True), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
