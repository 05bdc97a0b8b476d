// scalesim trace: convert a trace between CSV and the HDF5 form, and read one through (its
// form, rows, span, and how fast it reads).
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "models/workload/trace_convert.h"
#include "models/workload/trace_reader.h"
#include "scalesim/json_writer.h"

namespace scalesim::cli {

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "usage: scalesim trace convert IN OUT [--chunk ROWS] [--level 0-9]\n"
    "       scalesim trace read FILE [--format csv|azure_llm] [--time COL] [--size COL]\n"
    "                                [--aux COL] [--time-format F] [--repeat N] [--json]\n"
    "\n"
    "convert: a CSV trace (plain, gzip, zstd, or '-' for standard input) to HDF5 when OUT ends\n"
    "  in .h5 or .hdf5 (a dataset per column, chunked and compressed), or an HDF5 trace back to\n"
    "  CSV ('-' for standard output).\n"
    "read: reads every row as `scalesim run` would and prints the form, rows, span and rows/s.\n";

int convert(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  TraceConvertOptions options;
  po::options_description opts("scalesim trace convert IN OUT options");
  opts.add_options()("help,h", "this help")("files", po::value(&files), "IN OUT")(
      "chunk", po::value(&options.chunk_rows)->default_value(options.chunk_rows),
      "rows per HDF5 chunk (a column's type is judged on the first chunk)")(
      "level", po::value(&options.level)->default_value(options.level),
      "deflate level, 0 (none) to 9");
  po::positional_options_description pos;
  pos.add("files", 2);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "scalesim trace convert: %s\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << "usage: scalesim trace convert IN OUT [options]\n" << opts << "\n";
    return kExitOk;
  }
  if (files.size() != 2) {
    std::fprintf(stderr,
                 "scalesim trace convert: give IN and OUT, e.g. scalesim trace convert "
                 "trace.csv.gz trace.h5\n");
    return kExitUsage;
  }
  try {
    const auto start = std::chrono::steady_clock::now();
    const TraceConvertResult r = convert_trace(files[0], files[1], options);
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (files[1] != "-") {
      std::fprintf(stderr, "%s (%s) -> %s (%s): %llu rows in %.2f s\n", files[0].c_str(),
                   r.from.c_str(), files[1].c_str(), r.to.c_str(),
                   static_cast<unsigned long long>(r.rows), s);
    }
  } catch (const TraceError& e) {
    std::fprintf(stderr, "scalesim trace convert: %s\n", e.what());
    return kExitConfig;
  }
  return kExitOk;
}

int read(const std::vector<std::string>& args) {
  std::string file;
  std::string format = "csv";
  std::string time_format = "datetime";
  TraceLayout layout;
  std::uint64_t repeat = 1;
  po::options_description opts("scalesim trace read FILE options");
  opts.add_options()("help,h", "this help")("file", po::value(&file), "the trace")(
      "format", po::value(&format)->default_value(format),
      "csv, or azure_llm (TIMESTAMP, ContextTokens, GeneratedTokens)")(
      "time", po::value(&layout.time_column), "the time column (default TIMESTAMP)")(
      "size", po::value(&layout.size_column), "the size column")(
      "aux", po::value(&layout.aux_column), "the second size column")(
      "time-format", po::value(&time_format)->default_value(time_format),
      "datetime, s, ms, us or ns")("repeat", po::value(&repeat)->default_value(repeat),
                                   "tile the trace this many times")("json",
                                                                     "print one JSON object");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "scalesim trace read: %s\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << "usage: scalesim trace read FILE [options]\n" << opts << "\n";
    return kExitOk;
  }
  if (file.empty()) {
    std::fprintf(stderr, "scalesim trace read: give a trace file ('-' for standard input)\n");
    return kExitUsage;
  }
  if (format == "azure_llm") {
    if (!vm.count("size")) layout.size_column = "ContextTokens";
    if (!vm.count("aux")) layout.aux_column = "GeneratedTokens";
  } else if (format != "csv") {
    std::fprintf(stderr, "scalesim trace read: --format is csv or azure_llm\n");
    return kExitUsage;
  }
  using TF = TraceLayout::TimeFormat;
  const std::pair<const char*, TF> formats[] = {{"datetime", TF::kDatetime},
                                                {"s", TF::kSeconds},
                                                {"ms", TF::kMilliseconds},
                                                {"us", TF::kMicroseconds},
                                                {"ns", TF::kNanoseconds}};
  bool known = false;
  for (const auto& [name, tf] : formats) {
    if (time_format == name) {
      layout.time_format = tf;
      known = true;
    }
  }
  if (!known) {
    std::fprintf(stderr, "scalesim trace read: --time-format is datetime, s, ms, us or ns\n");
    return kExitUsage;
  }
  try {
    const auto start = std::chrono::steady_clock::now();
    TraceReader reader(file, layout, 1.0, repeat);
    std::uint64_t rows = 0;
    SimTime last = 0;
    std::uint64_t tokens = 0;  // used, so the loop is not optimised away
    while (const auto r = reader.next()) {
      ++rows;
      last = r->time;
      tokens += r->size + r->aux;
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = s > 0 ? static_cast<double>(rows) / s : 0;
    if (vm.count("json")) {
      JsonWriter j;
      j.begin_object();
      j.value("file", file);
      j.value("form", std::string(reader.form()));
      j.value("rows", rows);
      j.value("span_s", to_seconds(last));
      j.value("size_total", tokens);
      j.value("read_s", s);
      j.value("rows_per_s", rate);
      j.end_object();
      std::cout << j.str() << "\n";
    } else {
      std::printf("%s: %s, %llu rows over %.6g s (sizes total %llu); read in %.3f s, %.4g rows/s\n",
                  file.c_str(), reader.form(), static_cast<unsigned long long>(rows),
                  to_seconds(last), static_cast<unsigned long long>(tokens), s, rate);
    }
  } catch (const TraceError& e) {
    std::fprintf(stderr, "scalesim trace read: %s\n", e.what());
    return kExitConfig;
  }
  return kExitOk;
}

}  // namespace

int trace_command(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "convert") return convert(rest);
  if (args[0] == "read") return read(rest);
  std::fprintf(stderr, "scalesim trace: unknown subcommand '%s'\n\n%s", args[0].c_str(), kUsage);
  return kExitUsage;
}

}  // namespace scalesim::cli
