// evspike generate poisson: independent homogeneous Poisson trains with optional dead time
// (SPEC §6), written as one population of a SONATA spike file, sorted by time, ties by node id.
// Streaming, window by window (models/poisson_population.hpp): memory is O(N + spikes per
// window) whatever t_stop, and the same seed gives the same bytes.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>
#include <vector>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "core/random.hpp"
#include "io/atomic_file.hpp"
#include "io/spike_file.hpp"
#include "io/rate_file.hpp"
#include "models/inhomogeneous_poisson.hpp"
#include "models/poisson_population.hpp"

namespace evspike::cli {
namespace {

// Memory per neuron, bytes: its process and next spike (~100 B) plus its share of the window
// buffers (models/poisson_population.cpp: about 4 N spikes per window, raw, sorted and bucket
// counts): the whole process peaked at 343 MB for 1e6 neurons (session 6, after the generator's
// finer buckets), so 352 B covers it.
constexpr double bytes_per_neuron = 352.0;

// Up-front checks (SPEC §8), before anything is drawn: the file from the mean spike count
// (refused beyond the free disk space, a notice above 1 GB), memory from the neurons.
void check_sizes(const std::string& output, std::uint64_t neurons, double max_rate_hz, double t_stop_ms,
                 std::uint64_t max_memory) {
    const double n = static_cast<double>(neurons);
    char detail[120];
    const double spikes = n * max_rate_hz * t_stop_ms / 1000.0;
    std::snprintf(detail, sizeof detail, "%.3g spikes x %g B", spikes, file_bytes_per_spike);
    check_output_size(output, spikes * file_bytes_per_spike, detail);
    std::snprintf(detail, sizeof detail, "%.3g neurons x %g B", n, bytes_per_neuron);
    check_memory("generate poisson", n * bytes_per_neuron + 65536.0 * 48.0, detail, max_memory);
}

std::string format_double(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", v);
    return buffer;
}

// --rate-file: inhomogeneous trains, exact by time rescaling (models/inhomogeneous_poisson.hpp).
int generate_from_rate_file(const std::string& output, const std::string& rate_file, std::uint64_t neurons,
                            double t_stop_ms, double dead_time_ms, const std::string& population, std::uint64_t seed,
                            bool quiet, std::uint64_t max_memory) {
    declare_input(rate_file, "rate file");
    check_output(output);
    const rate_profile profile = read_rate_file(rate_file);
    try {
        validate_rate_profile(profile, dead_time_ms);
    } catch (const model_error& e) {
        throw config_error("--rate-file", e.what(), rate_file);
    }
    check_sizes(output, neurons, *std::max_element(profile.rate_hz.begin(), profile.rate_hz.end()), t_stop_ms,
                max_memory);
    inhomogeneous_poisson_population trains(profile, dead_time_ms, t_stop_ms, neurons, seed, population);
    std::string config = "neurons = " + std::to_string(neurons) + "\nrate_file = \"" + rate_file +
                         "\"\nt_stop = " + format_double(t_stop_ms) + "\ndead_time = " + format_double(dead_time_ms) +
                         "\npopulation = \"" + population + "\"\n# time_ms,rate_hz\n";
    for (std::size_t k = 0; k < profile.time_ms.size(); ++k)
        config += "# " + format_double(profile.time_ms[k]) + "," + format_double(profile.rate_hz[k]) + "\n";
    spike_writer writer(output, provenance{invocation(), seed, config});
    const std::size_t pop = writer.add_population(population);
    progress_bar progress("generate poisson", t_stop_ms, quiet);
    std::vector<double> times;
    std::vector<std::uint64_t> ids;
    std::uint64_t spikes = 0;
    while (trains.next_batch(times, ids)) {
        writer.append(pop, std::span<const double>(times), std::span<const std::uint64_t>(ids));
        spikes += times.size();
        progress.update(trains.time_reached());
    }
    writer.commit();
    progress.finish();
    if (!quiet)
        std::printf("wrote %s: %llu spikes of %llu neurons in [0, %g) ms\n", output.c_str(),
                    static_cast<unsigned long long>(spikes), static_cast<unsigned long long>(neurons), t_stop_ms);
    return 0;
}

}  // namespace

int run_generate_poisson(const args& a) {
    command_line cl;
    cl.usage =
        "evspike generate poisson -o OUT --neurons N (--rate HZ | --rate-file CSV) --t-stop MS [--dead-time MS] "
        "[--population NAME] [--seed S]";
    std::string output, rate_file, population;
    std::uint64_t neurons = 0, seed = 1;
    double rate_hz = 0, t_stop_ms = 0, dead_time_ms = 0;
    cl.options.add_options()
        ("output,o", po::value(&output)->required(), "output SONATA spike file (.h5)")
        ("neurons", count(&neurons)->required(), "number of neurons (node ids 0 .. N-1)")
        ("rate", non_negative(&rate_hz, "Hz"), "rate of every neuron, Hz")
        ("t-stop", positive_time_ms(&t_stop_ms)->required(), "end of the run, ms: spikes in [0, t_stop)")
        ("dead-time", time_ms(&dead_time_ms)->default_value(0.0), "dead time after each spike, ms (rate * dead time < 1)")
        ("rate-file", po::value(&rate_file), "piecewise-constant rate, CSV time_ms,rate_hz (instead of --rate): exact inhomogeneous trains")
        ("population", po::value(&population)->default_value("poisson"), "population name in the file")
        ("seed", cli::seed(&seed)->default_value(1), "random seed; neuron i draws from stream \"<population>/<i>\"");
    std::uint64_t max_memory = 0;
    add_max_memory(cl.options, &max_memory);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;

    if (vm.count("rate-file") != 0 && vm.count("rate") != 0)
        throw usage_error("--rate and --rate-file exclude each other", cl.usage);
    if (vm.count("rate") == 0 && vm.count("rate-file") == 0)
        throw usage_error("the option '--rate' (or '--rate-file') is required", cl.usage);
    if (population.empty()) throw usage_error("--population: must not be empty", cl.usage);
    if (vm.count("rate-file") != 0)
        return generate_from_rate_file(output, rate_file, neurons, t_stop_ms, dead_time_ms, population, seed,
                                       vm.count("quiet") != 0, max_memory);
    poisson_params params{rate_hz, dead_time_ms, 0.0, t_stop_ms};
    try {
        params.validate();
    } catch (const model_error& e) {
        throw usage_error(std::string("--rate/--dead-time: ") + e.what(), cl.usage);
    }

    check_output(output);
    check_sizes(output, neurons, rate_hz, t_stop_ms, max_memory);
    poisson_population trains(params, neurons, seed, population);

    const std::string config = "neurons = " + std::to_string(neurons) + "\nrate = " + format_double(rate_hz) +
                               "\nt_stop = " + format_double(t_stop_ms) + "\ndead_time = " +
                               format_double(dead_time_ms) + "\npopulation = \"" + population + "\"\n";
    spike_writer writer(output, provenance{invocation(), seed, config});
    const std::size_t pop = writer.add_population(population);

    const bool quiet = vm.count("quiet") != 0;
    progress_bar progress("generate poisson", t_stop_ms, quiet);
    std::vector<double> times;
    std::vector<std::uint64_t> ids;
    std::uint64_t spikes = 0;
    while (trains.next_window(times, ids)) {
        writer.append(pop, std::span<const double>(times), std::span<const std::uint64_t>(ids));
        spikes += times.size();
        progress.update(trains.time_reached());
    }
    writer.commit();
    progress.finish();
    if (!quiet)
        std::printf("wrote %s: %llu spikes of %llu neurons in [0, %g) ms\n", output.c_str(),
                    static_cast<unsigned long long>(spikes), static_cast<unsigned long long>(neurons), t_stop_ms);
    return 0;
}

}  // namespace evspike::cli
