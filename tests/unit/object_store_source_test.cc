// A source reading records from an object store: the rate its model predicts (first-byte
// latency, per-connection bandwidth, the client NIC shared by the streams), checked by hand.
#include <gtest/gtest.h>

#include <string>

#include "models/queueing/queueing_network.h"

namespace scalesim {
namespace {

std::string reader(const std::string& arrivals, int customers = 20000) {
  return "name: t\ncomponents:\n  read:\n    type: source\n    arrivals: " + arrivals +
         "\n    customers: " + std::to_string(customers) + "\n    to: done\n  done: {type: sink}\n";
}

double makespan(const std::string& arrivals, int customers = 20000) {
  QueueingNetwork net =
      QueueingNetwork::from_config(ConfigNode::load_string(reader(arrivals, customers)));
  const NetworkRun run = simulate(net, 1);
  EXPECT_EQ(net.get<Sink>("done").arrived(), static_cast<std::uint64_t>(customers));
  return to_seconds(run.end_time);
}

TEST(ObjectStoreSource, ShardsStreamAtTheConnectionsBandwidth) {
  // s3-standard: 30 ms to the first byte, 85 MB/s per connection. 16 streams of 110 MB shards
  // of 1,000 records: 16,000 records per (0.030 + 110/85) s.
  const double rate = 16 * 1000 / (0.030 + 110e6 / 85e6);
  const double t = makespan(
      "{process: object_store, store: s3-standard, streams: 16, object_bytes: 110MB, "
      "records_per_object: 1000}");
  EXPECT_NEAR(t, 20000 / rate, 20000 * 1e-9);  // gaps are whole nanoseconds
}

TEST(ObjectStoreSource, SmallObjectsAreHeldByTheFirstByteLatency) {
  // One 110 kB image per object: each GET is 30 ms + 1.29 ms, so 16 streams give 511/s.
  const double rate = 16 / (0.030 + 110e3 / 85e6);
  const double t = makespan(
      "{process: object_store, store: s3-standard, streams: 16, object_bytes: 110kB}", 2000);
  EXPECT_NEAR(t, 2000 / rate, 2000 * 1e-9);
  EXPECT_LT(rate, 520);
}

TEST(ObjectStoreSource, TheClientNicIsSharedByTheStreams) {
  // 200 streams could move 17 GB/s; a 10 GbE client takes 1.25 GB/s, 6.25 MB/s per stream.
  const double per_stream = 1.25e9 / 200;
  const double rate = 200 / (0.030 + 64e6 / per_stream);
  const double t = makespan(
      "{process: object_store, store: s3-standard, streams: 200, object_bytes: 64MB, nic: 10GbE}",
      2000);
  EXPECT_NEAR(t, 2000 / rate, 2000 * 1e-9);
}

TEST(ObjectStoreSource, BadStoreOrSizeIsAConfigErrorAtItsKey) {
  try {
    (void)QueueingNetwork::from_config(ConfigNode::load_string(
        reader("{process: object_store, store: s3-standrd, object_bytes: 1MB}")));
    FAIL();
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("<string>:5:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("s3-standard"), std::string::npos) << msg;  // did you mean
  }
  EXPECT_THROW((void)QueueingNetwork::from_config(ConfigNode::load_string(
                   reader("{process: object_store, store: s3-standard, object_bytes: 0B}"))),
               ConfigError);
  EXPECT_THROW((void)QueueingNetwork::from_config(ConfigNode::load_string(reader(
                   "{process: object_store, store: s3-standard, object_bytes: 1MB, rate: 5/s}"))),
               ConfigError);
}

}  // namespace
}  // namespace scalesim
