# Locates every dependency once; the rest of the build only reads the SCALESIM_HAVE_* results
# and the imported targets. Required: Boost.Program_options, yaml-cpp, Random123.
# Optional (auto-detected, can be forced off): MPI, OpenMP, HDF5, CUDA. METIS is required
# whenever MPI is on, because the parallel engine partitions with it.

find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(yaml-cpp 0.7 REQUIRED)
find_package(Random123 REQUIRED)

set(SCALESIM_HAVE_MPI OFF)
if(SCALESIM_WITH_MPI)
  find_package(MPI COMPONENTS C CXX)
  if(MPI_FOUND)
    set(SCALESIM_HAVE_MPI ON)
    find_package(METIS REQUIRED)
  else()
    message(STATUS "MPI not found: building without the MPI transport")
  endif()
endif()
if(NOT SCALESIM_HAVE_MPI)
  find_package(METIS)
endif()

set(SCALESIM_HAVE_OPENMP OFF)
if(SCALESIM_WITH_OPENMP)
  find_package(OpenMP COMPONENTS CXX)
  if(OpenMP_CXX_FOUND)
    set(SCALESIM_HAVE_OPENMP ON)
  endif()
endif()

set(SCALESIM_HAVE_HDF5 OFF)
set(SCALESIM_HDF5_PARALLEL OFF)
if(SCALESIM_WITH_HDF5)
  # Prefer the Open MPI build of HDF5 when MPI is on, so all ranks can write one file.
  set(HDF5_PREFER_PARALLEL ${SCALESIM_HAVE_MPI})
  find_package(HDF5 COMPONENTS C)
  if(HDF5_FOUND)
    set(SCALESIM_HAVE_HDF5 ON)
    set(SCALESIM_HDF5_PARALLEL ${HDF5_IS_PARALLEL})
    if(HDF5_IS_PARALLEL AND NOT SCALESIM_HAVE_MPI)
      message(STATUS "HDF5 found is the parallel build but MPI is off: HDF5 output disabled")
      set(SCALESIM_HAVE_HDF5 OFF)
      set(SCALESIM_HDF5_PARALLEL OFF)
    endif()
  endif()
endif()

set(SCALESIM_HAVE_CUDA OFF)
if(SCALESIM_WITH_CUDA)
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(SCALESIM_HAVE_CUDA ON)
    # Enabled here, at the top level, so every folder can build CUDA sources (sweep/mc, bench).
    # CUDA 13 no longer compiles for sm_70; a -DCMAKE_CUDA_ARCHITECTURES=... given by the user
    # (e.g. native in bench/gpu_check.sh) wins.
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES OR CMAKE_CUDA_ARCHITECTURES STREQUAL "")
      set(CMAKE_CUDA_ARCHITECTURES 75 80 90 CACHE STRING "CUDA architectures to build for")
    endif()
    enable_language(CUDA)
  endif()
endif()

if(SCALESIM_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(SCALESIM_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
