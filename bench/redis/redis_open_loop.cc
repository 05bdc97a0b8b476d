// Open-loop Poisson load generator for Redis (GET, SET, MGET, HGETALL).
//
// Requests are due at Poisson arrival times fixed in advance of the replies, so a slow reply
// never delays the next send: latency is taken from the scheduled send time (no coordinated
// omission). Service latency from the actual write and the generator's own send lag are reported
// beside it, so a late generator can be told from a slow server. It busy-polls one thread on
// plain sockets and epoll, so that no sleep or wake-up adds to what is measured.
//
// Prints one JSON object on stdout.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string command = "get";  // get, set, mget, hgetall
  std::string prefix;           // empty: key: for get/set/mget, hash: for hgetall
  int value_size = 100;
  int mget_keys = 10;
  long keyspace = 100000;
  double rate = 1000.0;  // requests per second, all connections together
  double duration_s = 5.0;
  double warmup_s = 1.0;
  double drain_s = 2.0;
  int connections = 50;
  std::uint64_t seed = 1;
  long server_pid = 0;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "redis_open_loop: %s\n", what.c_str());
  std::exit(2);
}

[[noreturn]] void DieErrno(const std::string& what) {
  Die(what + ": " + std::strerror(errno));
}

void Usage() {
  std::fprintf(stderr,
               "usage: redis_open_loop [--host H] [--port P] [--command get|set|mget|hgetall]\n"
               "  [--prefix S] [--value-size B] [--mget-keys K] [--keyspace N] --rate R\n"
               "  [--duration S] [--warmup S] [--drain S] [--connections C] [--seed S]\n"
               "  [--server-pid PID]\n");
  std::exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") Usage();
    if (i + 1 >= argc) Usage();
    const std::string v = argv[++i];
    try {
      if (a == "--host") {
        o.host = v;
      } else if (a == "--port") {
        o.port = std::stoi(v);
      } else if (a == "--command") {
        o.command = v;
      } else if (a == "--prefix") {
        o.prefix = v;
      } else if (a == "--value-size") {
        o.value_size = std::stoi(v);
      } else if (a == "--mget-keys") {
        o.mget_keys = std::stoi(v);
      } else if (a == "--keyspace") {
        o.keyspace = std::stol(v);
      } else if (a == "--rate") {
        o.rate = std::stod(v);
      } else if (a == "--duration") {
        o.duration_s = std::stod(v);
      } else if (a == "--warmup") {
        o.warmup_s = std::stod(v);
      } else if (a == "--drain") {
        o.drain_s = std::stod(v);
      } else if (a == "--connections") {
        o.connections = std::stoi(v);
      } else if (a == "--seed") {
        o.seed = std::stoull(v);
      } else if (a == "--server-pid") {
        o.server_pid = std::stol(v);
      } else {
        Usage();
      }
    } catch (const std::exception&) {
      Die("bad value for " + a + ": " + v);
    }
  }
  if (o.command != "get" && o.command != "set" && o.command != "mget" && o.command != "hgetall") {
    Die("unknown command " + o.command);
  }
  if (o.prefix.empty()) o.prefix = o.command == "hgetall" ? "hash:" : "key:";
  if (!(o.rate > 0) || !(o.duration_s > 0) || o.warmup_s < 0 || o.connections < 1 ||
      o.keyspace < 1 || o.mget_keys < 1 || o.value_size < 0) {
    Die("rate, duration, connections, keyspace and mget-keys must be positive");
  }
  return o;
}

std::int64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

double CpuSecondsSelf() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

// The server's CPU from /proc: utime+stime of the whole process (clock ticks, all threads) and
// the main thread's run time from schedstat (nanoseconds; the event loop runs there).
struct ServerCpu {
  bool ok = false;
  double stat_s = 0.0;
  double sched_s = 0.0;
};

ServerCpu ReadServerCpu(long pid) {
  ServerCpu c;
  if (pid <= 0) return c;
  const std::string base = "/proc/" + std::to_string(pid);
  std::ifstream stat(base + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return c;
  // The command name may hold spaces; the fields after its closing parenthesis are fixed.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return c;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  c.stat_s = (utime + stime) / tick;
  std::ifstream sched(base + "/schedstat");
  double run_ns = 0;
  if (sched >> run_ns) c.sched_s = run_ns * 1e-9;
  c.ok = true;
  return c;
}

// Skips one complete RESP2 reply starting at pos; returns the position after it, or npos when
// the buffer does not yet hold all of it.
constexpr std::size_t kIncomplete = std::string_view::npos;

std::size_t SkipReply(std::string_view b, std::size_t pos, long* errors) {
  if (pos >= b.size()) return kIncomplete;
  const std::size_t crlf = b.find("\r\n", pos + 1);
  if (crlf == std::string_view::npos) return kIncomplete;
  const char type = b[pos];
  if (type == '+' || type == ':') return crlf + 2;
  if (type == '-') {
    ++*errors;
    return crlf + 2;
  }
  long n = 0;
  const auto [ptr, ec] = std::from_chars(b.data() + pos + 1, b.data() + crlf, n);
  if (ec != std::errc() || ptr != b.data() + crlf) Die("malformed reply header");
  if (type == '$') {
    if (n < 0) return crlf + 2;
    const std::size_t end = crlf + 2 + static_cast<std::size_t>(n) + 2;
    return end <= b.size() ? end : kIncomplete;
  }
  if (type == '*') {
    std::size_t p = crlf + 2;
    for (long i = 0; i < n; ++i) {
      p = SkipReply(b, p, errors);
      if (p == kIncomplete) return kIncomplete;
    }
    return p;
  }
  Die(std::string("unexpected reply type '") + type + "'");
}

struct Pending {
  std::int64_t scheduled_ns;
  std::int64_t sent_ns;
  std::uint64_t start_byte;  // offset of its first byte in the connection's output stream
  bool measured;
};

struct Conn {
  int fd = -1;
  std::string out;
  std::size_t out_off = 0;
  std::uint64_t bytes_written = 0;
  std::string in;
  std::size_t in_off = 0;
  std::deque<Pending> pending;
  std::size_t unsent = 0;  // the last `unsent` entries of pending have not begun to be written
};

int Connect(const Options& o) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) DieErrno("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(o.port));
  if (inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) Die("bad host " + o.host);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) DieErrno("connect");
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) DieErrno("fcntl");
  return fd;
}

void AppendBulk(std::string& out, std::string_view s) {
  out += '$';
  out += std::to_string(s.size());
  out += "\r\n";
  out += s;
  out += "\r\n";
}

class RequestWriter {
 public:
  RequestWriter(const Options& o, std::uint64_t seed)
      : o_(o),
        rng_(seed),
        pick_(0, o.keyspace - 1),
        value_(static_cast<std::size_t>(o.value_size), 'v') {}

  void Append(std::string& out) {
    if (o_.command == "get") {
      out += "*2\r\n$3\r\nGET\r\n";
      AppendBulk(out, Key());
    } else if (o_.command == "set") {
      out += "*3\r\n$3\r\nSET\r\n";
      AppendBulk(out, Key());
      AppendBulk(out, value_);
    } else if (o_.command == "mget") {
      out += '*';
      out += std::to_string(o_.mget_keys + 1);
      out += "\r\n$4\r\nMGET\r\n";
      for (int i = 0; i < o_.mget_keys; ++i) AppendBulk(out, Key());
    } else {
      out += "*2\r\n$7\r\nHGETALL\r\n";
      AppendBulk(out, Key());
    }
  }

 private:
  std::string_view Key() {
    const int n = std::snprintf(key_, sizeof key_, "%s%012ld", o_.prefix.c_str(), pick_(rng_));
    return {key_, static_cast<std::size_t>(std::min<int>(n, sizeof key_ - 1))};
  }

  const Options& o_;
  std::mt19937_64 rng_;
  std::uniform_int_distribution<long> pick_;
  std::string value_;
  char key_[128] = {};
};

struct Summary {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
};

// Quantiles by linear interpolation between order statistics; values in microseconds.
Summary Summarise(std::vector<std::int64_t>& ns) {
  Summary s;
  if (ns.empty()) return s;
  std::sort(ns.begin(), ns.end());
  const auto q = [&](double p) {
    const double r = p * static_cast<double>(ns.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(r));
    const std::size_t hi = std::min(lo + 1, ns.size() - 1);
    const double f = r - static_cast<double>(lo);
    return (static_cast<double>(ns[lo]) * (1 - f) + static_cast<double>(ns[hi]) * f) * 1e-3;
  };
  double sum = 0;
  for (const auto v : ns) sum += static_cast<double>(v);
  s.mean = sum / static_cast<double>(ns.size()) * 1e-3;
  s.p50 = q(0.5);
  s.p90 = q(0.9);
  s.p99 = q(0.99);
  s.p999 = q(0.999);
  s.max = static_cast<double>(ns.back()) * 1e-3;
  return s;
}

std::string Json(const Summary& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"mean\": %.3f, \"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"p99_9\": %.3f, "
                "\"max\": %.3f}",
                s.mean, s.p50, s.p90, s.p99, s.p999, s.max);
  return buf;
}

double FractionOver(const std::vector<std::int64_t>& sorted, std::int64_t ns) {
  if (sorted.empty()) return 0.0;
  const auto it = std::upper_bound(sorted.begin(), sorted.end(), ns);
  return static_cast<double>(sorted.end() - it) / static_cast<double>(sorted.size());
}

// Writes as much queued output as the socket takes; the requests whose first byte goes out in
// this write are stamped with its time.
void Flush(Conn& c) {
  while (c.out_off < c.out.size()) {
    const std::int64_t t = NowNs();
    const ssize_t w = write(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off);
    if (w < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      DieErrno("write");
    }
    const std::uint64_t end = c.bytes_written + static_cast<std::uint64_t>(w);
    while (c.unsent > 0) {
      Pending& p = c.pending[c.pending.size() - c.unsent];
      if (p.start_byte >= end) break;
      p.sent_ns = t;
      --c.unsent;
    }
    c.bytes_written = end;
    c.out_off += static_cast<std::size_t>(w);
  }
  c.out.clear();
  c.out_off = 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  std::vector<Conn> conns(static_cast<std::size_t>(o.connections));
  const int ep = epoll_create1(0);
  if (ep < 0) DieErrno("epoll_create1");
  for (std::size_t i = 0; i < conns.size(); ++i) {
    conns[i].fd = Connect(o);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) != 0) DieErrno("epoll_ctl");
  }

  // Arrivals and keys draw from separate streams, so the arrival times of a seed do not depend
  // on the command.
  std::mt19937_64 arrival_rng(o.seed);
  std::exponential_distribution<double> gap_ns(o.rate * 1e-9);
  RequestWriter writer(o, o.seed ^ 0x9e3779b97f4a7c15ULL);

  const auto expected = static_cast<std::size_t>(o.rate * o.duration_s * 1.1) + 1024;
  std::vector<std::int64_t> latency, service, lag;
  latency.reserve(expected);
  service.reserve(expected);
  lag.reserve(expected);

  const std::int64_t start = NowNs() + 1'000'000;
  const std::int64_t window_start = start + static_cast<std::int64_t>(o.warmup_s * 1e9);
  const std::int64_t window_end = window_start + static_cast<std::int64_t>(o.duration_s * 1e9);
  const std::int64_t give_up = window_end + static_cast<std::int64_t>(o.drain_s * 1e9);
  double next = static_cast<double>(start) + gap_ns(arrival_rng);

  long measured_sent = 0, completed_in_window = 0, errors = 0, outstanding = 0;
  bool in_window = false, window_done = false;
  double cpu0 = 0, cpu1 = 0;
  ServerCpu srv0, srv1;
  std::vector<std::size_t> dirty;
  std::vector<epoll_event> events(conns.size());
  std::vector<char> buf(1 << 16);
  std::size_t rr = 0;

  for (;;) {
    std::int64_t now = NowNs();
    if (!in_window && now >= window_start) {
      in_window = true;
      cpu0 = CpuSecondsSelf();
      srv0 = ReadServerCpu(o.server_pid);
    }
    if (in_window && !window_done && now >= window_end) {
      window_done = true;
      cpu1 = CpuSecondsSelf();
      srv1 = ReadServerCpu(o.server_pid);
    }
    // Every request due by now is queued, however late, and keeps its scheduled time.
    while (next <= static_cast<double>(now) && next < static_cast<double>(window_end)) {
      Conn& c = conns[rr];
      if (c.out.size() == c.out_off) dirty.push_back(rr);
      rr = (rr + 1) % conns.size();
      const auto scheduled = static_cast<std::int64_t>(next);
      const bool measured = scheduled >= window_start;
      c.pending.push_back({scheduled, 0, c.bytes_written + (c.out.size() - c.out_off), measured});
      ++c.unsent;
      writer.Append(c.out);
      measured_sent += measured ? 1 : 0;
      ++outstanding;
      next += gap_ns(arrival_rng);
    }
    if (!dirty.empty()) {
      std::size_t keep = 0;
      for (const std::size_t i : dirty) {
        Flush(conns[i]);
        if (conns[i].out_off < conns[i].out.size()) dirty[keep++] = i;
      }
      dirty.resize(keep);
    }

    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 0);
    if (n < 0 && errno != EINTR) DieErrno("epoll_wait");
    for (int e = 0; e < n; ++e) {
      Conn& c = conns[events[static_cast<std::size_t>(e)].data.u64];
      for (;;) {
        const ssize_t r = read(c.fd, buf.data(), buf.size());
        if (r < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK) break;
          if (errno == EINTR) continue;
          DieErrno("read");
        }
        if (r == 0) Die("server closed a connection");
        const std::int64_t t = NowNs();
        c.in.append(buf.data(), static_cast<std::size_t>(r));
        for (;;) {
          const std::size_t end = SkipReply(c.in, c.in_off, &errors);
          if (end == kIncomplete) break;
          c.in_off = end;
          if (c.pending.empty() || c.pending.size() == c.unsent) Die("reply without a request");
          const Pending p = c.pending.front();
          c.pending.pop_front();
          --outstanding;
          if (t >= window_start && t < window_end) ++completed_in_window;
          if (p.measured) {
            latency.push_back(t - p.scheduled_ns);
            service.push_back(t - p.sent_ns);
            lag.push_back(p.sent_ns - p.scheduled_ns);
          }
        }
        if (c.in_off == c.in.size()) {
          c.in.clear();
          c.in_off = 0;
        } else if (c.in_off > (1u << 20)) {
          c.in.erase(0, c.in_off);
          c.in_off = 0;
        }
        if (static_cast<std::size_t>(r) < buf.size()) break;
      }
    }
    now = NowNs();
    if (window_done && outstanding == 0) break;
    if (now >= give_up) break;
  }
  if (!window_done) {
    cpu1 = CpuSecondsSelf();
    srv1 = ReadServerCpu(o.server_pid);
  }

  const auto completed = static_cast<long>(latency.size());
  const Summary lat = Summarise(latency);
  const Summary svc = Summarise(service);
  const Summary lg = Summarise(lag);
  const double dur = o.duration_s;
  const double throughput = static_cast<double>(completed_in_window) / dur;
  const double client_cpu = cpu1 - cpu0;
  const double per_op =
      completed_in_window > 0 ? 1e6 / static_cast<double>(completed_in_window) : 0;

  std::printf("{\"generator\": \"redis_open_loop\", \"command\": \"%s\", \"prefix\": \"%s\", ",
              o.command.c_str(), o.prefix.c_str());
  std::printf("\"value_size\": %d, \"mget_keys\": %d, \"keyspace\": %ld, \"connections\": %d, ",
              o.value_size, o.mget_keys, o.keyspace, o.connections);
  std::printf("\"seed\": %llu, \"rate\": %.3f, \"duration_s\": %.3f, \"warmup_s\": %.3f, ",
              static_cast<unsigned long long>(o.seed), o.rate, o.duration_s, o.warmup_s);
  std::printf("\"scheduled\": %ld, \"completed\": %ld, \"not_completed\": %ld, \"errors\": %ld, ",
              measured_sent, completed, measured_sent - completed, errors);
  std::printf("\"offered_rate\": %.3f, \"throughput\": %.3f, ",
              static_cast<double>(measured_sent) / dur, throughput);
  std::printf("\"latency_us\": %s, \"service_latency_us\": %s, \"send_lag_us\": %s, ",
              Json(lat).c_str(), Json(svc).c_str(), Json(lg).c_str());
  std::printf(
      "\"late_send_fraction\": {\"over_10us\": %.6f, \"over_100us\": %.6f, "
      "\"over_1ms\": %.6f}, ",
      FractionOver(lag, 10'000), FractionOver(lag, 100'000), FractionOver(lag, 1'000'000));
  std::printf("\"client_cpu_s\": %.6f, \"client_cpu_util\": %.4f, \"client_cpu_us_per_op\": %.4f",
              client_cpu, client_cpu / dur, client_cpu * per_op);
  if (srv0.ok && srv1.ok) {
    const double st = srv1.stat_s - srv0.stat_s;
    const double sc = srv1.sched_s - srv0.sched_s;
    std::printf(
        ", \"server_pid\": %ld, \"server_cpu_s\": %.6f, \"server_cpu_util\": %.4f, "
        "\"server_cpu_us_per_op\": %.4f, \"server_main_thread_cpu_s\": %.6f, "
        "\"server_main_thread_util\": %.4f, \"server_main_thread_us_per_op\": %.4f",
        o.server_pid, st, st / dur, st * per_op, sc, sc / dur, sc * per_op);
  }
  std::printf("}\n");
  for (const Conn& c : conns) close(c.fd);
  close(ep);
  return 0;
}
