// The kernel's workspace views, and sorting, selection and quantiles over them (with
// AVX-512 compaction where the build has it). The values are exact and the same in every build.
#pragma once

#include "sweep/mc/mc_platform.h"

namespace scalesim::mc::kernel {
inline namespace SCALESIM_MC_ISA {

// ---------------------------------------------------------------------------------------------
// Workspace views.

template <class T, bool kStrided>
struct View {
  T* p = nullptr;
  std::int64_t stride = 1;
  SCALESIM_HD T& operator[](std::int64_t i) const {
    if constexpr (kStrided) {
      return p[i * stride];
    } else {
      return p[i];
    }
  }
};

// Element counts of one lane's workspace: doubles then int32s.
SCALESIM_HD inline std::int64_t workspace_doubles(std::int64_t capacity, std::int64_t slots,
                                                  std::int64_t servers) {
  return capacity * (slots + 3) + 2 * servers;
}
SCALESIM_HD inline std::int64_t workspace_ints(std::int64_t capacity) {
  return 2 * capacity;
}

template <bool kS>
struct Workspace {
  View<double, kS> arr;      // slots * capacity arrival times (-1: not reached)
  View<double, kS> create;   // capacity creation times
  View<double, kS> t0, t1;   // capacity sort keys / values
  View<double, kS> servers;  // server free times (min-heap; by index with replicas)
  View<double, kS> covered;  // per replica: end of the busy time counted so far
  View<std::int32_t, kS> i0, i1;
  std::int64_t capacity = 0;

  // dbl/ints: this lane's first element; lanes: the interleave stride (1 on the CPU).
  SCALESIM_HD Workspace(double* dbl, std::int32_t* ints, std::int64_t lanes, std::int64_t cap,
                        std::int64_t slots, std::int64_t max_servers)
      : capacity(cap) {
    arr = {dbl, lanes};
    create = {dbl + slots * cap * lanes, lanes};
    t0 = {dbl + (slots + 1) * cap * lanes, lanes};
    t1 = {dbl + (slots + 2) * cap * lanes, lanes};
    servers = {dbl + (slots + 3) * cap * lanes, lanes};
    covered = {dbl + ((slots + 3) * cap + max_servers) * lanes, lanes};
    i0 = {ints, lanes};
    i1 = {ints + cap * lanes, lanes};
  }
  SCALESIM_HD View<double, kS> slot(std::int32_t s) const {
    return {arr.p + static_cast<std::int64_t>(s) * capacity * arr.stride, arr.stride};
  }
};

// ---------------------------------------------------------------------------------------------
// Sorting of (time, id) pairs, nearly sorted on input.

SCALESIM_HD inline bool key_less(double ta, std::int32_t ia, double tb, std::int32_t ib) {
  return ta < tb || (ta == tb && ia < ib);
}

// Sorts (t0, i0)[0, n) by (time, id); the result is in (t0, i0) when it returns false, in
// (t1, i1) when it returns true. Checks sortedness first, then insertion sort with a budget of
// moves, then natural merge sort.
template <bool kS>
SCALESIM_HD inline bool sort_pairs(View<double, kS> t0, View<std::int32_t, kS> i0,
                                   View<double, kS> t1, View<std::int32_t, kS> i1, std::int64_t n) {
  std::int64_t first = -1;
  for (std::int64_t j = 1; j < n; ++j) {
    if (key_less(t0[j], i0[j], t0[j - 1], i0[j - 1])) {
      first = j;
      break;
    }
  }
  if (first < 0) return false;
  std::int64_t budget = 16 * n + 64;
  std::int64_t j = first;
  for (; j < n; ++j) {
    const double t = t0[j];
    const std::int32_t id = i0[j];
    std::int64_t k = j;
    while (k > 0 && key_less(t, id, t0[k - 1], i0[k - 1])) {
      t0[k] = t0[k - 1];
      i0[k] = i0[k - 1];
      --k;
    }
    t0[k] = t;
    i0[k] = id;
    budget -= j - k;
    if (budget < 0) break;
  }
  if (j >= n) return false;
  // Natural merge sort: merge adjacent ascending runs until one is left.
  View<double, kS> st = t0;
  View<std::int32_t, kS> si = i0;
  View<double, kS> dt = t1;
  View<std::int32_t, kS> di = i1;
  bool in_second = false;
  for (;;) {
    std::int64_t runs = 0;
    std::int64_t a = 0;
    while (a < n) {
      std::int64_t m = a + 1;
      while (m < n && !key_less(st[m], si[m], st[m - 1], si[m - 1])) ++m;
      std::int64_t e = m;
      if (m < n) {
        e = m + 1;
        while (e < n && !key_less(st[e], si[e], st[e - 1], si[e - 1])) ++e;
      }
      std::int64_t x = a;
      std::int64_t y = m;
      std::int64_t o = a;
      while (x < m && y < e) {
        if (key_less(st[y], si[y], st[x], si[x])) {
          dt[o] = st[y];
          di[o++] = si[y++];
        } else {
          dt[o] = st[x];
          di[o++] = si[x++];
        }
      }
      while (x < m) {
        dt[o] = st[x];
        di[o++] = si[x++];
      }
      while (y < e) {
        dt[o] = st[y];
        di[o++] = si[y++];
      }
      ++runs;
      a = e;
    }
    const View<double, kS> tt = st;
    const View<std::int32_t, kS> ti = si;
    st = dt;
    si = di;
    dt = tt;
    di = ti;
    in_second = !in_second;
    if (runs <= 1) return in_second;
  }
}

// The value of rank k (0-based) of v[0, n) (quickselect; reorders v so that v[0, k) <= v[k] <=
// v(k, n): a later call for a larger rank may pass from = k). Deterministic value.
template <bool kS>
SCALESIM_HD inline double select_rank(View<double, kS> v, std::int64_t n, std::int64_t k,
                                      std::int64_t from = 0) {
  std::int64_t lo = from;
  std::int64_t hi = n - 1;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    double a = v[lo];
    double b = v[mid];
    double c = v[hi];
    if (b < a) {
      const double t = a;
      a = b;
      b = t;
    }
    if (c < b) b = (c < a) ? a : c;
    const double pivot = b;
    std::int64_t i = lo;
    std::int64_t j = hi;
    while (i <= j) {
      while (v[i] < pivot) ++i;
      while (pivot < v[j]) --j;
      if (i <= j) {
        const double t = v[i];
        v[i] = v[j];
        v[j] = t;
        ++i;
        --j;
      }
    }
    if (k <= j) {
      hi = j;
    } else if (k >= i) {
      lo = i;
    } else {
      return v[k];
    }
  }
  return v[k];
}

// The `keep` smallest (kLargest: largest) of the `size` elements src[s * step + step / 2],
// sorted from the extreme inwards into kept[0, keep): a partial insertion sort.
template <bool kS, bool kLargest>
SCALESIM_HD inline void sample_extremes(View<double, kS> src, std::int64_t step, int size, int keep,
                                        double* kept) {
  if (keep < 1) keep = 1;  // (callers ask for 1 to size; this keeps kept[keep - 1] in bounds)
  if (keep > size) keep = size;
  int m = 0;
  for (int s = 0; s < size; ++s) {
    const double x = src[s * step + step / 2];
    int j = m;
    if (m == keep) {
      if (!(kLargest ? kept[keep - 1] < x : x < kept[keep - 1])) continue;
      j = keep - 1;
    } else {
      ++m;
    }
    while (j > 0 && (kLargest ? kept[j - 1] < x : x < kept[j - 1])) {
      kept[j] = kept[j - 1];
      --j;
    }
    kept[j] = x;
  }
}

#if defined(SCALESIM_MC_AVX512)
// Eight values at p against a bracket: the values, which are below lo, which above hi.
struct OutsideMasks {
  __m512d x;
  __mmask8 under;
  __mmask8 over;
};
inline OutsideMasks outside8(const double* p, __m512d lo, __m512d hi) {
  const __m512d x = _mm512_loadu_pd(p);
  return {x, _mm512_cmp_pd_mask(x, lo, _CMP_LT_OQ), _mm512_cmp_pd_mask(hi, x, _CMP_LT_OQ)};
}
#endif

// Below: how many of src[0, n) are < lo; above: how many are > hi.
template <bool kS>
SCALESIM_HD inline void count_outside(View<double, kS> src, std::int64_t n, double lo, double hi,
                                      std::int64_t& below, std::int64_t& above) {
  below = 0;
  above = 0;
  std::int64_t i = 0;
#if defined(SCALESIM_MC_AVX512)
  if constexpr (!kS) {
    const __m512d lov = _mm512_set1_pd(lo);
    const __m512d hiv = _mm512_set1_pd(hi);
    for (; i + 8 <= n; i += 8) {
      const OutsideMasks k = outside8(&src[i], lov, hiv);
      below += __builtin_popcount(k.under);
      above += __builtin_popcount(k.over);
    }
  }
#endif
  for (; i < n; ++i) {
    const double x = src[i];
    below += x < lo ? 1 : 0;
    above += hi < x ? 1 : 0;
  }
}

// Copies, in order, the elements of src[0, n) in `part` (0: below lo, 1: in [lo, hi], 2: above
// hi) to dst and returns how many; counts those below lo into *below when it is not null. dst
// may be src: no write passes the read. Branch-free: integer flags combined with | and &, not
// && (which g++ turns into a branch); AVX-512 builds compress eight at a time.
template <bool kS>
SCALESIM_HD inline std::int64_t keep_part(View<double, kS> src, std::int64_t n, double lo,
                                          double hi, int part, View<double, kS> dst,
                                          std::int64_t* below) {
  std::int64_t m = 0;
  std::int64_t under_count = 0;
  std::int64_t i = 0;
#if defined(SCALESIM_MC_AVX512)
  if constexpr (!kS) {
    const __m512d lov = _mm512_set1_pd(lo);
    const __m512d hiv = _mm512_set1_pd(hi);
    for (; i + 8 <= n; i += 8) {
      const OutsideMasks k = outside8(&src[i], lov, hiv);
      const __mmask8 keep = part == 0   ? k.under
                            : part == 2 ? k.over
                                        : static_cast<__mmask8>(~(k.under | k.over));
      under_count += __builtin_popcount(k.under);
      _mm512_storeu_pd(&dst[m], _mm512_maskz_compress_pd(keep, k.x));
      m += __builtin_popcount(keep);
    }
  }
#endif
  const std::int64_t want_under = part == 0 ? 1 : 0;
  const std::int64_t want_over = part == 2 ? 1 : 0;
  const std::int64_t want_band = part == 1 ? 1 : 0;
  for (; i < n; ++i) {
    const double x = src[i];
    const std::int64_t under = x < lo ? 1 : 0;
    const std::int64_t over = hi < x ? 1 : 0;
    under_count += under;
    dst[m] = x;
    m += (under & want_under) | (over & want_over) | ((1 - (under | over)) & want_band);
  }
  if (below != nullptr) *below = under_count;
  return m;
}

// A bracket [lo, hi] likely to hold rank k of src[0, n). For a rank in a tail (a p95, a p99) of
// a large array: the values of an evenly spaced sample of kSampleSize elements 3 standard
// deviations (plus 1.5) either side of rank k's place, which only needs the sample's few largest
// or smallest. Otherwise (small n, central ranks such as a median, whose bracket would need most
// of the sample sorted and still keep ~43%): one pivot (lo == hi), the element of a sample of 9
// nearest rank k's place.
inline constexpr int kSampleSize = 63;
template <bool kS>
SCALESIM_HD inline void bracket(View<double, kS> src, std::int64_t n, std::int64_t k, double& lo,
                                double& hi) {
  const double inf = double_of(0x7ff0000000000000ULL);
  const double q = (static_cast<double>(k) + 0.5) / static_cast<double>(n);
  double sample[kSampleSize];
  const double tail = q < 0.5 ? q : 1.0 - q;
  if (n <= 4 * kSampleSize || tail > 0.1) {
    constexpr int kPivotSample = 9;
    sample_extremes<kS, false>(src, n / kPivotSample, kPivotSample, kPivotSample, sample);
    const int pos = static_cast<int>(q * kPivotSample);
    lo = sample[pos < kPivotSample ? pos : kPivotSample - 1];
    hi = lo;
    return;
  }
  constexpr int kSample = kSampleSize;
  const std::int64_t step = n / kSample;
  const double centre = q * kSample;
  const double margin = 3.0 * mc_sqrt(kSample * q * (1.0 - q)) + 1.5;
  const double lo_pos = centre - margin;
  const double hi_pos = centre + margin;
  const int lo_rank = lo_pos >= 0.0 ? static_cast<int>(lo_pos) : -1;
  const int hi_rank = hi_pos < kSample ? static_cast<int>(hi_pos) : kSample;
  lo = -inf;
  hi = inf;
  // Only the sample's ranks lo_rank and hi_rank are needed: keep its smallest or largest
  // elements up to them, whichever side is shorter (a p99 needs the top 5 of 63).
  const int need_top = kSample - (lo_rank >= 0 ? lo_rank : 0);
  const int need_bottom = (hi_rank < kSample ? hi_rank : kSample - 1) + 1;
  if (need_top <= need_bottom) {
    sample_extremes<kS, true>(src, step, kSample, need_top, sample);
    if (lo_rank >= 0) lo = sample[kSample - 1 - lo_rank];
    if (hi_rank < kSample) hi = sample[kSample - 1 - hi_rank];
  } else {
    sample_extremes<kS, false>(src, step, kSample, need_bottom, sample);
    if (lo_rank >= 0) lo = sample[lo_rank];
    if (hi_rank < kSample) hi = sample[hi_rank];
  }
}

// The same value as select_rank(v, n, k), without reordering v (so several ranks can be taken
// from one array) and without the data-dependent branches that make a quickselect partition
// mispredict about every other element. Each round takes a bracket (above) and keeps only the
// part of the elements that holds rank k, by a branch-free compaction into scratch (n elements):
// a p99 of a large array keeps ~8% per round, a pivot round about half or less.
// The first round reads v and writes scratch in one pass, betting that rank k falls inside the
// bracket; when it does not, and in later rounds, a counting pass picks the part (below, inside,
// above) before the compaction. A remainder of 16 or fewer, and the odd round that cannot shrink
// (heavy duplicates), go to select_rank. The value is exact either way.
template <bool kS>
SCALESIM_HD inline double select_rank_sampled(View<double, kS> v, std::int64_t n, std::int64_t k,
                                              View<double, kS> scratch) {
  constexpr std::int64_t kSmall = 16;
  View<double, kS> src = v;
  bool in_scratch = false;
  while (n > kSmall) {
    double lo = 0;
    double hi = 0;
    bracket<kS>(src, n, k, lo, hi);
    std::int64_t below = 0;
    std::int64_t band = 0;
    if (!in_scratch) {
      band = keep_part<kS>(src, n, lo, hi, 1, scratch, &below);
      if (k >= below && k < below + band) {
        if (lo == hi) return lo;
        if (band == n) break;  // no progress: select_rank on the copy below
        k -= below;
        n = band;
        src = scratch;
        in_scratch = true;
        continue;
      }
    } else {
      std::int64_t above = 0;
      count_outside<kS>(src, n, lo, hi, below, above);
      band = n - below - above;
    }
    // Keep the part holding rank k: x < lo, lo <= x <= hi, or hi < x.
    int part = 1;
    std::int64_t kept = band;
    if (k < below) {
      part = 0;
      kept = below;
    } else if (k >= below + band) {
      part = 2;
      kept = n - below - band;
    }
    if (part == 1 && lo == hi) return lo;
    if (kept == n) break;
    (void)keep_part<kS>(src, n, lo, hi, part, scratch, nullptr);
    if (part == 1) k -= below;
    if (part == 2) k -= below + band;
    n = kept;
    src = scratch;
    in_scratch = true;
  }
  if (!in_scratch) {
    for (std::int64_t i = 0; i < n; ++i) scratch[i] = v[i];
  }
  return select_rank<kS>(scratch, n, k);
}

// 1-based rank ceil(num / den * n) as a 0-based index, n > 0.
SCALESIM_HD inline std::int64_t quantile_index(std::int64_t n, std::int64_t num, std::int64_t den) {
  std::int64_t r = (num * n + den - 1) / den;
  if (r < 1) r = 1;
  return r - 1;
}
}  // namespace SCALESIM_MC_ISA
}  // namespace scalesim::mc::kernel
