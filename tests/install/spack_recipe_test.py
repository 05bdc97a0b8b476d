#!/usr/bin/env python3
"""The Spack recipe (packaging/spack/packages/scalesim/package.py) without Spack: it parses,
its class body runs against a stub of `spack.package`, every variant maps to a CMake option of
the top-level CMakeLists.txt, and cmake_args() gives the expected -D flags for a few specs.

Usage: spack_recipe_test.py SOURCE_DIR"""
import ast
import os
import re
import sys
import types

SOURCE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
RECIPE = os.path.join(SOURCE, "packaging", "spack", "packages", "scalesim", "package.py")
REPO = os.path.join(SOURCE, "packaging", "spack", "repo.yaml")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


# --- a stub of the parts of spack.package the recipe uses -------------------------------------
directives = {"version": [], "variant": {}, "depends_on": [], "conflicts": []}


def _record(kind):
    def f(*args, **kwargs):
        if kind == "variant":
            directives["variant"][args[0]] = kwargs
        elif kind in directives:
            directives[kind].append((args, kwargs))
    return f


class _Variant:
    def __init__(self, value):
        self.value = value


class _Spec:
    """`+mpi ~cuda cuda_arch=80` style: satisfies() for +x / ~x / x=v, variants[...]."""

    def __init__(self, text):
        self.on, self.values = {}, {}
        for word in text.split():
            if "=" in word:
                k, v = word.split("=", 1)
                self.values[k] = tuple(v.split(","))
            else:
                self.on[word[1:]] = word[0] == "+"
        self.variants = {k: _Variant(v) for k, v in self.values.items()}
        for k, v in self.on.items():
            self.variants[k] = _Variant(v)

    def satisfies(self, text):
        return all(self.on.get(w[1:]) == (w[0] == "+") for w in text.split())


def _fmt(value):
    if isinstance(value, bool):
        return "BOOL", "ON" if value else "OFF"
    return "STRING", str(value)


class CMakePackage:
    run_tests = False

    def __init__(self, spec):
        self.spec = spec

    def define(self, name, value):
        kind, v = _fmt(value)
        return f"-D{name}:{kind}={v}"

    def define_from_variant(self, name, variant):
        if variant not in self.spec.variants:
            raise KeyError(f"variant '{variant}' is not set in the test spec")
        return self.define(name, bool(self.spec.variants[variant].value))


class CudaPackage:
    pass


stub = types.ModuleType("spack.package")
for name in ["version", "variant", "depends_on", "conflicts", "maintainers", "license",
             "provides", "patch", "resource", "requires"]:
    setattr(stub, name, _record(name))
stub.CMakePackage, stub.CudaPackage = CMakePackage, CudaPackage
stub.join_path = os.path.join
stub.working_dir = None
stub.__all__ = [n for n in dir(stub) if not n.startswith("_")]
sys.modules["spack"] = types.ModuleType("spack")
sys.modules["spack.package"] = stub

# --- the recipe --------------------------------------------------------------------------------
with open(RECIPE) as f:
    text = f.read()
ast.parse(text, RECIPE)
namespace = {}
exec(compile(text, RECIPE, "exec"), namespace)
Scalesim = namespace.get("Scalesim")
check(Scalesim is not None, "package.py defines class Scalesim")
check(issubclass(Scalesim, CMakePackage) and issubclass(Scalesim, CudaPackage),
      "Scalesim is a CMakePackage and a CudaPackage")
check(any(a == ("main",) and k.get("branch") == "main" for a, k in directives["version"]),
      'version("main", branch="main")')
with open(REPO) as f:
    check(re.search(r"^\s*namespace:\s*['\"]?scalesim", f.read(), re.M) is not None,
          "repo.yaml has namespace scalesim")

deps = [a[0] for a, _ in directives["depends_on"]]
for needed in ["cmake@3.25:", "yaml-cpp", "random123", "metis", "boost", "mpi", "hdf5+mpi",
               "hdf5~mpi", "googletest"]:
    check(any(d == needed or d.startswith(needed + "@") or d.startswith(needed + "+") or
              (needed == "boost" and d.startswith("boost") and "+program_options" in d)
              for d in deps), f"depends_on({needed!r})")

# --- every variant maps to a CMake option ------------------------------------------------------
with open(os.path.join(SOURCE, "CMakeLists.txt")) as f:
    options = set(re.findall(r"^\s*option\(\s*(\w+)", f.read(), re.M))
variants = set(directives["variant"]) | {"cuda"}  # cuda (and cuda_arch) come from CudaPackage
for v in sorted(variants - {"analysis"}):
    check(f"SCALESIM_WITH_{v.upper()}" in options,
          f"variant {v} maps to option SCALESIM_WITH_{v.upper()} of CMakeLists.txt")


def args_for(text, run_tests=False):
    pkg = Scalesim(_Spec(text))
    pkg.run_tests = run_tests
    return pkg.cmake_args()


for spec_text in ["+mpi +openmp +hdf5 +compression ~cuda ~analysis",
                  "~mpi ~openmp ~hdf5 ~compression +cuda cuda_arch=80,90 ~analysis"]:
    args = args_for(spec_text)
    print(spec_text, "->", " ".join(args))
    spec = _Spec(spec_text)
    for v in ["mpi", "openmp", "hdf5", "compression", "cuda"]:
        want = "ON" if spec.on[v] else "OFF"
        check(f"-DSCALESIM_WITH_{v.upper()}:BOOL={want}" in args, f"{spec_text}: SCALESIM_WITH_{v.upper()}={want}")
    for a in args:
        name = re.match(r"-D(\w+)", a).group(1)
        check(name in options or name == "CMAKE_CUDA_ARCHITECTURES", f"{a}: {name} is a CMake option")
    check(("-DCMAKE_CUDA_ARCHITECTURES:STRING=80;90" in args) == spec.on["cuda"],
          f"{spec_text}: CMAKE_CUDA_ARCHITECTURES from cuda_arch")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("OK: the Spack recipe parses and maps every variant to a CMake option")
