// Routes libbpf's own messages into spdlog: warnings stay warnings, the
// verifier log and debug chatter only appear with -v.
#pragma once

namespace validprof::bpf_support {

void route_libbpf_logging();

}  // namespace validprof::bpf_support
