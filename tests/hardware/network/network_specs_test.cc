// The network catalog: the shipped file loads with its sources, and mistakes in a spec give a
// located message (file:line:column, key, and a suggestion where one fits).
#include "hardware/network/network_specs.h"

#include <gtest/gtest.h>

#include <string>

namespace scalesim::hardware {
namespace {

const std::string kCatalog = std::string(SCALESIM_SOURCE_DIR) + "/configs/hardware/network.yaml";

template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string catalog_error(const std::string& yaml) {
  return error_of([&] { NetworkCatalog::from_config(ConfigNode::load_string(yaml, "net.yaml")); });
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

TEST(NetworkCatalog, ShippedCatalogLoadsWithSources) {
  const NetworkCatalog c = NetworkCatalog::load_file(kCatalog);
  ASSERT_EQ(c.nics.size(), 4u);
  EXPECT_DOUBLE_EQ(c.nic("10GbE").line_rate, 10e9 / 8);
  EXPECT_DOUBLE_EQ(c.nic("25GbE").line_rate, 25e9 / 8);
  EXPECT_DOUBLE_EQ(c.nic("100GbE").line_rate, 100e9 / 8);
  EXPECT_DOUBLE_EQ(c.nic("HDR200-InfiniBand").line_rate, 200e9 / 8);
  EXPECT_EQ(c.nic("HDR200-InfiniBand").latency, 600);
  EXPECT_EQ(c.nic("100GbE").name, "100GbE");

  const FabricSpec& eth = c.fabric("eth-25g-3to1");
  EXPECT_DOUBLE_EQ(eth.oversubscription(), 3.0);
  EXPECT_EQ(eth.hosts(), 48u * 16u);
  EXPECT_EQ(eth.forwarding, Forwarding::kCutThrough);
  EXPECT_EQ(eth.switch_latency, 300);
  EXPECT_DOUBLE_EQ(c.fabric("ib-hdr-nonblocking").oversubscription(), 1.0);
  EXPECT_EQ(c.fabric("cloud-3az-25g").zones, 3u);
  EXPECT_EQ(c.fabric("cloud-3az-25g").cross_zone_latency, kMillisecond);

  const ObjectStoreSpec& s3 = c.object_store("s3-standard");
  EXPECT_EQ(s3.first_byte_latency, 30 * kMillisecond);
  EXPECT_DOUBLE_EQ(s3.stream_bandwidth, 85e6);
  EXPECT_FALSE(s3.client_bandwidth.has_value());
  EXPECT_DOUBLE_EQ(s3.price_per_gb_month, 0.023);

  for (const auto& n : c.nics) EXPECT_FALSE(n.source.empty()) << n.name;
  for (const auto& f : c.fabrics) EXPECT_FALSE(f.source.empty()) << f.name;
  for (const auto& o : c.object_stores) EXPECT_FALSE(o.source.empty()) << o.name;
}

TEST(NetworkCatalog, UnknownNameSuggestsTheClosest) {
  const NetworkCatalog c = NetworkCatalog::load_file(kCatalog);
  EXPECT_NE(error_of([&] { (void)c.nic("25Gbe"); }).find("did you mean '25GbE'?"),
            std::string::npos);
  EXPECT_EQ(error_of([&] { (void)c.object_store("s3-standrd"); }),
            "no object store named 's3-standrd' in the network catalog; did you mean "
            "'s3-standard'?");
  EXPECT_EQ(error_of([&] { (void)c.fabric("torus"); }),
            "no fabric named 'torus' in the network catalog");
}

TEST(NetworkSpecs, UnknownKeyGivesLocationAndSuggestion) {
  const std::string e = catalog_error(R"(nics:
  x:
    line_rate: 10Gbps
    latncy: 1us
)");
  EXPECT_EQ(e, "net.yaml:4:5: 'nics.x.latncy': unknown key 'latncy'; did you mean 'latency'?");
  EXPECT_NE(catalog_error("nic: {}\n").find("did you mean 'nics'?"), std::string::npos);
}

TEST(NetworkSpecs, BandwidthWithoutUnitIsRejected) {
  const std::string e = catalog_error(R"(nics:
  x:
    line_rate: 10
    latency: 1us
)");
  EXPECT_TRUE(starts_with(e, "net.yaml:3:16: 'nics.x.line_rate': ")) << e;
  EXPECT_NE(e.find("has no unit"), std::string::npos) << e;
}

TEST(NetworkSpecs, LatencyWithoutUnitIsRejected) {
  const std::string e = catalog_error(R"(nics:
  x:
    line_rate: 10Gbps
    latency: 5
)");
  EXPECT_TRUE(starts_with(e, "net.yaml:4:14: 'nics.x.latency': ")) << e;
  EXPECT_NE(e.find("has no unit"), std::string::npos) << e;
}

TEST(NetworkSpecs, ZeroAndNegativeBandwidthsAreRejected) {
  const std::string zero = catalog_error(R"(object_stores:
  s:
    first_byte_latency: 20ms
    stream_bandwidth: 0MB/s
    price_per_gb_month: 0.02
    price_per_1000_gets: 0
    price_per_1000_puts: 0
)");
  EXPECT_TRUE(starts_with(zero, "net.yaml:4:23: 'object_stores.s.stream_bandwidth': ")) << zero;
  EXPECT_NE(zero.find("must be positive"), std::string::npos) << zero;

  const std::string negative = catalog_error(R"(nics:
  x:
    line_rate: -10Gbps
    latency: 1us
)");
  EXPECT_TRUE(starts_with(negative, "net.yaml:3:16: 'nics.x.line_rate': ")) << negative;
  EXPECT_NE(negative.find("may not be negative"), std::string::npos) << negative;
}

TEST(NetworkSpecs, MissingKeyIsNamed) {
  const std::string e = catalog_error(R"(nics:
  x:
    line_rate: 10Gbps
)");
  EXPECT_TRUE(starts_with(e, "net.yaml:3:5: 'nics.x': ")) << e;
  EXPECT_NE(e.find("missing required key 'latency'"), std::string::npos) << e;
}

constexpr const char* kFabric = R"(fabrics:
  f:
    hosts_per_leaf: 4
    leaves: 6
    spines: 2
    host_link: 25Gbps
    spine_link: 100Gbps
    switch_latency: 500ns
)";

TEST(NetworkSpecs, FabricDefaultsAndChecks) {
  const NetworkCatalog c = NetworkCatalog::from_config(ConfigNode::load_string(kFabric));
  const FabricSpec& f = c.fabric("f");
  EXPECT_EQ(f.hosts(), 24u);
  EXPECT_EQ(f.zones, 1u);
  EXPECT_EQ(f.link_latency, 0);
  EXPECT_EQ(f.forwarding, Forwarding::kStoreAndForward);
  EXPECT_DOUBLE_EQ(f.oversubscription(), 0.5);

  const std::string base = kFabric;
  EXPECT_NE(catalog_error(base + "    forwarding: cut-through\n")
                .find("unknown forwarding mode 'cut-through'; did you mean 'cut_through'?"),
            std::string::npos);
  const std::string zones = catalog_error(base + "    zones: 4\n");
  EXPECT_TRUE(starts_with(zones, "net.yaml:9:12: 'fabrics.f.zones': ")) << zones;
  EXPECT_NE(zones.find("zones must divide leaves evenly"), std::string::npos) << zones;
  const std::string spines =
      catalog_error(std::string(kFabric).replace(base.find("spines: 2"), 9, "spines: 0"));
  EXPECT_TRUE(starts_with(spines, "net.yaml:5:13: 'fabrics.f.spines': ")) << spines;
}

TEST(NetworkSpecs, NegativePriceIsRejected) {
  const std::string e = catalog_error(R"(object_stores:
  s:
    first_byte_latency: 20ms
    stream_bandwidth: 85MB/s
    price_per_gb_month: -0.02
    price_per_1000_gets: 0
    price_per_1000_puts: 0
)");
  EXPECT_TRUE(starts_with(e, "net.yaml:5:25: 'object_stores.s.price_per_gb_month': ")) << e;
}

}  // namespace
}  // namespace scalesim::hardware
