// The crash-safe sweep journal: OUT.journal.<rank>, one per rank, append-only.
//
// Layout (native byte order, little-endian on every supported machine):
//   header: "SSWEEPJ1" | u32 version (1) | u32 header bytes (all of it, checksum included) |
//           u64 fingerprint | u32 metric count | per metric: u32 length, bytes |
//           u64 FNV-1a of everything before it
//   record: u32 payload bytes (8 + 8 * metrics) | u32 point | u32 replication |
//           f64 value per metric | u64 FNV-1a of the length and payload
// Each header and record goes out in one write(2). A record that is short or whose checksum does
// not match ends the file's valid part: the next SweepJournal on that file truncates it there
// before appending, and readers ignore it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <unordered_set>

#include "scalesim/result_hash.h"
#include "sweep/sweep_results.h"

namespace scalesim {
namespace {

constexpr char kMagic[8] = {'S', 'S', 'W', 'E', 'E', 'P', 'J', '1'};
constexpr std::uint32_t kVersion = 1;
constexpr std::int64_t kSyncIntervalNs = 1'000'000'000;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::uint64_t checksum(const std::byte* data, std::size_t n) {
  ResultHash h;
  h.add(std::string_view(reinterpret_cast<const char*>(data), n));
  return h.value();
}

template <class T>
void put(std::vector<std::byte>& out, const T& v) {
  const std::size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &v, sizeof(T));
}

template <class T>
bool get(const std::vector<std::byte>& in, std::size_t& pos, T& v) {
  if (in.size() - pos < sizeof(T)) return false;
  std::memcpy(&v, in.data() + pos, sizeof(T));
  pos += sizeof(T);
  return true;
}

std::vector<std::byte> header_bytes(std::uint64_t fingerprint,
                                    const std::vector<std::string>& metrics) {
  std::vector<std::byte> out(sizeof kMagic);
  std::memcpy(out.data(), kMagic, sizeof kMagic);
  put(out, kVersion);
  put(out, std::uint32_t{0});  // header size, filled in below
  put(out, fingerprint);
  put(out, static_cast<std::uint32_t>(metrics.size()));
  for (const auto& name : metrics) {
    put(out, static_cast<std::uint32_t>(name.size()));
    const std::size_t at = out.size();
    out.resize(at + name.size());
    if (!name.empty()) std::memcpy(out.data() + at, name.data(), name.size());
  }
  const auto size = static_cast<std::uint32_t>(out.size() + sizeof(std::uint64_t));
  std::memcpy(out.data() + sizeof kMagic + sizeof(std::uint32_t), &size, sizeof size);
  put(out, checksum(out.data(), out.size()));
  return out;
}

std::string mismatch_message(const std::string& path, const std::string& what) {
  return path + ": this journal belongs to a different sweep (" + what +
         "); delete the OUT.journal.* files to start afresh, or choose another output name";
}

// What a journal file holds: its metric count and the records up to the first torn or
// corrupt one, and where that valid part ends. `header_ok` is false when even the header is
// incomplete (a process killed while creating the file): the file counts as empty.
struct Parsed {
  bool header_ok = false;
  std::size_t valid_bytes = 0;
  std::vector<SweepRunResult> records;
};

Parsed parse(const std::string& path, const std::vector<std::byte>& in, std::uint64_t fingerprint,
             const std::vector<std::string>& metrics) {
  Parsed out;
  std::size_t pos = 0;
  if (in.size() < sizeof kMagic + 2 * sizeof(std::uint32_t)) return out;  // torn header
  if (std::memcmp(in.data(), kMagic, sizeof kMagic) != 0)
    throw std::runtime_error(path +
                             ": not a ScaleSim sweep journal; delete it or choose another "
                             "output name");
  pos = sizeof kMagic;
  std::uint32_t version = 0, header_size = 0;
  get(in, pos, version);
  get(in, pos, header_size);
  if (version != kVersion)
    throw std::runtime_error(mismatch_message(path, "journal version " + std::to_string(version)));
  if (in.size() < header_size) return out;  // torn header
  if (header_size < pos + sizeof(std::uint64_t) ||
      checksum(in.data(), header_size - sizeof(std::uint64_t)) != [&] {
        std::uint64_t c = 0;
        std::memcpy(&c, in.data() + header_size - sizeof c, sizeof c);
        return c;
      }()) {
    throw std::runtime_error(path +
                             ": the journal's header is corrupt; delete it or choose "
                             "another output name");
  }
  std::uint64_t fp = 0;
  std::uint32_t count = 0;
  get(in, pos, fp);
  get(in, pos, count);
  std::vector<std::string> names;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint32_t len = 0;
    if (!get(in, pos, len) || header_size - pos < len) {
      throw std::runtime_error(path +
                               ": the journal's header is corrupt; delete it or choose "
                               "another output name");
    }
    names.emplace_back(reinterpret_cast<const char*>(in.data() + pos), len);
    pos += len;
  }
  if (fp != fingerprint) {
    throw std::runtime_error(mismatch_message(
        path, "the spec, its base config, points, seed, replications or metrics changed"));
  }
  if (names != metrics) throw std::runtime_error(mismatch_message(path, "the metrics differ"));
  out.header_ok = true;
  pos = header_size;
  out.valid_bytes = pos;
  const std::size_t payload = 2 * sizeof(std::uint32_t) + metrics.size() * sizeof(double);
  for (;;) {
    const std::size_t start = pos;
    std::uint32_t len = 0;
    if (!get(in, pos, len) || len != payload) break;
    if (in.size() - pos < payload + sizeof(std::uint64_t)) break;
    std::uint64_t sum = 0;
    std::memcpy(&sum, in.data() + pos + payload, sizeof sum);
    if (checksum(in.data() + start, sizeof len + payload) != sum) break;
    SweepRunResult r;
    get(in, pos, r.point);
    get(in, pos, r.replication);
    r.values.resize(metrics.size());
    for (auto& v : r.values) get(in, pos, v);
    pos += sizeof sum;
    out.records.push_back(std::move(r));
    out.valid_bytes = pos;
  }
  return out;
}

std::vector<std::byte> read_fd(int fd, const std::string& path) {
  std::vector<std::byte> data;
  std::byte buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(path + ": cannot read the journal: " + std::strerror(errno));
    }
    if (n == 0) return data;
    data.insert(data.end(), buf, buf + n);
  }
}

void write_all(int fd, const std::vector<std::byte>& bytes, const std::string& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {  // one write(2) unless the kernel takes less
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(path + ": cannot write the journal: " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
}

// Every OUT.journal.<rank> beside OUT, by rank.
std::vector<std::pair<long, std::string>> journal_files(const std::string& output) {
  namespace fs = std::filesystem;
  const fs::path out(output);
  const fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  const std::string prefix = out.filename().string() + ".journal.";
  std::vector<std::pair<long, std::string>> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rank = name.substr(prefix.size());
    if (rank.size() > 9 ||
        !std::all_of(rank.begin(), rank.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    files.emplace_back(std::stol(rank), it->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

SweepJournal::SweepJournal(const std::string& output, int rank, std::uint64_t fingerprint,
                           const std::vector<std::string>& metric_names)
    : path_(output + ".journal." + std::to_string(rank)), metrics_(metric_names.size()) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error(path_ + ": cannot open the journal: " + std::strerror(errno));
  try {
    const std::vector<std::byte> existing = read_fd(fd_, path_);
    const Parsed p = parse(path_, existing, fingerprint, metric_names);
    const std::size_t keep = p.header_ok ? p.valid_bytes : 0;
    if (keep < existing.size()) {  // drop a torn tail (or header) before appending
      if (::ftruncate(fd_, static_cast<off_t>(keep)) != 0)
        throw std::runtime_error(path_ + ": cannot truncate the journal: " + std::strerror(errno));
    }
    if (!p.header_ok) write_all(fd_, header_bytes(fingerprint, metric_names), path_);
    if (::fdatasync(fd_) != 0)
      throw std::runtime_error(path_ + ": cannot flush the journal: " + std::strerror(errno));
    last_sync_ns_ = now_ns();
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
}

SweepJournal::~SweepJournal() {
  if (fd_ >= 0) {
    ::fdatasync(fd_);
    ::close(fd_);
  }
}

void SweepJournal::append(const SweepRunResult& r) {
  if (r.values.size() != metrics_) {
    throw std::invalid_argument(path_ + ": a run with " + std::to_string(r.values.size()) +
                                " values for " + std::to_string(metrics_) + " metrics");
  }
  std::vector<std::byte> rec;
  rec.reserve(3 * sizeof(std::uint32_t) + metrics_ * sizeof(double) + sizeof(std::uint64_t));
  put(rec, static_cast<std::uint32_t>(2 * sizeof(std::uint32_t) + metrics_ * sizeof(double)));
  put(rec, r.point);
  put(rec, r.replication);
  for (double v : r.values) put(rec, v);
  put(rec, checksum(rec.data(), rec.size()));
  // In the page cache once write() returns: a killed process loses nothing written; fdatasync
  // at most once a second bounds what a machine crash can lose.
  write_all(fd_, rec, path_);
  const std::int64_t now = now_ns();
  if (now - last_sync_ns_ >= kSyncIntervalNs) {
    if (::fdatasync(fd_) != 0)
      throw std::runtime_error(path_ + ": cannot flush the journal: " + std::strerror(errno));
    last_sync_ns_ = now;
  }
}

std::vector<SweepRunResult> SweepJournal::read_all(const std::string& output,
                                                   std::uint64_t fingerprint,
                                                   const std::vector<std::string>& metric_names) {
  std::vector<SweepRunResult> out;
  std::unordered_set<std::uint64_t> seen;
  for (const auto& [rank, path] : journal_files(output)) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      throw std::runtime_error(path + ": cannot open the journal: " + std::strerror(errno));
    std::vector<std::byte> data;
    try {
      data = read_fd(fd, path);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    Parsed p = parse(path, data, fingerprint, metric_names);
    for (auto& r : p.records) {
      const std::uint64_t key = (std::uint64_t{r.point} << 32) | r.replication;
      if (seen.insert(key).second) out.push_back(std::move(r));
    }
  }
  return out;
}

void SweepJournal::remove_all(const std::string& output) {
  for (const auto& [rank, path] : journal_files(output)) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (ec) throw std::runtime_error(path + ": cannot remove the journal: " + ec.message());
  }
}

}  // namespace scalesim
