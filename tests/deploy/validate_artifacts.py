#!/usr/bin/python3
"""Validate deployment artefacts offline against the formats they claim.

Usage: validate_artifacts.py TARGET DIR
  TARGET  kubernetes | kubeflow | mlflow | feast

kubernetes  every *.yaml / *.yml under DIR (multi-document allowed); each
            document's apiVersion + kind picks a bundled strict JSON schema
            (schemas/kubernetes/, an unknown kind is an error), then checks the
            API server applies that a schema cannot express (names, selector vs
            template labels, resource quantities, requests <= limits, GPU
            requests == limits, HPA and PDB rules) and cross-references inside
            DIR (Service selectors, HPA / PDB targets).
kubeflow    every *.yaml / *.yml under DIR is a KFP v2 IR file: its pipeline
            document is parsed as ml_pipelines.PipelineSpec (schemas/kubeflow/
            *.proto compiled with protoc at run time), deploymentSpec as
            PipelineDeploymentConfig, further documents as PlatformSpec with
            kfp_kubernetes.KubernetesExecutorConfig executors; plus the graph
            checks the proto cannot express.
mlflow      DIR/MLproject against schemas/mlflow/mlproject.schema.json; every
            entry point's command may only use declared {parameters}.
feast       DIR/feature_store.yaml against schemas/feast/feature_store.schema.json;
            every *.py under DIR is parsed with ast (never executed) and checked
            against Feast's published constructor signatures
            (schemas/feast/python_api.json).

Exit status 0 when everything is valid; otherwise one line per problem,
  FILE: [doc N] path.to.field: message      (N counts YAML documents from 1)
  FILE: [line N] path: message              (Python files)
and exit status 1. Exit status 2 for usage errors or a missing tool.

Needs only /usr/bin/python3 with the standard library, python3-yaml,
python3-jsonschema and, for kubeflow, protobuf-compiler, libprotobuf-dev and
python3-protobuf (Debian 12 packages).
"""

import ast
import difflib
import glob
import importlib
import importlib.util
import json
import os
import re
import shutil
import string
import subprocess
import sys
import tempfile
from fractions import Fraction

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = os.path.join(HERE, "schemas")


# --------------------------------------------------------------------------
# reporting


class Report:
    def __init__(self):
        self.lines = []

    def add(self, file, where, path, message):
        self.lines.append("%s: [%s] %s: %s" % (file, where, path or "(root)", message))

    def doc(self, file, doc_no, path, message):
        self.add(file, "doc %d" % doc_no, path, message)

    def line(self, file, line_no, path, message):
        self.add(file, "line %d" % line_no, path, message)


_SIMPLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def join_path(path, key):
    if isinstance(key, int):
        return "%s[%d]" % (path, key)
    if _SIMPLE_KEY.match(str(key)):
        return "%s.%s" % (path, key) if path else str(key)
    return '%s["%s"]' % (path, key)


def path_of(parts, start=""):
    path = start
    for p in parts:
        path = join_path(path, p)
    return path


def type_name(value):
    return {dict: "mapping", list: "list", str: "string", bool: "boolean",
            int: "integer", float: "number", type(None): "null"}.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------
# YAML: safe loader that rejects duplicate keys and keeps timestamps as strings
# (JSON has no timestamp type; Kubernetes and protojson see the text)


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    result = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, "mapping key %r is not a string" % (key,), key_node.start_mark)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, "duplicate key %r" % key, key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=deep)
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def load_yaml_documents(file, report):
    """Returns [(doc_no, document)] for the non-empty documents, or None on a parse error."""
    try:
        with open(file, encoding="utf-8") as f:
            docs = list(yaml.load_all(f, Loader=_Loader))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        mark = getattr(e, "problem_mark", None)
        where = "line %d" % (mark.line + 1) if mark is not None else "doc 1"
        problem = getattr(e, "problem", None) or str(e)
        report.add(file, where, "(yaml)", "not valid YAML: %s" % problem)
        return None
    return [(i + 1, d) for i, d in enumerate(docs) if d is not None]


def yaml_files(directory):
    found = []
    for root, _dirs, files in os.walk(directory):
        for name in files:
            if name.endswith((".yaml", ".yml")):
                found.append(os.path.join(root, name))
    return sorted(found)


def schema_validator(schema):
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    if cls not in (jsonschema.Draft4Validator, jsonschema.Draft6Validator, jsonschema.Draft7Validator):
        cls = jsonschema.Draft7Validator  # e.g. "http://json-schema.org/schema#"
    return cls(schema)  # no format checker: formats are not asserted


def schema_errors(validator, instance):
    """Yields (path, message) for each error, as specific as the schema allows."""
    errors = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        yield from describe_error(error)


def describe_error(error):
    if error.validator == "additionalProperties" and error.validator_value is False \
            and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        patterns = list(error.schema.get("patternProperties", {}))
        extras = [k for k in error.instance if k not in known and not any(re.search(p, k) for p in patterns)]
        for key in extras:
            hint = difflib.get_close_matches(key, sorted(known), n=1)
            yield (path_of(list(error.absolute_path) + [key]),
                   "unknown field %r%s" % (key, " (did you mean %r?)" % hint[0] if hint else ""))
        if extras:
            return
    if error.validator in ("oneOf", "anyOf") and error.context:
        # Drop the alternatives whose type does not fit the value; when exactly one
        # alternative is left, its own errors say what is wrong.
        depth = len(error.absolute_path)
        misfits = {e.relative_schema_path[0] for e in error.context
                   if e.validator == "type" and len(e.absolute_path) == depth}
        fitting = [e for e in error.context if e.relative_schema_path[0] not in misfits]
        branches = {e.relative_schema_path[0] for e in fitting}
        if len(branches) == 1:
            for e in sorted(fitting, key=lambda e: [str(p) for p in e.absolute_path]):
                yield from describe_error(e)
            return
        if not fitting:
            types = []
            for e in error.context:
                if len(e.absolute_path) != depth:
                    continue
                t = e.validator_value if e.validator == "type" else None
                types.extend(t if isinstance(t, list) else [t] if t else [])
            wanted = [t for t in dict.fromkeys(types) if t != "null"]
            if wanted:
                yield path_of(error.absolute_path), "%r is not of type %s" % (
                    error.instance, " or ".join(repr(t) for t in wanted))
                return
    yield path_of(error.absolute_path), error.message


# --------------------------------------------------------------------------
# Kubernetes

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_QUANTITY = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$")
_SUFFIX = {"": 1, "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000),
           "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
           "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_STANDARD_RESOURCES = {"cpu", "memory", "ephemeral-storage", "storage", "pods"}


def parse_quantity(value):
    """Kubernetes resource.Quantity -> Fraction, or None if malformed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value))
    if not isinstance(value, str):
        return None
    m = _QUANTITY.match(value)
    if not m:
        return None
    number, suffix = Fraction(m.group(1)), m.group(2) or ""
    if suffix[:1] in ("e", "E"):
        return number * Fraction(10) ** int(suffix[1:])
    return number * _SUFFIX[suffix]


def is_extended_resource(name):
    # v1 helper IsExtendedResourceName: fully qualified, not kubernetes.io/ and not requests.*
    return "/" in name and not name.startswith("requests.") and \
        not name.split("/", 1)[0].endswith("kubernetes.io")


def load_kubernetes_schemas():
    by_gvk = {}
    for file in sorted(glob.glob(os.path.join(SCHEMAS, "kubernetes", "*.json"))):
        with open(file, encoding="utf-8") as f:
            schema = json.load(f)
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            api = "%s/%s" % (gvk["group"], gvk["version"]) if gvk["group"] else gvk["version"]
            by_gvk[(api, gvk["kind"])] = (os.path.basename(file), schema)
    return by_gvk


def check_name(meta_path, meta, kind, problems):
    name = meta.get("name") if isinstance(meta, dict) else None
    if not name:
        if not (isinstance(meta, dict) and meta.get("generateName")):
            problems.append((join_path(meta_path, "name"), "required: every %s needs metadata.name" % kind))
        return
    if not isinstance(name, str):
        return  # the schema reports the type
    if kind == "Service":
        ok, rule = len(name) <= 63 and _DNS1035_LABEL.match(name), "an RFC 1035 label (lower-case alphanumerics and '-', starting with a letter, at most 63 characters)"
    else:
        ok, rule = len(name) <= 253 and _DNS1123_SUBDOMAIN.match(name), "an RFC 1123 subdomain (lower-case alphanumerics, '-' and '.', at most 253 characters)"
    if not ok:
        problems.append((join_path(meta_path, "name"), "%r is not %s" % (name, rule)))


def check_resources(path, res, problems):
    if not isinstance(res, dict):
        return
    parsed = {}
    for section in ("limits", "requests"):
        values = res.get(section)
        if not isinstance(values, dict):
            continue
        parsed[section] = {}
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                continue  # the schema reports the type
            q = parse_quantity(value)
            p = join_path(join_path(path, section), name)
            if q is None:
                problems.append((p, "%r is not a Kubernetes quantity (e.g. 500m, 2, 16Gi, 1e3)" % (value,)))
                continue
            if q < 0:
                problems.append((p, "must be non-negative"))
            if is_extended_resource(name) and q.denominator != 1:
                problems.append((p, "extended resource %s must be a whole number, got %r" % (name, value)))
            parsed[section][name] = q
    limits, requests = parsed.get("limits", {}), parsed.get("requests", {})
    for name, req in requests.items():
        p = join_path(join_path(path, "requests"), name)
        if is_extended_resource(name):
            if name not in limits:
                problems.append((p, "extended resource %s needs a limit (it cannot be overcommitted)" % name))
            elif limits[name] != req:
                problems.append((p, "extended resource %s: request must equal limit" % name))
        elif name in limits and req > limits[name]:
            problems.append((p, "request exceeds limit %r" % (res["limits"][name],)))


def check_pod_template(path, template, problems):
    spec = template.get("spec") if isinstance(template, dict) else None
    if not isinstance(spec, dict):
        return
    seen = {}
    for group in ("initContainers", "containers"):
        containers = spec.get(group)
        if not isinstance(containers, list):
            continue
        if group == "containers" and not containers:
            problems.append((join_path(join_path(path, "spec"), group), "a pod needs at least one container"))
        for i, c in enumerate(containers):
            if not isinstance(c, dict):
                continue
            cpath = join_path(join_path(join_path(path, "spec"), group), i)
            name = c.get("name")
            if isinstance(name, str):
                if not (len(name) <= 63 and _DNS1123_LABEL.match(name)):
                    problems.append((join_path(cpath, "name"), "%r is not an RFC 1123 label" % name))
                if name in seen:
                    problems.append((join_path(cpath, "name"), "duplicate container name %r (also %s)" % (name, seen[name])))
                seen[name] = cpath
            if not c.get("image"):
                problems.append((join_path(cpath, "image"), "required by Deployment / StatefulSet pod templates"))
            check_resources(join_path(cpath, "resources"), c.get("resources"), problems)
            ports = c.get("ports")
            if isinstance(ports, list):
                for j, port in enumerate(ports):
                    if isinstance(port, dict) and isinstance(port.get("containerPort"), int) and \
                            not 1 <= port["containerPort"] <= 65535:
                        problems.append((join_path(join_path(join_path(cpath, "ports"), j), "containerPort"),
                                         "must be between 1 and 65535"))


def selector_labels(selector):
    if isinstance(selector, dict) and isinstance(selector.get("matchLabels"), dict):
        return selector["matchLabels"]
    return {}


def check_kubernetes_semantics(doc, problems):
    kind = doc.get("kind")
    check_name("metadata", doc.get("metadata"), kind, problems)
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        return
    if kind in ("Deployment", "StatefulSet"):
        template = spec.get("template")
        labels = (template.get("metadata") or {}).get("labels") if isinstance(template, dict) else None
        labels = labels if isinstance(labels, dict) else {}
        selector = spec.get("selector")
        if isinstance(selector, dict):
            if not selector.get("matchLabels") and not selector.get("matchExpressions"):
                problems.append(("spec.selector", "empty selector: it must select the pod template's labels"))
            for key, value in selector_labels(selector).items():
                if labels.get(key) != value:
                    problems.append((join_path("spec.selector.matchLabels", key),
                                     "selector does not match template labels (spec.template.metadata.labels has %r)"
                                     % (labels.get(key),)))
        check_pod_template("spec.template", template, problems)
        if isinstance(spec.get("replicas"), int) and spec["replicas"] < 0:
            problems.append(("spec.replicas", "must be non-negative"))
    elif kind == "HorizontalPodAutoscaler":
        lo, hi = spec.get("minReplicas"), spec.get("maxReplicas")
        if isinstance(lo, int) and lo < 1:
            problems.append(("spec.minReplicas", "must be at least 1"))
        if isinstance(hi, int) and hi < 1:
            problems.append(("spec.maxReplicas", "must be at least 1"))
        if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            problems.append(("spec.minReplicas", "must be <= maxReplicas (%d)" % hi))
    elif kind == "PodDisruptionBudget":
        if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
            problems.append(("spec", "minAvailable and maxUnavailable are mutually exclusive"))
    elif kind == "Service":
        ports = spec.get("ports")
        if isinstance(ports, list):
            names = [p.get("name") for p in ports if isinstance(p, dict)]
            if len(ports) > 1 and (None in names or len(set(names)) != len(names)):
                problems.append(("spec.ports", "with more than one port every port needs a unique name"))
            for i, p in enumerate(ports):
                if isinstance(p, dict) and isinstance(p.get("port"), int) and not 1 <= p["port"] <= 65535:
                    problems.append(("spec.ports[%d].port" % i, "must be between 1 and 65535"))


def check_kubernetes_cross_references(objects, report):
    """objects: [(file, doc_no, doc, valid)]. Checks, for the valid objects, that Service and
    PodDisruptionBudget selectors and HPA targets refer to a workload of the set."""
    workloads = {}
    for file, doc_no, doc, _valid in objects:
        if doc.get("kind") in ("Deployment", "StatefulSet") and \
                isinstance(doc.get("metadata"), dict) and isinstance(doc.get("spec"), dict) and \
                isinstance(doc["spec"].get("template"), dict) and \
                isinstance(doc["spec"]["template"].get("metadata") or {}, dict):
            meta = doc.get("metadata") or {}
            tmpl = (doc.get("spec") or {}).get("template") or {}
            labels = (tmpl.get("metadata") or {}).get("labels") or {}
            workloads[(meta.get("namespace"), doc["kind"], meta.get("name"))] = labels
    if not workloads:
        return

    def matches(namespace, selector):
        return any(ns == namespace and selector and all(labels.get(k) == v for k, v in selector.items())
                   for (ns, _kind, _name), labels in workloads.items())

    for file, doc_no, doc, valid in objects:
        if not valid:
            continue
        kind, meta, spec = doc.get("kind"), doc.get("metadata") or {}, doc.get("spec") or {}
        ns = meta.get("namespace")
        if kind == "Service" and isinstance(spec.get("selector"), dict) and spec["selector"]:
            if not matches(ns, spec["selector"]):
                report.doc(file, doc_no, "spec.selector",
                           "selects no Deployment / StatefulSet pod template in this set")
        elif kind == "HorizontalPodAutoscaler":
            ref = spec.get("scaleTargetRef") or {}
            if ref.get("kind") in ("Deployment", "StatefulSet") and \
                    (ns, ref.get("kind"), ref.get("name")) not in workloads:
                report.doc(file, doc_no, "spec.scaleTargetRef",
                           "%s %r is not defined in this set" % (ref.get("kind"), ref.get("name")))
        elif kind == "PodDisruptionBudget":
            sel = selector_labels(spec.get("selector"))
            if sel and not matches(ns, sel):
                report.doc(file, doc_no, "spec.selector", "selects no Deployment / StatefulSet pod template in this set")


def validate_kubernetes(directory, report):
    schemas = load_kubernetes_schemas()
    validators = {}
    files = yaml_files(directory)
    if not files:
        report.add(directory, "doc 0", "(dir)", "no *.yaml / *.yml files")
    objects = []  # (file, doc_no, doc, valid)
    known = ", ".join("%s %s" % (a, k) for a, k in sorted(schemas))
    for file in files:
        docs = load_yaml_documents(file, report)
        if docs is None:
            continue
        for doc_no, doc in docs:
            if not isinstance(doc, dict):
                report.doc(file, doc_no, "(root)", "a Kubernetes object must be a mapping, got %s" % type_name(doc))
                continue
            api, kind = doc.get("apiVersion"), doc.get("kind")
            if not isinstance(api, str) or not isinstance(kind, str):
                report.doc(file, doc_no, "apiVersion" if not isinstance(api, str) else "kind",
                           "required (string): apiVersion and kind select the schema")
                continue
            if (api, kind) not in schemas:
                same_kind = [a for a, k in schemas if k == kind]
                if same_kind:
                    msg = "unsupported apiVersion %r for kind %s (bundled: %s)" % (api, kind, ", ".join(sorted(same_kind)))
                else:
                    msg = "unknown kind %r (apiVersion %r); bundled schemas: %s" % (kind, api, known)
                report.doc(file, doc_no, "kind" if not same_kind else "apiVersion", msg)
                continue
            if (api, kind) not in validators:
                validators[(api, kind)] = schema_validator(schemas[(api, kind)][1])
            problems = list(schema_errors(validators[(api, kind)], doc))
            check_kubernetes_semantics(doc, problems)
            for path, message in problems:
                report.doc(file, doc_no, path, message)
            objects.append((file, doc_no, doc, not problems))
    check_kubernetes_cross_references(objects, report)


# --------------------------------------------------------------------------
# Kubeflow Pipelines v2 IR

_KFP_PROTOS = ["pipeline_spec.proto", "google/rpc/status.proto", "kubernetes_executor_config.proto"]
_PIPELINE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_INT_STRING = re.compile(r"^-?[0-9]+$")
_DURATION = re.compile(r"^-?[0-9]+(\.[0-9]{1,9})?s$")


class ToolMissing(Exception):
    pass


def compile_kfp_protos(workdir):
    protoc = shutil.which("protoc")
    if protoc is None:
        raise ToolMissing("protoc not found: install Debian package protobuf-compiler")
    include = None
    candidates = [os.environ.get("PROTOC_INCLUDE", ""), "/usr/include", "/usr/local/include"]
    for c in candidates:
        if c and os.path.exists(os.path.join(c, "google", "protobuf", "struct.proto")):
            include = c
            break
    if include is None:
        raise ToolMissing("google/protobuf/struct.proto not found: install Debian package libprotobuf-dev")
    src = os.path.join(SCHEMAS, "kubeflow")
    cmd = [protoc, "-I" + src, "-I" + include, "--python_out=" + workdir] + _KFP_PROTOS
    result = subprocess.run(cmd, cwd=src, capture_output=True, text=True)
    if result.returncode != 0:
        raise ToolMissing("protoc failed: %s" % result.stderr.strip())
    sys.path.insert(0, workdir)
    try:
        found = importlib.util.find_spec("google.protobuf") is not None
    except ImportError:
        found = False
    if not found:
        raise ToolMissing("python protobuf runtime not found: install Debian package python3-protobuf")
    pipeline = importlib.import_module("pipeline_spec_pb2")
    kubernetes = importlib.import_module("kubernetes_executor_config_pb2")
    return pipeline, kubernetes


def check_proto_dict(desc, value, path, problems):
    """Walks a JSON value against a message descriptor the way protobuf's JSON
    parser does, reporting every problem with its path."""
    from google.protobuf.descriptor import FieldDescriptor as FD

    full = desc.full_name
    if full in ("google.protobuf.Value",):
        return
    if full == "google.protobuf.Struct":
        if not isinstance(value, dict):
            problems.append((path, "expected a mapping (google.protobuf.Struct), got %s" % type_name(value)))
        return
    if full == "google.protobuf.ListValue":
        if not isinstance(value, list):
            problems.append((path, "expected a list, got %s" % type_name(value)))
        return
    if full == "google.protobuf.Duration":
        if not (isinstance(value, str) and _DURATION.match(value)):
            problems.append((path, "expected a duration string such as '30s', got %r" % (value,)))
        return
    if full == "google.protobuf.Any":
        if not (isinstance(value, dict) and "@type" in value):
            problems.append((path, "expected a mapping with '@type' (google.protobuf.Any)"))
        return
    if not isinstance(value, dict):
        problems.append((path, "expected a mapping (%s), got %s" % (full, type_name(value))))
        return
    fields = {}
    for f in desc.fields:
        fields[f.json_name] = f
        fields[f.name] = f
    oneof_seen = {}
    for key, item in value.items():
        f = fields.get(key)
        fpath = join_path(path, key)
        if f is None:
            allowed = sorted({x.json_name for x in desc.fields})
            problems.append((fpath, "unknown field %r of %s (allowed: %s)" % (key, full, ", ".join(allowed))))
            continue
        if item is None:
            continue
        oneof = f.containing_oneof
        if oneof is not None and not (oneof.name.startswith("_") and len(oneof.fields) == 1):
            if oneof.name in oneof_seen:
                problems.append((fpath, "%r and %r are both members of oneof %r of %s; set only one"
                                 % (oneof_seen[oneof.name], key, oneof.name, full)))
            else:
                oneof_seen[oneof.name] = key
        if f.type == FD.TYPE_MESSAGE and f.message_type.GetOptions().map_entry:
            if not isinstance(item, dict):
                problems.append((fpath, "expected a mapping, got %s" % type_name(item)))
                continue
            value_field = f.message_type.fields_by_name["value"]
            for k, v in item.items():
                check_proto_value(value_field, v, join_path(fpath, k), problems)
        elif f.label == FD.LABEL_REPEATED:
            if not isinstance(item, list):
                problems.append((fpath, "expected a list, got %s" % type_name(item)))
                continue
            for i, v in enumerate(item):
                check_proto_value(f, v, join_path(fpath, i), problems)
        else:
            check_proto_value(f, item, fpath, problems)


def check_proto_value(f, value, path, problems):
    from google.protobuf.descriptor import FieldDescriptor as FD

    t = f.type
    if t == FD.TYPE_MESSAGE:
        if value is None and f.message_type.full_name != "google.protobuf.Value":
            return
        check_proto_dict(f.message_type, value, path, problems)
    elif t == FD.TYPE_ENUM:
        names = [v.name for v in f.enum_type.values]
        numbers = [v.number for v in f.enum_type.values]
        if not ((isinstance(value, str) and value in names) or
                (isinstance(value, int) and not isinstance(value, bool) and value in numbers)):
            problems.append((path, "%r is not a value of enum %s (%s)" % (value, f.enum_type.full_name, ", ".join(names))))
    elif t in (FD.TYPE_STRING, FD.TYPE_BYTES):
        if not isinstance(value, str):
            problems.append((path, "expected a string, got %s %r" % (type_name(value), value)))
    elif t == FD.TYPE_BOOL:
        if not isinstance(value, bool):
            problems.append((path, "expected a boolean, got %s %r" % (type_name(value), value)))
    elif t in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if isinstance(value, str):
            try:
                float(value)
                ok = True
            except ValueError:
                ok = False
        if not ok:
            problems.append((path, "expected a number, got %s %r" % (type_name(value), value)))
    else:  # integer types
        ok = (isinstance(value, int) and not isinstance(value, bool)) or \
             (isinstance(value, float) and value.is_integer()) or \
             (isinstance(value, str) and _INT_STRING.match(value))
        if not ok:
            problems.append((path, "expected an integer, got %s %r" % (type_name(value), value)))


def parse_proto(message_class, value, path, problems):
    """Returns the parsed message, or None (problems filled in)."""
    from google.protobuf import json_format

    before = len(problems)
    check_proto_dict(message_class.DESCRIPTOR, value, path, problems)
    if len(problems) > before:
        return None
    message = message_class()
    try:
        json_format.ParseDict(value, message)
    except json_format.ParseError as e:
        problems.append((path, "%s: %s" % (message_class.DESCRIPTOR.full_name, " ".join(str(e).split()))))
        return None
    return message


def is_runtime_placeholder(value):
    return "{{$" in value


def check_task_graph(dag_path, dag, components, problems):
    tasks = dag.tasks
    edges = {}
    for name in sorted(tasks):
        task = tasks[name]
        tpath = join_path(join_path(dag_path, "tasks"), name)
        ref = task.component_ref.name
        if not ref:
            problems.append((path_of(["componentRef", "name"], tpath), "required: the component this task runs"))
        elif ref not in components:
            problems.append((path_of(["componentRef", "name"], tpath),
                             "names no component: %r is not a key of components" % ref))
        if not task.task_info.name:
            problems.append((path_of(["taskInfo", "name"], tpath), "required: the task's display name"))
        deps = []
        for i, dep in enumerate(task.dependent_tasks):
            if dep not in tasks:
                problems.append((join_path(join_path(tpath, "dependentTasks"), i),
                                 "names no task of this DAG: %r" % dep))
            elif dep == name:
                problems.append((join_path(join_path(tpath, "dependentTasks"), i), "a task cannot depend on itself"))
            else:
                deps.append(dep)
        for kind, specs in (("parameters", task.inputs.parameters), ("artifacts", task.inputs.artifacts)):
            for key in sorted(specs):
                spec = specs[key]
                if kind == "parameters" and spec.HasField("task_output_parameter"):
                    producer, field = spec.task_output_parameter.producer_task, "taskOutputParameter"
                elif kind == "artifacts" and spec.HasField("task_output_artifact"):
                    producer, field = spec.task_output_artifact.producer_task, "taskOutputArtifact"
                else:
                    continue
                ppath = join_path(join_path(join_path(join_path(tpath, "inputs"), kind), key), field) + ".producerTask"
                if producer not in tasks:
                    problems.append((ppath, "names no task of this DAG: %r" % producer))
                elif producer != name:
                    deps.append(producer)
        edges[name] = deps
    # cycle detection
    state = {}

    def visit(node, stack):
        state[node] = 1
        for nxt in edges.get(node, []):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt]
                problems.append((join_path(join_path(dag_path, "tasks"), nxt),
                                 "dependency cycle: %s" % " -> ".join(cycle)))
            elif state.get(nxt) is None:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(edges):
        if state.get(node) is None:
            visit(node, [node])


def check_container(epath, container, problems):
    if not container.image:
        problems.append((path_of(["container", "image"], epath), "required: the container image"))
    res = container.resources
    rpath = path_of(["container", "resources"], epath)
    for field in ("resource_cpu_limit", "resource_cpu_request", "resource_memory_limit", "resource_memory_request"):
        value = getattr(res, field)
        json_name = res.DESCRIPTOR.fields_by_name[field].json_name
        if value and not is_runtime_placeholder(value) and parse_quantity(value) is None:
            problems.append((join_path(rpath, json_name), "%r is not a Kubernetes quantity" % value))
    for kind in ("cpu", "memory"):
        lim, req = getattr(res, "resource_%s_limit" % kind), getattr(res, "resource_%s_request" % kind)
        if lim and req and not is_runtime_placeholder(lim + req):
            ql, qr = parse_quantity(lim), parse_quantity(req)
            if ql is not None and qr is not None and qr > ql:
                problems.append((join_path(rpath, "resource%sRequest" % kind.capitalize()),
                                 "request %r exceeds limit %r" % (req, lim)))
    if res.HasField("accelerator"):
        acc = res.accelerator
        apath = join_path(rpath, "accelerator")
        rtype = acc.resource_type or acc.type
        rcount = acc.resource_count or (str(acc.count) if acc.count else "")
        if not rtype:
            problems.append((join_path(apath, "resourceType"), "required with an accelerator (e.g. nvidia.com/gpu)"))
        if not rcount:
            problems.append((join_path(apath, "resourceCount"), "required with an accelerator"))
        elif not is_runtime_placeholder(rcount):
            q = parse_quantity(rcount)
            if q is None or q.denominator != 1 or q < 1:
                problems.append((join_path(apath, "resourceCount"), "%r is not a positive whole number" % rcount))


def validate_kubeflow_file(file, docs, pb, kpb, report):
    # the API server takes the document that parses as a PipelineSpec with a name and a
    # root (template.go isPipelineSpec); the others must be PlatformSpec documents
    pipeline_docs = [(n, d) for n, d in docs
                     if isinstance(d, dict) and ("pipelineInfo" in d or "root" in d)]
    if len(pipeline_docs) != 1:
        report.doc(file, docs[0][0] if docs else 1, "(root)",
                   "expected exactly one PipelineSpec document (with pipelineInfo and root), found %d" % len(pipeline_docs))
        if not pipeline_docs:
            return
    doc_no, doc = pipeline_docs[0]
    problems = []
    spec = parse_proto(pb.PipelineSpec, doc, "", problems)
    deploy = None
    if spec is not None:
        raw = doc.get("deploymentSpec")
        if raw is None:
            problems.append(("deploymentSpec", "required: the executors of the pipeline's components"))
        elif isinstance(raw, dict):
            raw = {k: v for k, v in raw.items() if k != "@type"}
            deploy = parse_proto(pb.PipelineDeploymentConfig, raw, "deploymentSpec", problems)
    if spec is not None:
        if spec.schema_version != "2.1.0":
            problems.append(("schemaVersion", "must be '2.1.0' (the only IR schema version the KFP API server accepts), got %r"
                             % spec.schema_version))
        if not spec.sdk_version:
            problems.append(("sdkVersion", "required (free text naming the producer, e.g. kfp-2.14.3)"))
        name = spec.pipeline_info.name
        if not name:
            problems.append(("pipelineInfo.name", "required"))
        elif not _PIPELINE_NAME.match(name):
            problems.append(("pipelineInfo.name", "%r: lower-case alphanumerics, '-' or '.', starting and ending "
                                                 "with an alphanumeric" % name))
        if not spec.HasField("root"):
            problems.append(("root", "required: the pipeline's root component"))
        elif not spec.root.HasField("dag"):
            problems.append(("root.dag", "required: the root component must be a DAG"))
        components = spec.components
        dags = []
        if spec.HasField("root") and spec.root.HasField("dag"):
            dags.append(("root.dag", spec.root.dag))
        for cname in sorted(components):
            comp = components[cname]
            cpath = join_path("components", cname)
            impl = comp.WhichOneof("implementation")
            if impl is None:
                problems.append((cpath, "a component needs a dag or an executorLabel"))
            elif impl == "dag":
                dags.append((join_path(cpath, "dag"), comp.dag))
            elif deploy is not None:
                label = comp.executor_label
                if label not in deploy.executors:
                    problems.append((join_path(cpath, "executorLabel"),
                                     "names no executor: %r is not a key of deploymentSpec.executors" % label))
        for dag_path, dag in dags:
            if not dag.tasks:
                problems.append((join_path(dag_path, "tasks"), "a DAG needs at least one task"))
            check_task_graph(dag_path, dag, components, problems)
        if deploy is not None:
            for label in sorted(deploy.executors):
                executor = deploy.executors[label]
                epath = join_path("deploymentSpec.executors", label)
                which = executor.WhichOneof("spec")
                if which == "container":
                    check_container(epath, executor.container, problems)
                elif which != "importer":
                    problems.append((epath, "an executor must be a container or an importer (got %s)" % which))
    for path, message in problems:
        report.doc(file, doc_no, path, message)
    for other_no, other in docs:
        if other_no == doc_no:
            continue
        problems = []
        platform = parse_proto(pb.PlatformSpec, other, "", problems)
        if platform is not None:
            for pname in platform.platforms:
                raw = other["platforms"][pname]
                if pname != "kubernetes":
                    continue
                executors = ((raw or {}).get("deploymentSpec") or {}).get("executors") or {}
                for label, cfg in executors.items():
                    epath = join_path("platforms.kubernetes.deploymentSpec.executors", label)
                    parse_proto(kpb.KubernetesExecutorConfig, cfg, epath, problems)
                    if spec is not None and deploy is not None and label not in deploy.executors:
                        problems.append((epath, "names no executor of the pipeline's deploymentSpec"))
        for path, message in problems:
            report.doc(file, other_no, path, message)


def validate_kubeflow(directory, report):
    files = yaml_files(directory)
    if not files:
        report.add(directory, "doc 0", "(dir)", "no *.yaml / *.yml files")
        return
    workdir = tempfile.mkdtemp(prefix="kfp-proto-")
    try:
        pb, kpb = compile_kfp_protos(workdir)
        for file in files:
            docs = load_yaml_documents(file, report)
            if docs is None:
                continue
            if not docs:
                report.doc(file, 1, "(root)", "empty file")
                continue
            validate_kubeflow_file(file, docs, pb, kpb, report)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------
# MLflow


def load_schema(*parts):
    with open(os.path.join(SCHEMAS, *parts), encoding="utf-8") as f:
        return json.load(f)


def validate_mlflow(directory, report):
    # mlflow.projects._project_spec._find_mlproject: the name is matched case-insensitively
    names = [n for n in sorted(os.listdir(directory)) if n.lower() == "mlproject"]
    if not names:
        report.add(os.path.join(directory, "MLproject"), "doc 1", "(file)", "missing")
        return
    file = os.path.join(directory, names[0])
    docs = load_yaml_documents(file, report)
    if docs is None:
        return
    if len(docs) != 1:
        report.doc(file, 1, "(root)", "an MLproject file is one YAML document, found %d" % len(docs))
        return
    doc_no, doc = docs[0]
    validator = schema_validator(load_schema("mlflow", "mlproject.schema.json"))
    problems = list(schema_errors(validator, doc))
    if not problems and isinstance(doc, dict):
        envs = [k for k in ("python_env", "conda_env", "docker_env") if k in doc]
        if len(envs) > 1:
            problems.append((envs[1], "only one of python_env, conda_env, docker_env may be given (found %s)"
                             % ", ".join(envs)))
        for key in ("python_env", "conda_env"):
            if key in doc and not os.path.exists(os.path.join(directory, doc[key])):
                problems.append((key, "file %r does not exist next to MLproject" % doc[key]))
        for ep_name, ep in (doc.get("entry_points") or {}).items():
            ep_path = join_path("entry_points", ep_name)
            declared = set((ep.get("parameters") or {}).keys())
            try:
                fields = [f for _lit, f, _spec, _conv in string.Formatter().parse(ep["command"]) if f is not None]
            except ValueError as e:
                problems.append((join_path(ep_path, "command"), "not a valid str.format template: %s "
                                 "(write a literal brace as {{ or }})" % e))
                continue
            for field in fields:
                if field == "" or not re.match(r"^[A-Za-z_][A-Za-z0-9_-]*$", field):
                    problems.append((join_path(ep_path, "command"),
                                     "placeholder {%s} must be a parameter name" % field))
                elif field not in declared:
                    problems.append((join_path(ep_path, "command"),
                                     "placeholder {%s} is not a declared parameter (declared: %s)"
                                     % (field, ", ".join(sorted(declared)) or "none")))
    for path, message in problems:
        report.doc(file, doc_no, path, message)


# --------------------------------------------------------------------------
# Feast


def validate_feast(directory, report):
    file = os.path.join(directory, "feature_store.yaml")
    if not os.path.exists(file):
        report.add(file, "doc 1", "(file)", "missing")
    else:
        docs = load_yaml_documents(file, report)
        if docs is not None:
            if len(docs) != 1:
                report.doc(file, 1, "(root)", "feature_store.yaml is one YAML document, found %d" % len(docs))
            else:
                doc_no, doc = docs[0]
                validator = schema_validator(load_schema("feast", "feature_store.schema.json"))
                for path, message in schema_errors(validator, doc):
                    report.doc(file, doc_no, path, message)
    api = load_schema("feast", "python_api.json")
    for root, _dirs, files in os.walk(directory):
        for name in sorted(files):
            if name.endswith(".py"):
                check_feast_python(os.path.join(root, name), api, report)


def check_feast_python(file, api, report):
    try:
        with open(file, encoding="utf-8") as f:
            tree = ast.parse(f.read(), filename=file)
    except (SyntaxError, UnicodeDecodeError) as e:
        report.line(file, getattr(e, "lineno", None) or 1, "(python)", "does not parse: %s" % e)
        return
    modules = api["module_names"]
    stdlib = api["stdlib_allowed"]
    imported = {}   # local name -> (module, name)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            allowed = modules.get(module, stdlib.get(module))
            if node.level or allowed is None:
                report.line(file, node.lineno, "import",
                            "only feast, feast.types and datetime.timedelta may be imported, not %r" % ("." * node.level + module))
                continue
            for alias in node.names:
                if alias.name not in allowed:
                    report.line(file, node.lineno, "import",
                                "%s has no name %r (published: %s)" % (module, alias.name, ", ".join(allowed)))
                else:
                    imported[alias.asname or alias.name] = (module, alias.name)
        elif isinstance(node, ast.Import):
            report.line(file, node.lineno, "import",
                        "use 'from feast import ...' / 'from feast.types import ...'; plain import of %s"
                        % ", ".join(a.name for a in node.names))
    constructors = api["constructors"]
    variables = {}  # module-level name -> (constructor, call node)
    entities = {}   # Entity variable -> join keys
    names_seen = {}

    def resolve(func):
        if isinstance(func, ast.Name) and func.id in imported:
            return imported[func.id]
        return None

    def check_dtype(expr, where):
        target = resolve(expr.func) if isinstance(expr, ast.Call) else resolve(expr)
        if target is None or target[0] != "feast.types":
            report.line(file, expr.lineno, where, "dtype must be a feast.types name (e.g. Float32, Int64, String)")
            return
        if isinstance(expr, ast.Call):
            if target[1] not in api["dtype_constructors"] or len(expr.args) != 1 or expr.keywords:
                report.line(file, expr.lineno, where, "%s(...) is not a Feast type constructor call" % target[1])
            else:
                check_dtype(expr.args[0], where)
        elif target[1] in api["dtype_constructors"] + ["Struct"]:
            report.line(file, expr.lineno, where, "%s needs an element type, e.g. Array(Float32)" % target[1])

    def check_call(call, label):
        """Checks a call of a Feast constructor; returns its name or None."""
        target = resolve(call.func)
        if target is None:
            what = ast.unparse(call.func) if hasattr(ast, "unparse") else "call"
            report.line(file, call.lineno, label, "%s is not a Feast name imported from feast / feast.types" % what)
            return None
        module, cname = target
        if module == "datetime":
            if call.args:
                report.line(file, call.lineno, label, "write timedelta with keywords, e.g. timedelta(days=1)")
            for kw in call.keywords:
                if kw.arg not in api["timedelta_keywords"]:
                    report.line(file, call.lineno, join_path(label, kw.arg or "**"),
                                "timedelta() has no keyword %r" % kw.arg)
            return cname
        if cname not in constructors:
            report.line(file, call.lineno, label, "%s(...) is not one of the checked Feast constructors (%s)"
                        % (cname, ", ".join(api["checked_calls"])))
            return None
        sig = constructors[cname]
        allowed = set(sig["required"]) | set(sig["optional"])
        if call.args:
            report.line(file, call.lineno, label, "%s() takes keyword arguments only (def __init__(self, *, ...))" % cname)
        given = set()
        for kw in call.keywords:
            if kw.arg is None:
                report.line(file, call.lineno, label, "%s(**...) cannot be checked; pass keywords explicitly" % cname)
                continue
            if kw.arg not in allowed:
                report.line(file, kw.value.lineno, join_path(label, kw.arg),
                            "%s() has no keyword argument %r (published: %s)"
                            % (cname, kw.arg, ", ".join(sig["required"] + sig["optional"])))
            given.add(kw.arg)
        for req in sig["required"]:
            if req not in given:
                report.line(file, call.lineno, label, "%s() is missing the required keyword %r" % (cname, req))
        kw = {k.arg: k.value for k in call.keywords if k.arg}
        if "name" in kw and isinstance(kw["name"], ast.Constant) and isinstance(kw["name"].value, str):
            key = (cname, kw["name"].value)
            if cname in ("Entity", "FeatureView"):
                if key in names_seen:
                    report.line(file, call.lineno, join_path(label, "name"),
                                "duplicate %s name %r (also line %d)" % (cname, key[1], names_seen[key]))
                names_seen[key] = call.lineno
        elif "name" in kw and cname != "FileSource":
            report.line(file, call.lineno, join_path(label, "name"), "must be a string literal")
        if cname == "Field" and "dtype" in kw:
            check_dtype(kw["dtype"], join_path(label, "dtype"))
        if cname == "Entity" and "join_keys" in kw:
            jk = kw["join_keys"]
            if not isinstance(jk, ast.List) or not all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in jk.elts):
                report.line(file, call.lineno, join_path(label, "join_keys"), "must be a list of string literals")
            elif len(jk.elts) > 1:
                report.line(file, call.lineno, join_path(label, "join_keys"),
                            "an Entity may only have a single join key (Entity.__init__ raises ValueError)")
        if cname == "FeatureView":
            check_feature_view(call, kw, label)
        for key, value in kw.items():
            if isinstance(value, ast.Call) and key not in ("dtype",):
                check_call(value, join_path(label, key))
        return cname

    def check_feature_view(call, kw, label):
        ents = kw.get("entities")
        join_keys = []
        if ents is not None:
            if not isinstance(ents, ast.List):
                report.line(file, call.lineno, join_path(label, "entities"), "must be a list of Entity variables")
            else:
                for i, e in enumerate(ents.elts):
                    epath = join_path(join_path(label, "entities"), i)
                    if not isinstance(e, ast.Name):
                        report.line(file, e.lineno, epath, "must name an Entity defined in this file")
                    elif e.id not in entities:
                        report.line(file, e.lineno, epath, "%r is not an Entity defined above in this file" % e.id)
                    else:
                        join_keys.append(entities[e.id])
        if len(set(join_keys)) < len(join_keys):
            report.line(file, call.lineno, join_path(label, "entities"),
                        "a feature view should not have entities that share a join key")
        schema = kw.get("schema")
        if schema is not None:
            if not isinstance(schema, ast.List):
                report.line(file, call.lineno, join_path(label, "schema"), "must be a list of Field(...)")
            else:
                seen = set()
                for i, item in enumerate(schema.elts):
                    fpath = join_path(join_path(label, "schema"), i)
                    if not (isinstance(item, ast.Call) and resolve(item.func) == ("feast", "Field")):
                        report.line(file, item.lineno, fpath, "must be a Field(...) call")
                        continue
                    check_call(item, fpath)
                    fkw = {k.arg: k.value for k in item.keywords if k.arg}
                    fname = fkw.get("name")
                    if isinstance(fname, ast.Constant):
                        if fname.value in seen:
                            report.line(file, item.lineno, join_path(fpath, "name"), "duplicate field %r" % fname.value)
                        seen.add(fname.value)
        source = kw.get("source")
        if isinstance(source, ast.Name):
            if source.id not in variables or variables[source.id] not in ("FileSource", "FeatureView"):
                report.line(file, source.lineno, join_path(label, "source"),
                            "%r is not a FileSource / FeatureView defined above in this file" % source.id)
        ttl = kw.get("ttl")
        if ttl is not None and not (isinstance(ttl, ast.Call) and resolve(ttl.func) == ("datetime", "timedelta")) \
                and not (isinstance(ttl, ast.Constant) and ttl.value is None):
            report.line(file, ttl.lineno, join_path(label, "ttl"), "must be timedelta(...)")

    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # docstring
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Call):
            var = node.targets[0].id
            label = "%s" % var
            cname = check_call(node.value, label)
            if cname:
                variables[var] = cname
            if cname == "Entity":
                kw = {k.arg: k.value for k in node.value.keywords if k.arg}
                jk = kw.get("join_keys")
                if isinstance(jk, ast.List) and jk.elts and isinstance(jk.elts[0], ast.Constant):
                    entities[var] = jk.elts[0].value
                elif isinstance(kw.get("name"), ast.Constant):
                    entities[var] = kw["name"].value
                else:
                    entities[var] = var
            continue
        report.line(file, node.lineno, "(statement)",
                    "only imports and NAME = FeastConstructor(...) assignments are allowed in a generated feature repo")


# --------------------------------------------------------------------------

TARGETS = {
    "kubernetes": validate_kubernetes,
    "kubeflow": validate_kubeflow,
    "mlflow": validate_mlflow,
    "feast": validate_feast,
}


def main(argv):
    if len(argv) != 3 or argv[1] not in TARGETS:
        sys.stderr.write("usage: %s {%s} DIR\n" % (os.path.basename(argv[0]), "|".join(TARGETS)))
        return 2
    directory = argv[2]
    if not os.path.isdir(directory):
        sys.stderr.write("%s: not a directory\n" % directory)
        return 2
    report = Report()
    try:
        TARGETS[argv[1]](directory, report)
    except ToolMissing as e:
        sys.stderr.write("%s\n" % e)
        return 2
    except Exception:  # a bug in this script is not a verdict on the artefacts
        import traceback
        traceback.print_exc()
        return 2
    for line in report.lines:
        print(line)
    return 1 if report.lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
