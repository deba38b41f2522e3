// Routes libbpf's own messages into spdlog: warnings stay warnings, the
// verifier log and debug chatter only appear with -v.
#pragma once

namespace validprof::tracer {

void route_libbpf_logging();

}  // namespace validprof::tracer
