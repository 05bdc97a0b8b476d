// Redis command and event-loop cost model: the CPU time a redis-server core spends per event-loop
// pass, per ready connection and per command, in nanoseconds.
//
// A server core's time splits into
//   pass:        Redis's per-iteration bookkeeping (pass_ns: beforeSleep, afterSleep) and one
//                epoll_wait that returns at once (poll_ns), or, when nothing is ready, a block
//                and a later wake-up (wake_latency_ns of delay, wake_cpu_ns of it on this core);
//   connection:  per ready connection one read() and, later in the pass, one write():
//                read_ns / write_ns + copy_per_byte_ns x bytes moved;
//   command:     parse_ns (RESP parsing, argv objects, command lookup, reply queueing) plus the
//                execution inside call(): base + per_key x keys + per_byte x value bytes
//                + per_field x hash fields.
// The per-pass and per-connection costs are what a single-threaded server amortises when many
// connections (or pipelined commands) are ready at once, which is why CPU per command falls with
// load. Only command execution depends on the command; everything else depends on sizes.
#pragma once

#include <cstdint>
#include <string_view>

namespace scalesim::hardware {

enum class RedisCommand : std::uint8_t { kGet, kSet, kMget, kHgetall, kPing };

std::string_view command_name(RedisCommand c);
// Parses "GET", "SET", "MGET", "HGETALL" or "PING" (any case); throws std::invalid_argument.
RedisCommand parse_command(std::string_view name);

// One command as it travels: what it touches and how large its value is.
struct CommandShape {
  RedisCommand command = RedisCommand::kGet;
  std::uint32_t keys = 1;           // MGET: number of keys; 1 otherwise (0 for PING)
  std::uint32_t fields = 0;         // HGETALL: fields in the hash
  std::uint32_t key_bytes = 16;     // length of each key ("key:%012d" is 16)
  std::uint32_t value_bytes = 100;  // per key (string value or one hash field's value)
  std::uint32_t field_bytes = 8;    // HGETALL: length of each field name

  // Bytes of the RESP2 request and reply, exactly as redis-benchmark and redis-server write them.
  std::uint64_t request_bytes() const;
  std::uint64_t reply_bytes() const;
  // Bytes of values the command copies (into the reply buffer or into a new string).
  std::uint64_t copied_value_bytes() const;
};

// Execution inside call(). Only the split between base and per-key is a modelling choice:
// the sum for GET is the measured server_usec_per_call, per_key is physics (DRAM misses of a
// dictionary lookup), per_byte is memory-copy bandwidth.
struct CommandCosts {
  double base_ns = 0;         // command dispatch and bookkeeping, per command
  double per_key_ns = 0;      // hash, bucket, entry, key and value object: cache misses
  double per_byte_ns = 0;     // copying value bytes
  double per_field_ns = 0;    // one field/value pair into a HGETALL reply
  double write_extra_ns = 0;  // SET: allocating the new value and freeing the old one

  double exec_ns(const CommandShape& s) const;
};

// One core's kernel-side costs as a Redis-style event loop sees them (Linux, TCP sockets).
struct EventLoopCosts {
  double poll_ns = 0;            // epoll_wait returning ready events at once
  double pass_ns = 0;            // server only: beforeSleep/afterSleep bookkeeping per pass
  double read_ns = 0;            // read() on a ready socket
  double write_ns = 0;           // write() of a reply (over loopback: includes in-kernel delivery)
  double copy_per_byte_ns = 0;   // user/kernel copy, per byte read or written
  double parse_ns = 0;           // per command outside call()
  double wake_latency_ns = 0;    // data arriving at a blocked loop -> the loop runs again
  double wake_cpu_ns = 0;        // the part of that wake-up spent on the woken core
  double ipi_ns = 0;             // extra time a sender spends waking a blocked receiver's core
  std::uint32_t io_threads = 1;  // Redis 6+ io-threads: reads and writes spread over these

  double read_cost_ns(std::uint64_t bytes) const {
    return read_ns + copy_per_byte_ns * static_cast<double>(bytes);
  }
  double write_cost_ns(std::uint64_t bytes) const {
    return write_ns + copy_per_byte_ns * static_cast<double>(bytes);
  }
};

// Server CPU of one pass that finds `connections` ready, each with `pipeline` commands of one
// shape, with io_threads spreading reads and writes (the main thread takes one share and
// waits for the slowest). Closed form of what the event-loop model does step by step; used for
// capacity estimates and for checking the step-by-step model.
struct PassCost {
  double io_ns = 0;       // wall time of the read and write phases
  double execute_ns = 0;  // parse + execution on the main thread
  double total_ns() const { return io_ns + execute_ns; }
};
PassCost pass_cost(const EventLoopCosts& loop, const CommandCosts& cmd, const CommandShape& shape,
                   std::uint32_t connections, std::uint32_t pipeline, bool woke_up);

// Server CPU per command when every pass finds `connections` ready with `pipeline` commands each.
double cpu_per_command_ns(const EventLoopCosts& loop, const CommandCosts& cmd,
                          const CommandShape& shape, std::uint32_t connections,
                          std::uint32_t pipeline, bool woke_up);

}  // namespace scalesim::hardware
