// A counter every rank of the job can fetch-and-add without the others taking part: dynamic
// work distribution (a rank that finishes early takes the next task, so one slow task does not
// stall a static share). Lives in rank 0's memory and is reached by MPI one-sided atomics
// (MPI_Fetch_and_op under a shared passive-target lock); without MPI it is a plain counter.
//
// Construction and destruction are collective. fetch_add may be called from any thread of a
// rank provided calls are serialised (MPI_THREAD_SERIALIZED; see thread_calls_allowed()).
#pragma once

#include <cstdint>
#include <memory>

#include "scalesim/parallel/transport.h"

namespace scalesim {

class SharedCounter {
 public:
  // `slots` independent counters, all starting at 0.
  SharedCounter(Transport& transport, int slots);
  ~SharedCounter();
  SharedCounter(const SharedCounter&) = delete;
  SharedCounter& operator=(const SharedCounter&) = delete;

  // Adds `n` to counter `slot` and returns its value before the addition (atomic across ranks).
  std::uint64_t fetch_add(int slot, std::uint64_t n);

  // True when worker threads may call fetch_add (serialised): the MPI library was initialised
  // with at least MPI_THREAD_SERIALIZED, or there is no MPI.
  static bool thread_calls_allowed();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scalesim
