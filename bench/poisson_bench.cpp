// Question: does `evspike generate poisson` reach >= 1e7 spikes/s end to end (1000 neurons x 20 Hz
// x 1000 s = 2e7 spikes in < 2 s on one core, HDF5 included)? And where does the time go:
// drawing and sorting the trains, or writing the file?
//
// usage: poisson_bench [OUT.h5] [--neurons N] [--rate HZ] [--t-stop MS]
// Prints generation only (windows produced, nothing written), generation + spike_writer (the
// command's work) and the file size. Times are CPU seconds of this process (the machine is
// shared, so wall time also counts the neighbours); wall time is printed too.
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "io/spike_file.hpp"
#include "models/poisson_population.hpp"

namespace {
// CPU time of this process: on a shared machine wall time measures the neighbours too.
struct stopwatch {
    std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
    std::clock_t cpu = std::clock();
    double wall_s() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count(); }
    double cpu_s() const { return static_cast<double>(std::clock() - cpu) / CLOCKS_PER_SEC; }
};
}  // namespace

int main(int argc, char** argv) {
    std::string out = "poisson_bench.h5";
    std::uint64_t neurons = 1000;
    double rate_hz = 20.0, t_stop_ms = 1e6;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--neurons" && i + 1 < argc) neurons = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--rate" && i + 1 < argc) rate_hz = std::atof(argv[++i]);
        else if (a == "--t-stop" && i + 1 < argc) t_stop_ms = std::atof(argv[++i]);
        else out = a;
    }
    const evspike::poisson_params params{rate_hz, 0.0, 0.0, t_stop_ms};
    std::vector<double> t;
    std::vector<std::uint64_t> id;

    stopwatch watch;
    std::uint64_t spikes = 0;
    {
        evspike::poisson_population trains(params, neurons, 1, "poisson");
        while (trains.next_window(t, id)) spikes += t.size();
    }
    const double generate_s = watch.cpu_s();
    std::printf("generation only:     %llu spikes, CPU %.3f s (wall %.3f s) = %.3g spikes/s of CPU\n",
                static_cast<unsigned long long>(spikes), generate_s, watch.wall_s(),
                static_cast<double>(spikes) / generate_s);

    watch = stopwatch{};
    {
        evspike::poisson_population trains(params, neurons, 1, "poisson");
        evspike::spike_writer writer(out, {"poisson_bench", 1, ""});
        const auto pop = writer.add_population("poisson");
        while (trains.next_window(t, id))
            writer.append(pop, std::span<const double>(t), std::span<const std::uint64_t>(id));
        writer.commit();
    }
    const double total_s = watch.cpu_s();
    std::printf("generation + writer: %llu spikes, CPU %.3f s (wall %.3f s) = %.3g spikes/s of CPU; "
                "writer's share ~%.3f s\n",
                static_cast<unsigned long long>(spikes), total_s, watch.wall_s(), static_cast<double>(spikes) / total_s,
                total_s - generate_s);
    std::printf("file: %s, %.1f MB (%.2f bytes/spike)\n", out.c_str(),
                static_cast<double>(std::filesystem::file_size(out)) / 1e6,
                static_cast<double>(std::filesystem::file_size(out)) / static_cast<double>(spikes));
    return 0;
}
