// The §5 simulation config loader: a full config parses into the expected spec; every class of
// error is a config_error whose message names the file and the exact key path.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <variant>

#include "core/error.hpp"
#include "io/config.hpp"
#include "io/spike_file.hpp"
#include "io/toml_util.hpp"
#include "support.hpp"

namespace {

using evspike::config_error;
using evspike::simulation_spec;
using evspike::test::temp_dir;

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// Writes `text` as cfg.toml in `dir` and loads it.
simulation_spec load(const temp_dir& dir, const std::string& text) {
    const std::string path = dir / "cfg.toml";
    write_file(path, text);
    return evspike::load_simulation_config(path);
}

// The message of the config_error that loading `text` throws ("" if it does not throw one).
std::string error_of(const std::string& text) {
    temp_dir dir;
    try {
        load(dir, text);
    } catch (const config_error& e) {
        return e.what();
    }
    return "";
}

// Loading `text` as cfg.toml in `dir` must throw a config_error naming cfg.toml and the key path
// `key` (and containing `detail`).
void check_error_in(const temp_dir& dir, const std::string& text, const std::string& key,
                    const std::string& detail = "") {
    CHECK_THROWS_AS(load(dir, text), config_error);
    std::string message;
    try {
        load(dir, text);
    } catch (const config_error& e) {
        message = e.what();
    }
    INFO("message: " << message);
    CHECK(message.find("cfg.toml") != std::string::npos);
    CHECK(message.find(": " + key + ": ") != std::string::npos);
    if (!detail.empty()) CHECK(message.find(detail) != std::string::npos);
}

void check_error(const std::string& text, const std::string& key, const std::string& detail = "") {
    temp_dir dir;
    check_error_in(dir, text, key, detail);
}

const std::string minimal = R"(
[[population]]
name = "exc"
size = 10
model = "lif_delta"
)";

const std::string full_config = R"(
seed = 7
t_stop = 500          # an integer where a float is expected

[[population]]
name = "exc"
size = 20
model = "lif_exp"
params = { tau_m = 20.0, E_L = -49.0, V_th = -50.0, V_reset = -60.0, t_ref = 5.0, tau_syn_ex = 3, tau_syn_in = 4.5, reset = "soft", I_e = 10 }
V_m = { uniform = [-60.0, -50.0] }

[[population]]
name = "inh"
size = 5
model = "lif_delta"
params = { E_L = -65.0 }

[[source]]
name = "stim"
kind = "poisson"
size = 50
rate = 300.0
start = 1.0
stop = 51.0
dead_time = 2

[[source]]
name = "cue"
kind = "spike_times"
times = [[1.0, 2.5], [], [3]]

[[source]]
name = "ramp"
kind = "poisson"
size = 3
rate_file = "rates/ramp.csv"

[[connection]]
source = "exc"
target = "exc"
rule = { fixed_indegree = 4 }
weight = 0.25
delay = { uniform = [1.0, 3.0] }
autapses = false
multapses = true

[[connection]]
source = "stim"
target = "inh"
rule = { probability = 0.5 }
weight = { normal = [1.0, 0.1] }
delay = { normal = [1.5, 0.5] }

[[connection]]
source = "cue"
target = "exc"
rule = { pairs = [[0, 1], [2, 19]] }
weight = [0.5, -0.5]
delay = [0.1234567, 2]
autapses = true

[[connection]]
source = "exc"
target = "inh"
rule = "all_to_all"

[output]
spikes = "out/run.h5"
record = ["exc", "stim"]
[[output.voltage]]
population = "exc"
node_ids = [0, 19]
interval = 0.1
dtype = "float64"
[[output.voltage]]
population = "inh"
path = "/tmp/abs_voltage.h5"
)";

}  // namespace

TEST_SUITE("io") {

TEST_CASE("config: a full config parses into the expected spec") {
    temp_dir dir;
    std::filesystem::create_directory(dir.path() / "rates");
    write_file(dir / "rates/ramp.csv", "time_ms,rate_hz\n10,5\n20,15\n");
    const auto spec = load(dir, full_config);

    CHECK(spec.seed == 7);
    CHECK(spec.t_stop_ms == 500.0);
    CHECK(spec.config_text == full_config);
    CHECK(spec.config_path == dir / "cfg.toml");

    REQUIRE(spec.populations.size() == 2);
    const auto& exc = spec.populations[0];
    CHECK(exc.name == "exc");
    CHECK(exc.size == 20);
    CHECK(exc.model == evspike::model_kind::lif_exp);
    CHECK(exc.params.tau_m == 20.0);
    CHECK(exc.params.C_m == 250.0);  // default
    CHECK(exc.params.tau_syn_ex == 3.0);
    CHECK(exc.params.tau_syn_in == 4.5);
    CHECK(exc.params.I_e == 10.0);
    CHECK(exc.params.reset == evspike::reset_kind::soft);
    REQUIRE(std::holds_alternative<evspike::uniform_dist>(exc.V_m));
    CHECK(std::get<evspike::uniform_dist>(exc.V_m).lo == -60.0);
    CHECK(std::get<evspike::uniform_dist>(exc.V_m).hi == -50.0);
    const auto& inh = spec.populations[1];
    CHECK(inh.model == evspike::model_kind::lif_delta);
    CHECK(inh.params.reset == evspike::reset_kind::hard);
    REQUIRE(std::holds_alternative<evspike::constant_dist>(inh.V_m));
    CHECK(std::get<evspike::constant_dist>(inh.V_m).value == -65.0);  // V_m defaults to E_L

    REQUIRE(spec.sources.size() == 3);
    const auto& stim = spec.sources[0];
    CHECK(stim.kind == evspike::source_kind::poisson);
    CHECK(stim.size == 50);
    CHECK(stim.rate_hz == 300.0);
    CHECK(stim.start_ms == 1.0);
    CHECK(stim.stop_ms == 51.0);
    CHECK(stim.dead_time_ms == 2.0);
    CHECK(stim.rate_file.time_ms.empty());
    const auto& cue = spec.sources[1];
    CHECK(cue.kind == evspike::source_kind::spike_times);
    CHECK(cue.size == 3);
    REQUIRE(cue.times.size() == 3);
    CHECK(cue.times[0] == std::vector<double>{1.0, 2.5});
    CHECK(cue.times[1].empty());
    CHECK(cue.times[2] == std::vector<double>{3.0});
    const auto& ramp = spec.sources[2];
    CHECK(ramp.stop_ms < 0.0);  // default: t_stop
    CHECK(ramp.rate_file.time_ms == std::vector<double>{0.0, 10.0, 20.0});  // zero before the first row
    CHECK(ramp.rate_file.rate_hz == std::vector<double>{0.0, 5.0, 15.0});

    REQUIRE(spec.connections.size() == 4);
    const auto& c0 = spec.connections[0];
    CHECK(c0.source == "exc");
    CHECK(c0.target == "exc");
    REQUIRE(std::holds_alternative<evspike::fixed_indegree_rule>(c0.rule));
    CHECK(std::get<evspike::fixed_indegree_rule>(c0.rule).k == 4);
    CHECK(std::get<evspike::constant_dist>(std::get<evspike::distribution>(c0.weight)).value == 0.25);
    CHECK(std::get<evspike::uniform_dist>(std::get<evspike::distribution>(c0.delay)).lo == 1.0);
    CHECK_FALSE(c0.autapses);
    CHECK(c0.multapses);
    const auto& c1 = spec.connections[1];
    CHECK(std::get<evspike::probability_rule>(c1.rule).p == 0.5);
    CHECK(std::get<evspike::normal_dist>(std::get<evspike::distribution>(c1.delay)).sd == 0.5);
    const auto& c2 = spec.connections[2];
    const auto& pairs = std::get<evspike::pairs_rule>(c2.rule);
    CHECK(pairs.sources == std::vector<std::uint64_t>{0, 2});
    CHECK(pairs.targets == std::vector<std::uint64_t>{1, 19});
    CHECK(std::get<std::vector<double>>(c2.weight) == std::vector<double>{0.5, -0.5});
    CHECK(std::get<std::vector<double>>(c2.delay) == std::vector<double>{0.1234567, 2.0});
    CHECK(c2.autapses);
    const auto& c3 = spec.connections[3];
    CHECK(std::holds_alternative<evspike::all_to_all_rule>(c3.rule));
    CHECK(std::get<evspike::constant_dist>(std::get<evspike::distribution>(c3.weight)).value == 1.0);
    CHECK(std::get<evspike::constant_dist>(std::get<evspike::distribution>(c3.delay)).value == 1.0);

    CHECK(spec.output.spikes == (dir.path() / "out/run.h5").string());  // beside the config
    CHECK(spec.output.record == std::vector<std::string>{"exc", "stim"});
    REQUIRE(spec.output.voltage.size() == 2);
    CHECK(spec.output.voltage[0].population == "exc");
    CHECK(spec.output.voltage[0].node_ids == std::vector<std::uint64_t>{0, 19});
    CHECK(spec.output.voltage[0].interval_ms == 0.1);
    CHECK(spec.output.voltage[0].float64);
    CHECK(spec.output.voltage[0].path.empty());
    CHECK(spec.output.voltage[1].node_ids.empty());  // default: every node, expanded when the run is built
    CHECK_FALSE(spec.output.voltage[1].float64);
    CHECK(spec.output.voltage[1].path == "/tmp/abs_voltage.h5");  // absolute paths stay
}

TEST_CASE("config: a minimal config takes the documented defaults") {
    temp_dir dir;
    const auto spec = load(dir, minimal);
    CHECK(spec.seed == 1);
    CHECK(spec.t_stop_ms == 1000.0);
    CHECK(spec.populations[0].params.tau_m == 10.0);
    CHECK(std::get<evspike::constant_dist>(spec.populations[0].V_m).value == -70.0);
    CHECK(spec.sources.empty());
    CHECK(spec.connections.empty());
    CHECK(spec.output.spikes.empty());
    CHECK(spec.output.record.empty());
    CHECK(spec.output.voltage.empty());
    CHECK_FALSE(spec.float32_weights);  // weights are the config's doubles
}

TEST_CASE("config: weight_dtype = \"float32\" opts into float32 weights; anything but float32/float64 is refused") {
    temp_dir dir;
    CHECK(load(dir, "weight_dtype = \"float32\"\n" + minimal).float32_weights);
    CHECK_FALSE(load(dir, "weight_dtype = \"float64\"\n" + minimal).float32_weights);
    check_error("weight_dtype = \"float16\"\n" + minimal, "weight_dtype", "float16");
    check_error("weight_dtype = 32\n" + minimal, "weight_dtype");
}

TEST_CASE("config: parse_simulation_config resolves paths against the given path's directory") {
    const auto spec = evspike::parse_simulation_config(minimal + "[output]\nspikes = \"../x/y.h5\"\n",
                                                       "/some/dir/cfg.toml");
    CHECK(spec.output.spikes == "/some/x/y.h5");
    CHECK(spec.config_path == "/some/dir/cfg.toml");
    const auto here = evspike::parse_simulation_config(minimal + "[output]\nspikes = \"y.h5\"\n", "cfg.toml");
    CHECK(here.output.spikes == "y.h5");  // no directory: relative to the working directory
}

TEST_CASE("config: the bundled Brette benchmark 4 configs parse") {
    for (const char* name : {"bench4.toml", "bench4_hetero.toml"}) {
        CAPTURE(name);
        const std::string path = std::string(evspike::test::data_dir) + "/" + name;
        const auto spec = evspike::load_simulation_config(path);
        CHECK(spec.seed == 1);
        CHECK(spec.t_stop_ms == 1000.0);
        REQUIRE(spec.populations.size() == 2);
        CHECK(spec.populations[0].size == 3200);
        CHECK(spec.populations[1].size == 800);
        for (const auto& p : spec.populations) {
            CHECK(p.model == evspike::model_kind::lif_delta);
            CHECK(p.params.tau_m == 20.0);
            CHECK(p.params.E_L == -49.0);
            CHECK(p.params.V_th == -50.0);
            CHECK(p.params.V_reset == -60.0);
            CHECK(p.params.t_ref == 5.0);
            CHECK(p.params.C_m == 250.0);
            CHECK(std::get<evspike::uniform_dist>(p.V_m).lo == -60.0);
            CHECK(std::get<evspike::uniform_dist>(p.V_m).hi == -50.0);
        }
        REQUIRE(spec.connections.size() == 4);
        std::uint64_t exc_in = 0, inh_in = 0;
        for (const auto& c : spec.connections) {
            CHECK_FALSE(c.autapses);
            CHECK(c.multapses);
            const auto k = std::get<evspike::fixed_indegree_rule>(c.rule).k;
            const double w = std::get<evspike::constant_dist>(std::get<evspike::distribution>(c.weight)).value;
            if (c.source == "exc") {
                CHECK(w == 0.25);
                exc_in += k;
            } else {
                CHECK(w == -2.25);
                inh_in += k;
            }
            const auto& delay = std::get<evspike::distribution>(c.delay);
            if (std::string(name) == "bench4.toml") {
                CHECK(std::get<evspike::constant_dist>(delay).value == 0.125);
            } else {
                CHECK(std::get<evspike::uniform_dist>(delay).lo == 1.0);
                CHECK(std::get<evspike::uniform_dist>(delay).hi == 3.0);
            }
        }
        CHECK(exc_in == 2 * 64);  // per target population: 64 exc + 16 inh inputs per neuron
        CHECK(inh_in == 2 * 16);
        CHECK(std::filesystem::path(spec.output.spikes).parent_path() ==
              std::filesystem::path(evspike::test::data_dir).lexically_normal());
    }
}

TEST_CASE("config: TOML syntax errors name the file and the line") {
    check_error("seed = \n" + minimal, "line 1", "syntax");
    check_error("seed = 1\nseed = 2\n" + minimal, "line 2");
}

TEST_CASE("config: a missing file is an io_error naming it") {
    temp_dir dir;
    CHECK_THROWS_AS(evspike::load_simulation_config(dir / "nope.toml"), evspike::io_error);
}

TEST_CASE("config: unknown keys are refused in every table, naming the key path") {
    check_error("sed = 1\n" + minimal, "sed", "unknown key");
    check_error(R"([[population]]
name = "exc"
size = 10
model = "lif_delta"
params = { tau_m = 20.0, tau_mm = 3 }
)", "population[0].params.tau_mm", "unknown key");
    check_error(minimal + "[[population]]\nname = \"b\"\nsize = 1\nmodel = \"lif_delta\"\ncolour = \"red\"\n",
                "population[1].colour");
    check_error(minimal + "[[source]]\nname = \"s\"\nkind = \"spike_times\"\ntimes = [[1.0]]\nrate = 5.0\n",
                "source[0].rate", "unknown key");
    check_error(minimal + "[[connection]]\nsource = \"exc\"\ntarget = \"exc\"\nrule = \"all_to_all\"\ndelays = 1\n",
                "connection[0].delays");
    check_error(minimal + "[output]\nspike = \"x.h5\"\n", "output.spike");
    check_error(minimal + "[[output.voltage]]\npopulation = \"exc\"\nnode_id = [1]\n", "output.voltage[0].node_id");
    check_error(minimal + "[[connection]]\nsource = \"exc\"\ntarget = \"exc\"\nrule = \"all_to_all\"\n"
                          "weight = { uniform = [0, 1], normal = [0, 1] }\n",
                "connection[0].weight");
    check_error(minimal + "[[connection]]\nsource = \"exc\"\ntarget = \"exc\"\nrule = \"all_to_all\"\n"
                          "weight = { gamma = [0, 1] }\n",
                "connection[0].weight.gamma", "unknown distribution");
}

TEST_CASE("config: wrong types name the key path") {
    check_error("seed = \"seven\"\n" + minimal, "seed", "expected an integer");
    check_error("t_stop = \"long\"\n" + minimal, "t_stop", "expected a number");
    check_error("t_stop = nan\n" + minimal, "t_stop", "finite");
    check_error(R"([[population]]
name = "exc"
size = 10
model = "lif_delta"
params = { tau_m = "20" }
)", "population[0].params.tau_m", "expected a number");
    check_error("population = 3\n", "population", "array of tables");
    check_error(minimal + "[[connection]]\nsource = \"exc\"\ntarget = \"exc\"\nrule = \"all_to_all\"\nautapses = 1\n",
                "connection[0].autapses", "true or false");
}

TEST_CASE("config: missing required keys name the key path") {
    check_error("seed = 1\n", "population", "at least one");
    check_error("[[population]]\nname = \"exc\"\nmodel = \"lif_delta\"\n", "population[0].size", "missing");
    check_error("[[population]]\nname = \"exc\"\nsize = 3\n", "population[0].model", "missing");
    check_error(minimal + "[[source]]\nname = \"s\"\nsize = 3\n", "source[0].kind", "missing");
    check_error(minimal + "[[source]]\nname = \"s\"\nkind = \"poisson\"\nsize = 3\n", "source[0].rate", "missing");
    check_error(minimal + "[[connection]]\nsource = \"exc\"\ntarget = \"exc\"\n", "connection[0].rule", "missing");
}

TEST_CASE("config: sizes must be non-negative integers") {
    check_error("[[population]]\nname = \"exc\"\nsize = -3\nmodel = \"lif_delta\"\n", "population[0].size", ">= 0");
    check_error("[[population]]\nname = \"exc\"\nsize = 3.0\nmodel = \"lif_delta\"\n", "population[0].size",
                "expected an integer");
    check_error(minimal + "[[source]]\nname = \"s\"\nkind = \"poisson\"\nsize = 2.5\nrate = 1\n", "source[0].size");
}

TEST_CASE("config: names must be unique across populations and sources") {
    check_error(minimal + "[[population]]\nname = \"exc\"\nsize = 1\nmodel = \"lif_delta\"\n", "population[1].name",
                "duplicate");
    check_error(minimal + "[[source]]\nname = \"exc\"\nkind = \"poisson\"\nsize = 1\nrate = 1\n", "source[0].name",
                "population[0]");
    check_error("[[population]]\nname = \"a/b\"\nsize = 1\nmodel = \"lif_delta\"\n", "population[0].name", "valid name");
}

TEST_CASE("config: unknown models, resets and lif_exp-only parameters name the key") {
    check_error("[[population]]\nname = \"exc\"\nsize = 1\nmodel = \"izhikevich\"\n", "population[0].model",
                "unknown model");
    check_error(minimal + "[[population]]\nname = \"b\"\nsize = 1\nmodel = \"lif_exp\"\nparams = { reset = \"gentle\" }\n",
                "population[1].params.reset");
    check_error("[[population]]\nname = \"exc\"\nsize = 1\nmodel = \"lif_delta\"\nparams = { tau_syn_ex = 2.0 }\n",
                "population[0].params.tau_syn_ex", "lif_exp");
}

TEST_CASE("config: invalid model parameters name the parameter") {
    check_error("[[population]]\nname = \"exc\"\nsize = 1\nmodel = \"lif_delta\"\nparams = { tau_m = -1 }\n",
                "population[0].params.tau_m");
    check_error("[[population]]\nname = \"exc\"\nsize = 1\nmodel = \"lif_exp\"\nparams = { tau_syn_in = 0 }\n",
                "population[0].params.tau_syn_in");
    check_error("[[population]]\nname = \"exc\"\nsize = 1\nmodel = \"lif_delta\"\nparams = { V_reset = -50, V_th = -55 }\n",
                "population[0].params.V_reset");
}

TEST_CASE("config: distributions are checked") {
    check_error("[[population]]\nname = \"exc\"\nsize = 1\nmodel = \"lif_delta\"\nV_m = { uniform = [-50, -60] }\n",
                "population[0].V_m.uniform", "lo <= hi");
    check_error("[[population]]\nname = \"exc\"\nsize = 1\nmodel = \"lif_delta\"\nV_m = { normal = [-50] }\n",
                "population[0].V_m.normal", "two numbers");
    check_error("[[population]]\nname = \"exc\"\nsize = 1\nmodel = \"lif_delta\"\nV_m = { normal = [-50, -1] }\n",
                "population[0].V_m.normal", "sd >= 0");
    check_error("[[population]]\nname = \"exc\"\nsize = 1\nmodel = \"lif_delta\"\nV_m = \"rest\"\n",
                "population[0].V_m");
}

TEST_CASE("config: delays <= 0 name the connection's delay") {
    const std::string head = minimal + R"(
[[connection]]
source = "exc"
target = "exc"
rule = "all_to_all"
[[connection]]
source = "exc"
target = "exc"
rule = "all_to_all"
)";
    check_error(head + "delay = 0.0\n", "connection[1].delay", "> 0");
    check_error(head + "delay = -1\n", "connection[1].delay", "> 0");
    check_error(head + "delay = { uniform = [0.0, 2.0] }\n", "connection[1].delay.uniform", "lo > 0");
    check_error(head + "delay = { normal = [-10.0, 1.0] }\n", "connection[1].delay.normal");
    temp_dir dir;
    const auto spec = load(dir, head + "delay = { normal = [0.5, 1.0] }\n");  // redrawn by the engine
    CHECK(std::get<evspike::normal_dist>(std::get<evspike::distribution>(spec.connections[1].delay)).mean == 0.5);
}

TEST_CASE("config: connection endpoints must exist; targets must be populations") {
    const std::string with_source = minimal + "[[source]]\nname = \"s\"\nkind = \"poisson\"\nsize = 4\nrate = 5\n";
    check_error(with_source + "[[connection]]\nsource = \"nope\"\ntarget = \"exc\"\nrule = \"all_to_all\"\n",
                "connection[0].source", "no population or source named 'nope'");
    check_error(with_source + "[[connection]]\nsource = \"exc\"\ntarget = \"s\"\nrule = \"all_to_all\"\n",
                "connection[0].target", "is a source");
}

TEST_CASE("config: connection rules are checked") {
    const std::string two = minimal + "[[population]]\nname = \"b\"\nsize = 4\nmodel = \"lif_delta\"\n";
    auto conn = [&](const std::string& body) {
        return two + "[[connection]]\nsource = \"exc\"\ntarget = \"b\"\n" + body;
    };
    check_error(conn("rule = \"one_to_one\"\n"), "connection[0].rule", "equal sizes");
    check_error(conn("rule = \"some_to_some\"\n"), "connection[0].rule", "unknown rule");
    check_error(conn("rule = \"fixed_indegree\"\n"), "connection[0].rule", "takes a value");
    check_error(conn("rule = { probability = 1.5 }\n"), "connection[0].rule.probability", "[0, 1]");
    check_error(conn("rule = { fixed_indegree = -2 }\n"), "connection[0].rule.fixed_indegree", ">= 0");
    check_error(conn("rule = { fixed_indegree = 11 }\nmultapses = false\n"), "connection[0].rule.fixed_indegree",
                "exceeds");
    check_error(conn("rule = { fixed_outdegree = 2, probability = 0.1 }\n"), "connection[0].rule", "exactly one");
    check_error(conn("rule = { pairs = [[0, 1], [10, 0]] }\n"), "connection[0].rule.pairs[1]", "source id 10");
    check_error(conn("rule = { pairs = [[0, 4]] }\n"), "connection[0].rule.pairs[0]", "target id 4");
    check_error(conn("rule = { pairs = [[0, 1, 2]] }\n"), "connection[0].rule.pairs[0]");
    check_error(conn("rule = { pairs = [[0, 1], [0, 1]] }\nmultapses = false\n"), "connection[0].rule.pairs[1]",
                "repeats");
    check_error(conn("rule = { pairs = [[0, 1], [2, 3]] }\nweight = [1.0]\n"), "connection[0].weight", "2 pairs");
    check_error(conn("rule = { pairs = [[0, 1], [2, 3]] }\ndelay = [1.0, 0.0]\n"), "connection[0].delay[1]", "> 0");
    check_error(conn("rule = \"all_to_all\"\nweight = [1.0, 2.0]\n"), "connection[0].weight", "pairs rule");
    check_error(minimal + "[[connection]]\nsource = \"exc\"\ntarget = \"exc\"\nrule = { pairs = [[3, 3]] }\n",
                "connection[0].rule.pairs[0]", "autapses");
    check_error(minimal + "[[connection]]\nsource = \"exc\"\ntarget = \"exc\"\nrule = \"one_to_one\"\n",
                "connection[0].rule", "autapses = true");
}

TEST_CASE("config: spike_times sources are checked") {
    auto src = [](const std::string& body) { return minimal + "[[source]]\nname = \"s\"\nkind = \"spike_times\"\n" + body; };
    check_error(src("times = [[1.0, 0.5]]\n"), "source[0].times[0][1]", "increasing");
    check_error(src("times = [[1.0], [-0.5]]\n"), "source[0].times[1][0]", ">= 0");
    check_error(src("times = [[1.0], [2.0]]\nsize = 3\n"), "source[0].size", "differs");
    check_error(src("times = [1.0, 2.0]\n"), "source[0].times[0]", "expected an array");
    check_error(minimal + "[[source]]\nname = \"s\"\nkind = \"spike_train\"\n", "source[0].kind", "unknown kind");
}

TEST_CASE("config: poisson sources are checked") {
    auto src = [](const std::string& body) {
        return minimal + "[[source]]\nname = \"s\"\nkind = \"poisson\"\nsize = 2\n" + body;
    };
    check_error(src("rate = -1\n"), "source[0].rate", ">= 0");
    check_error(src("rate = 10\nstart = 5\nstop = 4\n"), "source[0].stop", ">= start");
    check_error(src("rate = 10\ndead_time = -1\n"), "source[0].dead_time", ">= 0");
    check_error(src("rate = 500\ndead_time = 2\n"), "source[0].dead_time", "< 1");
    check_error(src("rate = 5\nrate_file = \"r.csv\"\n"), "source[0].rate_file", "not both");
    check_error(src("rate_file = \"missing.csv\"\n"), "source[0].rate_file", "missing.csv");
    temp_dir dir;
    write_file(dir / "bad.csv", "time_ms,rate_hz\n0,5\n10,-1\n");
    write_file(dir / "cfg.toml", src("rate_file = \"bad.csv\"\n"));
    try {
        evspike::load_simulation_config(dir / "cfg.toml");
        FAIL("no error");
    } catch (const config_error& e) {
        const std::string message = e.what();
        CHECK(message.find("source[0].rate_file") != std::string::npos);
        CHECK(message.find("bad.csv: line 3") != std::string::npos);
    }
}

TEST_CASE("config: output record and voltage reports are checked") {
    check_error(minimal + "[output]\nrecord = [\"exc\", \"inh\"]\n", "output.record[1]", "'inh'");
    check_error(minimal + "[output]\nrecord = []\n", "output.record", "at least one");
    check_error(minimal + "[output]\nrecord = [\"exc\", \"exc\"]\n", "output.record[1]", "twice");
    check_error(minimal + "[[output.voltage]]\npopulation = \"exc\"\nnode_ids = [0, 1, 10]\n",
                "output.voltage[0].node_ids[2]", "out of range");
    check_error(minimal + "[[output.voltage]]\npopulation = \"exc\"\nnode_ids = [1, 1]\n",
                "output.voltage[0].node_ids[1]", "twice");
    check_error(minimal + "[[output.voltage]]\npopulation = \"exc\"\ninterval = 0\n", "output.voltage[0].interval",
                "> 0");
    check_error(minimal + "[[output.voltage]]\npopulation = \"exc\"\ndtype = \"float16\"\n", "output.voltage[0].dtype");
    check_error(minimal + "[[output.voltage]]\npopulation = \"exc\"\n[[output.voltage]]\npopulation = \"exc\"\n",
                "output.voltage[1].population", "already has");
    check_error(minimal + "[[output.voltage]]\npopulation = \"ghost\"\n", "output.voltage[0].population");
    check_error("t_stop = -5\n" + minimal, "t_stop", "> 0");
}

TEST_CASE("config: error messages carry the line of the offending value") {
    const std::string message = error_of(minimal + "[[connection]]\nsource = \"exc\"\ntarget = \"exc\"\n"
                                                   "rule = \"all_to_all\"\ndelay = 0\n");
    CHECK(message.find("cfg.toml:10: connection[0].delay: ") != std::string::npos);
}

TEST_CASE("config: spike_file sources replay a SONATA file per node id") {
    temp_dir dir;
    {
        evspike::spike_writer writer(dir / "rec.h5", evspike::provenance{});
        const auto p = writer.add_population("exc");
        writer.append(p, 1.0, 2);
        writer.append(p, 2.0, 0);
        writer.append(p, 3.5, 2);
        writer.commit();
    }
    auto src = [](const std::string& body) { return minimal + "[[source]]\nname = \"rep\"\nkind = \"spike_file\"\n" + body; };
    auto spec = load(dir, src("path = \"rec.h5\"\n"));  // the single population is taken
    REQUIRE(spec.sources.size() == 1);
    const auto& s = spec.sources[0];
    CHECK(s.kind == evspike::source_kind::spike_file);
    CHECK(s.population == "exc");
    CHECK(s.path == dir / "rec.h5");
    CHECK(s.size == 3);  // max id + 1
    REQUIRE(s.times.size() == 3);
    CHECK(s.times[0] == std::vector<double>{2.0});
    CHECK(s.times[1].empty());
    CHECK(s.times[2] == std::vector<double>{1.0, 3.5});

    spec = load(dir, src("path = \"rec.h5\"\npopulation = \"exc\"\nsize = 10\n"));
    CHECK(spec.sources[0].size == 10);
    CHECK(spec.sources[0].times.size() == 10);

    check_error_in(dir, src("path = \"rec.h5\"\nsize = 2\n"), "source[0].size", "too small");
    check_error_in(dir, src("path = \"nope.h5\"\n"), "source[0].path", "nope.h5");
    write_file(dir / "cfg.toml", src("path = \"rec.h5\"\npopulation = \"inh\"\n"));
    CHECK_THROWS_WITH_AS(evspike::load_simulation_config(dir / "cfg.toml"),
                         doctest::Contains("source[0].population"), config_error);
}

TEST_CASE("toml_util: tables refuse keys never asked for and list the known ones") {
    const auto doc = evspike::detail::toml_document::from_text("n = 3\nx = 2\n[t]\nk = 1.5\nbad = 0\n", "g.toml");
    const auto root = doc.root();
    CHECK(root.number("n") == 3.0);  // an integer where a number is expected
    CHECK(root.count("n") == 3);
    CHECK(root.number("absent", 4.5) == 4.5);
    CHECK_THROWS_WITH_AS(root.count("missing"), "g.toml: missing: missing required key", config_error);
    const auto t = root.table("t");
    CHECK_THROWS_WITH_AS(t.count("k"), doctest::Contains("g.toml:4: t.k: expected an integer"), config_error);
    CHECK_THROWS_WITH_AS(t.finish(), doctest::Contains("g.toml:5: t.bad: unknown key (expected one of: k)"),
                         config_error);
    CHECK_THROWS_WITH_AS(root.finish(), doctest::Contains("g.toml:2: x: unknown key"), config_error);
    root.allow("x");
    CHECK_NOTHROW(root.finish());
}

TEST_CASE("config: [output] given as an array of tables is a type error") {
    check_error(minimal + "[[output]]\nspikes = \"x.h5\"\n", "output", "expected a table");
}

TEST_CASE("toml_util: key paths quote keys that are not bare") {
    CHECK(evspike::detail::join_key("", "seed") == "seed");
    CHECK(evspike::detail::join_key("population[0]", "params") == "population[0].params");
    CHECK(evspike::detail::join_key("a", "b.c") == "a.\"b.c\"");
    CHECK(evspike::detail::index_key("output.voltage", 2) == "output.voltage[2]");
}

}  // TEST_SUITE
