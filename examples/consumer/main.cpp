// Simulates a small network from C++ with an installed evspike, then reads its spikes back from
// the SONATA file it wrote. Two lif_delta neurons driven by a spike_times source through 20 mV
// synapses (more than V_th - E_L = 15 mV) with a 1.5 ms delay: each input spike makes its target
// fire exactly 1.5 ms later. Exit 0 when the file holds exactly those spikes.
#include <cstdio>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/config.hpp"
#include "io/simulation.hpp"
#include "io/spike_file.hpp"

int main(int argc, char** argv) {
    const std::string output = argc > 1 ? argv[1] : "consumer_spikes.h5";
    const char* config = R"(
t_stop = 50.0

[[population]]
name = "n"
size = 2
model = "lif_delta"

[[source]]
name = "stim"
kind = "spike_times"
times = [[1.0, 20.0], [5.25]]

[[connection]]
source = "stim"
target = "n"
rule = "one_to_one"
weight = 20.0
delay = 1.5

[output]
record = ["n"]
)";
    try {
        evspike::simulation_spec spec = evspike::parse_simulation_config(config, "consumer.toml");
        spec.output.spikes = output;
        evspike::simulation_options options;
        options.command = "examples/consumer";
        const evspike::simulation_result result = evspike::run_simulation(spec, options);

        const evspike::spike_reader reader(output);
        const evspike::spike_table spikes = reader.read("n");
        std::printf("simulated %llu spikes; %s holds %zu of population n:\n",
                    static_cast<unsigned long long>(result.stats.spikes), output.c_str(), spikes.size());
        for (std::size_t i = 0; i < spikes.size(); ++i)
            std::printf("  t = %.17g ms, node %llu\n", spikes.timestamps[i],
                        static_cast<unsigned long long>(spikes.node_ids[i]));
        const std::vector<double> times{2.5, 6.75, 21.5};
        const std::vector<std::uint64_t> ids{0, 1, 0};
        if (spikes.timestamps != times || spikes.node_ids != ids) {
            std::fputs("error: expected n spikes at 2.5 (node 0), 6.75 (node 1) and 21.5 ms (node 0)\n", stderr);
            return 1;
        }
        return 0;
    } catch (const evspike::error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
