// Question: where does `generate hawkes` spend its time at 1e7 events: the cluster simulation or
// the SONATA writer? 10 units, all-to-all exponential kernels (norm 0.08, tau 10 ms, spectral
// radius 0.8), baseline 100 Hz, t_stop 2e6 ms: about 1e7 events. Reports wall and CPU seconds
// (CPU time is the fair figure on a shared machine). Usage: hawkes_bench [t_stop_ms]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "io/spike_file.hpp"
#include "models/hawkes.hpp"

using namespace evspike;

namespace {

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

template <class F>
void measure(const char* label, F&& f) {
    const auto w0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    const std::uint64_t events = f();
    const double cpu = cpu_seconds() - c0;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    std::printf("%-28s events %llu  wall %.2f s  cpu %.2f s  %.3g events/s (cpu)\n", label,
                static_cast<unsigned long long>(events), wall, cpu, static_cast<double>(events) / cpu);
}

}  // namespace

int main(int argc, char** argv) {
    hawkes_params p;
    p.t_stop_ms = argc > 1 ? std::atof(argv[1]) : 2e6;
    p.burn_in_ms = 100.0;
    p.baseline_hz.assign(10, 100.0);
    for (std::uint64_t i = 0; i < 10; ++i)
        for (std::uint64_t j = 0; j < 10; ++j) {
            hawkes_kernel k;
            k.source = j;
            k.target = i;
            k.norm = 0.08;
            k.tau = 10.0;
            p.kernels.push_back(k);
        }
    measure("simulate only", [&] {
        std::uint64_t n = 0;
        simulate_hawkes(p, [&](std::span<const double> t, std::span<const std::uint64_t>) { n += t.size(); });
        return n;
    });
    const std::string path = (std::filesystem::temp_directory_path() / "evspike_hawkes_bench.h5").string();
    measure("simulate + spike_writer", [&] {
        std::uint64_t n = 0;
        spike_writer w(path, provenance{"hawkes_bench", 1, ""});
        const auto pop = w.add_population("hawkes");
        simulate_hawkes(p, [&](std::span<const double> t, std::span<const std::uint64_t> u) {
            w.append(pop, t, u);
            n += t.size();
        });
        w.commit();
        return n;
    });
    std::filesystem::remove(path);
}
