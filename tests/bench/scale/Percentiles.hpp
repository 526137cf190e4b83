// fwx::bench::Percentiles: order statistics of a sample of durations.
#pragma once

#include <cstddef>
#include <vector>

namespace fwx::bench {

class Percentiles {
public:
    Percentiles() = default;
    // Takes the sample (any order); values in any unit, e.g. microseconds.
    explicit Percentiles(std::vector<double> values);

    std::size_t count() const noexcept { return sorted_.size(); }
    bool empty() const noexcept { return sorted_.empty(); }
    // The nearest-rank percentile p (0 < p <= 100): the smallest value that at least p% of
    // the sample is at or below. 0 for an empty sample.
    double at(double p) const noexcept;
    double p50() const noexcept { return at(50); }
    double p99() const noexcept { return at(99); }
    double max() const noexcept { return sorted_.empty() ? 0 : sorted_.back(); }

private:
    std::vector<double> sorted_;
};

} // namespace fwx::bench
