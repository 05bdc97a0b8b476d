// SIGINT and SIGTERM become a request to stop: sequential runs check it every few thousand
// events, parallel runs at a window boundary (all ranks agree, through the window exchange).
// The flag is process-wide by nature (a signal handler has no other context); it is the one
// mutable global of the engine, written only by the handler.
#pragma once

namespace scalesim {

void install_stop_handlers();  // SIGINT, SIGTERM
bool stop_requested();
int stop_signal();  // the signal received, 0 if none
void request_stop_for_testing(int signal);

}  // namespace scalesim
