// End-to-end: the evspike binary on the bundled configs and on small configs written here.
#include <doctest/doctest.h>

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
    TEST_CASE("evspike simulate data/bench4.toml --t-stop 100 exits 0 and writes spikes") {
        temp_dir dir;
        const auto out = dir / "bench4.h5";
        const auto r = run_evspike("simulate " + std::string(test::data_dir) +
                                   "/bench4.toml --t-stop 100 --quiet -o " + out);
        REQUIRE_MESSAGE(r.exit_code == 0, r.out);
        spike_reader reader(out);
        CHECK(reader.populations() == std::vector<std::string>{"exc", "inh"});
        CHECK(reader.size("exc") > 100);
        CHECK(reader.sorting("exc") == spike_sorting::by_time);
        const auto table = reader.read("exc");
        for (std::size_t k = 0; k < table.size(); ++k) {
            CHECK(table.timestamps[k] < 100.0);
            if (k > 0) {
                const bool ordered = table.timestamps[k - 1] < table.timestamps[k] ||
                                     (table.timestamps[k - 1] == table.timestamps[k] &&
                                      table.node_ids[k - 1] < table.node_ids[k]);
                CHECK(ordered);
            }
        }
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
        for (double x : v.values) {
            CHECK(x <= -50.0);
            CHECK(x >= -70.0);
        }
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
