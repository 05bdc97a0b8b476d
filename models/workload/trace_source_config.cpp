#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "models/queueing/build_context.h"
#include "models/queueing/component_report.h"
#include "models/workload/trace_source.h"

namespace scalesim {

TraceSource TraceSource::from_config(const ConfigNode& node, BuildContext& ctx) {
  node.expect_keys({"type", "file", "format", "columns", "time_format", "time_scale", "repeat",
                    "sort", "customers", "to"});
  TraceLayout layout;
  const std::string format = node.string_or("format", "csv");
  if (format == "azure_llm") {
    layout.size_column = "ContextTokens";
    layout.aux_column = "GeneratedTokens";
  } else if (format != "csv") {
    node.at("format").fail("unknown trace format '" + format + "'; use azure_llm or csv");
  }
  if (const auto cols = node.find("columns")) {
    cols->expect_keys({"time", "size", "aux"});
    layout.time_column = cols->string_or("time", layout.time_column);
    layout.size_column = cols->string_or("size", layout.size_column);
    layout.aux_column = cols->string_or("aux", layout.aux_column);
  }
  if (const auto tf = node.find("time_format")) {
    const std::string f = tf->as_string();
    using TF = TraceLayout::TimeFormat;
    if (f == "datetime")
      layout.time_format = TF::kDatetime;
    else if (f == "s")
      layout.time_format = TF::kSeconds;
    else if (f == "ms")
      layout.time_format = TF::kMilliseconds;
    else if (f == "us")
      layout.time_format = TF::kMicroseconds;
    else if (f == "ns")
      layout.time_format = TF::kNanoseconds;
    else
      tf->fail("unknown time_format '" + f + "'; use datetime, s, ms, us or ns");
  }
  const double scale = node.has("time_scale") ? node.positive_number("time_scale") : 1.0;
  const std::int64_t repeat = node.integer_or("repeat", 1);
  if (repeat < 1) node.at("repeat").fail("must be at least 1");
  const std::int64_t limit = node.integer_or("customers", -1);
  if (node.has("customers") && limit <= 0) node.at("customers").fail("must be at least 1");
  // A relative path is relative to the config file; "-" is standard input.
  std::filesystem::path file(node.string("file"));
  if (file.is_relative() && file != "-") {
    file = std::filesystem::path(node.origin()).parent_path() / file;
  }
  try {
    TraceReader reader(file.string(), layout, scale, static_cast<std::uint64_t>(repeat),
                       node.boolean_or("sort", false));
    const auto preview = reader.preview(10000);  // checks the header and first rows now
    TraceSource source(std::move(reader), ctx.link(node.at("to")),
                       limit < 0 ? UINT64_MAX : static_cast<std::uint64_t>(limit),
                       preview.rate_per_s, ctx.interval(), ctx.adaptive());
    source.set_sized(!layout.size_column.empty() && !layout.aux_column.empty());
    return source;
  } catch (const TraceError& e) {
    node.at("file").fail(e.what());
  }
}

void TraceSource::report(ComponentReport& r, const ReportContext& /*ctx*/) const {
  r.text("file", path(), kText);
  r.count("emitted", emitted(), kText);
  r.summary_count(emitted());
}

}  // namespace scalesim
