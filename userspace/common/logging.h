// Logging set-up: spdlog to stderr, warnings and errors by default, debug
// with -v. Everything validprof says goes through spdlog so that -v turns on
// the same detail everywhere (libbpf's own messages included, see
// bpf_support/libbpf_logging.h).
#pragma once

namespace validprof::common {

void init_logging(bool verbose);

}  // namespace validprof::common
