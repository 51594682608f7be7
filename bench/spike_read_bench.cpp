// Question: how fast do SONATA spike files write and read back (issue 2: write >= 1e7 spikes/s
// with compression, read-stream >= 5e7 spikes/s)?
//
// Usage: spike_read_bench [--spikes N] [--file PATH] [--keep] [--read-only] [--stream-only]
//   Writes N spikes (default 2e7: 1000 neurons at 20 Hz for 1000 s, time-sorted) to PATH
//   (default a temporary file), then reads them back with for_each_chunk and read(). With
//   --read-only, PATH is an existing file and only the reads are timed (its first population);
//   --stream-only skips read() (for profiling the streaming passes alone).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "io/spike_file.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

// The machine is shared, so wall time depends on the load: every figure also reports the
// process CPU time, which does not.
struct stopwatch {
    clock_type::time_point wall = clock_type::now();
    std::clock_t cpu = std::clock();
    double wall_s() const { return std::chrono::duration<double>(clock_type::now() - wall).count(); }
    double cpu_s() const { return static_cast<double>(std::clock() - cpu) / CLOCKS_PER_SEC; }
};

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
    bool keep = false, read_only = false, stream_only = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--spikes" && i + 1 < argc)
            spikes = static_cast<std::uint64_t>(std::stod(argv[++i]));
        else if (arg == "--file" && i + 1 < argc)
            path = argv[++i];
        else if (arg == "--keep")
            keep = true;
        else if (arg == "--read-only")
            read_only = true;
        else if (arg == "--stream-only")
            stream_only = true;
        else {
            std::fprintf(stderr, "usage: %s [--spikes N] [--file PATH] [--keep] [--read-only] [--stream-only]\n",
                         argv[0]);
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
            stopwatch generate;
            for (std::uint64_t done = 0; done < spikes; done += block)
                gen.fill(times, ids, static_cast<std::size_t>(std::min<std::uint64_t>(block, spikes - done)));
            const double generate_wall = generate.wall_s(), generate_cpu = generate.cpu_s();

            raster_source source{evspike::make_stream(1, "bench"), neurons * rate_hz / 1000.0, neurons};
            stopwatch total;
            {
                evspike::spike_writer writer(path, {"spike_read_bench", 1, ""});
                std::size_t pop = writer.add_population(population);
                for (std::uint64_t done = 0; done < spikes; done += block) {
                    source.fill(times, ids,
                                static_cast<std::size_t>(std::min<std::uint64_t>(block, spikes - done)));
                    writer.append(pop, times, ids);
                }
                writer.commit();
            }
            const double total_wall = total.wall_s(), total_cpu = total.cpu_s();
            const double n = static_cast<double>(spikes);
            const double bytes = static_cast<double>(std::filesystem::file_size(path));
            std::printf("spikes                   %llu\n", static_cast<unsigned long long>(spikes));
            std::printf("file size                %.1f MB (%.2f bytes/spike)\n", bytes / 1e6, bytes / n);
            std::printf("%-24s %7s %7s  %s\n", "", "wall s", "cpu s", "spikes/s (by cpu time)");
            std::printf("%-24s %7.3f %7.3f  %.3g\n", "generate only", generate_wall, generate_cpu,
                        n / generate_cpu);
            std::printf("%-24s %7.3f %7.3f  %.3g\n", "generate + write", total_wall, total_cpu,
                        n / total_cpu);
            std::printf("%-24s %7.3f %7.3f  %.3g\n", "write (difference)", total_wall - generate_wall,
                        total_cpu - generate_cpu, n / (total_cpu - generate_cpu));
        }

        evspike::spike_reader reader(path);
        if (read_only) population = reader.populations().at(0);
        const std::uint64_t n = reader.size(population);
        for (std::size_t chunk : {std::size_t{1} << 16, std::size_t{1} << 20}) {
            double checksum = 0.0;
            std::uint64_t seen = 0;
            stopwatch watch;
            reader.for_each_chunk(population, chunk, [&](const evspike::spike_table& t) {
                seen += t.size();
                checksum += t.timestamps.back() + static_cast<double>(t.node_ids.back());
            });
            const double wall = watch.wall_s(), cpu = watch.cpu_s();
            std::printf("for_each_chunk(%7zu)  %7.3f %7.3f  %.3g  [%llu spikes, checksum %.6g]\n", chunk,
                        wall, cpu, static_cast<double>(seen) / cpu, static_cast<unsigned long long>(seen),
                        checksum);
        }
        if (stream_only) return 0;
        stopwatch watch;
        evspike::spike_table all = reader.read(population);
        const double wall = watch.wall_s(), cpu = watch.cpu_s();
        std::printf("%-24s %7.3f %7.3f  %.3g\n", "read() whole", wall, cpu,
                    static_cast<double>(all.size()) / cpu);
        if (all.size() != n) {
            std::fprintf(stderr, "read() returned %zu spikes, expected %llu\n", all.size(),
                         static_cast<unsigned long long>(n));
            return 1;
        }
        const double last = all.size() ? all.timestamps.back() : 0.0;
        stopwatch window_watch;
        evspike::spike_table window =
            reader.read(population, {last * 0.5, last * 0.5 + 1000.0, std::nullopt});
        std::printf("%-24s %7.4f %7.4f  [%zu spikes]\n", "read() 1 s window", window_watch.wall_s(),
                    window_watch.cpu_s(), window.size());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    if (!keep && !read_only) std::filesystem::remove(path);
    return 0;
}
