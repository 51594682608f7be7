#pragma once
// Named random streams (SPEC §1): every stream is seeded from the run's seed and the stream's
// name alone, so adding or removing one population, source or unit leaves the others' draws as
// they were.
//
// Why not std::mt19937_64: its state is 2.5 KB, and we want one stream per neuron of a source
// (so draws do not depend on how neurons are partitioned across ranks later): a million of them
// would be 2.5 GB. xoshiro256++ (Blackman & Vigna 2018) has 32 bytes of state, passes BigCrush
// and is a UniformRandomBitGenerator, so std:: distributions work with it.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

namespace evspike {

// SplitMix64 step: a bijective mix with good avalanche; also seeds xoshiro's state.
constexpr std::uint64_t mix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// FNV-1a of the name, mixed with the seed.
constexpr std::uint64_t stream_seed(std::uint64_t seed, std::string_view name) {
    std::uint64_t h = 0xCBF29CE484222325ull;
    for (char c : name) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001B3ull;
    }
    return mix64(mix64(seed) ^ h);
}

class random_stream {
public:
    using result_type = std::uint64_t;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

    explicit constexpr random_stream(std::uint64_t seed = 1) {
        std::uint64_t x = seed;
        for (auto& word : s_) {
            word = mix64(x);
            x += 0x9E3779B97F4A7C15ull;
        }
    }

    constexpr result_type operator()() {
        const std::uint64_t result = std::rotl(s_[0] + s_[3], 23) + s_[0];
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = std::rotl(s_[3], 45);
        return result;
    }

    friend bool operator==(const random_stream&, const random_stream&) = default;

private:
    std::uint64_t s_[4]{};
};

inline random_stream make_stream(std::uint64_t seed, std::string_view name) {
    return random_stream(stream_seed(seed, name));
}

// Uniform in [0, 1) with 53 random bits.
inline double uniform01(random_stream& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Uniform in (0, 1]: safe under log().
inline double uniform_open0(random_stream& rng) {
    return (static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53;
}

// Exponential with mean 1/rate (rate in the inverse unit of the result): exact inversion.
inline double exponential(random_stream& rng, double rate) { return -std::log(uniform_open0(rng)) / rate; }

}  // namespace evspike
