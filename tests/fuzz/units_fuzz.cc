// libFuzzer target: the unit parsers (durations, rates, sizes, bandwidths).
//
// Any string must either parse or be refused with a UnitError. What parses must be a finite,
// non-negative quantity (durations: a non-negative number of nanoseconds), and formatting it
// back must work. Anything else (another exception, a crash, a sanitizer report) is a bug.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "scalesim/config/units.h"

namespace {

void check(bool ok, const char* what, std::string_view input, double value) {
  if (ok) return;
  std::fprintf(stderr, "units_fuzz: %s broken for \"%.*s\": got %.17g\n", what,
               static_cast<int>(input.size()), input.data(), value);
  std::abort();
}

template <class Parse>
void parse_one(Parse parse, const char* what, std::string_view text) {
  try {
    const double v = static_cast<double>(parse(text));
    check(std::isfinite(v) && v >= 0, what, text, v);
  } catch (const scalesim::UnitError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const scalesim::SimTime t = scalesim::parse_duration(text);
    check(t >= 0, "parse_duration", text, static_cast<double>(t));
    (void)scalesim::format_duration(scalesim::to_seconds(t));
  } catch (const scalesim::UnitError&) {
  }
  parse_one(scalesim::parse_rate, "parse_rate", text);
  parse_one(scalesim::parse_bytes, "parse_bytes", text);
  parse_one(scalesim::parse_bandwidth, "parse_bandwidth", text);
  return 0;
}
