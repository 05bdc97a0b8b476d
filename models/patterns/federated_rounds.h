// FederatedRounds: federated training of one model over a population of devices, round by
// round. Every client keeps its own compute speed and link bandwidths (lognormal across the
// population, drawn once), so the same slow devices straggle round after round. A round
// selects clients among those online (availability), sends them the model, lets them train,
// and collects their updates; some drop out mid-round. FedAvg waits for the first `per_round`
// reports of an over-selected cohort; FedProx closes the round at its deadline and keeps the
// partial work of stragglers. Secure aggregation adds server work quadratic in the cohort
// (pairwise masks). Each arriving customer asks for `rounds` rounds; it leaves when they are
// done. One event per round. With a server link, a round's downloads and uploads are flows
// that share it (hardware/network/maxmin_flow_network.h), played out inside the round.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/queueing/component_series.h"
#include "models/queueing/customer.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/event.h"
#include "scalesim/random.h"
#include "scalesim/result_hash.h"
#include "scalesim/ring_buffer.h"
#include "scalesim/stats/latency_histogram.h"
#include "scalesim/stats/time_series.h"
#include "scalesim/stats/welford.h"

namespace scalesim {

class BuildContext;
class ComponentReport;
class ConfigNode;
struct ReportContext;

inline constexpr EventKind kRoundDone = 9;

struct LogNormal {
  double median = 1;
  double sigma = 0;
  double sample(LpRandom& rng) const { return median * std::exp(sigma * rng.normal()); }
};

struct FederatedSetup {
  std::uint32_t clients = 1000;
  std::uint32_t per_round = 100;
  double over_selection = 1.0;  // cohort = ceil(per_round x this)
  double availability = 1.0;    // chance a client is online when a round selects
  double dropout = 0.0;         // chance a selected client never reports
  std::uint32_t rounds = 100;
  bool fedprox = false;
  SimTime deadline = kTimeInfinity;  // FedProx: the round closes here
  std::uint32_t min_reports = 1;     // fewer: the round fails and is repeated
  double model_bytes = 0;
  LogNormal compute_seconds;    // local training per round on a median device
  LogNormal downlink;           // bytes/s
  LogNormal uplink;             // bytes/s
  SimTime server_overhead = 0;  // per round: selection, aggregation
  SimTime secagg_per_pair = 0;  // secure aggregation: per pair of cohort members
  // The server's link (bytes/s each way; 0: not limiting): every download of a round shares its
  // egress and every upload its ingress, max-min fairly, each capped by the device's own link.
  double server_link = 0;
  double server_price_per_hour = 0;  // the coordinating servers, while a run lasts
  double egress_price_per_gb = 0;    // model downloads to the devices
};

class FederatedRounds : public ComponentSeries {
 public:
  static constexpr std::string_view kType = "federated_rounds";  // config `type:`
  // Builds one from its config node (federated_rounds_config.cpp).
  static FederatedRounds from_config(const ConfigNode& node, BuildContext& ctx);
  // Declares what it reports of a run (component_report.h).
  void report(ComponentReport& r, const ReportContext& ctx) const;

  FederatedRounds(const FederatedSetup& setup, std::optional<Link> out, SimTime interval = 0,
                  bool adaptive = false)
      : ComponentSeries(interval, 1, adaptive), setup_(setup), out_(out) {}

  template <class Ctx>
  void init(Ctx& ctx) {
    // Each device's speed and links, fixed for the whole run.
    client_time_.resize(setup_.clients);
    client_up_.resize(setup_.clients);
    client_down_rate_.resize(setup_.clients);
    client_compute_.resize(setup_.clients);
    for (std::uint32_t i = 0; i < setup_.clients; ++i) {
      client_down_rate_[i] = setup_.downlink.sample(ctx.rng());
      client_compute_[i] = setup_.compute_seconds.sample(ctx.rng());
      const double up_rate = setup_.uplink.sample(ctx.rng());
      const double down = setup_.model_bytes / client_down_rate_[i];
      const double up = setup_.model_bytes / up_rate;
      client_time_[i] = down + client_compute_[i] + up;
      client_up_[i] = up;
    }
  }

  template <class Ctx>
  void handle(Ctx& ctx, const Event<Customer>& ev) {
    series_.advance(ctx.now(), running_ ? 1.0 : 0.0, static_cast<double>(waiting_.size()));
    if (ev.kind == kRoundDone) {
      if (++round_ < setup_.rounds) {
        start_round(ctx);
        return;
      }
      running_ = false;
      ++jobs_done_;
      series_.count();
      training_time_.add(to_seconds(ctx.now() - job_started_));
      if (out_) ctx.schedule(out_->to, out_->latency, kCustomerArrives, current_);
    } else {
      waiting_.push_back(ev.payload);
    }
    if (!running_ && !waiting_.empty()) {
      current_ = waiting_.pop_front();
      job_started_ = ctx.now();
      running_ = true;
      round_ = 0;
      start_round(ctx);
    }
  }

  const FederatedSetup& setup() const { return setup_; }
  const std::optional<Link>& out() const { return out_; }
  std::uint64_t rounds_done() const { return rounds_done_; }
  std::uint64_t failed_rounds() const { return failed_rounds_; }
  std::uint64_t jobs_done() const { return jobs_done_; }
  const Welford& round_time() const { return round_time_; }
  const LatencyHistogram& round_histogram() const { return round_histogram_; }
  const Welford& participants() const { return participants_; }
  const Welford& training_time() const { return training_time_; }
  // Mean over rounds of (round time - the slowest report that counted): idle server time, and
  // the fastest cohort member's wait (how much stragglers cost).
  const Welford& straggler_wait() const { return straggler_wait_; }
  double bytes_moved() const { return bytes_moved_; }
  double max_round() const { return max_round_; }
  // Dollars per training run: servers for its duration, plus the egress of the downloads.
  double cost_per_run() const {
    if (jobs_done_ == 0) return std::nan("");
    const double hours = training_time_.mean() / 3600.0;
    return hours * setup_.server_price_per_hour +
           download_bytes_ / static_cast<double>(jobs_done_) / 1e9 * setup_.egress_price_per_gb;
  }

  void save(ByteWriter& w) const;
  void load(ByteReader& r);
  void finish(SimTime end) {
    series_.finish(end, running_ ? 1.0 : 0.0, static_cast<double>(waiting_.size()));
  }
  void hash_into(ResultHash& h) const;

 private:
  template <class Ctx>
  void start_round(Ctx& ctx) {
    const auto cohort =
        static_cast<std::uint32_t>(std::ceil(setup_.per_round * setup_.over_selection));
    times_.clear();
    std::uint32_t selected = 0;
    // Draw distinct online clients (rejection on the few repeats; cohort << population).
    chosen_.clear();
    reporting_.clear();
    for (std::uint32_t tries = 0; selected < cohort && tries < 100 * cohort; ++tries) {
      const auto c = static_cast<std::uint32_t>(ctx.rng().uniform_int(setup_.clients));
      if (ctx.rng().uniform() >= setup_.availability) continue;
      if (std::find(chosen_.begin(), chosen_.end(), c) != chosen_.end()) continue;
      chosen_.push_back(c);
      ++selected;
      bytes_moved_ += setup_.model_bytes;  // the model goes down to every selected client
      download_bytes_ += setup_.model_bytes;
      const bool drops = ctx.rng().uniform() < setup_.dropout;
      reporting_.push_back(drops ? 0 : 1);
      if (drops) continue;
      if (setup_.server_link <= 0) times_.push_back(client_time_[c]);
    }
    if (setup_.server_link > 0) shared_link_times();
    std::sort(times_.begin(), times_.end());
    double round_seconds = 0;
    std::uint32_t reports = 0;
    if (setup_.fedprox) {
      // Close at the deadline; stragglers send partial work then.
      const double deadline =
          setup_.deadline != kTimeInfinity ? to_seconds(setup_.deadline) : 1e300;
      round_seconds =
          times_.empty() ? (deadline < 1e300 ? deadline : 0.0) : std::min(deadline, times_.back());
      reports = static_cast<std::uint32_t>(times_.size());
    } else {
      reports =
          std::min<std::uint32_t>(setup_.per_round, static_cast<std::uint32_t>(times_.size()));
      const bool has_deadline = setup_.deadline != kTimeInfinity;
      round_seconds = reports > 0    ? times_[reports - 1]
                      : has_deadline ? to_seconds(setup_.deadline)
                                     : 0.0;
      if (setup_.deadline != kTimeInfinity) {
        round_seconds = std::min(round_seconds, to_seconds(setup_.deadline));
        reports = static_cast<std::uint32_t>(
            std::upper_bound(times_.begin(), times_.begin() + reports, round_seconds) -
            times_.begin());
      }
    }
    bytes_moved_ += setup_.model_bytes * reports;  // updates come back up
    const double k = static_cast<double>(std::max<std::uint32_t>(reports, 1));
    const SimTime server =
        setup_.server_overhead +
        static_cast<SimTime>(k * (k - 1) / 2.0 * static_cast<double>(setup_.secagg_per_pair));
    const SimTime t = from_seconds(round_seconds) + server;
    if (reports < setup_.min_reports) {
      ++failed_rounds_;
      --round_;  // the round is repeated
    } else {
      ++rounds_done_;
      participants_.add(reports);
      round_time_.add(to_seconds(t));
      max_round_ = std::max(max_round_, to_seconds(t));
      round_histogram_.add(static_cast<std::uint64_t>(t));
      if (!times_.empty()) straggler_wait_.add(round_seconds - times_.front());
    }
    ctx.schedule(ctx.self(), std::max<SimTime>(t, 1), kRoundDone);
  }

  // Fills times_ with the report times of this round's cohort (chosen_, reporting_) when their
  // transfers share the server link (federated_rounds.cpp).
  void shared_link_times();

  FederatedSetup setup_;
  std::optional<Link> out_;
  std::vector<double> client_time_, client_up_;
  std::vector<double> client_down_rate_, client_compute_;  // bytes/s, s
  std::vector<std::uint8_t> reporting_;                    // per chosen_: 1 unless it drops out
  std::vector<double> times_;
  std::vector<std::uint32_t> chosen_;
  RingBuffer<Customer> waiting_;
  Customer current_;
  SimTime job_started_ = 0;
  bool running_ = false;
  std::uint32_t round_ = 0;
  std::uint64_t rounds_done_ = 0, failed_rounds_ = 0, jobs_done_ = 0;
  double bytes_moved_ = 0;
  double download_bytes_ = 0;
  double max_round_ = 0;
  Welford round_time_, participants_, training_time_, straggler_wait_;
  LatencyHistogram round_histogram_;
};

}  // namespace scalesim
