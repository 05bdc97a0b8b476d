// Who was turned away at a component (a full station, a model server's full queue, a router's
// rate limit), with the arrivals that is a share of: in total, and since the warm-up per
// request class (the source that emitted the request), so that blocking probabilities and
// accepted throughput can be reported per class.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "models/queueing/component_report.h"
#include "models/queueing/customer.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/result_hash.h"

namespace scalesim {

class RejectionCounts {
 public:
  void count_arrival(const Customer& c, bool measured) {
    if (!measured) return;
    ++measured_arrivals_;
    grow(c.source());
    ++arrivals_by_class_[c.source()];
  }
  void count_rejection(const Customer& c, bool measured) {
    ++rejected_;
    if (!measured) return;
    ++measured_rejected_;
    grow(c.source());
    ++rejected_by_class_[c.source()];
  }

  std::uint64_t rejected() const { return rejected_; }
  std::uint64_t measured_arrivals() const { return measured_arrivals_; }
  std::uint64_t measured_rejected() const { return measured_rejected_; }
  // Rejected / arrived since the warm-up (the blocking probability).
  double probability() const { return share(measured_rejected_, measured_arrivals_); }
  // Per class, indexed by the source's LP (classes that never came here count 0).
  const std::vector<std::uint64_t>& arrivals_by_class() const { return arrivals_by_class_; }
  const std::vector<std::uint64_t>& rejected_by_class() const { return rejected_by_class_; }
  double probability_of_class(std::uint32_t source) const {
    return source < arrivals_by_class_.size()
               ? share(rejected_by_class_[source], arrivals_by_class_[source])
               : 0.0;
  }

  // Declares `rejected`, `blocking_probability`, where rejected requests go (`on_reject`) and
  // the table `rejections_by_class`: per request class arrived, rejected, blocking_probability
  // (metric NAME.CLASS.blocking_probability), accepted_per_s and rejected_per_s.
  void report(ComponentReport& r, const ReportContext& ctx,
              const std::optional<Link>& on_reject) const {
    r.count("rejected", rejected_, kText);
    r.value("blocking_probability", probability(), Unit::kShare, kHeadline);
    r.text("on_reject", on_reject ? ctx.name_of(on_reject->to) : "dropped", kText);
    r.table("rejections_by_class", "class", "classes",
            {{"arrived", Unit::kCount, false, kDetail},
             {"rejected", Unit::kCount, false, kDetail},
             {"blocking_probability", Unit::kShare, true, kText},
             {"accepted_per_s", Unit::kPerSecond, false, kDetail},
             {"rejected_per_s", Unit::kPerSecond, false, kDetail}});
    for (const LpId cls : ctx.classes) {
      const bool seen = cls < arrivals_by_class_.size();
      const auto arrived = static_cast<double>(seen ? arrivals_by_class_[cls] : 0);
      const auto rejected = static_cast<double>(seen ? rejected_by_class_[cls] : 0);
      r.row(ctx.name_of(cls), {arrived, rejected, probability_of_class(cls),
                               ctx.per_second(arrived - rejected), ctx.per_second(rejected)});
    }
  }

  void save(ByteWriter& w) const {
    w.put(rejected_);
    w.put(measured_arrivals_);
    w.put(measured_rejected_);
    w.put_vector(arrivals_by_class_);
    w.put_vector(rejected_by_class_);
  }
  void load(ByteReader& r) {
    rejected_ = r.get<std::uint64_t>();
    measured_arrivals_ = r.get<std::uint64_t>();
    measured_rejected_ = r.get<std::uint64_t>();
    arrivals_by_class_ = r.get_vector<std::uint64_t>();
    rejected_by_class_ = r.get_vector<std::uint64_t>();
  }
  void hash_into(ResultHash& h) const {
    h.add(rejected_);
    h.add(measured_arrivals_);
    h.add(measured_rejected_);
    h.add(std::span<const std::uint64_t>(rejected_by_class_));
  }

 private:
  static double share(std::uint64_t part, std::uint64_t whole) {
    return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
  }
  void grow(std::uint32_t source) {
    if (source >= arrivals_by_class_.size()) {
      arrivals_by_class_.resize(source + 1, 0);
      rejected_by_class_.resize(source + 1, 0);
    }
  }

  std::uint64_t rejected_ = 0, measured_arrivals_ = 0, measured_rejected_ = 0;
  std::vector<std::uint64_t> arrivals_by_class_, rejected_by_class_;
};

}  // namespace scalesim
