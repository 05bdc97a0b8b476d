// Streams request arrivals from a CSV trace with a header, one row at a time, so memory stays
// bounded for any trace length. Columns are mapped by name: the arrival time (a datetime
// "YYYY-MM-DD HH:MM:SS.fffffff" or a number in s/ms/us/ns), and optionally a size and a second
// size per request (the Azure LLM trace: TIMESTAMP, ContextTokens, GeneratedTokens).
// Times are relative to the first row, divided by `time_scale`, and the trace can be tiled
// (`repeat`) back to back. Errors name the file and line. A trace out of time order is an error
// unless `sort` is set: then it is read whole, checked, and sorted in memory (16 bytes per row,
// stably, so rows with equal times keep their order) once, shared by every copy of the reader.
// The file must be UTF-8 (or ASCII) text: a UTF-16/32 byte-order mark, a NUL byte or an
// invalid UTF-8 sequence is an error naming the line and column.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "scalesim/sim_time.h"

namespace scalesim {

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
  TraceReader(std::string path, TraceLayout layout, double time_scale = 1.0,
              std::uint64_t repeat = 1, bool sort = false);
  // Copies start again from the beginning (each replication replays the whole trace).
  TraceReader(const TraceReader& other);
  TraceReader& operator=(const TraceReader& other);
  TraceReader(TraceReader&&) noexcept = default;
  TraceReader& operator=(TraceReader&&) noexcept = default;
  ~TraceReader() = default;

  // The next arrival, or nothing at the end. Throws TraceError (file:line) on a malformed row or
  // a timestamp earlier than the previous one.
  std::optional<TraceRow> next();

  // Reads up to `rows` rows from a fresh copy: their count and mean arrival rate (per second),
  // for validation at config time and the partitioner's load estimate.
  struct Preview {
    std::uint64_t rows = 0;
    double rate_per_s = 0;
  };
  Preview preview(std::uint64_t rows) const;

  const std::string& path() const { return path_; }

 private:
  struct RawRow {
    std::int64_t raw = 0;  // the time column in nanoseconds, as written
    std::uint32_t size = 0, aux = 0;
  };
  void open();
  std::optional<TraceRow> read_row();  // one pass, unscaled, relative to the first row
  // The next data row of the file as written (no order check), or nothing at the end.
  std::optional<RawRow> parse_next();
  void load_sorted();

  std::string path_;
  TraceLayout layout_;
  double time_scale_;
  std::uint64_t repeat_;
  bool sort_ = false;
  std::shared_ptr<const std::vector<RawRow>> sorted_;  // sort: the whole trace, in time order
  std::size_t sorted_pos_ = 0;
  std::unique_ptr<std::ifstream> in_;
  std::uint64_t line_ = 0;
  int time_col_ = -1, size_col_ = -1, aux_col_ = -1;
  std::size_t columns_ = 0;
  std::optional<std::int64_t> first_raw_;
  std::int64_t last_raw_ = 0;
  std::uint64_t pass_ = 0;
  std::uint64_t rows_in_pass_ = 0;
  SimTime pass_offset_ = 0;
  SimTime pass_span_ = 0;
};

// "2023-11-16 18:15:46.6805900" -> nanoseconds since 1970-01-01 (UTC, proleptic Gregorian).
std::optional<std::int64_t> parse_datetime_ns(std::string_view text);

}  // namespace scalesim
