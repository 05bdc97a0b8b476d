// The input side of trace reading, shared by the reader (trace_reader.cpp), the HDF5 form
// (trace_hdf5.cpp) and the converter (trace_convert.cpp): bytes from a file or a pipe, opened
// once, decompressed by what the first bytes say (gzip, zstd), cut into lines of bounded length;
// and the rows of a trace as written, from CSV or HDF5.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/workload/trace_reader.h"

namespace scalesim::trace_io {

// A line longer than this is an error: it bounds memory for a file with no line ends
// (/dev/zero, a binary file, a stream that never sends a newline).
inline constexpr std::size_t kMaxLine = std::size_t{1} << 20;

class ByteSource {
 public:
  ByteSource() = default;
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;
  virtual ~ByteSource() = default;
  // Up to `cap` bytes into `buf`; 0 only at the end. Throws TraceError on a read error or a
  // corrupt compressed stream.
  virtual std::size_t read(char* buf, std::size_t cap) = 0;
};

enum class InputForm { kCsv, kGzip, kZstd, kHdf5 };
const char* form_name(InputForm form);

struct OpenedInput {
  InputForm form = InputForm::kCsv;
  bool rereadable = true;             // a regular file; false for a pipe, FIFO or standard input
  std::unique_ptr<ByteSource> bytes;  // the text, decompressed; empty for kHdf5 (opened by name)
};

// Opens `path` ("-" and "/dev/stdin" are standard input, which one process can read once) and
// looks at its first bytes to tell CSV, gzip, zstd and HDF5 apart.
OpenedInput open_input(const std::string& path);

// Lines of at most kMaxLine bytes (without the '\n'), counted from 1.
class LineReader {
 public:
  LineReader(std::string path, std::unique_ptr<ByteSource> bytes);
  // The next line, valid until the next call, or nothing at the end.
  std::optional<std::string_view> next();
  std::uint64_t line() const { return line_; }
  // False when the input ended without a line end after its last line.
  bool ended_with_newline() const { return ended_with_newline_; }

 private:
  std::string path_;
  std::unique_ptr<ByteSource> bytes_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  bool ended_with_newline_ = true;
  std::uint64_t line_ = 0;
};

// Fields of a CSV line, trimmed of spaces and a trailing '\r'; `out` is reused.
void split_csv(std::string_view line, std::vector<std::string_view>& out);
// Throws unless `text` is UTF-8 without NUL bytes, naming the column of the first bad byte.
void check_utf8(std::string_view text, const std::string& where);
// Whether `text` has a NUL or a non-ASCII byte, so that check_utf8 has anything to look at
// (cheap, and spares building `where` for every row).
inline bool needs_utf8_check(std::string_view text) {
  for (const char c : text) {
    if (c == 0 || static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}
// A header line checked for byte-order marks and encoding, without a UTF-8 byte-order mark.
std::string_view clean_header(std::string_view header, const std::string& path);

// A trace row as written: the time column in nanoseconds (since the epoch for datetimes).
struct RawRow {
  std::int64_t raw = 0;
  std::uint32_t size = 0, aux = 0;
};

// One pass over a trace's rows, in file order. Rows are checked to be in time order when
// `check_order` is set (errors name the row's place, see where()).
class RowStream {
 public:
  RowStream() = default;
  RowStream(const RowStream&) = delete;
  RowStream& operator=(const RowStream&) = delete;
  virtual ~RowStream() = default;

  std::optional<RawRow> next(bool check_order);
  // Names the time column in the out-of-order error.
  void set_time_column(std::string name) { time_column_ = std::move(name); }
  // "path:LINE" for CSV, "path: row N" for HDF5, of the row last returned.
  virtual std::string where() const = 0;
  // Starts over without opening the input again, where the form allows it.
  virtual bool rewind() { return false; }

 protected:
  virtual std::optional<RawRow> parse_next() = 0;
  void restart_order() { last_.reset(); }

 private:
  std::optional<std::int64_t> last_;
  std::string time_column_;
};

// Opens the rows of `path` in whichever form it is (its header checked against `layout`), and
// says which form and whether it can be read again.
std::unique_ptr<RowStream> open_rows(const std::string& path, const TraceLayout& layout,
                                     InputForm* form, bool* rereadable);

#ifdef SCALESIM_HAVE_HDF5
std::unique_ptr<RowStream> open_hdf5_rows(const std::string& path, const TraceLayout& layout);
#endif

// The nanosecond factor of a numeric time format (kSeconds: 1e9 ...).
double time_unit_ns(TraceLayout::TimeFormat format);

}  // namespace scalesim::trace_io
