#include "scalesim/parallel/shared_counter.h"

#include <stdexcept>
#include <string>
#include <vector>

#ifdef SCALESIM_HAVE_MPI
#include <mpi.h>

#include "sim/parallel/mpi_check.h"
#endif

namespace scalesim {

#ifdef SCALESIM_HAVE_MPI

struct SharedCounter::Impl {
  MPI_Win window = MPI_WIN_NULL;
  std::uint64_t* base = nullptr;
  std::vector<std::uint64_t> local;  // one rank without MPI
};

SharedCounter::SharedCounter(Transport& transport, int slots) : impl_(std::make_unique<Impl>()) {
  if (!mpi_initialised()) {
    impl_->local.assign(static_cast<std::size_t>(slots), 0);
    impl_->base = impl_->local.data();
    return;
  }
  const MPI_Aint bytes =
      transport.rank() == 0 ? static_cast<MPI_Aint>(sizeof(std::uint64_t)) * slots : 0;
  detail::check_mpi(MPI_Win_allocate(bytes, sizeof(std::uint64_t), MPI_INFO_NULL, MPI_COMM_WORLD,
                                     static_cast<void*>(&impl_->base), &impl_->window),
                    "MPI_Win_allocate");
  if (transport.rank() == 0) {
    detail::check_mpi(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, impl_->window), "MPI_Win_lock");
    for (int i = 0; i < slots; ++i) impl_->base[i] = 0;
    detail::check_mpi(MPI_Win_unlock(0, impl_->window), "MPI_Win_unlock");
  }
  transport.barrier();  // nobody adds before rank 0 has zeroed the counters
}

SharedCounter::~SharedCounter() {
  if (impl_->window != MPI_WIN_NULL) MPI_Win_free(&impl_->window);
}

std::uint64_t SharedCounter::fetch_add(int slot, std::uint64_t n) {
  std::uint64_t before = 0;
  if (impl_->window == MPI_WIN_NULL) {
    before = impl_->base[slot];
    impl_->base[slot] += n;
    return before;
  }
  detail::check_mpi(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, impl_->window), "MPI_Win_lock");
  detail::check_mpi(MPI_Fetch_and_op(&n, &before, MPI_UINT64_T, 0, slot, MPI_SUM, impl_->window),
                    "MPI_Fetch_and_op");
  detail::check_mpi(MPI_Win_unlock(0, impl_->window), "MPI_Win_unlock");
  return before;
}

bool SharedCounter::thread_calls_allowed() {
  if (!mpi_initialised()) return true;
  int provided = MPI_THREAD_SINGLE;
  MPI_Query_thread(&provided);
  return provided >= MPI_THREAD_SERIALIZED;
}

#else

struct SharedCounter::Impl {
  std::vector<std::uint64_t> values;
};

SharedCounter::SharedCounter(Transport& /*transport*/, int slots)
    : impl_(std::make_unique<Impl>()) {
  impl_->values.assign(static_cast<std::size_t>(slots), 0);
}
SharedCounter::~SharedCounter() = default;

std::uint64_t SharedCounter::fetch_add(int slot, std::uint64_t n) {
  std::uint64_t& v = impl_->values[static_cast<std::size_t>(slot)];
  const std::uint64_t before = v;
  v += n;
  return before;
}

bool SharedCounter::thread_calls_allowed() {
  return true;
}

#endif

}  // namespace scalesim
