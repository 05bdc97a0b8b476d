#include "models/workload/trace_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>
#include <string_view>
#include <vector>

#include "models/workload/trace_input.h"

namespace scalesim {
namespace {

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

struct TraceReader::Shared {
  std::string path;
  TraceLayout layout;
  trace_io::InputForm form = trace_io::InputForm::kCsv;
  bool rereadable = true;
  bool sort = false;
  std::mutex mu;  // replications copy readers from several threads
  // The input opened at construction, until the constructed reader takes it for its first pass.
  std::unique_ptr<trace_io::RowStream> pending;
  bool taken = false;
  std::vector<trace_io::RawRow> head;  // rows read ahead from `pending` by preview()
  bool head_complete = false;          // `pending` has ended: `head` is the whole trace
  // The whole trace in memory: sorted, or a pipe that must be replayed. Set once, never changed.
  std::shared_ptr<const std::vector<trace_io::RawRow>> rows;

  std::unique_ptr<trace_io::RowStream> open() const {
    auto s = trace_io::open_rows(path, layout, nullptr, nullptr);
    s->set_time_column(layout.time_column);
    return s;
  }

  // Reads the whole input into `rows` (sorted if asked); the caller holds `mu`.
  void load_all() {
    if (rows) return;
    auto all = std::make_shared<std::vector<trace_io::RawRow>>();
    const bool check = !sort;
    if (!taken) {
      *all = std::move(head);
      if (!head_complete) {
        while (const auto r = pending->next(check)) all->push_back(*r);
      }
      pending.reset();
      head = {};
      taken = true;
    } else if (rereadable) {
      const auto in = open();
      while (const auto r = in->next(check)) all->push_back(*r);
    } else {
      throw TraceError(path +
                       ": a pipe can be read once, and its reading has begun; give a file to "
                       "replay it");
    }
    if (sort) {
      std::stable_sort(
          all->begin(), all->end(),
          [](const trace_io::RawRow& a, const trace_io::RawRow& b) { return a.raw < b.raw; });
    }
    rows = std::move(all);
  }
};

TraceReader::TraceReader(std::string path, TraceLayout layout, double time_scale,
                         std::uint64_t repeat, bool sort)
    : shared_(std::make_shared<Shared>()), owner_(true), time_scale_(time_scale), repeat_(repeat) {
  if (!(time_scale_ > 0)) throw TraceError(path + ": time_scale must be greater than zero");
  if (repeat_ < 1) throw TraceError(path + ": repeat must be at least 1");
  Shared& s = *shared_;
  s.path = std::move(path);
  s.layout = std::move(layout);
  s.sort = sort;
  s.pending = trace_io::open_rows(s.path, s.layout, &s.form, &s.rereadable);
  s.pending->set_time_column(s.layout.time_column);
  // A pipe tiled more than once cannot be read again for the next tile: keep it in memory.
  if (sort || (!s.rereadable && repeat_ > 1)) {
    const std::lock_guard lock(s.mu);
    s.load_all();
  }
}

TraceReader::TraceReader(const TraceReader& o)
    : shared_(o.shared_), time_scale_(o.time_scale_), repeat_(o.repeat_) {
  if (!shared_->rereadable) {
    const std::lock_guard lock(shared_->mu);
    shared_->load_all();
  }
}

TraceReader::TraceReader(const TraceReader& o, PeekTag /*tag*/)
    : shared_(o.shared_), peek_(true), time_scale_(o.time_scale_), repeat_(o.repeat_) {}

TraceReader& TraceReader::operator=(const TraceReader& o) {
  if (this != &o) *this = TraceReader(o);
  return *this;
}

TraceReader::TraceReader(TraceReader&&) noexcept = default;
TraceReader& TraceReader::operator=(TraceReader&&) noexcept = default;
TraceReader::~TraceReader() = default;

const std::string& TraceReader::path() const {
  return shared_->path;
}
const char* TraceReader::form() const {
  return trace_io::form_name(shared_->form);
}
bool TraceReader::rereadable() const {
  return shared_->rereadable;
}

void TraceReader::start_pass() {
  pos_ = 0;
  first_raw_.reset();
  rows_in_pass_ = 0;
  {
    const std::lock_guard lock(shared_->mu);
    if (shared_->rows) {
      memory_ = shared_->rows;
      from_ = From::kMemory;
      return;
    }
    if (!shared_->taken && (owner_ || peek_)) {
      from_ = From::kHead;
      return;
    }
  }
  from_ = From::kStream;
  if (in_ && in_->rewind()) return;
  if (shared_->rereadable) {
    in_ = shared_->open();
    return;
  }
  throw TraceError(shared_->path + ": a pipe can be read once, and it has been read already");
}

std::optional<trace_io::RawRow> TraceReader::read_raw() {
  if (from_ == From::kMemory) {
    if (pos_ < memory_->size()) return (*memory_)[pos_++];
    return std::nullopt;
  }
  if (from_ == From::kHead) {
    Shared& s = *shared_;
    const std::lock_guard lock(s.mu);
    if (pos_ < s.head.size()) return s.head[pos_++];
    if (s.head_complete) return std::nullopt;
    if (peek_) {
      const auto r = s.pending->next(true);
      if (!r) {
        s.head_complete = true;
        return std::nullopt;
      }
      s.head.push_back(*r);
      ++pos_;
      return r;
    }
    // The owner goes on from where reading ahead stopped, with the input opened at construction.
    in_ = std::move(s.pending);
    s.taken = true;
    s.head = {};
    from_ = From::kStream;
  }
  return in_->next(true);
}

std::optional<TraceRow> TraceReader::read_row() {
  const std::optional<trace_io::RawRow> r = read_raw();
  if (!r) return std::nullopt;
  TraceRow row;
  row.size = r->size;
  row.aux = r->aux;
  if (!first_raw_) first_raw_ = r->raw;
  row.time = r->raw - *first_raw_;
  ++rows_in_pass_;
  return row;
}

std::optional<TraceRow> TraceReader::next() {
  if (from_ == From::kNothing) start_pass();
  for (;;) {
    std::optional<TraceRow> row = read_row();
    if (row) {
      pass_span_ = row->time;
      row->time = pass_offset_ +
                  static_cast<SimTime>(std::llround(static_cast<double>(row->time) / time_scale_));
      return row;
    }
    if (rows_in_pass_ == 0) {
      if (pass_ == 0) throw TraceError(shared_->path + ": the trace has a header but no rows");
      return std::nullopt;
    }
    if (++pass_ >= repeat_) return std::nullopt;
    // The next copy starts one mean gap after this one ends, so tiles do not collide.
    const double span = static_cast<double>(pass_span_) / time_scale_;
    const double gap = rows_in_pass_ > 1 ? span / static_cast<double>(rows_in_pass_ - 1) : 1e9;
    pass_offset_ += static_cast<SimTime>(std::llround(span + gap));
    start_pass();
  }
}

TraceReader::Preview TraceReader::preview(std::uint64_t rows) const {
  TraceReader copy(*this, PeekTag{});
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
