#include "scalesim/interrupt.h"

#include <csignal>

namespace scalesim {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;  // see interrupt.h for why this is global

extern "C" void on_stop_signal(int signal) {
  g_stop_signal = signal;
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool stop_requested() {
  return g_stop_signal != 0;
}
int stop_signal() {
  return g_stop_signal;
}
void request_stop_for_testing(int signal) {
  g_stop_signal = signal;
}

}  // namespace scalesim
