#include "models/queueing/arrival_process.h"

#include <cstdio>

namespace scalesim {

std::string ArrivalProcess::describe() const {
  char buf[128];
  switch (kind_) {
    case Kind::kRenewal:
      return origin_.empty() ? gaps_.describe() : gaps_.describe() + ": " + origin_;
    case Kind::kMmpp:
      std::snprintf(buf, sizeof buf, "MMPP(%g/s calm, %g/s bursts; switching %g/s and %g/s)",
                    rate_[0], rate_[1], switch_[0], switch_[1]);
      return buf;
    case Kind::kDiurnal:
      std::snprintf(buf, sizeof buf, "diurnal Poisson(mean %g/s, amplitude %g)", rate_[0],
                    amplitude_);
      return buf;
  }
  return "";
}

}  // namespace scalesim
