// The §5 simulation config -> simulation_spec. Keys, defaults and decisions: docs/config.md.
#include "io/config.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "core/error.hpp"
#include "core/time.hpp"
#include "io/rate_file.hpp"
#include "io/spike_file.hpp"
#include "io/toml_util.hpp"

namespace evspike {

namespace {

using detail::format_number;
using detail::toml_node;
using detail::toml_table;

// A delay drawn from normal(mean, sd) is redrawn until > 0; refuse distributions for which that
// almost never happens (P(delay > 0) < ~1e-6), as sim/connect.cpp does.
constexpr double min_normal_delay_z = -4.75;

bool valid_name(const std::string& name) {
    if (name.empty() || name.front() == '.' || name.front() == '-') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-' || c == '.';
    });
}

// Where a population or source name was defined, and what it is.
struct group_info {
    std::string key;  // "population[0]" / "source[1]"
    bool is_source = false;
    std::uint64_t size = 0;
};

class loader {
public:
    loader(const std::string& text, const std::string& path)
        : doc_(detail::toml_document::from_text(text, path)),
          base_dir_(std::filesystem::path(path).parent_path()) {
        spec_.config_text = text;
        spec_.config_path = path;
    }

    simulation_spec load() {
        const toml_table root = doc_.root();
        if (auto seed = root.find("seed")) spec_.seed = seed->as_count();
        if (auto t_stop = root.find("t_stop")) {
            spec_.t_stop_ms = t_stop->as_number();
            if (!(spec_.t_stop_ms > 0.0)) t_stop->fail("must be > 0 ms, got " + format_number(spec_.t_stop_ms));
            if (spec_.t_stop_ms > max_time_ms)
                t_stop->fail("must be at most the time limit 2^52 = " + format_number(max_time_ms) + " ms, got " +
                             format_number(spec_.t_stop_ms));
        }
        if (auto dtype = root.find("weight_dtype")) {
            const std::string d = dtype->as_string();
            if (d == "float32") spec_.float32_weights = true;
            else if (d != "float64") dtype->fail("unknown dtype '" + d + "' (expected \"float64\" or \"float32\")");
        }
        const auto populations = root.array_of_tables("population");
        if (populations.empty()) root.fail("population", "the config needs at least one [[population]]");
        for (const auto& p : populations) read_population(p);
        for (const auto& s : root.array_of_tables("source")) read_source(s);
        for (const auto& c : root.array_of_tables("connection")) read_connection(c);
        if (auto output = root.optional_table("output")) read_output(*output);
        root.finish();
        return std::move(spec_);
    }

private:
    // ---- shared pieces ----------------------------------------------------------------------

    std::string resolve(const toml_node& node) const {
        const std::string text = node.as_string();
        if (text.empty()) node.fail("the path must not be empty");
        const std::filesystem::path p(text);
        if (p.is_absolute() || base_dir_.empty()) return p.lexically_normal().string();
        return (base_dir_ / p).lexically_normal().string();
    }

    std::string read_name(const toml_table& t, bool is_source) {
        const toml_node node = t.at("name");
        std::string name = node.as_string();
        if (!valid_name(name))
            node.fail("'" + name + "' is not a valid name (letters, digits, '_', '-', '.'; not starting with '.' or '-')");
        if (auto it = groups_.find(name); it != groups_.end())
            node.fail("duplicate name '" + name + "' (already used by " + it->second.key + ")");
        groups_[name] = group_info{t.path(), is_source, 0};
        return name;
    }

    // A number, { uniform = [lo, hi] } (lo <= hi) or { normal = [mean, sd] } (sd >= 0).
    static distribution read_distribution(const toml_node& node) {
        if (node.is_number()) return constant_dist{node.as_number()};
        if (!node.is_table())
            node.fail("expected a number, { uniform = [lo, hi] } or { normal = [mean, sd] }, got " + node.type_name());
        const toml_table t = node.as_table();
        const auto keys = t.keys();
        if (keys.size() != 1)
            node.fail("expected exactly one of uniform = [lo, hi] or normal = [mean, sd], got " +
                      std::to_string(keys.size()) + " keys");
        auto pair_of = [&](const std::string& key) {
            const toml_node values = t.at(key);
            const auto numbers = values.as_number_array();
            if (numbers.size() != 2)
                values.fail("expected two numbers, got " + std::to_string(numbers.size()) + " values");
            return std::pair{numbers[0], numbers[1]};
        };
        distribution d;
        if (keys[0] == "uniform") {
            auto [lo, hi] = pair_of("uniform");
            if (!(lo <= hi)) t.fail("uniform", "needs lo <= hi, got [" + format_number(lo) + ", " + format_number(hi) + "]");
            d = uniform_dist{lo, hi};
        } else if (keys[0] == "normal") {
            auto [mean, sd] = pair_of("normal");
            if (!(sd >= 0.0)) t.fail("normal", "needs sd >= 0, got " + format_number(sd));
            d = normal_dist{mean, sd};
        } else {
            t.fail(keys[0], "unknown distribution (expected uniform = [lo, hi] or normal = [mean, sd])");
        }
        return d;
    }

    static void check_delay(const distribution& d, const toml_node& node) {
        if (const auto* c = std::get_if<constant_dist>(&d)) {
            if (!(c->value > 0.0)) node.fail("a delay must be > 0 ms, got " + format_number(c->value));
        } else if (const auto* u = std::get_if<uniform_dist>(&d)) {
            if (!(u->lo > 0.0))
                node.as_table().fail("uniform", "a uniform delay needs lo > 0 ms, got lo = " + format_number(u->lo));
        } else {
            const auto& n = std::get<normal_dist>(d);
            if (n.sd == 0.0 ? !(n.mean > 0.0) : n.mean / n.sd < min_normal_delay_z)
                node.as_table().fail("normal", "a normal delay is redrawn until > 0, which needs mean > -4.75 sd "
                                               "(and mean > 0 when sd = 0); got mean " +
                                                   format_number(n.mean) + ", sd " + format_number(n.sd));
        }
    }

    // ---- [[population]] ---------------------------------------------------------------------

    void read_population(const toml_table& t) {
        population_spec p;
        p.name = read_name(t, false);
        p.size = t.count("size");
        groups_[p.name].size = p.size;
        const toml_node model = t.at("model");
        const std::string model_name = model.as_string();
        if (model_name == "lif_delta") p.model = model_kind::lif_delta;
        else if (model_name == "lif_exp") p.model = model_kind::lif_exp;
        else model.fail("unknown model '" + model_name + "' (expected \"lif_delta\" or \"lif_exp\")");

        if (auto params = t.optional_table("params")) read_params(*params, p);

        if (auto v = t.find("V_m")) p.V_m = read_distribution(*v);
        else p.V_m = constant_dist{p.params.E_L};
        t.finish();
        spec_.populations.push_back(std::move(p));
    }

    static void read_params(const toml_table& t, population_spec& p) {
        lif_params& q = p.params;
        q.tau_m = t.number("tau_m", q.tau_m);
        q.C_m = t.number("C_m", q.C_m);
        q.E_L = t.number("E_L", q.E_L);
        q.V_th = t.number("V_th", q.V_th);
        q.V_reset = t.number("V_reset", q.V_reset);
        q.t_ref = t.number("t_ref", q.t_ref);
        q.I_e = t.number("I_e", q.I_e);
        if (auto reset = t.find("reset")) {
            const std::string r = reset->as_string();
            if (r == "hard") q.reset = reset_kind::hard;
            else if (r == "soft") q.reset = reset_kind::soft;
            else reset->fail("unknown reset '" + r + "' (expected \"hard\" or \"soft\")");
        }
        for (const char* key : {"tau_syn_ex", "tau_syn_in"}) {
            if (p.model == model_kind::lif_exp) continue;
            if (t.contains(key)) t.fail(key, "only model \"lif_exp\" has this parameter (this population is \"lif_delta\")");
        }
        if (p.model == model_kind::lif_exp) {
            q.tau_syn_ex = t.number("tau_syn_ex", q.tau_syn_ex);
            q.tau_syn_in = t.number("tau_syn_in", q.tau_syn_in);
        }
        t.finish();
        // The model's own rules (models/lif.cpp); its message starts with the parameter name.
        try {
            q.validate();
        } catch (const model_error& e) {
            const std::string what = e.what();
            const auto colon = what.find(": ");
            if (colon == std::string::npos) t.fail(what);
            t.fail(what.substr(0, colon), what.substr(colon + 2));
        }
    }

    // ---- [[source]] -------------------------------------------------------------------------

    void read_source(const toml_table& t) {
        source_spec s;
        s.name = read_name(t, true);
        const toml_node kind = t.at("kind");
        const std::string k = kind.as_string();
        if (k == "spike_times") read_spike_times(t, s);
        else if (k == "poisson") read_poisson(t, s);
        else if (k == "spike_file") read_spike_file(t, s);
        else kind.fail("unknown kind '" + k + "' (expected \"spike_times\", \"poisson\" or \"spike_file\")");
        groups_[s.name].size = s.size;
        t.finish();
        spec_.sources.push_back(std::move(s));
    }

    static void read_spike_times(const toml_table& t, source_spec& s) {
        s.kind = source_kind::spike_times;
        const toml_node times = t.at("times");
        for (const auto& train_node : times.as_array()) {
            std::vector<double> train;
            for (const auto& time_node : train_node.as_array()) {
                const double time_ms = time_node.as_number();
                if (time_ms < 0.0) time_node.fail("spike times must be >= 0 ms, got " + format_number(time_ms));
                if (!train.empty() && time_ms <= train.back())
                    time_node.fail("spike times must be strictly increasing (one spike per instant): " +
                                   format_number(time_ms) + " follows " + format_number(train.back()));
                train.push_back(time_ms);
            }
            s.times.push_back(std::move(train));
        }
        s.size = s.times.size();
        if (auto size = t.find("size")) {
            const std::uint64_t n = size->as_count();
            if (n != s.size)
                size->fail("size " + std::to_string(n) + " differs from the " + std::to_string(s.size) +
                           " lists in times (one list per source neuron)");
        }
    }

    void read_poisson(const toml_table& t, source_spec& s) const {
        s.kind = source_kind::poisson;
        s.size = t.count("size");
        const auto rate = t.find("rate");
        const auto rate_file = t.find("rate_file");
        double max_rate_hz = 0.0;
        if (rate && rate_file) rate_file->fail("give either rate or rate_file, not both");
        if (rate) {
            s.rate_hz = rate->as_number();
            if (s.rate_hz < 0.0) rate->fail("must be >= 0 Hz, got " + format_number(s.rate_hz));
            max_rate_hz = s.rate_hz;
        } else if (rate_file) {
            const std::string path = resolve(*rate_file);
            s.path = path;  // an input of the run: no output may overwrite it
            try {
                s.rate_file = read_rate_file(path);
            } catch (const io_error& e) {
                rate_file->fail(e.what());
            }
            max_rate_hz = *std::max_element(s.rate_file.rate_hz.begin(), s.rate_file.rate_hz.end());
        } else {
            t.fail("rate", "missing required key (or give rate_file)");
        }
        if (auto start = t.find("start")) {
            s.start_ms = start->as_number();
            if (s.start_ms < 0.0) start->fail("must be >= 0 ms, got " + format_number(s.start_ms));
        }
        if (auto stop = t.find("stop")) {
            s.stop_ms = stop->as_number();
            if (s.stop_ms < s.start_ms)
                stop->fail("must be >= start (" + format_number(s.start_ms) + " ms), got " + format_number(s.stop_ms));
        }
        if (auto dead_time = t.find("dead_time")) {
            s.dead_time_ms = dead_time->as_number();
            if (s.dead_time_ms < 0.0) dead_time->fail("must be >= 0 ms, got " + format_number(s.dead_time_ms));
            if (max_rate_hz * s.dead_time_ms / 1000.0 >= 1.0)
                dead_time->fail("rate x dead time must be < 1, got " + format_number(max_rate_hz) + " Hz x " +
                                format_number(s.dead_time_ms) + " ms");
        }
    }

    void read_spike_file(const toml_table& t, source_spec& s) const {
        s.kind = source_kind::spike_file;
        const toml_node path_node = t.at("path");
        s.path = resolve(path_node);
        const auto population_node = t.find("population");
        spike_table table;
        try {
            spike_reader reader(s.path);
            const auto available = reader.populations();
            std::string list;
            for (const auto& name : available) list += (list.empty() ? "'" : ", '") + name + "'";
            if (population_node) {
                s.population = population_node->as_string();
                if (std::find(available.begin(), available.end(), s.population) == available.end())
                    population_node->fail("the file " + s.path + " has no population '" + s.population +
                                          "' (it has " + (list.empty() ? "none" : list) + ")");
            } else if (available.size() == 1) {
                s.population = available.front();
            } else {
                t.fail("population", "missing: the file " + s.path + " holds " +
                                         (available.empty() ? "no populations" : "populations " + list) +
                                         "; name the one to replay");
            }
            table = reader.read(s.population);
        } catch (const config_error&) {
            throw;
        } catch (const error& e) {
            path_node.fail(e.what());
        }
        std::uint64_t max_id_plus_one = 0;
        for (std::uint64_t id : table.node_ids) max_id_plus_one = std::max(max_id_plus_one, id + 1);
        s.size = max_id_plus_one;
        if (auto size = t.find("size")) {
            s.size = size->as_count();
            if (s.size < max_id_plus_one)
                size->fail("size " + std::to_string(s.size) + " is too small: the file has node id " +
                           std::to_string(max_id_plus_one - 1));
        }
        s.times.assign(s.size, {});
        for (std::size_t i = 0; i < table.size(); ++i) s.times[table.node_ids[i]].push_back(table.timestamps[i]);
        for (std::uint64_t id = 0; id < s.size; ++id) {
            auto& train = s.times[id];
            std::sort(train.begin(), train.end());
            const auto twin = std::adjacent_find(train.begin(), train.end());
            if (twin != train.end())
                path_node.fail("node " + std::to_string(id) + " of population '" + s.population + "' in " + s.path +
                               " has two spikes at " + format_number(*twin) + " ms (one spike per instant)");
        }
    }

    // ---- [[connection]] ---------------------------------------------------------------------

    const group_info& group(const toml_node& node, bool must_be_population) const {
        const std::string name = node.as_string();
        auto it = groups_.find(name);
        if (it == groups_.end())
            node.fail("no population" + std::string(must_be_population ? "" : " or source") + " named '" + name + "'");
        if (must_be_population && it->second.is_source)
            node.fail("'" + name + "' is a source; only populations receive connections");
        return it->second;
    }

    void read_connection(const toml_table& t) {
        connection_spec c;
        const toml_node source_node = t.at("source");
        const toml_node target_node = t.at("target");
        const group_info& src = group(source_node, false);
        const group_info& tgt = group(target_node, true);
        c.source = source_node.as_string();
        c.target = target_node.as_string();
        const bool same = c.source == c.target;
        c.autapses = t.boolean("autapses", c.autapses);
        c.multapses = t.boolean("multapses", c.multapses);

        const toml_node rule_node = t.at("rule");
        c.rule = read_rule(rule_node, src, tgt, same, c);
        const std::size_t n_pairs = std::holds_alternative<pairs_rule>(c.rule)
                                        ? std::get<pairs_rule>(c.rule).sources.size()
                                        : 0;
        const bool is_pairs = std::holds_alternative<pairs_rule>(c.rule);
        auto read_value = [&](const std::string& key, bool is_delay) -> std::optional<synapse_value> {
            auto node = t.find(key);
            if (!node) return std::nullopt;
            if (node->is_array()) {
                if (!is_pairs)
                    node->fail("a list of values (one per pair) is only allowed with the pairs rule");
                std::vector<double> values;
                for (const auto& element : node->as_array()) {
                    values.push_back(element.as_number());
                    if (is_delay && !(values.back() > 0.0))
                        element.fail("a delay must be > 0 ms, got " + format_number(values.back()));
                }
                if (values.size() != n_pairs)
                    node->fail("has " + std::to_string(values.size()) + " values for " + std::to_string(n_pairs) +
                               " pairs");
                return values;
            }
            distribution d = read_distribution(*node);
            if (is_delay) check_delay(d, *node);
            return d;
        };
        if (auto w = read_value("weight", false)) c.weight = std::move(*w);
        if (auto d = read_value("delay", true)) c.delay = std::move(*d);
        t.finish();
        spec_.connections.push_back(std::move(c));
    }

    static connection_rule read_rule(const toml_node& node, const group_info& src, const group_info& tgt, bool same,
                                     const connection_spec& c) {
        if (node.is_string()) {
            const std::string name = node.as_string();
            if (name == "one_to_one") {
                if (src.size != tgt.size)
                    node.fail("one_to_one needs equal sizes, got " + std::to_string(src.size) + " sources and " +
                              std::to_string(tgt.size) + " targets");
                if (same && !c.autapses && src.size > 0)
                    node.fail("one_to_one from a population onto itself only makes autapses; set autapses = true");
                return one_to_one_rule{};
            }
            if (name == "all_to_all") return all_to_all_rule{};
            if (name == "fixed_indegree" || name == "fixed_outdegree" || name == "probability" || name == "pairs")
                node.fail("rule '" + name + "' takes a value: write rule = { " + name + " = ... }");
            node.fail("unknown rule '" + name +
                      "' (expected \"one_to_one\", \"all_to_all\", { fixed_indegree = K }, { fixed_outdegree = K }, "
                      "{ probability = p } or { pairs = [[s, t], ...] })");
        }
        if (!node.is_table())
            node.fail("expected a rule name (string) or a table such as { fixed_indegree = K }, got " +
                      node.type_name());
        const toml_table t = node.as_table();
        const auto keys = t.keys();
        if (keys.size() != 1)
            node.fail("expected exactly one of fixed_indegree, fixed_outdegree, probability, pairs; got " +
                      std::to_string(keys.size()) + " keys");
        connection_rule rule;
        // K draws among `n` candidates, minus the target itself when connecting a group to itself
        // without autapses.
        auto check_degree = [&](const std::string& key, std::uint64_t k, std::uint64_t n) {
            const std::uint64_t available = (same && !c.autapses && n > 0) ? n - 1 : n;
            if (k > 0 && available == 0)
                t.fail(key, "no candidate to draw from (" + std::to_string(n) + " nodes" +
                                (same && !c.autapses ? ", autapses = false" : "") + ")");
            if (!c.multapses && k > available)
                t.fail(key, std::to_string(k) + " exceeds the " + std::to_string(available) +
                                " candidates while multapses = false");
        };
        if (keys[0] == "fixed_indegree") {
            const std::uint64_t k = t.count("fixed_indegree");
            check_degree("fixed_indegree", k, src.size);
            rule = fixed_indegree_rule{k};
        } else if (keys[0] == "fixed_outdegree") {
            const std::uint64_t k = t.count("fixed_outdegree");
            check_degree("fixed_outdegree", k, tgt.size);
            rule = fixed_outdegree_rule{k};
        } else if (keys[0] == "probability") {
            const toml_node p_node = t.at("probability");
            const double p = p_node.as_number();
            if (!(p >= 0.0 && p <= 1.0)) p_node.fail("must be in [0, 1], got " + format_number(p));
            rule = probability_rule{p};
        } else if (keys[0] == "pairs") {
            pairs_rule pairs;
            std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
            for (const auto& pair_node : t.at("pairs").as_array()) {
                const auto ids = pair_node.as_count_array();
                if (ids.size() != 2)
                    pair_node.fail("expected [source_id, target_id], got " + std::to_string(ids.size()) + " values");
                if (ids[0] >= src.size)
                    pair_node.fail("source id " + std::to_string(ids[0]) + " is out of range (the source has " +
                                   std::to_string(src.size) + " nodes)");
                if (ids[1] >= tgt.size)
                    pair_node.fail("target id " + std::to_string(ids[1]) + " is out of range (the target has " +
                                   std::to_string(tgt.size) + " nodes)");
                if (same && !c.autapses && ids[0] == ids[1])
                    pair_node.fail("connects node " + std::to_string(ids[0]) + " to itself while autapses = false");
                if (!seen.insert({ids[0], ids[1]}).second && !c.multapses)
                    pair_node.fail("repeats the pair [" + std::to_string(ids[0]) + ", " + std::to_string(ids[1]) +
                                   "] while multapses = false");
                pairs.sources.push_back(ids[0]);
                pairs.targets.push_back(ids[1]);
            }
            rule = std::move(pairs);
        } else {
            t.fail(keys[0], "unknown rule (expected fixed_indegree, fixed_outdegree, probability or pairs)");
        }
        return rule;
    }

    // ---- [output] ---------------------------------------------------------------------------

    void read_output(const toml_table& t) {
        output_spec& out = spec_.output;
        if (auto spikes = t.find("spikes")) out.spikes = resolve(*spikes);
        if (auto record = t.find("record")) {
            std::set<std::string> seen;
            const auto elements = record->as_array();
            if (elements.empty())
                record->fail("must name at least one population (omit the key to record all populations)");
            for (const auto& element : elements) {
                group(element, false);
                const std::string name = element.as_string();
                if (!seen.insert(name).second) element.fail("'" + name + "' is listed twice");
                out.record.push_back(name);
            }
        }
        std::set<std::pair<std::string, std::string>> reports;  // (file, population)
        for (const auto& v : t.array_of_tables("voltage")) {
            voltage_spec vs;
            const toml_node population = v.at("population");
            const group_info& g = group(population, true);
            vs.population = population.as_string();
            if (auto ids = v.find("node_ids")) {
                std::set<std::uint64_t> seen;
                for (const auto& id_node : ids->as_array()) {
                    const std::uint64_t id = id_node.as_count();
                    if (id >= g.size)
                        id_node.fail("node id " + std::to_string(id) + " is out of range (population '" +
                                     vs.population + "' has " + std::to_string(g.size) + " nodes)");
                    if (!seen.insert(id).second) id_node.fail("node id " + std::to_string(id) + " is listed twice");
                    vs.node_ids.push_back(id);
                }
                if (vs.node_ids.empty()) ids->fail("must list at least one node id (omit the key to record all)");
            }  // omitted: every node, left empty here so that the up-front size check comes first
            if (auto interval = v.find("interval")) {
                vs.interval_ms = interval->as_number();
                if (!(vs.interval_ms > 0.0))
                    interval->fail("must be > 0 ms, got " + format_number(vs.interval_ms));
            }
            if (auto dtype = v.find("dtype")) {
                const std::string d = dtype->as_string();
                if (d == "float64") vs.float64 = true;
                else if (d != "float32") dtype->fail("unknown dtype '" + d + "' (expected \"float32\" or \"float64\")");
            }
            if (auto path = v.find("path")) vs.path = resolve(*path);
            if (!reports.insert({vs.path, vs.population}).second)
                v.fail("population", "'" + vs.population + "' already has a voltage report in " +
                                         (vs.path.empty() ? "the default file" : vs.path));
            v.finish();
            out.voltage.push_back(std::move(vs));
        }
        t.finish();
    }

    detail::toml_document doc_;
    std::filesystem::path base_dir_;
    simulation_spec spec_;
    std::map<std::string, group_info> groups_;
};

}  // namespace

simulation_spec parse_simulation_config(const std::string& toml_text,
                                        const std::string& path_for_messages_and_relative_paths) {
    return loader(toml_text, path_for_messages_and_relative_paths).load();
}

simulation_spec load_simulation_config(const std::string& path) {
    return parse_simulation_config(detail::read_text_file(path), path);
}

}  // namespace evspike
