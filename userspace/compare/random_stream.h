// A small deterministic random stream for resampling. The standard
// distributions (std::uniform_int_distribution) are implementation-defined,
// so the same seed could give different intervals with another standard
// library; a diff must print the same figures wherever it runs, so the
// generator and the bounded draw are defined here: SplitMix64 (Steele, Lea
// and Flood's 64-bit mixer) and Lemire's multiply-shift reduction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace validprof::compare {

class RandomStream {
public:
    explicit RandomStream(std::uint64_t seed) : state_(seed) {}

    std::uint64_t next() {
        state_ += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = state_;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    // Uniform in [0, bound) for bound > 0; the bias of the multiply-shift
    // (at most bound / 2^64) is far below anything a bootstrap resolves.
    std::size_t below(std::size_t bound) {
        const unsigned __int128 product = static_cast<unsigned __int128>(next()) * bound;
        return static_cast<std::size_t>(product >> 64);
    }

private:
    std::uint64_t state_;
};

// A seed per metric name (FNV-1a), mixed with the run's seed, so each
// comparison draws its own stream and adding a metric does not move the
// intervals of the others.
inline std::uint64_t seed_for(std::string_view name, std::uint64_t run_seed) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (char c : name) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash ^ run_seed;
}

}  // namespace validprof::compare
