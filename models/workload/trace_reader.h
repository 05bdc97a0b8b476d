// Streams request arrivals from a trace, one row at a time, so memory stays bounded for any
// trace length. The input is a CSV file with a header, plain or compressed (gzip, zstd: told by
// its first bytes), standard input ("-", "/dev/stdin") or another pipe, or an HDF5 file with a
// dataset per column (`scalesim trace convert`); each is opened once. A pipe is read once: when
// it must be replayed (repeat > 1, sort, copies) it is read whole into memory, 16 bytes a row.
// Columns are mapped by name: the arrival time (a datetime "YYYY-MM-DD HH:MM:SS.fffffff" or a
// number in s/ms/us/ns), and optionally a size and a second size per request (the Azure LLM
// trace: TIMESTAMP, ContextTokens, GeneratedTokens). Times are relative to the first row,
// divided by `time_scale`, and the trace can be tiled (`repeat`) back to back. Errors name the
// file and line. A trace out of time order is an error unless `sort` is set: then it is read
// whole, checked, and sorted in memory (16 bytes per row, stably, so rows with equal times keep
// their order) once, shared by every copy of the reader. CSV must be UTF-8 (or ASCII) text: a
// UTF-16/32 byte-order mark, a NUL byte, an invalid UTF-8 sequence or a line over 1 MiB is an
// error naming the line (and column).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "scalesim/sim_time.h"

namespace scalesim {

namespace trace_io {
class RowStream;
struct RawRow;
}  // namespace trace_io

class TraceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TraceLayout {
  std::string time_column = "TIMESTAMP";
  std::string size_column;  // empty: none
  std::string aux_column;   // empty: none
  enum class TimeFormat { kDatetime, kSeconds, kMilliseconds, kMicroseconds, kNanoseconds };
  TimeFormat time_format = TimeFormat::kDatetime;
};

struct TraceRow {
  SimTime time = 0;  // since the first row, scaled and tiled
  std::uint32_t size = 0;
  std::uint32_t aux = 0;
};

class TraceReader {
 public:
  // Opens the input once and checks its header (or, for HDF5, its columns) now.
  TraceReader(std::string path, TraceLayout layout, double time_scale = 1.0,
              std::uint64_t repeat = 1, bool sort = false);
  // Copies start again from the beginning (each replication replays the whole trace). A file
  // is opened again by each copy; a pipe, which can be read once, is first read whole into
  // memory (16 bytes a row) for the copies to share, unless its reading has begun: then the
  // copy is an error.
  TraceReader(const TraceReader& other);
  TraceReader& operator=(const TraceReader& other);
  TraceReader(TraceReader&&) noexcept;
  TraceReader& operator=(TraceReader&&) noexcept;
  ~TraceReader();

  // The next arrival, or nothing at the end. Throws TraceError (file:line) on a malformed row or
  // a timestamp earlier than the previous one.
  std::optional<TraceRow> next();

  // The first `rows` rows (tiled and scaled as next() gives them): their count and mean arrival
  // rate (per second), for validation at config time and the partitioner's load estimate. Rows
  // read from the input for this are kept and handed to next(), so a pipe is still read once.
  struct Preview {
    std::uint64_t rows = 0;
    double rate_per_s = 0;
  };
  Preview preview(std::uint64_t rows) const;

  const std::string& path() const;
  // "CSV", "gzip CSV", "zstd CSV" or "HDF5", told by the input's first bytes.
  const char* form() const;
  // False for a pipe, a FIFO or standard input: inputs that can be read once.
  bool rereadable() const;

  struct Shared;  // the opened input, and what copies share

 private:
  struct PeekTag {};
  TraceReader(const TraceReader& other, PeekTag);
  void start_pass();
  std::optional<TraceRow> read_row();  // one pass, unscaled, relative to the first row
  std::optional<trace_io::RawRow> read_raw();

  std::shared_ptr<Shared> shared_;
  // Where the rows of this pass come from: the rows read ahead for preview() and then the input
  // opened at construction, a stream of our own, or rows held in memory.
  enum class From { kNothing, kHead, kStream, kMemory };
  From from_ = From::kNothing;
  bool owner_ = false;  // the reader constructed (not a copy): it reads the input opened then
  bool peek_ = false;   // preview()'s copy: reads ahead without taking the input
  std::size_t pos_ = 0;
  std::unique_ptr<trace_io::RowStream> in_;
  std::shared_ptr<const std::vector<trace_io::RawRow>> memory_;
  double time_scale_;
  std::uint64_t repeat_;
  std::optional<std::int64_t> first_raw_;
  std::uint64_t pass_ = 0;
  std::uint64_t rows_in_pass_ = 0;
  SimTime pass_offset_ = 0;
  SimTime pass_span_ = 0;
};

// "2023-11-16 18:15:46.6805900" -> nanoseconds since 1970-01-01 (UTC, proleptic Gregorian).
std::optional<std::int64_t> parse_datetime_ns(std::string_view text);

}  // namespace scalesim
