// Question: what does one random 64-byte line from beyond the caches cost this machine when
// many are in flight at once? The engine's inputs at 4e5 neurons cost ~1-2 such lines each (a
// neuron's slot, its records, its stretch of the synapse arrays), so this is the floor under
// the scale series' events/s (bench/README.md, Run 16).
//
// An array of `mb` MB (huge pages, as the engine's: core/big_vector.hpp), 2^24 random line
// indices drawn beforehand; each index's line is read (summed) or read and written (+1), with
// a software prefetch `ahead` indices ahead (0: none; the core still overlaps the misses it
// can see). Best of 3 repetitions, in ns per line. Usage: memory_lines [mb]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

#include "core/big_vector.hpp"
#include "core/random.hpp"

using namespace evspike;

namespace {

constexpr std::size_t words_per_line = 8;  // 64 bytes of uint64_t

template <bool Write>
double ns_per_line(big_vector<std::uint64_t>& lines, const std::vector<std::uint32_t>& order, std::size_t ahead,
                   std::uint64_t& sink) {
    double best = 1e300;
    for (int rep = 0; rep < 3; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        std::uint64_t sum = 0;
        const std::size_t n = order.size();
        for (std::size_t i = 0; i < n; ++i) {
            if (ahead != 0 && i + ahead < n) __builtin_prefetch(&lines[order[i + ahead] * words_per_line], Write);
            std::uint64_t& word = lines[order[i] * words_per_line];
            if constexpr (Write)
                ++word;
            else
                sum += word;
        }
        const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
        best = std::min(best, ns / static_cast<double>(n));
        sink += sum;
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t mb = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 256;
    const std::size_t line_count = (mb << 20) / 64;
    if (line_count == 0 || line_count > std::size_t{1} << 32) {
        std::fprintf(stderr, "memory_lines: mb must be 1 to 262144 (got %s)\n", argc > 1 ? argv[1] : "");
        return 2;
    }
    big_vector<std::uint64_t> lines;
    try {
        lines.resize(line_count * words_per_line);
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "memory_lines: cannot allocate %zu MB\n", mb);
        return 1;
    }
    std::fill(lines.begin(), lines.end(), 1);
    std::vector<std::uint32_t> order(std::size_t{1} << 24);
    random_stream rng(12);
    for (auto& i : order) i = static_cast<std::uint32_t>(rng() % line_count);

    std::uint64_t sink = 0;
    std::printf("%zu MB array, %zu random lines, best of 3 (ns per line)\n", mb, order.size());
    for (const std::size_t ahead : {0, 8, 16, 32, 64}) {
        const double read = ns_per_line<false>(lines, order, ahead, sink);
        const double write = ns_per_line<true>(lines, order, ahead, sink);
        std::printf("prefetch %2zu ahead: read %.1f ns, read-modify-write %.1f ns\n", ahead, read, write);
    }
    std::printf("(checksum %llu)\n", static_cast<unsigned long long>(sink));
}
