// Question: how fast do SONATA spike files write and read back (issue 2: write >= 1e7 spikes/s
// with compression, read-stream >= 5e7 spikes/s)?
//
// Usage: spike_read_bench [--spikes N] [--file PATH] [--keep] [--read-only]
//   Writes N spikes (default 2e7: 1000 neurons at 20 Hz for 1000 s, time-sorted) to PATH
//   (default a temporary file), then reads them back with for_each_chunk and read(). With
//   --read-only, PATH is an existing file and only the reads are timed (its first population).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "io/spike_file.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

// A merged Poisson raster: exponential gaps at the total rate, uniform node ids.
struct raster_source {
    evspike::random_stream rng = evspike::make_stream(1, "bench");
    double total_rate_per_ms;
    std::uint64_t neurons;
    double t = 0.0;
    void fill(std::vector<double>& times, std::vector<std::uint64_t>& ids, std::size_t n) {
        times.resize(n);
        ids.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            t += evspike::exponential(rng, total_rate_per_ms);
            times[i] = t;
            ids[i] = rng() % neurons;
        }
    }
};

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t spikes = 20'000'000;
    std::string path;
    bool keep = false, read_only = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--spikes" && i + 1 < argc) spikes = static_cast<std::uint64_t>(std::stod(argv[++i]));
        else if (arg == "--file" && i + 1 < argc) path = argv[++i];
        else if (arg == "--keep") keep = true;
        else if (arg == "--read-only") read_only = true;
        else {
            std::fprintf(stderr, "usage: %s [--spikes N] [--file PATH] [--keep] [--read-only]\n", argv[0]);
            return 2;
        }
    }
    if (path.empty()) path = (std::filesystem::temp_directory_path() / "evspike-spike-bench.h5").string();

    try {
        const std::uint64_t neurons = 1000;
        const double rate_hz = 20.0;
        std::string population = "bench";
        if (!read_only) {
            const std::size_t block = std::size_t{1} << 16;
            std::vector<double> times;
            std::vector<std::uint64_t> ids;

            // Generation alone, to separate its cost from the writer's.
            raster_source gen{evspike::make_stream(1, "bench"), neurons * rate_hz / 1000.0, neurons};
            auto start = clock_type::now();
            for (std::uint64_t done = 0; done < spikes; done += block)
                gen.fill(times, ids, static_cast<std::size_t>(std::min<std::uint64_t>(block, spikes - done)));
            double generate_s = seconds_since(start);

            raster_source source{evspike::make_stream(1, "bench"), neurons * rate_hz / 1000.0, neurons};
            start = clock_type::now();
            {
                evspike::spike_writer writer(path, {"spike_read_bench", 1, ""});
                std::size_t pop = writer.add_population(population);
                for (std::uint64_t done = 0; done < spikes; done += block) {
                    source.fill(times, ids, static_cast<std::size_t>(std::min<std::uint64_t>(block, spikes - done)));
                    writer.append(pop, times, ids);
                }
                writer.commit();
            }
            double total_s = seconds_since(start);
            double write_s = total_s - generate_s;
            std::printf("spikes                  %llu\n", static_cast<unsigned long long>(spikes));
            std::printf("file size               %.1f MB (%.2f bytes/spike)\n",
                        static_cast<double>(std::filesystem::file_size(path)) / 1e6,
                        static_cast<double>(std::filesystem::file_size(path)) / static_cast<double>(spikes));
            std::printf("generate only           %.3f s\n", generate_s);
            std::printf("generate + write        %.3f s  (%.3g spikes/s end to end)\n", total_s,
                        static_cast<double>(spikes) / total_s);
            std::printf("write only (difference) %.3f s  (%.3g spikes/s)\n", write_s,
                        static_cast<double>(spikes) / write_s);
        }

        evspike::spike_reader reader(path);
        if (read_only) population = reader.populations().at(0);
        const std::uint64_t n = reader.size(population);
        for (std::size_t chunk : {std::size_t{1} << 16, std::size_t{1} << 20}) {
            double checksum = 0.0;
            std::uint64_t seen = 0;
            auto start = clock_type::now();
            reader.for_each_chunk(population, chunk, [&](const evspike::spike_table& t) {
                seen += t.size();
                checksum += t.timestamps.back() + static_cast<double>(t.node_ids.back());
            });
            double s = seconds_since(start);
            std::printf("for_each_chunk(%7zu)  %.3f s  (%.3g spikes/s)  [%llu spikes, checksum %.6g]\n", chunk, s,
                        static_cast<double>(seen) / s, static_cast<unsigned long long>(seen), checksum);
        }
        auto start = clock_type::now();
        evspike::spike_table all = reader.read(population);
        double s = seconds_since(start);
        std::printf("read() whole            %.3f s  (%.3g spikes/s)  [%zu spikes]\n", s,
                    static_cast<double>(all.size()) / s, all.size());
        if (all.size() != n) {
            std::fprintf(stderr, "read() returned %zu spikes, expected %llu\n", all.size(),
                         static_cast<unsigned long long>(n));
            return 1;
        }
        start = clock_type::now();
        double last = all.size() ? all.timestamps.back() : 0.0;
        evspike::spike_table window = reader.read(population, {last * 0.5, last * 0.5 + 1000.0, std::nullopt});
        std::printf("read() 1 s window       %.4f s  [%zu spikes]\n", seconds_since(start), window.size());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    if (!keep && !read_only) std::filesystem::remove(path);
    return 0;
}
