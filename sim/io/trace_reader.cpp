#include "scalesim/io/trace_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <vector>

namespace scalesim {
namespace {

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string_view::npos ? line.npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  for (auto& f : out) {
    while (!f.empty() && (f.back() == '\r' || f.back() == ' ')) f.remove_suffix(1);
    while (!f.empty() && f.front() == ' ') f.remove_prefix(1);
  }
  return out;
}

// Throws unless `line` is UTF-8 text without NUL bytes, naming the column of the first bad
// byte.
void check_text(const std::string& line, const std::string& where) {
  const auto* p = reinterpret_cast<const unsigned char*>(line.data());
  const std::size_t n = line.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned c = p[i];
    std::size_t len = 1;
    if (c == 0) {
      throw TraceError(where + ":" + std::to_string(i + 1) +
                       ": a NUL byte (is the file UTF-16?); save it as UTF-8 CSV");
    }
    if (c >= 0x80) {
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
    }
    i += len;
  }
}

template <class T>
bool parse_number(std::string_view s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Days from 1970-01-01 to y-m-d (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned shifted = m > 2 ? m - 3 : m + 9;  // March = 0
  const unsigned doy = (153 * shifted + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<std::int64_t> parse_datetime_ns(std::string_view t) {
  // YYYY-MM-DD HH:MM:SS[.fraction]  (a 'T' separator is accepted too)
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || (t[10] != ' ' && t[10] != 'T') ||
      t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  int y = 0;
  unsigned mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!parse_number(t.substr(0, 4), y) || !parse_number(t.substr(5, 2), mo) ||
      !parse_number(t.substr(8, 2), d) || !parse_number(t.substr(11, 2), h) ||
      !parse_number(t.substr(14, 2), mi) || !parse_number(t.substr(17, 2), s)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::int64_t frac_ns = 0;
  if (t.size() > 19) {
    if (t[19] != '.' || t.size() == 20) return std::nullopt;
    std::int64_t scale = 100'000'000;
    for (std::size_t i = 20; i < t.size(); ++i) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      frac_ns += (t[i] - '0') * scale;  // digits beyond nanoseconds are dropped
      scale /= 10;
    }
  }
  const std::int64_t days = days_from_civil(y, mo, d);
  return ((days * 24 + h) * 60 + mi) * 60'000'000'000LL + s * 1'000'000'000LL + frac_ns;
}

TraceReader::TraceReader(std::string path, TraceLayout layout, double time_scale,
                         std::uint64_t repeat, bool sort)
    : path_(std::move(path)),
      layout_(std::move(layout)),
      time_scale_(time_scale),
      repeat_(repeat),
      sort_(sort) {
  if (!(time_scale_ > 0)) throw TraceError(path_ + ": time_scale must be greater than zero");
  if (repeat_ < 1) throw TraceError(path_ + ": repeat must be at least 1");
  open();
  if (sort_) load_sorted();
}

TraceReader::TraceReader(const TraceReader& o)
    : path_(o.path_),
      layout_(o.layout_),
      time_scale_(o.time_scale_),
      repeat_(o.repeat_),
      sort_(o.sort_),
      sorted_(o.sorted_) {
  open();
}

TraceReader& TraceReader::operator=(const TraceReader& o) {
  if (this != &o) *this = TraceReader(o);
  return *this;
}

void TraceReader::open() {
  in_ = std::make_unique<std::ifstream>(path_);
  if (!*in_) throw TraceError(path_ + ": cannot open the trace file");
  std::string header;
  line_ = 1;
  if (!std::getline(*in_, header)) throw TraceError(path_ + ":1: empty trace, expected a header");
  if (header.size() >= 2 &&
      (header.compare(0, 2, "\xFF\xFE") == 0 || header.compare(0, 2, "\xFE\xFF") == 0)) {
    throw TraceError(path_ +
                     ":1: the file is UTF-16 or UTF-32 (it starts with a byte-order mark); "
                     "save it as UTF-8 CSV");
  }
  if (header.size() >= 3 && header.compare(0, 3, "\xEF\xBB\xBF") == 0) header.erase(0, 3);
  check_text(header, path_ + ":1");
  const auto cols = split(header);
  columns_ = cols.size();
  auto find = [&](const std::string& name, const char* role) {
    if (name.empty()) return -1;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      if (cols[i] == name) return static_cast<int>(i);
    }
    std::string have;
    for (const auto& c : cols) have += (have.empty() ? "" : ", ") + std::string(c);
    throw TraceError(path_ + ":1: no " + role + " column '" + name + "' (the header has: " + have +
                     ")");
  };
  time_col_ = find(layout_.time_column, "time");
  size_col_ = find(layout_.size_column, "size");
  aux_col_ = find(layout_.aux_column, "second size");
  first_raw_.reset();
  rows_in_pass_ = 0;
  sorted_pos_ = 0;
}

std::optional<TraceReader::RawRow> TraceReader::parse_next() {
  std::string line;
  while (std::getline(*in_, line)) {
    ++line_;
    if (line.empty() || line == "\r") continue;
    const std::string where = path_ + ":" + std::to_string(line_);
    check_text(line, where);
    const auto f = split(line);
    if (f.size() != columns_) {
      throw TraceError(where + ": expected " + std::to_string(columns_) + " columns, got " +
                       std::to_string(f.size()));
    }
    std::int64_t raw = 0;
    const std::string_view t = f[static_cast<std::size_t>(time_col_)];
    bool ok = false;
    if (layout_.time_format == TraceLayout::TimeFormat::kDatetime) {
      const auto v = parse_datetime_ns(t);
      ok = v.has_value();
      if (ok) raw = *v;
    } else {
      double v = 0;
      ok = parse_number(t, v) && std::isfinite(v) && v >= 0 && v < 9e18 / 1e9;
      static constexpr double kScale[] = {0, 1e9, 1e6, 1e3, 1};
      if (ok) raw = std::llround(v * kScale[static_cast<int>(layout_.time_format)]);
    }
    if (!ok) {
      throw TraceError(where + ": column '" + layout_.time_column + "': bad time \"" +
                       std::string(t) + "\"");
    }
    RawRow row;
    row.raw = raw;
    auto read_size = [&](int col, const std::string& name, std::uint32_t& out) {
      if (col < 0) return;
      const std::string_view v = f[static_cast<std::size_t>(col)];
      std::uint64_t n = 0;
      if (!parse_number(v, n) || n > 0xffffffffULL) {
        std::string msg = where;
        msg += ": column '" + name + "': expected a whole number >= 0, got \"";
        msg += v;
        throw TraceError(msg + "\"");
      }
      out = static_cast<std::uint32_t>(n);
    };
    read_size(size_col_, layout_.size_column, row.size);
    read_size(aux_col_, layout_.aux_column, row.aux);
    return row;
  }
  return std::nullopt;
}

void TraceReader::load_sorted() {
  if (sorted_) return;
  auto rows = std::make_shared<std::vector<RawRow>>();
  while (const auto r = parse_next()) rows->push_back(*r);
  std::stable_sort(rows->begin(), rows->end(),
                   [](const RawRow& a, const RawRow& b) { return a.raw < b.raw; });
  sorted_ = std::move(rows);
  sorted_pos_ = 0;
}

std::optional<TraceRow> TraceReader::read_row() {
  std::optional<RawRow> r;
  if (sorted_) {
    if (sorted_pos_ < sorted_->size()) r = (*sorted_)[sorted_pos_++];
  } else {
    r = parse_next();
    if (r && first_raw_ && r->raw < last_raw_) {
      throw TraceError(path_ + ":" + std::to_string(line_) +
                       ": time goes backwards (the trace must be sorted by '" +
                       layout_.time_column +
                       "'; or run with --sort-trace, or set sort: true on the trace, to sort it "
                       "in memory)");
    }
  }
  if (!r) return std::nullopt;
  TraceRow row;
  row.size = r->size;
  row.aux = r->aux;
  if (!first_raw_) first_raw_ = r->raw;
  last_raw_ = r->raw;
  row.time = r->raw - *first_raw_;
  ++rows_in_pass_;
  return row;
}

std::optional<TraceRow> TraceReader::next() {
  for (;;) {
    std::optional<TraceRow> row = read_row();
    if (row) {
      pass_span_ = row->time;
      row->time = pass_offset_ +
                  static_cast<SimTime>(std::llround(static_cast<double>(row->time) / time_scale_));
      return row;
    }
    if (rows_in_pass_ == 0) {
      if (pass_ == 0) throw TraceError(path_ + ": the trace has a header but no rows");
      return std::nullopt;
    }
    if (++pass_ >= repeat_) return std::nullopt;
    // The next copy starts one mean gap after this one ends, so tiles do not collide.
    const double span = static_cast<double>(pass_span_) / time_scale_;
    const double gap = rows_in_pass_ > 1 ? span / static_cast<double>(rows_in_pass_ - 1) : 1e9;
    pass_offset_ += static_cast<SimTime>(std::llround(span + gap));
    open();
  }
}

TraceReader::Preview TraceReader::preview(std::uint64_t rows) const {
  TraceReader copy(*this);
  Preview p;
  SimTime last = 0;
  while (p.rows < rows) {
    const auto r = copy.next();
    if (!r) break;
    ++p.rows;
    last = r->time;
  }
  p.rate_per_s = last > 0 ? static_cast<double>(p.rows - 1) / to_seconds(last) : 0.0;
  return p;
}

}  // namespace scalesim
