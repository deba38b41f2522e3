#include "report/percentiles.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace validprof::report {

namespace {

void check_percent(double percent) {
    // The negated form also rejects NaN.
    if (!(percent > 0.0 && percent <= 100.0)) {
        throw std::invalid_argument("percentile must be in (0, 100], got " +
                                    std::to_string(percent));
    }
}

}  // namespace

std::size_t nearest_rank(std::size_t n, double percent) {
    check_percent(percent);
    if (n == 0) return 0;
    const double exact = percent * static_cast<double>(n) / 100.0;
    // Fractional percentiles can land a hair above an integer in doubles
    // (16.1 * 1000 / 100 -> 161.00000000000003); ceil would then skip a
    // rank, so values within rounding noise of an integer are taken as that
    // integer.
    const double nearest = std::round(exact);
    double rank = std::abs(exact - nearest) <= 1e-9 * std::max(1.0, exact) ? nearest
                                                                           : std::ceil(exact);
    rank = std::clamp(rank, 1.0, static_cast<double>(n));
    return static_cast<std::size_t>(rank);
}

std::uint64_t percentile_nearest_rank(const std::vector<std::uint64_t>& sorted_ascending,
                                      double percent) {
    check_percent(percent);
    if (sorted_ascending.empty()) return 0;
    if (!std::is_sorted(sorted_ascending.begin(), sorted_ascending.end())) {
        throw std::invalid_argument("percentile_nearest_rank needs samples sorted ascending");
    }
    return sorted_ascending[nearest_rank(sorted_ascending.size(), percent) - 1];
}

}  // namespace validprof::report
