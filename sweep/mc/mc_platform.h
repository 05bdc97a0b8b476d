// What every part of the Monte Carlo kernel shares: the per-build inline namespace
// (SCALESIM_MC_ISA) and the inlining macros for host and device code.
#pragma once

#include <Random123/philox.h>

#include <cstdint>

// The kernel is compiled once per instruction set: portably (mc_cpu.cpp), for AVX-512
// (mc_cpu_avx512.cpp, chosen at run time where the CPU has it) and by nvcc. Each build's
// functions live in their own inline namespace, so the linker never takes one build's copy of an
// inline function for another's (which would run AVX-512 code on a CPU without it). The results
// are the same bits in every build: the AVX-512 parts only move and compare values.
#if defined(__CUDACC__)
#define SCALESIM_MC_ISA cuda
#elif defined(__AVX512F__)
#include <immintrin.h>
#define SCALESIM_MC_AVX512 1
#define SCALESIM_MC_ISA avx512
#else
#define SCALESIM_MC_ISA portable
#endif

#include "sweep/mc/mc_model.h"

#if defined(__CUDACC__)
#define SCALESIM_MC_INLINE __forceinline__
#define SCALESIM_MC_NOINLINE __noinline__
#else
#define SCALESIM_MC_INLINE inline __attribute__((always_inline))
#define SCALESIM_MC_NOINLINE inline __attribute__((noinline))
#endif
