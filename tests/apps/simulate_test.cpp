// End-to-end: the evspike binary on the bundled configs and on small configs written here.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <string>

#include "io/spike_file.hpp"
#include "io/voltage_report.hpp"
#include "support.hpp"

using namespace evspike;
using evspike::test::run_evspike;
using evspike::test::temp_dir;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

const char* small_config = R"(seed = 3
t_stop = 50.0
[[population]]
name = "exc"
size = 40
model = "lif_delta"
params = { tau_m = 20.0, E_L = -49.0, V_th = -50.0, V_reset = -60.0, t_ref = 5.0 }
V_m = { uniform = [-60.0, -50.0] }
[[source]]
name = "stim"
kind = "poisson"
size = 5
rate = 100.0
[[connection]]
source = "exc"
target = "exc"
rule = { fixed_indegree = 8 }
weight = 0.5
delay = { uniform = [1.0, 3.0] }
[[connection]]
source = "stim"
target = "exc"
rule = { probability = 0.5 }
weight = 1.0
delay = 0.3
[output]
spikes = "out.h5"
record = ["exc", "stim"]
[[output.voltage]]
population = "exc"
node_ids = [0, 3]
interval = 0.5
)";

}  // namespace

TEST_SUITE("apps") {
    TEST_CASE("evspike simulate data/bench4.toml writes sorted spikes at Benchmark 4's rate (9.6 Hz, as Brian2)") {
        temp_dir dir;
        const auto out = dir / "bench4.h5";
        const auto r = run_evspike("simulate " + std::string(test::data_dir) + "/bench4.toml --quiet -o " + out);
        REQUIRE_MESSAGE(r.exit_code == 0, r.out);
        spike_reader reader(out);
        CHECK(reader.populations() == std::vector<std::string>{"exc", "inh"});
        CHECK(reader.sorting("exc") == spike_sorting::by_time);
        const auto table = reader.read("exc");
        bool ordered = true, inside = true;
        for (std::size_t k = 0; k < table.size(); ++k) {
            inside &= table.timestamps[k] >= 0.0 && table.timestamps[k] < 1000.0;
            if (k > 0)
                ordered &= table.timestamps[k - 1] < table.timestamps[k] ||
                           (table.timestamps[k - 1] == table.timestamps[k] &&
                            table.node_ids[k - 1] < table.node_ids[k]);
        }
        CHECK(ordered);
        CHECK(inside);
        // Brian2 runs of the same network give 9.6 Hz (bench/README.md, Benchmark 4); seeds 1-3
        // give 9.4-9.9 Hz per population here. A model or wiring fault (lost inhibition, wrong
        // weights or delays) moves it far outside +-10 %.
        const double rate_hz = static_cast<double>(reader.size("exc") + reader.size("inh")) / 4000.0 / 1.0;
        CHECK(rate_hz > 8.6);
        CHECK(rate_hz < 10.6);
        CHECK(reader.root_attribute("evspike_seed") == std::optional<std::string>("1"));
        CHECK(reader.root_attribute("evspike_config")->find("fixed_indegree") != std::string::npos);
        CHECK(reader.root_attribute("evspike_command")->find("simulate") != std::string::npos);
    }

    TEST_CASE("same seed gives a byte-identical spike file; another seed does not") {
        temp_dir dir;
        write(dir / "net.toml", small_config);
        auto sim = [&](const std::string& out, const std::string& extra) {
            const auto r = run_evspike("simulate " + (dir / "net.toml") + " --quiet -o " + out + " " + extra);
            REQUIRE_MESSAGE(r.exit_code == 0, r.out);
            return slurp(out);
        };
        const std::string a = sim(dir / "a.h5", "");
        // The command line is provenance and names the output: a.h5 and b.h5 differ only there.
        const std::string b = sim(dir / "b.h5", "");
        CHECK(a.size() > 1000);
        auto strip = [](std::string s) {  // the command attribute holds the output path
            for (auto pos = s.find("/a.h5"); pos != std::string::npos; pos = s.find("/a.h5", pos + 1))
                s[pos + 1] = 'b';
            return s;
        };
        CHECK(strip(a) == b);
    }

    TEST_CASE("same seed, same spikes with every queue; --seed changes them") {
        temp_dir dir;
        write(dir / "net.toml", small_config);
        auto spikes = [&](const std::string& extra) {
            const auto out = dir / "x.h5";
            const auto r = run_evspike("simulate " + (dir / "net.toml") + " --quiet -o " + out + " " + extra);
            REQUIRE_MESSAGE(r.exit_code == 0, r.out);
            return spike_reader(out).read("exc");
        };
        const auto base = spikes("");
        CHECK(base.size() > 50);
        for (const char* q : {"lazy", "mutable", "pairing", "indexed"}) {
            const auto other = spikes(std::string("--queue ") + q);
            CHECK(other.timestamps == base.timestamps);
            CHECK(other.node_ids == base.node_ids);
        }
        CHECK(spikes("--seed 4").timestamps != base.timestamps);
    }

    TEST_CASE("the voltage report has one exact sample per interval below t_stop") {
        temp_dir dir;
        write(dir / "net.toml", small_config);
        const auto r = run_evspike("simulate " + (dir / "net.toml") + " --quiet --t-stop 10");
        REQUIRE_MESSAGE(r.exit_code == 0, r.out);
        const auto v = read_voltage_report(dir / "out.h5.voltage.h5", "exc");
        CHECK(v.samples == 20);
        CHECK(v.node_ids == std::vector<std::uint64_t>{0, 3});
    }

    TEST_CASE("voltage samples equal the analytic V of a DC-driven neuron, through spike and refractoriness") {
        // NEST's DC test neuron (REFERENCES.md): E_L = V_reset = 0, V_th = 15 mV, tau_m 10 ms,
        // C_m 250 pF, I_e 1000 pA: V(t) = 40 (1 - e^{-t/10}) crosses 15 mV at
        // t1 = 10 ln(40/25) = 4.70003629245736 ms; V is held at 0 for t_ref = 2 ms, then rises again.
        temp_dir dir;
        write(dir / "dc.toml", R"(t_stop = 10.0
[[population]]
name = "n"
size = 1
model = "lif_delta"
params = { tau_m = 10.0, C_m = 250.0, E_L = 0.0, V_th = 15.0, V_reset = 0.0, t_ref = 2.0, I_e = 1000.0 }
V_m = 0.0
[output]
spikes = "dc.h5"
[[output.voltage]]
population = "n"
node_ids = [0]
interval = 0.25
dtype = "float64"
)");
        const auto r = run_evspike("simulate " + (dir / "dc.toml") + " --quiet");
        REQUIRE_MESSAGE(r.exit_code == 0, r.out);
        const double t1 = 10.0 * std::log(40.0 / 25.0);
        const auto spikes = spike_reader(dir / "dc.h5").read("n").timestamps;
        REQUIRE(spikes.size() == 1);  // the next crossing, at t1 + 2 + t1 = 11.4 ms, is after t_stop
        CHECK(std::abs(spikes[0] - t1) < 1e-12);
        const auto v = read_voltage_report(dir / "dc.h5.voltage.h5", "n");
        REQUIRE(v.samples == 40);
        REQUIRE(v.float64);
        double worst = 0.0;
        for (std::size_t k = 0; k < v.samples; ++k) {
            const double s = 0.25 * static_cast<double>(k);
            const double expected = s < t1 ? 40.0 * -std::expm1(-s / 10.0)
                                  : s < t1 + 2.0 ? 0.0
                                                 : 40.0 * -std::expm1(-(s - t1 - 2.0) / 10.0);
            worst = std::max(worst, std::abs(v.values[k] - expected));
        }
        CHECK(worst < 1e-12);  // mV
    }

    TEST_CASE("a config error exits 1 and names the key path") {
        temp_dir dir;
        std::string bad = small_config;
        bad.replace(bad.find("delay = 0.3"), 11, "delay = 0.0");
        write(dir / "bad.toml", bad);
        const auto r = run_evspike("simulate " + (dir / "bad.toml") + " --quiet");
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("connection[1].delay") != std::string::npos);
        CHECK(r.out.find("bad.toml") != std::string::npos);
    }

    TEST_CASE("simulate: --help exits 0, a bad option or queue exits 2") {
        CHECK(run_evspike("simulate --help").exit_code == 0);
        CHECK(run_evspike("simulate").exit_code == 2);
        CHECK(run_evspike("simulate x.toml --queue nope").exit_code == 2);
        CHECK(run_evspike("simulate x.toml --bogus").exit_code == 2);
    }

}  // TEST_SUITE
