#include "models/workload/trace_input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#ifdef SCALESIM_HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef SCALESIM_HAVE_ZSTD
#include <zstd.h>
#endif

namespace scalesim::trace_io {
namespace {

// Standard input is one stream per process: a second trace reading it would see nothing (or
// the rest of the first one's rows), so the second open is an error instead.
std::atomic<bool> g_stdin_taken{false};

bool is_stdin(const std::string& path) {
  return path == "-" || path == "/dev/stdin";
}

class FdSource final : public ByteSource {
 public:
  FdSource(int fd, bool owned, std::string path, std::string prefix)
      : fd_(fd), owned_(owned), path_(std::move(path)), prefix_(std::move(prefix)) {}
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;
  ~FdSource() override {
    if (owned_) ::close(fd_);
  }
  std::size_t read(char* buf, std::size_t cap) override {
    if (prefix_pos_ < prefix_.size()) {
      const std::size_t n = std::min(cap, prefix_.size() - prefix_pos_);
      std::memcpy(buf, prefix_.data() + prefix_pos_, n);
      prefix_pos_ += n;
      return n;
    }
    for (;;) {
      const ssize_t n = ::read(fd_, buf, cap);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) throw TraceError(path_ + ": cannot read: " + std::strerror(errno));
    }
  }

 private:
  int fd_;
  bool owned_;
  std::string path_;
  std::string prefix_;  // the bytes read to tell the form, handed out first
  std::size_t prefix_pos_ = 0;
};

constexpr std::size_t kInputBlock = std::size_t{1} << 18;

#ifdef SCALESIM_HAVE_ZLIB
// gzip, member after member (what `cat a.gz b.gz` and pigz write).
class GzipSource final : public ByteSource {
 public:
  GzipSource(std::unique_ptr<ByteSource> in, std::string path)
      : in_(std::move(in)), path_(std::move(path)), buf_(kInputBlock) {
    if (inflateInit2(&z_, 15 + 16) != Z_OK) throw TraceError(path_ + ": cannot start zlib");
  }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;
  ~GzipSource() override { inflateEnd(&z_); }
  std::size_t read(char* out, std::size_t cap) override {
    z_.next_out = reinterpret_cast<Bytef*>(out);
    z_.avail_out = static_cast<uInt>(std::min<std::size_t>(cap, 1u << 30));
    for (;;) {
      const auto produced = static_cast<std::size_t>(reinterpret_cast<char*>(z_.next_out) - out);
      if (produced > 0) return produced;
      if (z_.avail_in == 0 && !eof_) {
        const std::size_t n = in_->read(buf_.data(), buf_.size());
        if (n == 0) {
          eof_ = true;
        } else {
          z_.next_in = reinterpret_cast<Bytef*>(buf_.data());
          z_.avail_in = static_cast<uInt>(n);
        }
      }
      if (z_.avail_in == 0 && eof_) {
        if (in_member_) throw TraceError(path_ + ": the gzip stream is truncated");
        return 0;
      }
      in_member_ = true;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        in_member_ = false;
        inflateReset(&z_);  // another member may follow
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        throw TraceError(path_ + ": corrupt gzip data (" + (z_.msg ? z_.msg : "zlib error") + ")");
      }
    }
  }

 private:
  std::unique_ptr<ByteSource> in_;
  std::string path_;
  std::vector<char> buf_;
  z_stream z_{};
  bool eof_ = false;
  bool in_member_ = false;
};
#endif

#ifdef SCALESIM_HAVE_ZSTD
// zstd, frame after frame.
class ZstdSource final : public ByteSource {
 public:
  ZstdSource(std::unique_ptr<ByteSource> in, std::string path)
      : in_(std::move(in)), path_(std::move(path)), buf_(ZSTD_DStreamInSize()) {
    if (z_ == nullptr) throw TraceError(path_ + ": cannot start zstd");
  }
  ZstdSource(const ZstdSource&) = delete;
  ZstdSource& operator=(const ZstdSource&) = delete;
  ~ZstdSource() override { ZSTD_freeDStream(z_); }
  std::size_t read(char* out, std::size_t cap) override {
    ZSTD_outBuffer o{out, cap, 0};
    while (o.pos == 0) {
      if (in_buf_.pos == in_buf_.size && !eof_) {
        const std::size_t n = in_->read(buf_.data(), buf_.size());
        if (n == 0) {
          eof_ = true;
        } else {
          in_buf_ = ZSTD_inBuffer{buf_.data(), n, 0};
        }
      }
      if (in_buf_.pos == in_buf_.size && eof_) {
        if (pending_ != 0) throw TraceError(path_ + ": the zstd stream is truncated");
        return 0;
      }
      pending_ = ZSTD_decompressStream(z_, &o, &in_buf_);
      if (ZSTD_isError(pending_) != 0U) {
        throw TraceError(path_ + ": corrupt zstd data (" + ZSTD_getErrorName(pending_) + ")");
      }
    }
    return o.pos;
  }

 private:
  std::unique_ptr<ByteSource> in_;
  std::string path_;
  std::vector<char> buf_;
  ZSTD_DStream* z_ = ZSTD_createDStream();
  ZSTD_inBuffer in_buf_{nullptr, 0, 0};
  std::size_t pending_ = 0;  // 0 between frames
  bool eof_ = false;
};
#endif

template <class T>
bool parse_number(std::string_view s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// CSV rows: the header maps the layout's columns, then one row per non-empty line.
class CsvRowStream final : public RowStream {
 public:
  CsvRowStream(const std::string& path, const TraceLayout& layout,
               std::unique_ptr<ByteSource> bytes)
      : path_(path), layout_(layout), lines_(path, std::move(bytes)) {
    const auto first = lines_.next();
    if (!first) throw TraceError(path_ + ":1: empty trace, expected a header");
    split_csv(clean_header(*first, path_), fields_);
    columns_ = fields_.size();
    auto find = [&](const std::string& name, const char* role) {
      if (name.empty()) return -1;
      for (std::size_t i = 0; i < fields_.size(); ++i) {
        if (fields_[i] == name) return static_cast<int>(i);
      }
      std::string have;
      for (const auto& c : fields_) have += (have.empty() ? "" : ", ") + std::string(c);
      throw TraceError(path_ + ":1: no " + role + " column '" + name +
                       "' (the header has: " + have + ")");
    };
    time_col_ = find(layout_.time_column, "time");
    size_col_ = find(layout_.size_column, "size");
    aux_col_ = find(layout_.aux_column, "second size");
    set_time_column(layout_.time_column);
  }

  std::string where() const override { return path_ + ":" + std::to_string(lines_.line()); }

 protected:
  std::optional<RawRow> parse_next() override {
    while (const auto got = lines_.next()) {
      const std::string_view line = *got;
      if (line.empty() || line == "\r") continue;
      if (needs_utf8_check(line)) check_utf8(line, where());
      split_csv(line, fields_);
      if (fields_.size() != columns_) {
        throw TraceError(where() + ": expected " + std::to_string(columns_) + " columns, got " +
                         std::to_string(fields_.size()));
      }
      RawRow row;
      const std::string_view t = fields_[static_cast<std::size_t>(time_col_)];
      bool ok = false;
      if (layout_.time_format == TraceLayout::TimeFormat::kDatetime) {
        const auto v = parse_datetime_ns(t);
        ok = v.has_value();
        if (ok) row.raw = *v;
      } else {
        double v = 0;
        ok = parse_number(t, v) && std::isfinite(v) && v >= 0 && v < 9e18 / 1e9;
        if (ok) row.raw = std::llround(v * time_unit_ns(layout_.time_format));
      }
      if (!ok) {
        throw TraceError(where() + ": column '" + layout_.time_column + "': bad time \"" +
                         std::string(t) + "\"");
      }
      read_size(size_col_, layout_.size_column, row.size);
      read_size(aux_col_, layout_.aux_column, row.aux);
      return row;
    }
    return std::nullopt;
  }

 private:
  void read_size(int col, const std::string& name, std::uint32_t& out) const {
    if (col < 0) return;
    const std::string_view v = fields_[static_cast<std::size_t>(col)];
    std::uint64_t n = 0;
    if (!parse_number(v, n) || n > 0xffffffffULL) {
      std::string msg = where();
      msg += ": column '" + name + "': expected a whole number >= 0, got \"";
      msg += v;
      throw TraceError(msg + "\"");
    }
    out = static_cast<std::uint32_t>(n);
  }

  std::string path_;
  TraceLayout layout_;
  LineReader lines_;
  std::vector<std::string_view> fields_;
  std::size_t columns_ = 0;
  int time_col_ = -1, size_col_ = -1, aux_col_ = -1;
};

}  // namespace

const char* form_name(InputForm form) {
  switch (form) {
    case InputForm::kGzip:
      return "gzip CSV";
    case InputForm::kZstd:
      return "zstd CSV";
    case InputForm::kHdf5:
      return "HDF5";
    case InputForm::kCsv:
      break;
  }
  return "CSV";
}

OpenedInput open_input(const std::string& path) {
  int fd = -1;
  bool owned = true;
  if (is_stdin(path)) {
    if (g_stdin_taken.exchange(true)) {
      throw TraceError(path +
                       ": standard input was read already by another trace in this process; a "
                       "pipe can be read once: give the other traces files");
    }
    fd = STDIN_FILENO;
    owned = false;
  } else {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // NOLINT(cppcoreguidelines-pro-type-vararg)
    if (fd < 0) {
      throw TraceError(path + ": cannot open the trace file (" + std::strerror(errno) + ")");
    }
  }
  OpenedInput in;
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      if (owned) ::close(fd);
      throw TraceError(path + ": cannot open the trace file (it is a directory)");
    }
    in.rereadable = owned && S_ISREG(st.st_mode);
  } else {
    in.rereadable = false;
  }
  // Enough bytes to tell the forms apart; a pipe may hand them out a few at a time.
  std::string prefix(8, '\0');
  std::size_t have = 0;
  try {
    FdSource probe(fd, false, path, "");
    while (have < prefix.size()) {
      const std::size_t n = probe.read(prefix.data() + have, prefix.size() - have);
      if (n == 0) break;
      have += n;
    }
  } catch (...) {
    if (owned) ::close(fd);
    throw;
  }
  prefix.resize(have);
  auto starts = [&](std::string_view magic) { return prefix.starts_with(magic); };
  if (starts("\x89HDF\r\n\x1a\n")) {
    if (owned) ::close(fd);
    in.form = InputForm::kHdf5;
    if (!in.rereadable) {
      throw TraceError(path +
                       ": an HDF5 trace must be a file (HDF5 reads at random places); pipe CSV "
                       "instead, or give the file's name");
    }
    return in;
  }
  const bool gzip = starts("\x1f\x8b");
  const bool zstd = starts("\x28\xb5\x2f\xfd");
  auto bytes = std::make_unique<FdSource>(fd, owned, path, std::move(prefix));
  if (gzip) {
    in.form = InputForm::kGzip;
#ifdef SCALESIM_HAVE_ZLIB
    in.bytes = std::make_unique<GzipSource>(std::move(bytes), path);
#else
    throw TraceError(path +
                     ": gzip-compressed, and this build has no zlib; decompress it first (zcat "
                     "FILE | scalesim run ... with file: -)");
#endif
  } else if (zstd) {
    in.form = InputForm::kZstd;
#ifdef SCALESIM_HAVE_ZSTD
    in.bytes = std::make_unique<ZstdSource>(std::move(bytes), path);
#else
    throw TraceError(path +
                     ": zstd-compressed, and this build has no libzstd; decompress it first "
                     "(zstdcat FILE | scalesim run ... with file: -)");
#endif
  } else {
    in.bytes = std::move(bytes);
  }
  return in;
}

LineReader::LineReader(std::string path, std::unique_ptr<ByteSource> bytes)
    : path_(std::move(path)), bytes_(std::move(bytes)), buf_(kMaxLine + kInputBlock) {}

std::optional<std::string_view> LineReader::next() {
  for (;;) {
    const char* start = buf_.data() + pos_;
    const auto* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - pos_));
    if (nl != nullptr) {
      const std::size_t len = static_cast<std::size_t>(nl - start);
      pos_ += len + 1;
      ++line_;
      return std::string_view(start, len);
    }
    if (end_ - pos_ >= kMaxLine) {
      throw TraceError(path_ + ":" + std::to_string(line_ + 1) +
                       ": no end of line in the first 1 MiB of this line (a binary file, or a "
                       "stream that sends no newlines?); a trace is CSV text with one row a line");
    }
    if (eof_) {
      if (pos_ == end_) return std::nullopt;
      const std::size_t len = end_ - pos_;
      pos_ = end_;
      ++line_;
      ended_with_newline_ = false;
      return std::string_view(start, len);
    }
    if (pos_ > 0) {
      std::memmove(buf_.data(), start, end_ - pos_);
      end_ -= pos_;
      pos_ = 0;
    }
    const std::size_t n = bytes_->read(buf_.data() + end_, buf_.size() - end_);
    if (n == 0) eof_ = true;
    end_ += n;
  }
}

void split_csv(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    std::string_view f =
        line.substr(start, comma == std::string_view::npos ? line.npos : comma - start);
    while (!f.empty() && (f.back() == '\r' || f.back() == ' ')) f.remove_suffix(1);
    while (!f.empty() && f.front() == ' ') f.remove_prefix(1);
    out.push_back(f);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
}

void check_utf8(std::string_view text, const std::string& where) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned c = p[i];
    if (c != 0 && c < 0x80) {  // ASCII, the common case
      ++i;
      continue;
    }
    std::size_t len = 1;
    if (c == 0) {
      throw TraceError(where + ":" + std::to_string(i + 1) +
                       ": a NUL byte (is the file UTF-16?); save it as UTF-8 CSV");
    }
    len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len != 0 && i + len <= n && c != 0xC0 && c != 0xC1 && c <= 0xF4;
    for (std::size_t k = 1; ok && k < len; ++k) ok = (p[i + k] >> 6) == 0x2;
    if (!ok) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", c);
      throw TraceError(where + ":" + std::to_string(i + 1) + ": byte " + hex +
                       " is not valid UTF-8 (a Latin-1 or Windows-1252 file?); save it as "
                       "UTF-8 CSV");
    }
    i += len;
  }
}

std::string_view clean_header(std::string_view header, const std::string& path) {
  if (header.starts_with("\xFF\xFE") || header.starts_with("\xFE\xFF")) {
    throw TraceError(path +
                     ":1: the file is UTF-16 or UTF-32 (it starts with a byte-order mark); "
                     "save it as UTF-8 CSV");
  }
  if (header.starts_with("\xEF\xBB\xBF")) header.remove_prefix(3);
  check_utf8(header, path + ":1");
  return header;
}

std::optional<RawRow> RowStream::next(bool check_order) {
  std::optional<RawRow> r = parse_next();
  if (r && check_order) {
    if (last_ && r->raw < *last_) {
      throw TraceError(where() + ": time goes backwards (the trace must be sorted by '" +
                       time_column_ +
                       "'; or run with --sort-trace, or set sort: true on the trace, to sort it "
                       "in memory)");
    }
    last_ = r->raw;
  }
  return r;
}

std::unique_ptr<RowStream> open_rows(const std::string& path, const TraceLayout& layout,
                                     InputForm* form, bool* rereadable) {
  OpenedInput in = open_input(path);
  if (form != nullptr) *form = in.form;
  if (rereadable != nullptr) *rereadable = in.rereadable;
  if (in.form == InputForm::kHdf5) {
#ifdef SCALESIM_HAVE_HDF5
    return open_hdf5_rows(path, layout);
#else
    throw TraceError(path +
                     ": an HDF5 trace, and this build has no HDF5 support; convert it to CSV "
                     "with a build that has (scalesim trace convert IN.h5 OUT.csv)");
#endif
  }
  return std::make_unique<CsvRowStream>(path, layout, std::move(in.bytes));
}

double time_unit_ns(TraceLayout::TimeFormat format) {
  switch (format) {
    case TraceLayout::TimeFormat::kSeconds:
      return 1e9;
    case TraceLayout::TimeFormat::kMilliseconds:
      return 1e6;
    case TraceLayout::TimeFormat::kMicroseconds:
      return 1e3;
    case TraceLayout::TimeFormat::kNanoseconds:
    case TraceLayout::TimeFormat::kDatetime:
      break;
  }
  return 1;
}

}  // namespace scalesim::trace_io
