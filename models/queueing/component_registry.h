// The one list of component types. It generates the variant the network stores, the factory
// from a config's `type:` to a component's `from_config`, and the type names used by reports
// and HDF5. Adding a component: its own header and `*_config.cpp`, then one entry here.
#pragma once

#include <array>
#include <concepts>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "models/patterns/cascade_gate.h"
#include "models/patterns/drift_monitor.h"
#include "models/patterns/ensemble.h"
#include "models/patterns/feature_lookup.h"
#include "models/patterns/federated_rounds.h"
#include "models/patterns/pipeline.h"
#include "models/patterns/training_job.h"
#include "models/patterns/version_splitter.h"
#include "models/queueing/component_report.h"
#include "models/queueing/network_link.h"
#include "models/queueing/router.h"
#include "models/queueing/sink.h"
#include "models/queueing/source.h"
#include "models/queueing/station.h"
#include "models/serving/llm_engine.h"
#include "models/serving/model_server.h"
#include "models/workload/trace_source.h"
#include "scalesim/byte_buffer.h"
#include "scalesim/config/config_node.h"
#include "scalesim/result_hash.h"
#include "scalesim/stats/time_series.h"

namespace scalesim {

// The component contract. Each type T has `static constexpr std::string_view kType` (its config
// `type:`) and `static T from_config(const ConfigNode&, BuildContext&)`; declares its statistics
// in `report`; moves its reported state between ranks with `save`/`load`; adds its results to
// the run's hash; and keeps a time series that `finish` closes (ComponentSeries gives the
// defaults). Its events go to `template <class Ctx> void handle(Ctx&, const Event<Customer>&)`,
// which the kernel instantiates.

// Results that depend on the end of the run (time-weighted ones) take its time.
template <class T>
concept HashesAtEnd = requires(const T& c, ResultHash& h, SimTime end) {
  c.hash_into(h, end);
};
template <class T>
concept HashesResults = HashesAtEnd<T> || requires(const T& c, ResultHash& h) {
  c.hash_into(h);
};

template <class T>
concept BuildableComponent = HashesResults<T> &&
    requires(const T& c, T& m, const ConfigNode& node, BuildContext& ctx, ComponentReport& r,
             const ReportContext& rc, ByteWriter& w, ByteReader& rd, SimTime t) {
  { T::kType } -> std::convertible_to<std::string_view>;
  { T::from_config(node, ctx) } -> std::same_as<T>;
  c.report(r, rc);
  c.save(w);
  m.load(rd);
  m.finish(t);
  { c.series() } -> std::same_as<const TimeSeriesRecorder&>;
};

template <BuildableComponent... T>
struct ComponentList {
  using Variant = std::variant<T...>;
  static constexpr std::array<std::string_view, sizeof...(T)> kTypes{T::kType...};

  // The component of config type `type`, or nothing when no component has that type.
  static std::optional<Variant> build(std::string_view type, const ConfigNode& node,
                                      BuildContext& ctx) {
    std::optional<Variant> out;
    (void)((type == T::kType ? (out.emplace(std::in_place_type<T>, T::from_config(node, ctx)), true)
                             : false) ||
           ...);
    return out;
  }
};

using Components = ComponentList<Source, Station, Router, Sink, ModelServer, CascadeGate,
                                 TraceSource, Ensemble, VersionSplitter, TrainingJob, FeatureLookup,
                                 FederatedRounds, Pipeline, DriftMonitor, NetworkLink, LlmEngine>;

// A component's config type name ("station", "model_server", ...).
inline std::string_view type_name(const Components::Variant& c) {
  return std::visit(
      [](const auto& x) { return std::string_view(std::decay_t<decltype(x)>::kType); }, c);
}

}  // namespace scalesim
