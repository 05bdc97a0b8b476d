#!/usr/bin/python3
"""Regenerate the bundled Kubernetes JSON schemas in ../schemas/kubernetes/.

The bundled files are the "standalone-strict" flavour that
yannh/kubernetes-json-schema publishes (the schema set kubeconform uses),
produced from the Kubernetes OpenAPI v2 document (api/openapi-spec/swagger.json)
with the same transformation as yannh/openapi2jsonschema
(`--expanded --kubernetes --stand-alone --strict`, see that repository's
openapi2jsonschema/command.py and util.py, Apache-2.0):

  1. IntOrString becomes oneOf [string, integer]; Quantity oneOf [string, number].
  2. apiVersion / kind get an enum from x-kubernetes-group-version-kind.
  3. --strict: every object schema that has "properties" gets
     "additionalProperties": false (unless it already sets additionalProperties).
  4. --stand-alone: every $ref is inlined.
  5. every "type" of a field that its parent does not list in "required"
     becomes [type, "null"].

Usage: k8s_strict_schemas.py SWAGGER_JSON OUT_DIR
The swagger document itself is not bundled (4 MB); README.md in the schema
folder names the exact copy used.
"""
import copy
import json
import os
import sys

# file name (as yannh/kubernetes-json-schema names it) -> OpenAPI definition
WANTED = {
    "deployment-apps-v1.json": "io.k8s.api.apps.v1.Deployment",
    "statefulset-apps-v1.json": "io.k8s.api.apps.v1.StatefulSet",
    "service-v1.json": "io.k8s.api.core.v1.Service",
    "configmap-v1.json": "io.k8s.api.core.v1.ConfigMap",
    "horizontalpodautoscaler-autoscaling-v2.json":
        "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
    "poddisruptionbudget-policy-v1.json": "io.k8s.api.policy.v1.PodDisruptionBudget",
}


def append_no_duplicates(obj, key, value):
    obj.setdefault(key, [])
    if value not in obj[key]:
        obj[key].append(value)


def additional_properties(data):
    # openapi2jsonschema util.additional_properties: mutates in place and copies
    if not isinstance(data, dict):
        return data
    new = {}
    for k, v in data.items():
        if isinstance(v, dict):
            if "properties" in v and "additionalProperties" not in v:
                v["additionalProperties"] = False
            v = additional_properties(v)
        new[k] = v
    return new


def replace_int_or_string(data):
    if not isinstance(data, dict):
        return data
    new = {}
    for k, v in data.items():
        if isinstance(v, dict):
            if v.get("format") == "int-or-string":
                v = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
            else:
                v = replace_int_or_string(v)
        elif isinstance(v, list):
            v = [replace_int_or_string(x) for x in v]
        new[k] = v
    return new


def allow_null_optional_fields(data, parent=None, grand_parent=None, key=None):
    if not isinstance(data, dict):
        return data
    new = {}
    for k, v in data.items():
        new_v = v
        if isinstance(v, dict):
            new_v = allow_null_optional_fields(v, data, parent, k)
        elif isinstance(v, list):
            new_v = [allow_null_optional_fields(x, v, parent, k) for x in v]
        elif isinstance(v, str):
            is_non_null_type = k == "type" and v != "null"
            has_required = bool(grand_parent) and "required" in grand_parent
            is_required = has_required and key in grand_parent["required"]
            if is_non_null_type and not is_required:
                new_v = [v, "null"]
        new[k] = new_v
    return new


def inline_refs(node, definitions, stack=()):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name in stack:
                raise ValueError("recursive type %s" % name)
            return inline_refs(definitions[name], definitions, stack + (name,))
        return {k: inline_refs(v, definitions, stack) for k, v in node.items()}
    if isinstance(node, list):
        return [inline_refs(x, definitions, stack) for x in node]
    return node


def main():
    swagger_path, out_dir = sys.argv[1], sys.argv[2]
    with open(swagger_path, encoding="utf-8") as f:
        data = json.load(f)
    definitions = data["definitions"]
    definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = {
        "oneOf": [{"type": "string"}, {"type": "integer"}]}
    definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"] = {
        "oneOf": [{"type": "string"}, {"type": "number"}]}
    for type_def in definitions.values():
        for gvk in type_def.get("x-kubernetes-group-version-kind", []):
            props = type_def.get("properties", {})
            if "apiVersion" in props:
                api_version = ("%s/%s" % (gvk["group"], gvk["version"])
                               if gvk["group"] else gvk["version"])
                append_no_duplicates(props["apiVersion"], "enum", api_version)
            if "kind" in props:
                append_no_duplicates(props["kind"], "enum", gvk["kind"])
    # the shared definitions document as openapi2jsonschema writes it
    shared = json.loads(json.dumps(additional_properties(definitions)))
    os.makedirs(out_dir, exist_ok=True)
    for file_name, title in WANTED.items():
        spec = copy.deepcopy(definitions[title])
        spec["$schema"] = "http://json-schema.org/schema#"
        spec.setdefault("type", "object")
        spec["additionalProperties"] = False
        spec = inline_refs(spec, shared)
        if "properties" in spec:
            props = additional_properties(spec["properties"])
            props = replace_int_or_string(props)
            props = allow_null_optional_fields(props)
            spec["properties"] = props
        with open(os.path.join(out_dir, file_name), "w", encoding="utf-8") as f:
            f.write(json.dumps(spec, indent=2))
            f.write("\n")


if __name__ == "__main__":
    main()
