#include "compare/statistic.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "report/percentiles.h"

namespace validprof::compare {

std::string Statistic::name() const {
    if (kind == Kind::Mean) return "mean";
    const double whole = std::round(percent);
    if (std::abs(percent - whole) < 1e-9) return "p" + std::to_string(static_cast<int>(whole));
    std::string text = std::to_string(percent);
    text.erase(text.find_last_not_of('0') + 1);
    return "p" + text;
}

double compute(const Statistic& statistic, std::vector<double>& samples) {
    if (samples.empty()) return 0;
    if (statistic.kind == Statistic::Kind::Mean)
        return std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
    const std::size_t rank = report::nearest_rank(samples.size(), statistic.percent);
    auto nth = samples.begin() + static_cast<std::ptrdiff_t>(rank - 1);
    std::nth_element(samples.begin(), nth, samples.end());
    return *nth;
}

}  // namespace validprof::compare
