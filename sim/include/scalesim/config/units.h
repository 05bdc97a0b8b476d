// Quantities with units, as users write them in configs: "5ms", "2.5GB/s", "10Gbps", "16GiB",
// "200/s". A missing or wrong unit is an error (a bare number is ambiguous), except the literal 0
// for durations. Errors are UnitError with a message naming the accepted units.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "scalesim/sim_time.h"

namespace scalesim {

class UnitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Durations: ns, us (or µs), ms, s, min, h. Rounded to the nearest nanosecond; must be >= 0.
SimTime parse_duration(std::string_view text);
// Rates: <number>/ns, /us, /ms, /s, /min, /h. Returns events per second; must be >= 0.
double parse_rate(std::string_view text);
// Sizes: B, kB, MB, GB, TB (powers of 1000) and KiB, MiB, GiB, TiB (powers of 1024). Returns bytes.
double parse_bytes(std::string_view text);
// Bandwidths: B/s, kB/s, MB/s, GB/s, KiB/s ... or bps, kbps, Mbps, Gbps, Tbps (bits). Returns
// bytes per second.
double parse_bandwidth(std::string_view text);

// Formats a duration with a readable unit ("850 us", "2.5 ms", "12.0 s").
std::string format_duration(double seconds);

}  // namespace scalesim
