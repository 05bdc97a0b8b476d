#include "scalesim/parallel/transport.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>

#ifdef SCALESIM_HAVE_MPI
#include <mpi.h>

#include "sim/parallel/mpi_check.h"
#endif

namespace scalesim {

namespace {
// A job of one rank: what it sends to itself is what it receives.
std::int64_t one_rank_exchange(const std::vector<std::vector<std::byte>>& outbox,
                               std::vector<std::byte>& inbox, std::int64_t local_min) {
  inbox = outbox[0];
  return local_min;
}
}  // namespace

bool launched_by_mpi() {
  // SCALESIM_MPI=1 / 0 forces the choice; otherwise the variables that mpirun/mpiexec (Open MPI,
  // MPICH's Hydra, MVAPICH, Intel MPI) and srun's PMI/PMIx plugins set in every rank.
  if (const char* forced = std::getenv("SCALESIM_MPI")) return std::strcmp(forced, "0") != 0;
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE",
                           "MPI_LOCALNRANKS", "MV2_COMM_WORLD_SIZE", "HYDRA_CONTROL_FD"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

#ifdef SCALESIM_HAVE_MPI

namespace {
int to_int(std::size_t n) {
  if (n > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw std::runtime_error("a single MPI message would exceed 2 GiB");
  }
  return static_cast<int>(n);
}
}  // namespace

MpiSession::MpiSession(int* argc, char*** argv) {
  if (!launched_by_mpi()) return;
  int provided = 0;
  // SERIALIZED lets a sweep's worker threads take tasks from the shared counter (one at a
  // time); the engine itself needs only FUNNELED.
  MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
  initialised_ = true;
  if (provided < MPI_THREAD_FUNNELED) {
    std::fprintf(stderr, "scalesim: the MPI library does not support MPI_THREAD_FUNNELED\n");
    MPI_Abort(MPI_COMM_WORLD, 4);
  }
}
MpiSession::~MpiSession() {
  if (initialised_) MPI_Finalize();
}

bool mpi_initialised() {
  int flag = 0;
  MPI_Initialized(&flag);
  return flag != 0;
}

struct Transport::Impl {
  MPI_Comm comm = MPI_COMM_NULL;
  std::vector<std::int64_t> pair_out,
      pair_in;  // (bytes to that rank, min, bytes to all, stop) per rank
  std::vector<int> send_counts, send_displs, recv_counts, recv_displs;
  std::vector<std::byte> send_buffer;
};

Transport::Transport() : impl_(std::make_unique<Impl>()) {
  if (!mpi_initialised()) return;  // a process started without a launcher: one rank
  detail::check_mpi(MPI_Comm_dup(MPI_COMM_WORLD, &impl_->comm), "MPI_Comm_dup");
  MPI_Comm_rank(impl_->comm, &rank_);
  MPI_Comm_size(impl_->comm, &size_);
}
Transport::~Transport() {
  if (impl_->comm != MPI_COMM_NULL) MPI_Comm_free(&impl_->comm);
}

std::int64_t Transport::exchange(const std::vector<std::vector<std::byte>>& outbox,
                                 std::vector<std::byte>& inbox, std::int64_t local_min,
                                 bool& stop) {
  if (impl_->comm == MPI_COMM_NULL) return one_rank_exchange(outbox, inbox, local_min);
  auto& m = *impl_;
  const auto n = static_cast<std::size_t>(size_);
  m.pair_out.resize(4 * n);
  m.pair_in.resize(4 * n);
  std::int64_t my_total = 0;
  for (std::size_t r = 0; r < n; ++r) my_total += static_cast<std::int64_t>(outbox[r].size());
  for (std::size_t r = 0; r < n; ++r) {
    m.pair_out[4 * r] = static_cast<std::int64_t>(outbox[r].size());
    m.pair_out[4 * r + 1] = local_min;
    m.pair_out[4 * r + 2] = my_total;
    m.pair_out[4 * r + 3] = stop ? 1 : 0;
  }
  detail::check_mpi(
      MPI_Alltoall(m.pair_out.data(), 4, MPI_INT64_T, m.pair_in.data(), 4, MPI_INT64_T, m.comm),
      "MPI_Alltoall");
  std::int64_t global_min = local_min;
  std::int64_t global_total = 0;
  m.send_counts.assign(n, 0);
  m.send_displs.assign(n, 0);
  m.recv_counts.assign(n, 0);
  m.recv_displs.assign(n, 0);
  std::size_t out_total = 0, in_total = 0;
  for (std::size_t r = 0; r < n; ++r) {
    global_min = std::min(global_min, m.pair_in[4 * r + 1]);
    global_total += m.pair_in[4 * r + 2];
    stop = stop || m.pair_in[4 * r + 3] != 0;
    m.send_displs[r] = to_int(out_total);
    m.send_counts[r] = to_int(outbox[r].size());
    out_total += outbox[r].size();
    m.recv_displs[r] = to_int(in_total);
    m.recv_counts[r] = to_int(static_cast<std::size_t>(m.pair_in[4 * r]));
    in_total += static_cast<std::size_t>(m.pair_in[4 * r]);
  }
  inbox.resize(in_total);
  // Every rank learnt every rank's total, so all agree on skipping an empty second collective.
  if (global_total == 0) return global_min;
  m.send_buffer.resize(out_total);
  for (std::size_t r = 0; r < n; ++r) {
    if (!outbox[r].empty()) {
      std::memcpy(m.send_buffer.data() + m.send_displs[r], outbox[r].data(), outbox[r].size());
    }
  }
  bytes_sent_ += out_total - outbox[static_cast<std::size_t>(rank_)].size();
  detail::check_mpi(
      MPI_Alltoallv(m.send_buffer.data(), m.send_counts.data(), m.send_displs.data(), MPI_BYTE,
                    inbox.data(), m.recv_counts.data(), m.recv_displs.data(), MPI_BYTE, m.comm),
      "MPI_Alltoallv");
  return global_min;
}

std::int64_t Transport::allreduce_min(std::int64_t v) {
  if (impl_->comm == MPI_COMM_NULL) return v;
  std::int64_t out = 0;
  detail::check_mpi(MPI_Allreduce(&v, &out, 1, MPI_INT64_T, MPI_MIN, impl_->comm), "MPI_Allreduce");
  return out;
}
void Transport::allreduce_sum(std::vector<std::uint64_t>& values) {
  if (impl_->comm == MPI_COMM_NULL) return;
  detail::check_mpi(MPI_Allreduce(MPI_IN_PLACE, values.data(), to_int(values.size()), MPI_UINT64_T,
                                  MPI_SUM, impl_->comm),
                    "MPI_Allreduce");
}
void Transport::allreduce_sum(std::vector<double>& values) {
  if (impl_->comm == MPI_COMM_NULL) return;
  detail::check_mpi(MPI_Allreduce(MPI_IN_PLACE, values.data(), to_int(values.size()), MPI_DOUBLE,
                                  MPI_SUM, impl_->comm),
                    "MPI_Allreduce");
}
std::vector<std::vector<std::byte>> Transport::gather(const std::vector<std::byte>& mine,
                                                      int root) {
  if (impl_->comm == MPI_COMM_NULL) return {mine};
  const std::int64_t size = static_cast<std::int64_t>(mine.size());
  std::vector<std::int64_t> sizes(static_cast<std::size_t>(size_));
  detail::check_mpi(
      MPI_Gather(&size, 1, MPI_INT64_T, sizes.data(), 1, MPI_INT64_T, root, impl_->comm),
      "MPI_Gather");
  std::vector<int> counts(static_cast<std::size_t>(size_)), displs(static_cast<std::size_t>(size_));
  std::size_t total = 0;
  for (std::size_t r = 0; r < sizes.size(); ++r) {
    displs[r] = to_int(total);
    counts[r] = to_int(static_cast<std::size_t>(sizes[r]));
    total += static_cast<std::size_t>(sizes[r]);
  }
  std::vector<std::byte> all(rank_ == root ? total : 0);
  detail::check_mpi(MPI_Gatherv(mine.data(), to_int(mine.size()), MPI_BYTE, all.data(),
                                counts.data(), displs.data(), MPI_BYTE, root, impl_->comm),
                    "MPI_Gatherv");
  std::vector<std::vector<std::byte>> out;
  if (rank_ != root) return out;
  for (std::size_t r = 0; r < sizes.size(); ++r) {
    const auto* begin = all.data() + displs[r];
    out.emplace_back(begin, begin + counts[r]);
  }
  return out;
}
std::vector<std::vector<std::byte>> Transport::allgather(const std::vector<std::byte>& mine) {
  if (impl_->comm == MPI_COMM_NULL) return {mine};
  const std::int64_t size = static_cast<std::int64_t>(mine.size());
  std::vector<std::int64_t> sizes(static_cast<std::size_t>(size_));
  detail::check_mpi(MPI_Allgather(&size, 1, MPI_INT64_T, sizes.data(), 1, MPI_INT64_T, impl_->comm),
                    "MPI_Allgather");
  std::vector<int> counts(sizes.size()), displs(sizes.size());
  std::size_t total = 0;
  for (std::size_t r = 0; r < sizes.size(); ++r) {
    displs[r] = to_int(total);
    counts[r] = to_int(static_cast<std::size_t>(sizes[r]));
    total += static_cast<std::size_t>(sizes[r]);
  }
  std::vector<std::byte> all(total);
  detail::check_mpi(MPI_Allgatherv(mine.data(), to_int(mine.size()), MPI_BYTE, all.data(),
                                   counts.data(), displs.data(), MPI_BYTE, impl_->comm),
                    "MPI_Allgatherv");
  std::vector<std::vector<std::byte>> out;
  for (std::size_t r = 0; r < sizes.size(); ++r) {
    const auto* begin = all.data() + displs[r];
    out.emplace_back(begin, begin + counts[r]);
  }
  return out;
}
void Transport::barrier() {
  if (impl_->comm != MPI_COMM_NULL) MPI_Barrier(impl_->comm);
}
void Transport::abort(int code, const std::string& message) {
  std::fprintf(stderr, "scalesim (rank %d): %s\n", rank_, message.c_str());
  std::fflush(stderr);
  if (impl_->comm != MPI_COMM_NULL) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

#else  // one rank, no MPI

MpiSession::MpiSession(int*, char***) {}
MpiSession::~MpiSession() = default;
bool mpi_initialised() {
  return false;
}
struct Transport::Impl {};
Transport::Transport() : impl_(std::make_unique<Impl>()) {}
Transport::~Transport() = default;
std::int64_t Transport::exchange(const std::vector<std::vector<std::byte>>& outbox,
                                 std::vector<std::byte>& inbox, std::int64_t local_min, bool&) {
  return one_rank_exchange(outbox, inbox, local_min);
}
std::int64_t Transport::allreduce_min(std::int64_t v) {
  return v;
}
void Transport::allreduce_sum(std::vector<std::uint64_t>&) {}
void Transport::allreduce_sum(std::vector<double>&) {}
std::vector<std::vector<std::byte>> Transport::gather(const std::vector<std::byte>& mine, int) {
  return {mine};
}
std::vector<std::vector<std::byte>> Transport::allgather(const std::vector<std::byte>& mine) {
  return {mine};
}
void Transport::barrier() {}
void Transport::abort(int code, const std::string& message) {
  std::fprintf(stderr, "scalesim: %s\n", message.c_str());
  std::exit(code);
}

#endif

}  // namespace scalesim
