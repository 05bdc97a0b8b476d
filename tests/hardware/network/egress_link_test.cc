// FIFO egress serialisation: the formula, its rounding, and queueing of back-to-back sends.
#include "hardware/network/egress_link.h"

#include <gtest/gtest.h>

#include "scalesim/config/units.h"

namespace scalesim::hardware {
namespace {

constexpr double k10Gbps = 1.25e9;  // bytes/s

TEST(SerializationTime, IsBytesOverBandwidthInNanoseconds) {
  EXPECT_EQ(serialization_time(1500, k10Gbps), 1200);  // a full Ethernet frame at 10GbE
  EXPECT_EQ(serialization_time(1500, parse_bandwidth("10Gbps")), 1200);
  EXPECT_EQ(serialization_time(1e6, parse_bandwidth("1GB/s")), 1'000'000);
  EXPECT_EQ(serialization_time(0, k10Gbps), 0);
}

TEST(SerializationTime, RoundsEachMessageToTheNearestNanosecond) {
  EXPECT_EQ(serialization_time(1, 3.0), 333'333'333);  // 333333333.3 ns
  EXPECT_EQ(serialization_time(2, 3.0), 666'666'667);  // 666666666.7 ns
}

TEST(EgressPort, IdlePortStartsAtOnce) {
  EgressPort p{k10Gbps};
  EXPECT_EQ(p.transmit(500, 1250), 1500);
  EXPECT_EQ(p.busy_until, 1500);
  EXPECT_EQ(p.busy_time, 1000);
}

TEST(EgressPort, BackToBackMessagesQueueInOrder) {
  EgressPort p{k10Gbps};
  EXPECT_EQ(p.transmit(0, 1250), 1000);
  EXPECT_EQ(p.transmit(0, 1250), 2000);         // waits for the first
  EXPECT_EQ(p.transmit(100, 1250), 3000);       // still queued behind both
  EXPECT_EQ(p.transmit(10'000, 1250), 11'000);  // port idle again: no queueing
  EXPECT_EQ(p.busy_time, 4000);
  EXPECT_DOUBLE_EQ(p.utilization(11'000), 4000.0 / 11'000.0);
}

TEST(EgressPort, QueuedMessagesAreRoundedOneByOne) {
  // Each message is rounded on its own, so two 1-byte messages at 3 B/s take 2 x 333333333 ns,
  // one nanosecond less than one 2-byte message: deterministic, and never drifting by more
  // than half a nanosecond per message.
  EgressPort p{3.0};
  EXPECT_EQ(p.transmit(0, 1), 333'333'333);
  EXPECT_EQ(p.transmit(0, 1), 666'666'666);
}

TEST(EgressPort, CutThroughSpanEndsNoEarlierThanTheTailArrives) {
  EgressPort p{k10Gbps};
  const auto span = p.transmit(0, 1250, 5000);
  EXPECT_EQ(span.start, 0);
  EXPECT_EQ(span.end, 5000);  // serialisation alone would end at 1000
  EXPECT_EQ(p.busy_until, 5000);
}

TEST(Link, ArrivalIsDeparturePlusLatency) {
  Link link{EgressPort{k10Gbps}, 2 * kMicrosecond};
  EXPECT_EQ(link.send(0, 1250), 3000);
  EXPECT_EQ(link.send(0, 1250), 4000);  // queued one serialisation behind
  EXPECT_EQ(link.send(50'000, 0), 52'000);
}

}  // namespace
}  // namespace scalesim::hardware
