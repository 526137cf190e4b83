#include "Percentiles.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace fwx::bench {

Percentiles::Percentiles(std::vector<double> values)
    : sorted_(std::move(values)) {
    std::sort(sorted_.begin(), sorted_.end());
}

double Percentiles::at(double p) const noexcept {
    if (sorted_.empty()) {
        return 0;
    }
    const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted_.size()));
    const auto index = static_cast<std::size_t>(std::max(rank, 1.0)) - 1;
    return sorted_[std::min(index, sorted_.size() - 1)];
}

} // namespace fwx::bench
