// Communication between ranks, behind one small interface: MPI when built with it, a
// single-rank stand-in otherwise. Collective calls only; every rank calls them in the same order.
//
// Thread safety: call from one thread per rank (MPI_THREAD_FUNNELED).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace scalesim {

// Whether this process was started by an MPI launcher (mpirun, mpiexec, srun with PMI/PMIx),
// from the variables those set; SCALESIM_MPI=1 or 0 overrides.
bool launched_by_mpi();
// Whether MPI is initialised in this process (false in a build without MPI).
bool mpi_initialised();

// Initialises MPI for the life of the process (RAII) when a launcher started it. A plain
// `scalesim run` is one rank either way, and MPI's singleton start-up (Open MPI forks a
// runtime daemon) costs ~0.4 s, so without a launcher the process runs as one rank without MPI.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

 private:
  [[maybe_unused]] bool initialised_ = false;  // read only where MPI is built in
};

class Transport {
 public:
  Transport();  // all ranks of the job (MPI_COMM_WORLD, duplicated); one rank without MPI
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }

  // One window's exchange: sends outbox[r] to rank r, receives what every rank sent here into
  // `inbox` (concatenated in rank order), and returns the minimum of every rank's `local_min`.
  // `stop` in: this rank wants to stop; out: some rank does. The minimum and the stop flag ride
  // on the message-count exchange, so a window costs two collectives (one if nothing moves).
  std::int64_t exchange(const std::vector<std::vector<std::byte>>& outbox,
                        std::vector<std::byte>& inbox, std::int64_t local_min, bool& stop);

  std::int64_t allreduce_min(std::int64_t v);
  void allreduce_sum(std::vector<std::uint64_t>& values);
  void allreduce_sum(std::vector<double>& values);
  // Rank `root` receives every rank's bytes (index = rank); others get an empty vector.
  std::vector<std::vector<std::byte>> gather(const std::vector<std::byte>& mine, int root);
  // Every rank receives every rank's bytes (index = rank).
  std::vector<std::vector<std::byte>> allgather(const std::vector<std::byte>& mine);
  void barrier();
  // Ends every rank of the job with `code`, after printing `message` on this one.
  [[noreturn]] void abort(int code, const std::string& message);

  std::uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0;
  int size_ = 1;
  std::uint64_t bytes_sent_ = 0;
};

}  // namespace scalesim
