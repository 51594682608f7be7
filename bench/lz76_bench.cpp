// Question: does LZ76 (core/complexity.cpp, suffix automaton) count 1e6-1e7-bin binarised
// trains in well under a second each, so that `evspike info --bin` on 1e6+ bins finishes in
// seconds (issue 10 item 5; the former quadratic loop did not finish 309,300 bins x 100 neurons
// in 147 s)? Sequences: sparse (5 Hz spikes in 1 ms bins, p = 0.005), dense random (p = 0.5),
// and periodic (one spike every 7 bins, the quadratic loop's worst case).
//
// usage: lz76_bench [BINS...]   (default 309300 1000000 10000000)
// Prints CPU seconds per sequence (the machine is shared) and the phrase count.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "core/complexity.hpp"
#include "core/random.hpp"

int main(int argc, char** argv) {
    std::vector<std::size_t> sizes;
    for (int i = 1; i < argc; ++i) sizes.push_back(std::strtoull(argv[i], nullptr, 10));
    if (sizes.empty()) sizes = {309300, 1000000, 10000000};
    auto rng = evspike::make_stream(1, "lz76-bench");
    std::printf("%-10s %-9s %12s %10s %10s\n", "kind", "bins", "phrases", "cpu_s", "ns/bin");
    for (std::size_t n : sizes) {
        for (const std::string kind : {"sparse", "random", "periodic"}) {
            std::vector<std::uint8_t> s(n);
            for (std::size_t j = 0; j < n; ++j)
                s[j] = kind == "periodic" ? j % 7 == 0
                                          : evspike::uniform01(rng) < (kind == "sparse" ? 0.005 : 0.5);
            const std::clock_t t0 = std::clock();
            const std::uint64_t c = evspike::lz76_phrases(s);
            const double cpu = static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC;
            std::printf("%-10s %-9zu %12llu %10.3f %10.1f\n", kind.c_str(), n, static_cast<unsigned long long>(c), cpu,
                        cpu * 1e9 / static_cast<double>(n));
        }
    }
    return 0;
}
