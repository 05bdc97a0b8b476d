#include "models/workload/trace_convert.h"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "models/workload/trace_input.h"
#include "models/workload/trace_reader.h"
#ifdef SCALESIM_HAVE_HDF5
#include "models/workload/trace_h5.h"
#endif

namespace scalesim {
namespace {

using trace_io::split_csv;

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_hdf5_name(const std::string& path) {
  return ends_with(path, ".h5") || ends_with(path, ".hdf5");
}

// Rows of text fields, from CSV or from the HDF5 form.
class TextRows {
 public:
  TextRows() = default;
  TextRows(const TextRows&) = delete;
  TextRows& operator=(const TextRows&) = delete;
  virtual ~TextRows() = default;
  virtual const std::vector<std::string>& names() const = 0;
  // The next row's fields (valid until the next call), or nothing at the end.
  virtual const std::vector<std::string_view>* next() = 0;
  virtual std::string where() const = 0;
  // The line end the CSV had (its header's), kept through HDF5 so CSV written back is the same.
  virtual const char* line_end() const = 0;
  // Whether the last line had a line end (known at the end).
  virtual bool final_newline() const = 0;
};

class CsvText final : public TextRows {
 public:
  CsvText(const std::string& path, std::unique_ptr<trace_io::ByteSource> bytes)
      : path_(path), lines_(path, std::move(bytes)) {
    const auto first = lines_.next();
    if (!first) throw TraceError(path_ + ":1: empty trace, expected a header");
    crlf_ = first->ends_with('\r');
    split_csv(trace_io::clean_header(*first, path_), fields_);
    for (const auto f : fields_) names_.emplace_back(f);
  }
  const char* line_end() const override { return crlf_ ? "\r\n" : "\n"; }
  bool final_newline() const override { return lines_.ended_with_newline(); }
  const std::vector<std::string>& names() const override { return names_; }
  const std::vector<std::string_view>* next() override {
    while (const auto got = lines_.next()) {
      if (got->empty() || *got == "\r") continue;
      if (trace_io::needs_utf8_check(*got)) trace_io::check_utf8(*got, where());
      split_csv(*got, fields_);
      if (fields_.size() != names_.size()) {
        throw TraceError(where() + ": expected " + std::to_string(names_.size()) +
                         " columns, got " + std::to_string(fields_.size()));
      }
      return &fields_;
    }
    return nullptr;
  }
  std::string where() const override { return path_ + ":" + std::to_string(lines_.line()); }

 private:
  std::string path_;
  trace_io::LineReader lines_;
  std::vector<std::string> names_;
  std::vector<std::string_view> fields_;
  bool crlf_ = false;
};

// Writes CSV text to a file (under a temporary name until done) or to standard output.
class CsvWriter {
 public:
  CsvWriter(const std::string& path, const char* line_end) : path_(path), line_end_(line_end) {
    if (path == "-") {
      out_ = stdout;
    } else {
      tmp_ = path + ".partial";
      out_ = std::fopen(tmp_.c_str(), "wb");
      if (out_ == nullptr) throw TraceError(path + ": cannot write (" + std::strerror(errno) + ")");
    }
  }
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;
  ~CsvWriter() {
    if (!tmp_.empty()) {
      if (out_ != nullptr) std::fclose(out_);
      std::remove(tmp_.c_str());
    }
  }
  void row(const std::vector<std::string_view>& fields) {
    line_.clear();
    if (rows_++ > 0) line_ += line_end_;  // after the previous line: the last one may have none
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) line_ += ',';
      line_ += fields[i];
    }
    if (std::fwrite(line_.data(), 1, line_.size(), out_) != line_.size()) fail();
  }
  void finish(bool final_newline) {
    if (final_newline && std::fputs(line_end_, out_) < 0) fail();
    if (std::fflush(out_) != 0) fail();
    if (tmp_.empty()) return;
    if (std::fclose(std::exchange(out_, nullptr)) != 0) fail();
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) throw TraceError(path_ + ": cannot write (" + ec.message() + ")");
    tmp_.clear();
  }

 private:
  [[noreturn]] void fail() const {
    throw TraceError(path_ + ": cannot write (" + std::strerror(errno) + ")");
  }
  std::string path_, tmp_;
  const char* line_end_;
  std::uint64_t rows_ = 0;
  std::FILE* out_ = nullptr;
  std::string line_;
};

#ifdef SCALESIM_HAVE_HDF5
using trace_io::ColumnKind;
using trace_io::H5Handle;

// Where a datetime in nanoseconds since the epoch falls, written as the CSV had it.
void format_datetime(std::int64_t ns, int digits, std::string& out) {
  constexpr std::int64_t kDay = 86'400'000'000'000LL;
  std::int64_t days = ns / kDay;
  std::int64_t rem = ns % kDay;
  if (rem < 0) {
    rem += kDay;
    --days;
  }
  // Howard Hinnant's civil_from_days.
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y0 = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = y0 + (m <= 2 ? 1 : 0);
  const std::int64_t secs = rem / 1'000'000'000;
  const std::int64_t frac = rem % 1'000'000'000;
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02lld:%02lld:%02lld",
                        static_cast<long long>(y), m, d, static_cast<long long>(secs / 3600),
                        static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  if (digits > 0) {
    std::int64_t f = frac;
    for (int i = digits; i < 9; ++i) f /= 10;
    n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ".%0*lld", digits,
                       static_cast<long long>(f));
  }
  out.assign(buf, static_cast<std::size_t>(n));
}

class H5Text final : public TextRows {
 public:
  explicit H5Text(const std::string& path) : file_(path) {
    for (const auto& c : file_.columns()) names_.push_back(c.name);
    ints_.resize(names_.size());
    nums_.resize(names_.size());
    text_.resize(names_.size());
    fields_.resize(names_.size());
  }
  const std::vector<std::string>& names() const override { return names_; }
  const std::vector<std::string_view>* next() override {
    if (row_ >= file_.rows()) return nullptr;
    if (row_ >= first_ + count_) load(row_);
    const auto i = static_cast<std::size_t>(row_ - first_);
    ++row_;
    const auto& cols = file_.columns();
    for (std::size_t c = 0; c < cols.size(); ++c) {
      std::string& t = text_[c];
      if (cols[c].kind == ColumnKind::kDatetime) {
        format_datetime(ints_[c][i], cols[c].fraction_digits, t);
      } else {
        char buf[64];
        const auto r = cols[c].kind == ColumnKind::kInteger
                           ? std::to_chars(buf, buf + sizeof buf, ints_[c][i])
                           : std::to_chars(buf, buf + sizeof buf, nums_[c][i]);
        t.assign(buf, r.ptr);
      }
      fields_[c] = t;
    }
    return &fields_;
  }
  std::string where() const override { return file_.path() + ": row " + std::to_string(row_); }
  const char* line_end() const override { return file_.line_end(); }
  bool final_newline() const override { return file_.final_newline(); }

 private:
  void load(std::uint64_t first) {
    const std::uint64_t count = std::min(file_.block_rows(), file_.rows() - first);
    const std::lock_guard lock(trace_io::hdf5_mutex());
    const trace_io::H5Quiet quiet;
    for (std::size_t c = 0; c < names_.size(); ++c) {
      if (file_.columns()[c].kind == ColumnKind::kNumber) {
        nums_[c].resize(count);
        file_.read(c, first, count, nums_[c].data());
      } else {
        ints_[c].resize(count);
        file_.read(c, first, count, ints_[c].data());
      }
    }
    first_ = first;
    count_ = count;
  }
  trace_io::H5TraceFile file_;
  std::vector<std::string> names_;
  std::vector<std::vector<std::int64_t>> ints_;
  std::vector<std::vector<double>> nums_;
  std::vector<std::string> text_;
  std::vector<std::string_view> fields_;
  std::uint64_t row_ = 0, first_ = 0, count_ = 0;
};

template <class T>
bool parse_exact(std::string_view s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// The HDF5 form, written a chunk of rows at a time. Each column's kind is judged on the first
// chunk (integer if every value is one, else number, else datetime); a later value that does
// not fit is an error naming its line.
class H5Writer {
 public:
  H5Writer(const std::string& path, std::vector<std::string> names, std::string_view line_end,
           const TraceConvertOptions& options)
      : path_(path),
        tmp_(path + ".partial"),
        names_(std::move(names)),
        crlf_(line_end == "\r\n"),
        options_(options) {
    for (const auto& n : names_) {
      if (n.empty() || n.find('/') != std::string::npos || n == ".") {
        throw TraceError(path_ + ": a column named '" + n +
                         "' cannot be an HDF5 dataset name (empty, '.' or with '/')");
      }
      for (const auto& m : names_) {
        if (&m != &n && m == n) throw TraceError(path_ + ": two columns named '" + n + "'");
      }
    }
    cols_.resize(names_.size());
  }
  H5Writer(const H5Writer&) = delete;
  H5Writer& operator=(const H5Writer&) = delete;
  ~H5Writer() {
    if (file_.valid() || !done_) {
      const std::lock_guard lock(trace_io::hdf5_mutex());
      for (auto& c : cols_) c.dataset.reset();
      file_.reset();
      std::remove(tmp_.c_str());
    }
  }

  void row(const std::vector<std::string_view>& fields, const TextRows& from) {
    if (!typed_) {
      for (std::size_t c = 0; c < fields.size(); ++c) cols_[c].pending.emplace_back(fields[c]);
      pending_where_.push_back(from.where());
      if (pending_where_.size() >= options_.chunk_rows) judge_and_create();
      return;
    }
    const auto where = [&from] { return from.where(); };
    for (std::size_t c = 0; c < fields.size(); ++c) put(c, fields[c], where);
    if (++buffered_ >= options_.chunk_rows) flush();
  }

  void finish(bool final_newline) {
    if (!typed_) judge_and_create();
    flush();
    const std::lock_guard lock(trace_io::hdf5_mutex());
    const trace_io::H5Quiet quiet;
    for (auto& c : cols_) {
      if (c.kind == ColumnKind::kDatetime) {
        const H5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
        const H5Handle a(H5Acreate2(c.dataset.get(), "fraction_digits", H5T_STD_I32LE, space.get(),
                                    H5P_DEFAULT, H5P_DEFAULT),
                         H5Aclose);
        if (!a.valid() || H5Awrite(a.get(), H5T_NATIVE_INT, &c.fraction_digits) < 0) fail();
      }
      c.dataset.reset();
    }
    {
      const int v = final_newline ? 1 : 0;
      const H5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
      const H5Handle a(H5Acreate2(file_.get(), "csv_final_newline", H5T_STD_I32LE, space.get(),
                                  H5P_DEFAULT, H5P_DEFAULT),
                       H5Aclose);
      if (!a.valid() || H5Awrite(a.get(), H5T_NATIVE_INT, &v) < 0) fail();
    }
    if (H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) < 0) fail();
    file_.reset();
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) throw TraceError(path_ + ": cannot write (" + ec.message() + ")");
    done_ = true;
  }

 private:
  struct Col {
    ColumnKind kind = ColumnKind::kInteger;
    int fraction_digits = 0;
    std::vector<std::string> pending;  // the first chunk, as text, until kinds are judged
    std::vector<std::int64_t> ints;
    std::vector<double> nums;
    H5Handle dataset;
  };

  [[noreturn]] void fail() const { throw TraceError(path_ + ": cannot write the HDF5 trace"); }

  // `where` gives the row's place, asked for only on an error.
  template <class Where>
  void put(std::size_t c, std::string_view v, const Where& where) {
    Col& col = cols_[c];
    switch (col.kind) {
      case ColumnKind::kInteger: {
        std::int64_t x = 0;
        if (!parse_exact(v, x)) bad(c, v, where());
        col.ints.push_back(x);
        break;
      }
      case ColumnKind::kNumber: {
        double x = 0;
        if (!parse_exact(v, x)) bad(c, v, where());
        col.nums.push_back(x);
        break;
      }
      case ColumnKind::kDatetime: {
        const auto x = parse_datetime_ns(v);
        if (!x) bad(c, v, where());
        col.ints.push_back(*x);
        const int digits =
            v.size() > 20 ? static_cast<int>(std::min<std::size_t>(v.size() - 20, 9)) : 0;
        col.fraction_digits = std::max(col.fraction_digits, digits);
        break;
      }
    }
  }

  [[noreturn]] void bad(std::size_t c, std::string_view v, const std::string& where) const {
    const Col& col = cols_[c];
    std::string msg = where + ": column '" + names_[c] + "': \"" + std::string(v) + "\" is not ";
    msg += col.kind == ColumnKind::kInteger  ? "an integer"
           : col.kind == ColumnKind::kNumber ? "a number"
                                             : "a datetime (YYYY-MM-DD HH:MM:SS.fffffff)";
    throw TraceError(msg + ", as the column's first " + std::to_string(options_.chunk_rows) +
                     " rows are (the HDF5 form keeps one type a column; a larger --chunk "
                     "judges on more rows)");
  }

  void judge_and_create() {
    for (std::size_t c = 0; c < cols_.size(); ++c) {
      Col& col = cols_[c];
      auto all = [&](auto&& ok) {
        for (const auto& v : col.pending) {
          if (!ok(v)) return false;
        }
        return true;
      };
      std::int64_t i = 0;
      double d = 0;
      if (all([&](const std::string& v) { return parse_exact(std::string_view(v), i); })) {
        col.kind = ColumnKind::kInteger;
      } else if (all([&](const std::string& v) { return parse_exact(std::string_view(v), d); })) {
        col.kind = ColumnKind::kNumber;
      } else if (all([](const std::string& v) { return parse_datetime_ns(v).has_value(); })) {
        col.kind = ColumnKind::kDatetime;
      } else {
        for (std::size_t r = 0; r < col.pending.size(); ++r) {
          const std::string& v = col.pending[r];
          if (!parse_exact(std::string_view(v), d) && !parse_datetime_ns(v)) {
            throw TraceError(pending_where_[r] + ": column '" + names_[c] + "': \"" + v +
                             "\" is neither a number nor a datetime (the HDF5 form keeps "
                             "numeric and datetime columns)");
          }
        }
        throw TraceError(pending_where_.front() + ": column '" + names_[c] +
                         "' mixes numbers and datetimes");
      }
    }
    create();
    typed_ = true;
    for (std::size_t r = 0; r < pending_where_.size(); ++r) {
      const auto where = [this, r] { return pending_where_[r]; };
      for (std::size_t c = 0; c < cols_.size(); ++c) put(c, cols_[c].pending[r], where);
      ++buffered_;
    }
    for (auto& col : cols_) col.pending = {};
    pending_where_ = {};
  }

  void create() {
    const std::lock_guard lock(trace_io::hdf5_mutex());
    const trace_io::H5Quiet quiet;
    file_ = H5Handle(H5Fcreate(tmp_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (!file_.valid()) throw TraceError(path_ + ": cannot create the HDF5 file");
    std::string list;
    for (const auto& n : names_) list += (list.empty() ? "" : ",") + n;
    write_string_attribute(file_.get(), "columns", list);
    write_string_attribute(file_.get(), "format", "scalesim trace 1");
    write_string_attribute(file_.get(), "csv_line_end", crlf_ ? "crlf" : "lf");
    for (std::size_t c = 0; c < cols_.size(); ++c) {
      Col& col = cols_[c];
      const hsize_t zero[1] = {0};
      const hsize_t unlimited[1] = {H5S_UNLIMITED};
      const hsize_t chunk[1] = {options_.chunk_rows};
      const H5Handle space(H5Screate_simple(1, zero, unlimited), H5Sclose);
      const H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
      if (!space.valid() || !dcpl.valid() || H5Pset_chunk(dcpl.get(), 1, chunk) < 0) fail();
      if (options_.level > 0) {
        if (H5Pset_shuffle(dcpl.get()) < 0 ||
            H5Pset_deflate(dcpl.get(), static_cast<unsigned>(options_.level)) < 0) {
          fail();
        }
      }
      const hid_t type = col.kind == ColumnKind::kNumber ? H5T_IEEE_F64LE : H5T_STD_I64LE;
      col.dataset = H5Handle(H5Dcreate2(file_.get(), names_[c].c_str(), type, space.get(),
                                        H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                             H5Dclose);
      if (!col.dataset.valid()) fail();
      write_string_attribute(col.dataset.get(), "kind", trace_io::kind_name(col.kind));
    }
  }

  void write_string_attribute(hid_t obj, const char* name, const std::string& value) const {
    const H5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    const H5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    if (!type.valid() || !space.valid() ||
        H5Tset_size(type.get(), std::max<std::size_t>(1, value.size())) < 0) {
      fail();
    }
    const H5Handle a(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                     H5Aclose);
    std::string padded = value;
    padded.resize(std::max<std::size_t>(1, value.size()), '\0');
    if (!a.valid() || H5Awrite(a.get(), type.get(), padded.data()) < 0) fail();
  }

  void flush() {
    if (buffered_ == 0) return;
    const std::lock_guard lock(trace_io::hdf5_mutex());
    const trace_io::H5Quiet quiet;
    const hsize_t start[1] = {written_};
    const hsize_t count[1] = {buffered_};
    const hsize_t extent[1] = {written_ + buffered_};
    for (auto& col : cols_) {
      const bool num = col.kind == ColumnKind::kNumber;
      if (H5Dset_extent(col.dataset.get(), extent) < 0) fail();
      const H5Handle file_space(H5Dget_space(col.dataset.get()), H5Sclose);
      const H5Handle mem_space(H5Screate_simple(1, count, nullptr), H5Sclose);
      if (!file_space.valid() || !mem_space.valid() ||
          H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) <
              0 ||
          H5Dwrite(col.dataset.get(), num ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64, mem_space.get(),
                   file_space.get(), H5P_DEFAULT,
                   num ? static_cast<const void*>(col.nums.data())
                       : static_cast<const void*>(col.ints.data())) < 0) {
        fail();
      }
      col.ints.clear();
      col.nums.clear();
    }
    written_ += buffered_;
    buffered_ = 0;
  }

  std::string path_, tmp_;
  std::vector<std::string> names_;
  bool crlf_;
  TraceConvertOptions options_;
  std::vector<Col> cols_;
  std::vector<std::string> pending_where_;
  bool typed_ = false;
  bool done_ = false;
  std::uint64_t buffered_ = 0, written_ = 0;
  H5Handle file_;
};
#endif

}  // namespace

bool trace_hdf5_supported() {
#ifdef SCALESIM_HAVE_HDF5
  return true;
#else
  return false;
#endif
}

TraceConvertResult convert_trace(const std::string& in, const std::string& out,
                                 const TraceConvertOptions& options) {
  if (options.chunk_rows < 1) throw TraceError("--chunk must be at least 1");
  if (options.level < 0 || options.level > 9) throw TraceError("--level must be 0 to 9");
  TraceConvertResult result;
  trace_io::OpenedInput input = trace_io::open_input(in);
  result.from = trace_io::form_name(input.form);
  const bool to_hdf5 = is_hdf5_name(out);
  result.to = to_hdf5 ? "HDF5" : "CSV";
#ifndef SCALESIM_HAVE_HDF5
  if (to_hdf5 || input.form == trace_io::InputForm::kHdf5) {
    throw TraceError((to_hdf5 ? out : in) + ": this build has no HDF5 support");
  }
#endif
  std::unique_ptr<TextRows> rows;
  if (input.form == trace_io::InputForm::kHdf5) {
#ifdef SCALESIM_HAVE_HDF5
    if (to_hdf5) throw TraceError(in + ": is HDF5 already; convert to CSV (OUT.csv) instead");
    rows = std::make_unique<H5Text>(in);
#endif
  } else {
    rows = std::make_unique<CsvText>(in, std::move(input.bytes));
  }
  if (to_hdf5) {
#ifdef SCALESIM_HAVE_HDF5
    H5Writer w(out, rows->names(), rows->line_end(), options);
    while (const auto* f = rows->next()) {
      w.row(*f, *rows);
      ++result.rows;
    }
    w.finish(rows->final_newline());
#endif
  } else {
    CsvWriter w(out, rows->line_end());
    std::vector<std::string_view> header(rows->names().begin(), rows->names().end());
    w.row(header);
    while (const auto* f = rows->next()) {
      w.row(*f);
      ++result.rows;
    }
    w.finish(rows->final_newline());
  }
  return result;
}

}  // namespace scalesim
