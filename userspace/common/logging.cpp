#include "common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace validprof::common {

void init_logging(bool verbose) {
    auto logger = spdlog::stderr_color_mt("validprof");
    logger->set_pattern("validprof: %^%l%$: %v");
    logger->set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
    spdlog::set_default_logger(logger);
}

}  // namespace validprof::common
