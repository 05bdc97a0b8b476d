# Spack recipe for ScaleSim (packaging/README.md): `spack repo add packaging/spack`, then
# `spack install scalesim@main +mpi +hdf5 +cuda cuda_arch=80`.
# Needs Spack 0.23 or newer (the c/cxx language dependencies).

from spack.package import *


class Scalesim(CMakePackage, CudaPackage):
    """ScaleSim: a parallel discrete-event simulator for ML systems on HPC clusters (queueing
    networks of model servers, routers, caches and training jobs on calibrated GPU, CPU,
    network and Redis models), with MPI + OpenMP parallel runs, parallel HDF5 results, and
    parameter sweeps with a discrete-event and a CUDA/OpenMP Monte Carlo backend."""

    # Placeholders: point them at where the project is published.
    homepage = "https://github.com/scalesim/scalesim"
    url = "https://github.com/scalesim/scalesim/archive/refs/tags/v0.1.0.tar.gz"
    git = "https://github.com/scalesim/scalesim.git"

    maintainers("scalesim")  # placeholder: GitHub handles of the maintainers

    version("main", branch="main")

    # Each maps to the CMake option of the same name in the top-level CMakeLists.txt
    # (SCALESIM_WITH_<NAME>); `cuda` and `cuda_arch` come from CudaPackage.
    variant("mpi", default=True, description="MPI transport for partitioned runs and parallel HDF5")
    variant("openmp", default=True, description="OpenMP threads inside each rank")
    variant("hdf5", default=True, description="HDF5 result files")
    variant("compression", default=True,
            description="gzip- and zstd-compressed traces read directly (zlib, zstd)")
    variant("analysis", default=False,
            description="Python run dependencies of share/scalesim/analysis (h5py, pandas, matplotlib)")

    depends_on("c", type="build")
    depends_on("cxx", type="build")
    depends_on("cmake@3.25:", type="build")

    depends_on("boost@1.74:+program_options")
    depends_on("yaml-cpp@0.7:")
    depends_on("random123")
    # The partitioner of the parallel engine: required with MPI, used when present otherwise.
    depends_on("metis")

    depends_on("mpi", when="+mpi")
    depends_on("hdf5+mpi", when="+hdf5+mpi")
    depends_on("hdf5~mpi", when="+hdf5~mpi")
    depends_on("zlib-api", when="+compression")
    depends_on("zstd", when="+compression")

    depends_on("googletest", type="test")
    depends_on("py-h5py", type="test", when="+hdf5")
    depends_on("py-numpy", type="test")

    depends_on("python@3.9:", type="run", when="+analysis")
    depends_on("py-h5py", type="run", when="+analysis")
    depends_on("py-numpy", type="run", when="+analysis")
    depends_on("py-pandas", type="run", when="+analysis")
    depends_on("py-matplotlib", type="run", when="+analysis")

    conflicts("%gcc@:11", msg="ScaleSim is C++20 and needs GCC 12 or newer")
    conflicts("%clang@:13", msg="ScaleSim is C++20 and needs Clang 14 or newer")
    conflicts("cuda_arch=none", when="+cuda",
              msg="give the GPU architecture, e.g. cuda_arch=80 (A100) or cuda_arch=90 (H100)")
    # The CUDA kernels use C++20 (std::span); CUDA 13 no longer builds for sm_70 (V100):
    # build those with a CUDA 12 toolkit.
    depends_on("cuda@12:", when="+cuda")
    conflicts("cuda_arch=70", when="^cuda@13:", msg="CUDA 13 dropped sm_70: use cuda@12")

    def cmake_args(self):
        spec = self.spec
        args = [
            self.define_from_variant("SCALESIM_WITH_MPI", "mpi"),
            self.define_from_variant("SCALESIM_WITH_OPENMP", "openmp"),
            self.define_from_variant("SCALESIM_WITH_HDF5", "hdf5"),
            self.define_from_variant("SCALESIM_WITH_COMPRESSION", "compression"),
            self.define_from_variant("SCALESIM_WITH_CUDA", "cuda"),
            self.define("SCALESIM_BUILD_TESTS", self.run_tests),
            self.define("SCALESIM_BUILD_BENCH", False),
            self.define("SCALESIM_BUILD_FUZZERS", False),
            self.define("SCALESIM_WARNINGS_AS_ERRORS", False),
        ]
        if spec.satisfies("+cuda"):
            archs = [a for a in spec.variants["cuda_arch"].value if a != "none"]
            args.append(self.define("CMAKE_CUDA_ARCHITECTURES", ";".join(archs)))
        return args

    def setup_run_environment(self, env):
        # The installed binary finds share/scalesim/configs by itself; this names it for
        # scripts (and for programs linking the libraries from elsewhere).
        env.set("SCALESIM_CONFIG_DIR", join_path(self.prefix.share, "scalesim", "configs"))
        if self.spec.satisfies("+analysis"):
            env.prepend_path("PYTHONPATH", join_path(self.prefix.share, "scalesim", "analysis"))
            env.prepend_path("PATH", join_path(self.prefix.share, "scalesim", "analysis"))

    def check(self):
        # `spack install --test=root scalesim`: the unit and integration tests (ctest labels).
        with working_dir(self.build_directory):
            ctest("--output-on-failure", "-L", "unit|integration", "-E", "style|sweep|install")
