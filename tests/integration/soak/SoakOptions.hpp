// fwx::test::SoakOptions: how long the soak runs and from which seed, from its command line.
#pragma once

#include <cstdint>

namespace fwx::test {

struct SoakOptions {
    // Steps of the random walk over the API; each is one operation plus the full check.
    std::uint64_t operations = 300;
    // The seed of the walk: the same seed and operations replay the same sequence.
    std::uint64_t seed = 20240611;
    // A progress line every so many operations (0: none).
    std::uint64_t progressEvery = 0;
    // fwxd's descriptors and memory are sampled every so many operations.
    std::uint64_t sampleEvery = 25;
};

// Takes --operations N, --seed S and --progress N out of argv (gtest's own flags have gone
// already); anything else it does not know is an error. Returns false and prints why on a
// bad command line.
bool parseSoakOptions(int& argc, char** argv, SoakOptions& options);

// The options main() parsed, for the test.
SoakOptions& soakOptions();

} // namespace fwx::test
