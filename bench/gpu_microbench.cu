// GPU microbenchmark for the hardware model (hardware/gpu/gpu_performance.h): cuBLAS GEMMs at
// the shapes of the model profiles' layers (Llama-2-7B/70B projections and MLPs at 1 to 8192
// tokens, BERT-Large at sequence 128 and 384) in fp16 and bf16, and fp8 (E4M3, through cuBLASLt)
// where the device has it; strided batched GEMMs for attention; HBM streaming (copy and triad);
// kernel launch cost; host-to-device and device-to-host copy bandwidth.
//
// Writes one CSV in the calibration format (calibration/README.md): '#' lines with the device's
// own name, clocks, memory, driver, CUDA runtime and cuBLAS versions, then one row per case with
// the work it does (flops, bytes) and the median time of one operation. `scalesim calibrate`
// reads it and puts the model's prediction beside each row.
//
//   gpu_microbench [-o FILE.csv] [--quick] [--meta "key=value"]...
//
// Timing: CUDA events around R back-to-back operations on one stream, R chosen so that one
// trial lasts at least 5 ms (20 ms for the big GEMMs is reached anyway); 7 trials after a
// warm-up; the median per operation is reported, with min and max. Inputs are pseudo-random
// (values in [-1, 1)), since zeros draw less power and run faster on tensor cores. Consecutive
// GEMMs read different copies of their operands (512 MiB together, several times the L2
// cache), so that weights come from HBM as they do when a model's layers run one after another.
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}
void check(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) {
    throw std::runtime_error(std::string(what) + ": cuBLAS status " + std::to_string(int(s)));
  }
}

// Device memory owned by one object (RAII; no raw new/delete).
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes) : bytes_(bytes) {
    check(cudaMalloc(&ptr_, bytes), "cudaMalloc");
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(bytes_, o.bytes_);
    return *this;
  }
  ~DeviceBuffer() {
    if (ptr_ != nullptr) cudaFree(ptr_);
  }
  void* get() const { return ptr_; }
  std::size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

class PinnedBuffer {
 public:
  explicit PinnedBuffer(std::size_t bytes) {
    check(cudaMallocHost(&ptr_, bytes), "cudaMallocHost");
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  ~PinnedBuffer() { cudaFreeHost(ptr_); }
  void* get() const { return ptr_; }

 private:
  void* ptr_ = nullptr;
};

class Event {
 public:
  Event() { check(cudaEventCreate(&e_), "cudaEventCreate"); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() { cudaEventDestroy(e_); }
  cudaEvent_t get() const { return e_; }

 private:
  cudaEvent_t e_{};
};

// ---- kernels ----

__device__ float hash_to_unit(std::uint64_t i, std::uint32_t seed) {
  std::uint64_t x = i * 0x9E3779B97F4A7C15ULL + seed;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 29;
  return static_cast<float>(x >> 40) * (2.0f / 16777216.0f) - 1.0f;  // [-1, 1)
}

template <class T>
__global__ void fill_random(T* p, std::size_t n, std::uint32_t seed) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < n;
       i += std::size_t{gridDim.x} * blockDim.x) {
    p[i] = T(hash_to_unit(i, seed));
  }
}

__global__ void stream_copy(const float4* __restrict__ a, float4* __restrict__ b, std::size_t n) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < n;
       i += std::size_t{gridDim.x} * blockDim.x) {
    b[i] = a[i];
  }
}

__global__ void stream_triad(float4* __restrict__ a, const float4* __restrict__ b,
                             const float4* __restrict__ c, float s, std::size_t n) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < n;
       i += std::size_t{gridDim.x} * blockDim.x) {
    const float4 x = b[i];
    const float4 y = c[i];
    a[i] = make_float4(x.x + s * y.x, x.y + s * y.y, x.z + s * y.z, x.w + s * y.w);
  }
}

__global__ void empty_kernel() {}

// ---- timing ----

struct Timing {
  double median = 0, min = 0, max = 0;  // s per operation
};

// Runs `op` (which enqueues one operation on `stream`) back to back and times it with events.
Timing time_op(cudaStream_t stream, const std::function<void()>& op, bool quick) {
  Event start, stop;
  op();  // warm-up (also picks cuBLAS heuristics, loads modules)
  check(cudaStreamSynchronize(stream), "warm-up");
  // One timed operation sizes the trials.
  check(cudaEventRecord(start.get(), stream), "event");
  op();
  check(cudaEventRecord(stop.get(), stream), "event");
  check(cudaEventSynchronize(stop.get()), "event sync");
  float ms = 0;
  check(cudaEventElapsedTime(&ms, start.get(), stop.get()), "elapsed");
  const double target_ms = quick ? 1.0 : 5.0;
  const int reps = std::clamp(static_cast<int>(target_ms / std::max(ms, 1e-4f)), 1, 2000);
  const int trials = quick ? 3 : 7;
  std::vector<double> t;
  for (int trial = 0; trial < trials; ++trial) {
    check(cudaEventRecord(start.get(), stream), "event");
    for (int r = 0; r < reps; ++r) op();
    check(cudaEventRecord(stop.get(), stream), "event");
    check(cudaEventSynchronize(stop.get()), "event sync");
    check(cudaEventElapsedTime(&ms, start.get(), stop.get()), "elapsed");
    t.push_back(ms * 1e-3 / reps);
  }
  std::sort(t.begin(), t.end());
  return {t[t.size() / 2], t.front(), t.back()};
}

// ---- output ----

struct Row {
  std::string kind;       // gemm, batched_gemm, stream, launch, copy
  std::string name;       // what the shape stands for
  std::string precision;  // fp16, bf16, fp8, fp32, -
  long long m = 0, n = 0, k = 0, batch = 1;
  double flops = 0;  // per operation
  double bytes = 0;  // per operation, minimum HBM (or link) traffic
  Timing time;
  double value = 0;  // the figure in `unit`
  std::string unit;
  std::string note;
};

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// ---- cases ----

struct Precision {
  const char* name;
  cudaDataType_t type;
  std::size_t bytes;
};

constexpr Precision kFp16{"fp16", CUDA_R_16F, 2};
constexpr Precision kBf16{"bf16", CUDA_R_16BF, 2};

struct GemmShape {
  const char* name;
  long long out, in;  // a layer's output and input features (weights: in x out)
};

constexpr std::size_t kPoolBytes = std::size_t{2} << 30;
// Back-to-back operations on the same operands would find them in the 50-60 MB L2 cache, while
// a served model reads each layer's weights from HBM: operands rotate through copies that
// together pass this size, several times the L2.
constexpr std::size_t kRotateBytes = std::size_t{512} << 20;

std::size_t round_up(std::size_t bytes) {
  return (bytes + 255) / 256 * 256;
}

// Copies of an operand pair (a_bytes, b_bytes) to rotate through; each pool holds its copies.
std::size_t rotation(std::size_t a_bytes, std::size_t b_bytes) {
  const std::size_t a = round_up(a_bytes), b = round_up(b_bytes);
  std::size_t copies = (kRotateBytes + a + b - 1) / (a + b);
  copies = std::min(copies, kPoolBytes / a);
  copies = std::min(copies, kPoolBytes / b);
  return std::max<std::size_t>(copies, 1);
}

class Bench {
 public:
  Bench(bool quick) : quick_(quick) {
    check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "stream");
    check(cublasCreate(&blas_), "cublasCreate");
    check(cublasSetStream(blas_, stream_), "cublasSetStream");
    check(cublasLtCreate(&lt_), "cublasLtCreate");
    // One pool per operand for every case; the largest are Llama-2-70B's MLP at 8192 tokens
    // (0.9 GB of output) and the prefill attention scores at 4096 tokens (1 GiB).
    pool_a_ = DeviceBuffer(kPoolBytes);
    pool_b_ = DeviceBuffer(kPoolBytes);
    pool_c_ = DeviceBuffer(kPoolBytes);
    workspace_ = DeviceBuffer(std::size_t{64} << 20);
    check(cublasSetWorkspace(blas_, workspace_.get(), workspace_.bytes()), "cublasSetWorkspace");
  }
  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;
  ~Bench() {
    cublasLtDestroy(lt_);
    cublasDestroy(blas_);
    cudaStreamDestroy(stream_);
  }

  std::vector<Row> rows;

  void fill(void* p, std::size_t bytes, const char* type, std::uint32_t seed) {
    if (bytes > kPoolBytes) throw std::runtime_error("case larger than the operand pool");
    const dim3 grid(1024), block(256);
    if (std::strcmp(type, "fp16") == 0) {
      fill_random<<<grid, block, 0, stream_>>>(static_cast<__half*>(p), bytes / 2, seed);
    } else if (std::strcmp(type, "bf16") == 0) {
      fill_random<<<grid, block, 0, stream_>>>(static_cast<__nv_bfloat16*>(p), bytes / 2, seed);
    } else if (std::strcmp(type, "fp8") == 0) {
      fill_random<<<grid, block, 0, stream_>>>(static_cast<__nv_fp8_e4m3*>(p), bytes, seed);
    } else {
      fill_random<<<grid, block, 0, stream_>>>(static_cast<float*>(p), bytes / 4, seed);
    }
    check(cudaGetLastError(), "fill");
  }

  // Y[tokens x out] = X[tokens x in] W^T, as a framework's linear layer calls cuBLAS
  // (column-major: op(A) = W^T with A = W stored in x out, B = X stored in x tokens).
  void gemm(const Precision& p, const GemmShape& s, long long tokens, const std::string& group) {
    const std::size_t a_bytes = std::size_t(s.in * s.out) * p.bytes;
    const std::size_t b_bytes = std::size_t(s.in * tokens) * p.bytes;
    const std::size_t copies = rotation(a_bytes, b_bytes);
    fill(pool_a_.get(), copies * round_up(a_bytes), p.name, 1);
    fill(pool_b_.get(), copies * round_up(b_bytes), p.name, 2);
    const float alpha = 1, beta = 0;
    std::size_t turn = 0;
    const auto op = [&] {
      const std::size_t i = turn++ % copies;
      check(
          cublasGemmEx(blas_, CUBLAS_OP_T, CUBLAS_OP_N, int(s.out), int(tokens), int(s.in), &alpha,
                       at(pool_a_, i * round_up(a_bytes)), p.type, int(s.in),
                       at(pool_b_, i * round_up(b_bytes)), p.type, int(s.in), &beta, pool_c_.get(),
                       p.type, int(s.out), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
          "cublasGemmEx");
    };
    Row r =
        shape_row("gemm", group + " " + s.name, p.name, s.out, tokens, s.in, 1, p.bytes, p.bytes);
    fits(std::size_t(s.out * tokens) * p.bytes);
    r.time = time_op(stream_, op, quick_);
    finish_flops(r);
  }

  // fp8 (E4M3) inputs, bf16 output, fp32 accumulation, through cuBLASLt (the TN layout fp8
  // GEMMs require is the linear layer's own).
  void gemm_fp8(const GemmShape& s, long long tokens, const std::string& group) {
    const std::size_t a_bytes = std::size_t(s.in * s.out);
    const std::size_t b_bytes = std::size_t(s.in * tokens);
    const std::size_t copies = rotation(a_bytes, b_bytes);
    fill(pool_a_.get(), copies * round_up(a_bytes), "fp8", 1);
    fill(pool_b_.get(), copies * round_up(b_bytes), "fp8", 2);
    cublasLtMatmulDesc_t desc{};
    cublasLtMatrixLayout_t la{}, lb{}, lc{};
    check(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F), "fp8 desc");
    const cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
    check(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta),
          "fp8 transa");
    check(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb),
          "fp8 transb");
    check(cublasLtMatrixLayoutCreate(&la, CUDA_R_8F_E4M3, s.in, s.out, s.in), "fp8 layout a");
    check(cublasLtMatrixLayoutCreate(&lb, CUDA_R_8F_E4M3, s.in, tokens, s.in), "fp8 layout b");
    check(cublasLtMatrixLayoutCreate(&lc, CUDA_R_16BF, s.out, tokens, s.out), "fp8 layout c");
    cublasLtMatmulPreference_t pref{};
    check(cublasLtMatmulPreferenceCreate(&pref), "fp8 preference");
    const std::size_t ws = workspace_.bytes();
    check(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws,
                                               sizeof ws),
          "fp8 workspace");
    cublasLtMatmulHeuristicResult_t heur{};
    int found = 0;
    const cublasStatus_t hs =
        cublasLtMatmulAlgoGetHeuristic(lt_, desc, la, lb, lc, lc, pref, 1, &heur, &found);
    const auto cleanup = [&] {
      cublasLtMatmulPreferenceDestroy(pref);
      cublasLtMatrixLayoutDestroy(lc);
      cublasLtMatrixLayoutDestroy(lb);
      cublasLtMatrixLayoutDestroy(la);
      cublasLtMatmulDescDestroy(desc);
    };
    if (hs != CUBLAS_STATUS_SUCCESS || found == 0) {
      std::fprintf(stderr, "fp8 %s %s tokens %lld: no cuBLASLt algorithm (status %d)\n",
                   group.c_str(), s.name, tokens, int(hs));
      cleanup();
      return;
    }
    const float alpha = 1, beta = 0;
    std::size_t turn = 0;
    const auto op = [&] {
      const std::size_t i = turn++ % copies;
      check(cublasLtMatmul(lt_, desc, &alpha, at(pool_a_, i * round_up(a_bytes)), la,
                           at(pool_b_, i * round_up(b_bytes)), lb, &beta, pool_c_.get(), lc,
                           pool_c_.get(), lc, &heur.algo, workspace_.get(), ws, stream_),
            "cublasLtMatmul");
    };
    Row r = shape_row("gemm", group + " " + s.name, "fp8", s.out, tokens, s.in, 1, 1, 2);
    fits(std::size_t(s.out * tokens) * 2);
    try {
      r.time = time_op(stream_, op, quick_);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fp8 %s %s tokens %lld: %s\n", group.c_str(), s.name, tokens, e.what());
      cleanup();
      return;
    }
    cleanup();
    finish_flops(r);
  }

  // One strided batched GEMM case: C (m x n) = op(A) B for each batch entry, with A stored
  // k x m when transposed (m x k otherwise) and B stored k x n.
  void batched_gemm(const Precision& p, const std::string& name, cublasOperation_t transa,
                    long long m, long long n, long long k, long long batch, std::uint32_t seed) {
    const float alpha = 1, beta = 0;
    const long long sa = m * k, sb = k * n, sc = m * n;
    const std::size_t a_bytes = std::size_t(sa * batch) * p.bytes;
    const std::size_t b_bytes = std::size_t(sb * batch) * p.bytes;
    const std::size_t copies = rotation(a_bytes, b_bytes);
    fill(pool_a_.get(), copies * round_up(a_bytes), p.name, seed);
    fill(pool_b_.get(), copies * round_up(b_bytes), p.name, seed + 1);
    fits(std::size_t(sc * batch) * p.bytes);
    const int lda = int(transa == CUBLAS_OP_T ? k : m);
    std::size_t turn = 0;
    const auto op = [&] {
      const std::size_t i = turn++ % copies;
      check(cublasGemmStridedBatchedEx(blas_, transa, CUBLAS_OP_N, int(m), int(n), int(k), &alpha,
                                       at(pool_a_, i * round_up(a_bytes)), p.type, lda, sa,
                                       at(pool_b_, i * round_up(b_bytes)), p.type, int(k), sb,
                                       &beta, pool_c_.get(), p.type, int(m), sc, int(batch),
                                       CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
            "cublasGemmStridedBatchedEx");
    };
    Row r = shape_row("batched_gemm", name, p.name, m, n, k, batch, p.bytes, p.bytes);
    r.time = time_op(stream_, op, quick_);
    finish_flops(r);
  }

  // Attention of one layer as unfused batched GEMMs, one batch entry per (sequence, head):
  // scores = K^T Q (keys x queries, inner dimension head_dim), then out = V P (head_dim x
  // queries, inner dimension keys).
  void attention(const Precision& p, const char* name, long long queries, long long keys,
                 long long head_dim, long long batch) {
    batched_gemm(p, std::string(name) + " QK^T", CUBLAS_OP_T, keys, queries, head_dim, batch, 3);
    batched_gemm(p, std::string(name) + " PV", CUBLAS_OP_N, head_dim, queries, keys, batch, 5);
  }

  void hbm(std::size_t floats_per_array) {
    DeviceBuffer a(floats_per_array * 4), b(floats_per_array * 4), c(floats_per_array * 4);
    fill(a.get(), a.bytes(), "fp32", 7);
    fill(b.get(), b.bytes(), "fp32", 8);
    fill(c.get(), c.bytes(), "fp32", 9);
    int sms = 0;
    check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0), "SM count");
    const dim3 grid(sms * 8), block(512);
    const std::size_t n4 = floats_per_array / 4;
    const double array_bytes = double(floats_per_array) * 4;
    {
      const auto op = [&] {
        stream_copy<<<grid, block, 0, stream_>>>(static_cast<const float4*>(a.get()),
                                                 static_cast<float4*>(b.get()), n4);
      };
      Row r;
      r.kind = "stream";
      r.name = "copy b = a, " + std::to_string(long(array_bytes / (1 << 20))) + " MiB per array";
      r.precision = "fp32";
      r.bytes = 2 * array_bytes;
      r.time = time_op(stream_, op, quick_);
      check(cudaGetLastError(), "stream_copy");
      r.value = r.bytes / r.time.median / 1e9;
      r.unit = "GB/s";
      r.note = "bytes read + written";
      rows.push_back(r);
    }
    {
      const auto op = [&] {
        stream_triad<<<grid, block, 0, stream_>>>(static_cast<float4*>(a.get()),
                                                  static_cast<const float4*>(b.get()),
                                                  static_cast<const float4*>(c.get()), 0.5f, n4);
      };
      Row r;
      r.kind = "stream";
      r.name =
          "triad a = b + s c, " + std::to_string(long(array_bytes / (1 << 20))) + " MiB per array";
      r.precision = "fp32";
      r.bytes = 3 * array_bytes;
      r.flops = 2 * double(floats_per_array);
      r.time = time_op(stream_, op, quick_);
      check(cudaGetLastError(), "stream_triad");
      r.value = r.bytes / r.time.median / 1e9;
      r.unit = "GB/s";
      r.note = "bytes read + written";
      rows.push_back(r);
    }
  }

  void launch() {
    // Back to back on one stream: what each kernel of a chain of small kernels costs.
    {
      const auto op = [&] { empty_kernel<<<1, 1, 0, stream_>>>(); };
      Row r;
      r.kind = "launch";
      r.name = "empty kernel, back to back on one stream";
      r.precision = "-";
      r.time = time_op(stream_, op, quick_);
      check(cudaGetLastError(), "empty_kernel");
      r.value = r.time.median * 1e6;
      r.unit = "us";
      r.note = "per kernel, events around the chain";
      rows.push_back(r);
    }
    // Launch and wait, one at a time: the round trip a synchronous caller sees.
    {
      std::vector<double> t;
      const int n = quick_ ? 200 : 2000;
      for (int i = 0; i < n + 20; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        empty_kernel<<<1, 1, 0, stream_>>>();
        check(cudaStreamSynchronize(stream_), "sync");
        const auto t1 = std::chrono::steady_clock::now();
        if (i >= 20) t.push_back(std::chrono::duration<double>(t1 - t0).count());
      }
      std::sort(t.begin(), t.end());
      Row r;
      r.kind = "launch";
      r.name = "empty kernel, launch and synchronise";
      r.precision = "-";
      r.time = {t[t.size() / 2], t.front(), t.back()};
      r.value = r.time.median * 1e6;
      r.unit = "us";
      r.note = "host clock, median of " + std::to_string(n);
      rows.push_back(r);
    }
  }

  void host_copies(std::size_t bytes) {
    DeviceBuffer d(bytes);
    PinnedBuffer h(bytes);
    std::memset(h.get(), 1, bytes);
    std::vector<unsigned char> pageable(bytes, 2);
    const auto add = [&](const char* name, const std::function<void()>& op) {
      Row r;
      r.kind = "copy";
      r.name = std::string(name) + ", " + std::to_string(bytes >> 20) + " MiB";
      r.precision = "-";
      r.bytes = double(bytes);
      r.time = time_op(stream_, op, quick_);
      r.value = r.bytes / r.time.median / 1e9;
      r.unit = "GB/s";
      rows.push_back(r);
    };
    add("host to device, pinned", [&] {
      check(cudaMemcpyAsync(d.get(), h.get(), bytes, cudaMemcpyHostToDevice, stream_), "H2D");
    });
    add("device to host, pinned", [&] {
      check(cudaMemcpyAsync(h.get(), d.get(), bytes, cudaMemcpyDeviceToHost, stream_), "D2H");
    });
    add("host to device, pageable", [&] {
      check(cudaMemcpyAsync(d.get(), pageable.data(), bytes, cudaMemcpyHostToDevice, stream_),
            "H2D pageable");
    });
  }

 private:
  static void* at(const DeviceBuffer& pool, std::size_t offset) {
    return static_cast<char*>(pool.get()) + offset;
  }
  static void fits(std::size_t output_bytes) {
    if (output_bytes > kPoolBytes) throw std::runtime_error("case larger than the operand pool");
  }
  static Row shape_row(const char* kind, std::string name, const char* precision, long long m,
                       long long n, long long k, long long batch, std::size_t in_bytes,
                       std::size_t out_bytes) {
    Row r;
    r.kind = kind;
    r.name = std::move(name);
    r.precision = precision;
    r.m = m;
    r.n = n;
    r.k = k;
    r.batch = batch;
    r.flops = 2.0 * double(m) * double(n) * double(k) * double(batch);
    // Each operand crosses HBM once: A (k x m) and B (k x n) read, C (m x n) written.
    r.bytes = double(batch) * (double(in_bytes) * (double(m) * k + double(n) * k) +
                               double(out_bytes) * double(m) * n);
    return r;
  }
  void finish_flops(Row& r) {
    check(cudaGetLastError(), "gemm");
    r.value = r.flops / r.time.median / 1e12;
    r.unit = "TFLOP/s";
    rows.push_back(r);
  }

  bool quick_;
  cudaStream_t stream_{};
  cublasHandle_t blas_{};
  cublasLtHandle_t lt_{};
  DeviceBuffer pool_a_, pool_b_, pool_c_, workspace_;
};

std::string version_string(int v) {
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

}  // namespace

int main(int argc, char** argv) {
  std::string out = "gpu_microbench.csv";
  bool quick = false;
  std::vector<std::string> meta;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "-o" || a == "--output") && i + 1 < argc) {
      out = argv[++i];
    } else if (a == "--quick") {
      quick = true;
    } else if (a == "--meta" && i + 1 < argc) {
      meta.emplace_back(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: gpu_microbench [-o FILE.csv] [--quick] [--meta key=value]...\n");
      return a == "-h" || a == "--help" ? 0 : 2;
    }
  }
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::fprintf(stderr, "gpu_microbench: no usable CUDA device\n");
    return 77;
  }
  try {
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    int driver = 0, runtime = 0, sm_khz = 0, mem_khz = 0, bus = 0;
    check(cudaDriverGetVersion(&driver), "driver version");
    check(cudaRuntimeGetVersion(&runtime), "runtime version");
    cudaDeviceGetAttribute(&sm_khz, cudaDevAttrClockRate, 0);
    cudaDeviceGetAttribute(&mem_khz, cudaDevAttrMemoryClockRate, 0);
    cudaDeviceGetAttribute(&bus, cudaDevAttrGlobalMemoryBusWidth, 0);
    std::vector<std::pair<std::string, std::string>> head = {
        {"device", prop.name},
        {"compute_capability", std::to_string(prop.major) + "." + std::to_string(prop.minor)},
        {"multiprocessors", std::to_string(prop.multiProcessorCount)},
        {"memory_bytes", std::to_string(prop.totalGlobalMem)},
        {"l2_bytes", std::to_string(prop.l2CacheSize)},
        {"sm_clock_max_mhz", std::to_string(sm_khz / 1000)},
        {"memory_clock_max_mhz", std::to_string(mem_khz / 1000)},
        {"memory_bus_bits", std::to_string(bus)},
        {"driver_cuda_version", version_string(driver)},
        {"runtime_cuda_version", version_string(runtime)},
    };
    {
      cublasHandle_t h{};
      int v = 0;
      if (cublasCreate(&h) == CUBLAS_STATUS_SUCCESS) {
        cublasGetVersion(h, &v);
        cublasDestroy(h);
      }
      head.emplace_back("cublas_version", std::to_string(v));
    }
    for (const auto& m : meta) {
      const auto eq = m.find('=');
      head.emplace_back(m.substr(0, eq), eq == std::string::npos ? "" : m.substr(eq + 1));
    }
    std::fprintf(stderr, "gpu_microbench: %s (sm_%d%d), %s\n", prop.name, prop.major, prop.minor,
                 quick ? "quick" : "full");

    Bench b(quick);
    const auto t0 = std::chrono::steady_clock::now();
    b.launch();
    b.hbm(std::size_t{1} << (quick ? 26 : 28));  // 1 GiB per array (256 MiB quick)
    b.host_copies(std::size_t{1} << (quick ? 26 : 30));

    // Llama-2-7B: hidden 4096, 32 heads, MLP 11008. Llama-2-70B: hidden 8192, 64 query heads
    // and 8 key/value heads of 128 (grouped-query attention), MLP 28672. Fused projections, as
    // the serving engines run them (QKV in one GEMM, gate and up in one GEMM).
    const std::vector<std::pair<std::string, std::vector<GemmShape>>> llama = {
        {"llama-2-7b",
         {{"qkv", 3 * 4096, 4096},
          {"o", 4096, 4096},
          {"gate_up", 2 * 11008, 4096},
          {"down", 4096, 11008}}},
        {"llama-2-70b",
         {{"qkv", 8192 + 2 * 1024, 8192},
          {"o", 8192, 8192},
          {"gate_up", 2 * 28672, 8192},
          {"down", 8192, 28672}}}};
    const std::vector<long long> tokens =
        quick ? std::vector<long long>{1, 128, 2048}
              : std::vector<long long>{1, 8, 32, 128, 512, 2048, 8192};
    const bool fp8 = prop.major > 8 || (prop.major == 8 && prop.minor >= 9);
    for (const auto& [group, shapes] : llama) {
      for (const auto& s : shapes) {
        for (const long long t : tokens) {
          b.gemm(kFp16, s, t, group);
          b.gemm(kBf16, s, t, group);
          if (fp8) b.gemm_fp8(s, t, group);
        }
      }
    }
    // BERT-Large: hidden 1024, 16 heads of 64, MLP 4096; batch 1 and 32 at sequence 128 and 384.
    const std::vector<GemmShape> bert = {
        {"qkv", 3 * 1024, 1024}, {"o", 1024, 1024}, {"ffn1", 4096, 1024}, {"ffn2", 1024, 4096}};
    for (const long long seq : {128LL, 384LL}) {
      for (const long long batch : {1LL, 32LL}) {
        for (const auto& s : bert) {
          b.gemm(kFp16, s, seq * batch,
                 "bert-large seq " + std::to_string(seq) + " batch " + std::to_string(batch));
        }
      }
      b.attention(kFp16, ("bert-large attention seq " + std::to_string(seq) + " batch 32").c_str(),
                  seq, seq, 64, 16 * 32);
    }
    // Llama-2-7B attention: prefill of one sequence (32 heads), and decode of 16 sequences
    // (one query each) against their whole context.
    for (const long long len :
         quick ? std::vector<long long>{2048} : std::vector<long long>{512, 2048, 4096}) {
      b.attention(kBf16, ("llama-2-7b attention prefill " + std::to_string(len)).c_str(), len, len,
                  128, 32);
      b.attention(kBf16, ("llama-2-7b attention decode 16 seqs x " + std::to_string(len)).c_str(),
                  1, len, 128, 32 * 16);
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    head.emplace_back("wall_seconds", std::to_string(wall));

    const std::string tmp = out + ".partial";
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) throw std::runtime_error("cannot write " + tmp);
    std::fprintf(f,
                 "# GPU microbenchmark (bench/gpu_microbench.cu); one row per case, time = median "
                 "of one operation over %s trials; GEMM operands rotate through copies of 512 MiB "
                 "together (read from HBM, not L2)\n",
                 quick ? "3" : "7");
    for (const auto& [k, v] : head) std::fprintf(f, "# %s: %s\n", k.c_str(), v.c_str());
    std::fprintf(f,
                 "device,kind,name,precision,m,n,k,batch,flops,bytes,seconds,seconds_min,"
                 "seconds_max,value,unit,note\n");
    for (const auto& r : b.rows) {
      std::fprintf(f, "%s,%s,%s,%s,%lld,%lld,%lld,%lld,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%s,%s\n",
                   csv_field(prop.name).c_str(), r.kind.c_str(), csv_field(r.name).c_str(),
                   r.precision.c_str(), r.m, r.n, r.k, r.batch, r.flops, r.bytes, r.time.median,
                   r.time.min, r.time.max, r.value, r.unit.c_str(), csv_field(r.note).c_str());
    }
    if (std::fclose(f) != 0 || std::rename(tmp.c_str(), out.c_str()) != 0) {
      throw std::runtime_error("cannot write " + out);
    }
    for (const auto& r : b.rows) {
      std::printf("%-13s %-50s %-5s %12.4g %s\n", r.kind.c_str(), r.name.c_str(),
                  r.precision.c_str(), r.value, r.unit.c_str());
    }
    std::fprintf(stderr, "gpu_microbench: %zu cases in %.1f s, wrote %s\n", b.rows.size(), wall,
                 out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gpu_microbench: %s\n", e.what());
    return 1;
  }
  return 0;
}
