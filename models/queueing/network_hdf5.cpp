#include "models/queueing/network_hdf5.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <type_traits>

#ifdef __linux__
#include <sched.h>
#endif

#include "models/queueing/results_contents.h"
#include "scalesim/io/hdf5_file.h"

namespace scalesim {
// Named (not anonymous): ResultsFile::Impl holds these rows, and a unity build would otherwise
// give a class with external linkage a member of internal-linkage type.
namespace results_rows {

// A /requests row, packed (45 bytes) in memory exactly as in the file: parallel HDF5 writes
// through compression filters only when no datatype conversion is needed.
#pragma pack(push, 1)
struct RequestRow {
  std::uint64_t id;
  std::uint16_t cls;
  std::int64_t arrival_ns;
  std::int64_t completion_ns;
  std::int64_t latency_ns;
  std::uint16_t path;
  std::uint8_t status;
  float ttft_s;  // NaN unless an LLM engine served it (half precision, widened)
  float tpot_s;
};
#pragma pack(pop)
static_assert(sizeof(RequestRow) == 45);

}  // namespace results_rows
using results_rows::RequestRow;

namespace {

constexpr int kDeflateLevel = 1;  // fast; the shuffle filter does most of the work

CompoundType request_type() {
  CompoundType t(sizeof(RequestRow));
  t.add("id", offsetof(RequestRow, id), H5T_NATIVE_UINT64)
      .add("class", offsetof(RequestRow, cls), H5T_NATIVE_UINT16)
      .add("arrival_ns", offsetof(RequestRow, arrival_ns), H5T_NATIVE_INT64)
      .add("completion_ns", offsetof(RequestRow, completion_ns), H5T_NATIVE_INT64)
      .add("latency_ns", offsetof(RequestRow, latency_ns), H5T_NATIVE_INT64)
      .add("path", offsetof(RequestRow, path), H5T_NATIVE_UINT16)
      .add("status", offsetof(RequestRow, status), H5T_NATIVE_UINT8)
      .add("ttft_s", offsetof(RequestRow, ttft_s), H5T_NATIVE_FLOAT)
      .add("tpot_s", offsetof(RequestRow, tpot_s), H5T_NATIVE_FLOAT);
  return t;
}

// CPUs this process may run on (taskset, cgroup cpusets, SLURM's binding).
unsigned available_cpus() {
#ifdef __linux__
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return static_cast<unsigned>(CPU_COUNT(&set));
#endif
  return std::max(1U, std::thread::hardware_concurrency());
}

}  // namespace
std::string interrupted_name(const std::string& path) {
  const auto dot = path.rfind('.');
  const auto slash = path.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
    return path + ".interrupted.h5";
  return path.substr(0, dot) + ".interrupted" + path.substr(dot);
}

// Order of /requests, the same for any ranks x threads and any timing: full blocks (chunk_rows
// records of one sink) by the time their last record reached the sink, ties by sink LP; then
// what is left of each sink, in LP order. With one sink that is simply arrival order.
struct ResultsFile::Impl final : RecordStream {
  struct Block {
    SimTime time = 0;  // when its last record reached the sink
    std::uint32_t lp = 0;
    std::uint64_t index = 0;  // the sink's blocks before it
    std::uint64_t at = 0;     // direct: index into `pending`; scratch: byte offset in the file
    auto key() const { return std::tie(time, lp, index); }
  };

  Impl(const std::string& path, QueueingNetwork& net, Transport& t, int threads,
       std::uint64_t chunk)
      : final_path(path),
        partial(path + ".partial"),
        transport(t),
        direct(t.size() == 1 && threads == 1),
        writer_thread(direct && available_cpus() > 1),
        chunk_rows(chunk),
        file(partial, t.size() > 1, t.rank()),
        blocks_of(net.lp_count(), 0) {
    class_index.assign(net.lp_count(), 0);
    path_index.assign(net.lp_count(), 0);
    std::vector<std::string> class_names, path_names{"-"};
    for (LpId lp = 0; lp < net.lp_count(); ++lp) {
      sinks += std::holds_alternative<Sink>(net.component(lp)) ? 1U : 0U;
      if (std::holds_alternative<Source>(net.component(lp)) ||
          std::holds_alternative<TraceSource>(net.component(lp))) {
        class_index[lp] = static_cast<std::uint16_t>(class_names.size());
        class_names.push_back(net.name_of(lp));
      } else if (std::holds_alternative<Station>(net.component(lp)) ||
                 std::holds_alternative<ModelServer>(net.component(lp))) {
        path_index[lp] = static_cast<std::uint16_t>(path_names.size());
        path_names.push_back(net.name_of(lp));
      }
    }
    const Hdf5Group root = file.root();
    // Identifies the file and says it is unfinished until finish() replaces the status.
    root.attribute("schema_version", std::int64_t{kHdf5SchemaVersion});
    root.attribute("status", std::string("interrupted"));
    table.emplace(root, "requests", request_type(), chunk_rows, kDeflateLevel);
    const Hdf5Group& d = table->dataset();
    d.attribute("class_names", class_names);
    d.attribute("path_names", path_names);
    d.attribute("sampling_fraction", net.settings().request_sample);
    if (direct) {
      file.flush();
    } else {
      scratch_path = partial + ".records." + std::to_string(t.rank());
      scratch = std::fopen(scratch_path.c_str(), "w+b");
      if (scratch == nullptr) throw std::runtime_error(scratch_path + ": cannot create");
    }
    row_buffer.reserve(chunk_rows);
    net.stream_requests(this, chunk_rows);
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() override {
    stop_writer();
    if (scratch != nullptr) std::fclose(scratch);
    if (!scratch_path.empty()) std::remove(scratch_path.c_str());
  }

  void to_rows(std::span<const RequestRecord> records, std::vector<RequestRow>& rows) const {
    rows.clear();
    for (const auto& r : records) {
      rows.push_back(RequestRow{r.id, class_index[Customer::source_of(r.id)], r.arrival,
                                r.completion, r.completion - r.arrival,
                                r.served_by == kNoLp ? std::uint16_t{0} : path_index[r.served_by],
                                0, from_half(r.ttft), from_half(r.tpot)});
    }
  }

  void block(std::uint32_t lp, std::span<const RequestRecord> records) override {
    const Block b{records.back().completion, lp, blocks_of[lp]++, 0};
    if (direct && sinks == 1) {  // nothing can sort before it: written while its rows are hot
      std::vector<RequestRow> rows = take_buffer();
      to_rows(records, rows);
      submit(std::move(rows));
      return;
    }
    if (direct) {
      // Blocks are filled in time order here, but two sinks may fill one at the same instant:
      // a block is written once a later instant shows that nothing can sort before it.
      release_pending([&](const Block& p) { return p.time < b.time; });
      Pending p{b, take_buffer()};
      to_rows(records, p.rows);
      pending.push_back(std::move(p));
      return;
    }
    // Sinks on several threads: the scratch file is shared.
    const std::lock_guard lock(scratch_mutex);
    to_rows(records, row_buffer);
    const std::uint64_t at = scratch_bytes;
    const std::size_t bytes = row_buffer.size() * sizeof(RequestRow);
    if (std::fwrite(row_buffer.data(), 1, bytes, scratch) != bytes)
      throw std::runtime_error(scratch_path + ": cannot write (disk full?)");
    scratch_bytes += bytes;
    spilled.push_back(Block{b.time, b.lp, b.index, at});
  }

  // Direct mode: hands the pending blocks that `ready` accepts to the writer, in order.
  template <class Ready>
  void release_pending(Ready ready) {
    std::sort(pending.begin(), pending.end(),
              [](const Pending& a, const Pending& b) { return a.block.key() < b.block.key(); });
    std::size_t done = 0;
    for (; done < pending.size() && ready(pending[done].block); ++done)
      submit(std::move(pending[done].rows));
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(done));
  }

  // Direct mode: compressing a block costs about a tenth of what simulating its requests
  // does, so a writer thread compresses and writes while the run goes on, unless the process
  // has one CPU: then the thread would only add switches and cold caches. At most
  // kInFlight blocks wait for it (bounded memory; the run waits when the writer lags).
  static constexpr std::size_t kInFlight = 4;

  std::vector<RequestRow> take_buffer() {
    const std::lock_guard lock(queue_mutex);
    if (spare.empty()) return {};
    std::vector<RequestRow> rows = std::move(spare.back());
    spare.pop_back();
    return rows;
  }

  void submit(std::vector<RequestRow> rows) {
    if (!writer_thread) {
      write_block(rows);
      spare.push_back(std::move(rows));
      return;
    }
    std::unique_lock lock(queue_mutex);
    if (!writer.joinable()) writer = std::thread([this] { write_loop(); });
    queue_changed.wait(lock, [&] { return queue.size() < kInFlight || writer_error; });
    if (writer_error) std::rethrow_exception(writer_error);
    queue.push_back(std::move(rows));
    queue_changed.notify_all();
  }

  void write_block(const std::vector<RequestRow>& rows) {
    // The run's own thread may be reading an HDF5 trace meanwhile.
    const std::lock_guard library(hdf5_library_mutex());
    table->write(table->size(), rows.data(), rows.size());
    file.flush();  // each block on disk before the next: a killed run leaves a readable file
  }

  void write_loop() {
    std::unique_lock lock(queue_mutex);
    for (;;) {
      queue_changed.wait(lock, [&] { return !queue.empty() || closing; });
      if (queue.empty()) return;  // closing, and everything is written
      std::vector<RequestRow>& rows = queue.front();
      lock.unlock();
      try {
        write_block(rows);
      } catch (...) {
        lock.lock();
        writer_error = std::current_exception();
        queue_changed.notify_all();
        return;
      }
      lock.lock();
      spare.push_back(std::move(queue.front()));
      queue.pop_front();
      queue_changed.notify_all();
    }
  }

  // Waits for the writer to finish what it was given and stops it.
  void stop_writer() {
    if (!writer.joinable()) return;
    {
      const std::lock_guard lock(queue_mutex);
      closing = true;
    }
    queue_changed.notify_all();
    writer.join();
  }

  // Places the records not yet in the file; returns the number of rows of /requests.
  std::uint64_t place_records(const QueueingNetwork& net, const NetworkRun& run) {
    // What each sink kept after its last full block, in LP order.
    std::vector<RequestRow> tails;
    std::vector<std::pair<std::uint32_t, std::uint64_t>> tail_counts;  // (lp, rows)
    std::vector<RequestRow> rows;
    for (LpId lp = 0; lp < net.lp_count(); ++lp) {
      const auto* k = std::get_if<Sink>(&net.component(lp));
      if (k == nullptr || !run.owned[lp] || k->records().empty()) continue;
      to_rows(k->records(), rows);
      tails.insert(tails.end(), rows.begin(), rows.end());
      tail_counts.emplace_back(lp, rows.size());
    }
    if (direct) {
      release_pending([](const Block&) { return true; });
      stop_writer();
      if (writer_error) std::rethrow_exception(writer_error);
      table->write(table->size(), tails.data(), tails.size());
      return table->size();
    }
    std::fflush(scratch);
    // Every rank learns every block and tail: (rank, lp, time, index, rows), tails with
    // index = UINT64_MAX so they sort after the blocks.
    ByteWriter w;
    for (const auto& b : spilled) {
      w.put(b.time);
      w.put(b.lp);
      w.put(b.index);
      w.put(chunk_rows);
    }
    for (const auto& [lp, n] : tail_counts) {
      w.put(SimTime{0});
      w.put(lp);
      w.put(std::numeric_limits<std::uint64_t>::max());
      w.put(n);
    }
    struct Entry {
      bool tail;
      SimTime time;
      std::uint32_t lp;
      std::uint64_t index, rows, offset;
      int rank;
    };
    std::vector<Entry> all;
    const auto gathered = transport.allgather(w.bytes());
    for (std::size_t r = 0; r < gathered.size(); ++r) {
      ByteReader in(gathered[r].data(), gathered[r].size());
      while (!in.done()) {
        Entry e{};
        e.time = in.get<SimTime>();
        e.lp = in.get<std::uint32_t>();
        e.index = in.get<std::uint64_t>();
        e.rows = in.get<std::uint64_t>();
        e.tail = e.index == std::numeric_limits<std::uint64_t>::max();
        e.rank = static_cast<int>(r);
        all.push_back(e);
      }
    }
    std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) {
      return std::tie(a.tail, a.time, a.lp, a.index) < std::tie(b.tail, b.time, b.lp, b.index);
    });
    std::uint64_t total = 0;
    std::vector<std::uint64_t> my_blocks;  // offsets of this rank's blocks, in file order
    std::uint64_t most_blocks = 0;
    std::vector<std::uint64_t> blocks_per_rank(gathered.size(), 0);
    std::vector<Hdf5Group::Piece> tail_pieces;
    for (auto& e : all) {
      e.offset = total;
      total += e.rows;
      if (e.tail) {
        if (e.rank == transport.rank()) tail_pieces.push_back({e.offset, e.rows});
        continue;
      }
      most_blocks = std::max(most_blocks, ++blocks_per_rank[static_cast<std::size_t>(e.rank)]);
      if (e.rank == transport.rank()) my_blocks.push_back(e.offset);
    }
    // This rank's blocks in file order (their place in the scratch file).
    std::vector<Block> mine = spilled;
    std::sort(mine.begin(), mine.end(),
              [](const Block& a, const Block& b) { return a.key() < b.key(); });
    std::vector<RequestRow> buffer(chunk_rows);
    const bool parallel = transport.size() > 1;
    for (std::uint64_t round = 0; round < (parallel ? most_blocks : mine.size()); ++round) {
      std::vector<Hdf5Group::Piece> pieces;
      if (round < mine.size()) {
        const std::size_t bytes = chunk_rows * sizeof(RequestRow);
        if (std::fseek(scratch, static_cast<long>(mine[round].at), SEEK_SET) != 0 ||
            std::fread(buffer.data(), 1, bytes, scratch) != bytes)
          throw std::runtime_error(scratch_path + ": cannot read back");
        pieces.push_back({my_blocks[round], chunk_rows});
      }
      if (parallel) {
        table->write_pieces(buffer.data(), pieces, total);  // collective: one block per rank
      } else {
        table->write(pieces[0].offset, buffer.data(), chunk_rows);
      }
    }
    if (parallel) {
      table->write_pieces(tails.data(), tail_pieces, total);
    } else if (!tail_pieces.empty()) {
      table->write(tail_pieces[0].offset, tails.data(), tails.size());
    }
    return total;
  }

  std::string final_path, partial;
  Transport& transport;
  bool direct;
  bool writer_thread;  // direct mode with more than one CPU: blocks written by `writer`
  std::uint32_t sinks = 0;
  std::uint64_t chunk_rows;
  Hdf5File file;
  std::optional<Hdf5GrowingTable> table;
  std::vector<std::uint16_t> class_index, path_index;
  std::vector<std::uint64_t> blocks_of;  // per LP: full blocks handed over so far
  // Direct mode: full blocks not yet released (their order may still change), the blocks the
  // writer thread has yet to write, and emptied row buffers for reuse.
  struct Pending {
    Block block;
    std::vector<RequestRow> rows;
  };
  std::vector<Pending> pending;
  std::mutex queue_mutex;
  std::condition_variable queue_changed;
  std::deque<std::vector<RequestRow>> queue;
  std::vector<std::vector<RequestRow>> spare;
  bool closing = false;
  std::exception_ptr writer_error;
  std::thread writer;  // last: started after, and joined before, the members it uses
  // Scratch mode: this rank's full blocks, kept in a file until finish().
  std::mutex scratch_mutex;
  std::string scratch_path;
  std::FILE* scratch = nullptr;
  std::uint64_t scratch_bytes = 0;
  std::vector<Block> spilled;
  std::vector<RequestRow> row_buffer;
};

ResultsFile::ResultsFile(const std::string& path, QueueingNetwork& net, Transport& transport,
                         int threads, std::uint64_t chunk_rows) {
  if (chunk_rows < 1 || chunk_rows > kMaxRecordChunk)
    throw std::invalid_argument("the request records' chunk must hold 1 to 16777216 rows");
  impl_ = std::make_unique<Impl>(path, net, transport, threads, chunk_rows);
}

ResultsFile::~ResultsFile() = default;

std::string ResultsFile::finish(const QueueingNetwork& net, const NetworkRun& run,
                                const std::string& status) {
  Impl& m = *impl_;
  const std::uint64_t recorded = m.place_records(net, run);
  std::uint64_t completed = 0;
  for (LpId lp = 0; lp < net.lp_count(); ++lp) {
    if (const auto* k = std::get_if<Sink>(&net.component(lp))) completed += k->measured();
  }
  const Hdf5Group& d = m.table->dataset();
  d.attribute("recorded", recorded);
  d.attribute("completed", completed);
  write_results_contents(m.file.root(), net, run, status);
  m.table.reset();
  m.file.close();  // every group and dataset handle is closed by now, as the MPI-IO driver requires
  m.transport.barrier();
  std::string final_name = status == "complete" ? m.final_path : interrupted_name(m.final_path);
  if (m.transport.rank() == 0 && std::rename(m.partial.c_str(), final_name.c_str()) != 0) {
    throw std::runtime_error(final_name + ": cannot rename the finished results file");
  }
  m.transport.barrier();
  return final_name;
}

}  // namespace scalesim

namespace scalesim {

constexpr hid_t kAllSpace = 0;  // H5S_ALL, without its C cast

std::string read_results_text(const std::string& path, const std::string& dataset) {
  H5E_auto2_t handler = nullptr;
  void* data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &handler, &data);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // our own messages, not HDF5's stack dumps
  struct Restore {
    H5E_auto2_t h;
    void* d;
    ~Restore() { H5Eset_auto2(H5E_DEFAULT, h, d); }
  } restore{handler, data};
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) throw std::runtime_error(path + ": not a readable HDF5 file");
  const H5Handle f(file, H5Fclose, "open " + path);
  const hid_t d = H5Dopen2(f.get(), dataset.c_str(), H5P_DEFAULT);
  if (d < 0) {
    throw std::runtime_error(path + ": no dataset /" + dataset +
                             " (is it the results of a `scalesim run -o`?)");
  }
  const H5Handle ds(d, H5Dclose, "open /" + dataset);
  const H5Handle type(H5Dget_type(ds.get()), H5Tclose, "type of /" + dataset);
  if (H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) > 0) {
    throw std::runtime_error(path + ": /" + dataset + " is not a fixed-length string");
  }
  std::string text(H5Tget_size(type.get()), '\0');
  if (H5Dread(ds.get(), type.get(), kAllSpace, kAllSpace, H5P_DEFAULT, text.data()) < 0) {
    throw std::runtime_error(path + ": cannot read /" + dataset);
  }
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

}  // namespace scalesim
