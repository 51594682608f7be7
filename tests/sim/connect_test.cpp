#include "sim/connect.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "stats.hpp"

using namespace evspike;

namespace {

population_spec pop(const std::string& name, std::uint64_t size) {
    population_spec p;
    p.name = name;
    p.size = size;
    return p;
}

connection_spec conn(const std::string& source, const std::string& target, connection_rule rule) {
    connection_spec c;
    c.source = source;
    c.target = target;
    c.rule = std::move(rule);
    return c;
}

struct edge {
    std::uint32_t source, target;
    double weight;
    double delay;
    auto operator<=>(const edge&) const = default;
};

std::vector<edge> edges(const network& net) {
    std::vector<edge> out;
    for (std::uint32_t n = 0; n < net.node_count; ++n)
        for (auto k = net.offsets[n]; k < net.offsets[n + 1]; ++k) {
            const synapse s = net.at(k);
            out.push_back({n, s.target, s.weight, s.delay_ms});
        }
    return out;
}

// Edges between two named groups, as local ids.
std::vector<edge> edges_between(const network& net, const std::string& a, const std::string& b) {
    const auto& ga = *net.find(a);
    const auto& gb = *net.find(b);
    std::vector<edge> out;
    for (const auto& e : edges(net))
        if (e.source >= ga.first && e.source < ga.first + ga.size && e.target >= gb.first &&
            e.target < gb.first + gb.size)
            out.push_back({e.source - ga.first, e.target - gb.first, e.weight, e.delay});
    return out;
}


// The network as the rules define it, built the plain way (no batches, no counting pass, no
// bucket sort): fixed_indegree (multapses = true) and pairs only. Each target's synapses are drawn
// in order and appended to their sources' lists, connection after connection; then each list is
// stably sorted by delay (SPEC §3.3: ties in creation order). The targets a rank does not own
// are skipped.
std::vector<std::vector<edge>> reference_rows(const simulation_spec& spec, const network& net) {
    std::vector<std::vector<edge>> rows(net.node_count);
    for (std::size_t c = 0; c < spec.connections.size(); ++c) {
        const auto& cs = spec.connections[c];
        const node_group& src = *net.find(cs.source);
        const node_group& tgt = *net.find(cs.target);
        const std::string stem = connection_stream_name(spec, c);
        const auto rule_seed = stream_seed(spec.seed, stem + "/rule");
        const auto weight_seed = stream_seed(spec.seed, stem + "/weight");
        const auto delay_seed = stream_seed(spec.seed, stem + "/delay");
        if (const auto* r = std::get_if<fixed_indegree_rule>(&cs.rule)) {
            REQUIRE(cs.multapses);
            const bool skip_self = cs.source == cs.target && !cs.autapses;
            for (std::uint64_t j = 0; j < tgt.size; ++j) {
                if (!net.owns_neuron(static_cast<std::uint32_t>(tgt.first + j))) continue;
                auto rng = substream(rule_seed, j), w = substream(weight_seed, j), d = substream(delay_seed, j);
                std::vector<std::uint64_t> chosen;
                for (std::uint64_t m = 0; m < r->k; ++m) {
                    std::uint64_t x = uniform_index(rng, src.size - (skip_self ? 1 : 0));
                    if (skip_self && x >= j) ++x;
                    chosen.push_back(x);
                }
                for (const std::uint64_t i : chosen) {
                    const double weight = draw_value(std::get<distribution>(cs.weight), w);
                    double delay = draw_value(std::get<distribution>(cs.delay), d);
                    while (delay < min_delay_ms) delay = draw_value(std::get<distribution>(cs.delay), d);
                    rows[src.first + i].push_back({static_cast<std::uint32_t>(src.first + i),
                                                   static_cast<std::uint32_t>(tgt.first + j), net.stored_weight(weight),
                                                   delay});
                }
            }
        } else {
            const auto& pairs = std::get<pairs_rule>(cs.rule);
            const auto& weights = std::get<std::vector<double>>(cs.weight);
            const auto& delays = std::get<std::vector<double>>(cs.delay);
            for (std::size_t k = 0; k < pairs.sources.size(); ++k)
                if (net.owns_neuron(static_cast<std::uint32_t>(tgt.first + pairs.targets[k])))
                    rows[src.first + pairs.sources[k]].push_back(
                        {static_cast<std::uint32_t>(src.first + pairs.sources[k]),
                         static_cast<std::uint32_t>(tgt.first + pairs.targets[k]), net.stored_weight(weights[k]),
                         delays[k]});
        }
    }
    for (auto& row : rows)
        std::stable_sort(row.begin(), row.end(), [](const edge& a, const edge& b) { return a.delay < b.delay; });
    return rows;
}

// The built network's rows, each in stored order.
std::vector<std::vector<edge>> rows_of(const network& net) {
    std::vector<std::vector<edge>> rows(net.node_count);
    for (const auto& e : edges(net)) rows[e.source].push_back(e);
    return rows;
}

// Benchmark 4 in miniature: four fixed_indegree connections between exc and inh.
simulation_spec mini_bench4(std::uint64_t n_exc, std::uint64_t n_inh) {
    simulation_spec spec;
    spec.seed = 7;
    spec.populations = {pop("exc", n_exc), pop("inh", n_inh)};
    for (const auto& [s, t, k, w] : {std::tuple{"exc", "exc", 16, 0.25}, std::tuple{"exc", "inh", 16, 0.25},
                                     std::tuple{"inh", "exc", 4, -2.25}, std::tuple{"inh", "inh", 4, -2.25}}) {
        auto c = conn(s, t, fixed_indegree_rule{static_cast<std::uint64_t>(k)});
        c.weight = distribution{constant_dist{w}};
        c.delay = distribution{constant_dist{0.125}};
        c.autapses = false;
        c.multapses = true;
        spec.connections.push_back(c);
    }
    return spec;
}
}  // namespace

TEST_SUITE("core") {
    TEST_CASE("fixed_indegree gives exactly K inputs per target and never an autapse") {
        simulation_spec spec;
        spec.populations = {pop("a", 50)};
        spec.connections = {conn("a", "a", fixed_indegree_rule{7})};
        const auto net = build_network(spec);
        std::map<std::uint32_t, int> indegree;
        for (const auto& e : edges(net)) {
            ++indegree[e.target];
            CHECK(e.source != e.target);
        }
        CHECK(indegree.size() == 50);
        for (const auto& [t, k] : indegree) CHECK(k == 7);
    }

    TEST_CASE("fixed_outdegree gives exactly K outputs per source") {
        simulation_spec spec;
        spec.populations = {pop("a", 30), pop("b", 20)};
        spec.connections = {conn("a", "b", fixed_outdegree_rule{5})};
        std::map<std::uint32_t, int> outdegree;
        for (const auto& e : edges(build_network(spec))) ++outdegree[e.source];
        CHECK(outdegree.size() == 30);
        for (const auto& [s, k] : outdegree) CHECK(k == 5);
    }

    TEST_CASE("multapses = false never repeats a pair, on both sampling paths") {
        for (std::uint64_t k : {3u, 45u}) {  // rejection (k small) and selection sampling (k near n)
            simulation_spec spec;
            spec.populations = {pop("a", 50)};
            auto c = conn("a", "a", fixed_indegree_rule{k});
            c.multapses = false;
            spec.connections = {c};
            std::set<std::pair<std::uint32_t, std::uint32_t>> pairs;
            const auto es = edges(build_network(spec));
            for (const auto& e : es) {
                CHECK(pairs.insert({e.source, e.target}).second);
                CHECK(e.source != e.target);
            }
            CHECK(es.size() == 50 * k);
        }
    }

    TEST_CASE("fixed_indegree with multapses = false and K above the candidates is a config error") {
        simulation_spec spec;
        spec.populations = {pop("a", 5)};
        auto c = conn("a", "a", fixed_indegree_rule{5});  // only 4 candidates without autapses
        c.multapses = false;
        spec.connections = {c};
        CHECK_THROWS_WITH_AS(build_network(spec), doctest::Contains("connection[0].rule"), config_error);
    }

    TEST_CASE("probability p: the synapse count passes a z-test and autapses are excluded") {
        simulation_spec spec;
        spec.seed = 3;
        spec.populations = {pop("a", 400)};
        spec.connections = {conn("a", "a", probability_rule{0.05})};
        const auto es = edges(build_network(spec));
        const double n = 400.0 * 399.0, p = 0.05;
        const double z = test::binomial_z(static_cast<double>(es.size()), n, p);
        CHECK(std::abs(z) < 3.89);
        for (const auto& e : es) CHECK(e.source != e.target);
        std::set<std::pair<std::uint32_t, std::uint32_t>> pairs;
        for (const auto& e : es) CHECK(pairs.insert({e.source, e.target}).second);
    }

    TEST_CASE("probability 1 connects every pair once") {
        simulation_spec spec;
        spec.populations = {pop("a", 10), pop("b", 12)};
        spec.connections = {conn("a", "b", probability_rule{1.0})};
        CHECK(edges(build_network(spec)).size() == 120);
    }

    TEST_CASE("one_to_one and all_to_all") {
        simulation_spec spec;
        spec.populations = {pop("a", 6), pop("b", 6)};
        spec.connections = {conn("a", "b", one_to_one_rule{}), conn("a", "a", all_to_all_rule{})};
        const auto net = build_network(spec);
        const auto ab = edges_between(net, "a", "b");
        REQUIRE(ab.size() == 6);
        for (const auto& e : ab) CHECK(e.source == e.target);
        const auto aa = edges_between(net, "a", "a");
        CHECK(aa.size() == 30);  // 36 minus 6 autapses
        for (const auto& e : aa) CHECK(e.source != e.target);
    }

    TEST_CASE("one_to_one with different sizes is a config error naming the rule") {
        simulation_spec spec;
        spec.populations = {pop("a", 3), pop("b", 4)};
        spec.connections = {conn("a", "b", one_to_one_rule{})};
        CHECK_THROWS_WITH_AS(build_network(spec), doctest::Contains("connection[0].rule"), config_error);
    }

    TEST_CASE("pairs with per-pair weights and delays are stored exactly, sorted by delay") {
        simulation_spec spec;
        spec.populations = {pop("a", 1), pop("b", 3)};
        auto c = conn("a", "b", pairs_rule{{0, 0, 0}, {0, 1, 2}});
        c.weight = std::vector<double>{1.0, 2.0, 3.0};
        c.delay = std::vector<double>{2.0000001, 0.1234567, 1.7};
        spec.connections = {c};
        const auto net = build_network(spec);
        const auto es = edges(net);
        REQUIRE(es.size() == 3);
        CHECK(es[0].delay == 0.1234567);
        CHECK(es[0].target == 2);  // b's node 1 has global id 2
        CHECK(es[1].delay == 1.7);
        CHECK(es[2].delay == 2.0000001);
        CHECK(es[2].weight == 1.0f);
        CHECK(net.min_delay_ms == 0.1234567);
        CHECK(net.max_delay_ms == 2.0000001);
    }

    TEST_CASE("every source's synapses are stored in draw order, sorted by delay with ties in draw order, whatever the batches") {
        // Staged writes by source block (as the default does beyond 2^23 synapses; blocks of 2^7
        // and of 2 sources; counted per block when every weight is a constant; with target words
        // of 16 and 11 bits, so that the source's index in its block needs the delay's sign bit,
        // or has only that bit), blocks too wide to
        // stage (counted again per source, then sorted batches), small batches sorted by source
        // block, one synapse per batch, and the defaults all build the reference network, on one
        // rank and
        // on rank 1 of 3; for the delay variants of Benchmark 4 (constant: no sort; uniform [1,
        // 3): every row sorted) and mixed ones (constant delays of several values, whose ties
        // must keep draw order), with a palette, with per-synapse float64 and float32 weights.
        const build_tuning staged{.sort_above = 0, .stream_bits = 3}, one_source{.sort_above = 0, .stream_bits = 20},
            too_wide{.sort_above = 0, .stream_bits = 3, .max_stretch = 50},
            few_bits{.sort_above = 0, .stream_bits = 3, .word_bits = 16}, no_bits{.sort_above = 0, .word_bits = 11},
            sorted{.batch = 333, .sort_above = 0, .block_bits = 3, .staged = false},
            single{.batch = 1, .sort_above = 0, .staged = false};
        std::vector<simulation_spec> specs;
        specs.push_back(mini_bench4(800, 200));
        auto hetero = specs.back();
        for (auto& c : hetero.connections) c.delay = distribution{uniform_dist{1.0, 3.0}};
        specs.push_back(hetero);
        auto mixed = specs.back();
        mixed.connections[1].delay = distribution{constant_dist{2.0}};
        mixed.connections[2].delay = distribution{constant_dist{1.5}};
        mixed.connections[3].delay = distribution{constant_dist{2.0}};
        mixed.connections[0].weight = distribution{normal_dist{0.25, 0.05}};  // > 256 weights: no palette
        specs.push_back(mixed);
        auto mixed32 = mixed;
        mixed32.float32_weights = true;
        specs.push_back(mixed32);
        auto decreasing = specs.front();  // constant delays, but the later connection's is shorter
        decreasing.connections[2].delay = distribution{constant_dist{0.1}};
        specs.push_back(decreasing);
        for (std::size_t s = 0; s < specs.size(); ++s) {
            CAPTURE(s);
            for (const partition part : {partition{}, partition{1, 3}}) {
                const auto expected = reference_rows(specs[s], build_network(specs[s], part));
                std::size_t count = 0;
                for (const auto& row : expected) count += row.size();
                REQUIRE(count > 1000);
                for (const build_tuning& tuning :
                     {build_tuning{}, staged, one_source, too_wide, few_bits, no_bits, sorted, single}) {
                    const auto net = build_network(specs[s], part, tuning);
                    CHECK(net.uses_palette() == (s != 2 && s != 3));
                    CHECK(rows_of(net) == expected);
                    double lo = 1e300, hi = 0.0;
                    for (const double d : net.delays) lo = std::min(lo, d), hi = std::max(hi, d);
                    CHECK(net.min_delay_ms == lo);
                    CHECK(net.max_delay_ms == hi);
                }
            }
        }
    }

    TEST_CASE("a row is sorted by delay with ties in creation order, its delays spread or crowded") {
        // Source 0 of "a" gets 200 synapses with delays spread over [1, 2) in a random order,
        // some repeated (one per bucket of the bucket sort, ties included); source 1 gets 200
        // with 150 equal delays and a few far larger (crowded buckets: the comparison sort).
        simulation_spec spec;
        spec.populations = {pop("a", 2), pop("b", 200)};
        pairs_rule r;
        std::vector<double> weights, delays;
        random_stream rng(3);
        for (std::uint64_t source = 0; source < 2; ++source)
            for (std::uint64_t t = 0; t < 200; ++t) {
                r.sources.push_back(source);
                r.targets.push_back(t);
                weights.push_back(static_cast<double>(t) + 0.5 * static_cast<double>(source));
                if (source == 0)
                    delays.push_back(t % 7 == 3 ? delays[t - 1] : 1.0 + uniform01(rng));
                else
                    delays.push_back(t % 4 == 1 ? 1.0 + static_cast<double>(t) : 0.75);
            }
        auto c = conn("a", "b", r);
        c.weight = weights;  // 400 distinct: no palette, each weight names its pair
        c.delay = delays;
        spec.connections = {c};
        for (const build_tuning& tuning : {build_tuning{}, build_tuning{.sort_above = 0, .stream_bits = 2},
                                           build_tuning{.batch = 64, .sort_above = 0, .block_bits = 1, .staged = false}}) {
            const auto net = build_network(spec, partition{}, tuning);
            REQUIRE_FALSE(net.uses_palette());
            const auto rows = rows_of(net);
            CHECK(rows == reference_rows(spec, net));
            CHECK(std::is_sorted(rows[0].begin(), rows[0].end(), [](const edge& a, const edge& b) { return a.delay < b.delay; }));
            CHECK(rows[1].front().delay == 0.75);
            CHECK(rows[1].front().target == 2);  // b's node 0: the first pair drawn with 0.75
        }
    }

    TEST_CASE("pairs: an autapse with autapses = false and an out-of-range id name the pair") {
        simulation_spec spec;
        spec.populations = {pop("a", 3)};
        spec.connections = {conn("a", "a", pairs_rule{{0, 1}, {1, 1}})};
        CHECK_THROWS_WITH_AS(build_network(spec), doctest::Contains("connection[0].rule.pairs[1]"),
                             config_error);
        spec.connections = {conn("a", "a", pairs_rule{{0}, {3}})};
        CHECK_THROWS_WITH_AS(build_network(spec), doctest::Contains("connection[0].rule.pairs[0]"),
                             config_error);
    }

    TEST_CASE("delays <= 0 are config errors naming the connection's delay") {
        simulation_spec spec;
        spec.populations = {pop("a", 3)};
        auto c = conn("a", "a", all_to_all_rule{});
        c.delay = distribution{constant_dist{0.0}};
        spec.connections = {conn("a", "a", one_to_one_rule{}), c};
        CHECK_THROWS_WITH_AS(build_network(spec), doctest::Contains("connection[1].delay"), config_error);
        c.delay = distribution{uniform_dist{-1.0, 2.0}};
        spec.connections = {c};
        CHECK_THROWS_WITH_AS(build_network(spec), doctest::Contains("connection[0].delay"), config_error);
    }

    TEST_CASE("normal delays are redrawn until > 0") {
        simulation_spec spec;
        spec.populations = {pop("a", 100)};
        auto c = conn("a", "a", fixed_indegree_rule{20});
        c.delay = distribution{normal_dist{0.5, 1.0}};
        c.weight = distribution{normal_dist{0.0, 1.0}};
        spec.connections = {c};
        const auto net = build_network(spec);
        REQUIRE(net.synapse_count() == 2000);
        for (const double d : net.delays) CHECK(d > 0.0);
        CHECK(net.min_delay_ms > 0.0);
    }

    TEST_CASE(
        "adding a population, a source or another connection leaves a connection's synapses unchanged") {
        simulation_spec spec;
        spec.seed = 11;
        spec.populations = {pop("exc", 80), pop("inh", 20)};
        auto c = conn("exc", "inh", fixed_indegree_rule{10});
        c.delay = distribution{uniform_dist{1.0, 3.0}};
        c.weight = distribution{normal_dist{1.0, 0.2}};
        spec.connections = {c};
        const auto before = edges_between(build_network(spec), "exc", "inh");

        simulation_spec bigger = spec;
        bigger.populations.insert(bigger.populations.begin(), pop("new", 33));
        source_spec stim;
        stim.name = "stim";
        stim.size = 5;
        bigger.sources.push_back(stim);
        bigger.connections.insert(bigger.connections.begin(), conn("new", "exc", probability_rule{0.1}));
        bigger.connections.insert(bigger.connections.begin(), conn("stim", "inh", all_to_all_rule{}));
        const auto after = edges_between(build_network(bigger), "exc", "inh");
        CHECK(before == after);

        simulation_spec reseeded = spec;
        reseeded.seed = 12;
        CHECK(edges_between(build_network(reseeded), "exc", "inh") != before);
    }

    TEST_CASE("a second connection between the same groups draws from its own stream") {
        CHECK(connection_stream_name(
                  [] {
                      simulation_spec s;
                      s.connections = {conn("a", "b", one_to_one_rule{}), conn("b", "a", one_to_one_rule{}),
                                       conn("a", "b", one_to_one_rule{})};
                      return s;
                  }(),
                  2) == "connection/a->b#1");
    }

    TEST_CASE("unknown groups and a source as target are config errors") {
        simulation_spec spec;
        spec.populations = {pop("a", 3)};
        source_spec s;
        s.name = "stim";
        s.size = 2;
        spec.sources = {s};
        spec.connections = {conn("a", "stim", all_to_all_rule{})};
        CHECK_THROWS_WITH_AS(build_network(spec), doctest::Contains("connection[0].target"), config_error);
        spec.connections = {conn("nope", "a", all_to_all_rule{})};
        CHECK_THROWS_WITH_AS(build_network(spec), doctest::Contains("connection[0].source"), config_error);
    }

    TEST_CASE("the CSR holds 12 bytes per synapse with a palette of exact doubles, 20 without, 16 with float32 weights") {
        simulation_spec spec;
        spec.populations = {pop("a", 1000)};
        spec.connections = {conn("a", "a", fixed_indegree_rule{80})};
        // Neither weight is a float32 value: the palette must keep the doubles.
        const double w_exc = 0.123456789, w_inh = -2.2500000001;
        REQUIRE(static_cast<double>(static_cast<float>(w_exc)) != w_exc);
        REQUIRE(static_cast<double>(static_cast<float>(w_inh)) != w_inh);
        spec.connections[0].weight = distribution{constant_dist{w_exc}};
        spec.connections[0].delay = distribution{uniform_dist{1.0, 3.0}};
        auto inh = spec.connections[0];
        inh.weight = distribution{constant_dist{w_inh}};
        inh.rule = fixed_indegree_rule{20};
        spec.connections.push_back(inh);
        const auto net = build_network(spec);
        REQUIRE(net.uses_palette());
        CHECK(net.weight_palette.size() == 2);
        CHECK(net.bytes_per_synapse() <= 12.1);
        // Each synapse reads back the exact weight of its connection.
        std::size_t exc = 0, inh_count = 0;
        for (std::uint64_t k = 0; k < net.synapse_count(); ++k) {
            CHECK(net.target(k) < 1000);
            exc += net.weight(k) == w_exc;
            inh_count += net.weight(k) == w_inh;
        }
        CHECK(exc == 80'000);
        CHECK(inh_count == 20'000);
        for (std::uint32_t n = 0; n < net.node_count; ++n)
            CHECK(std::is_sorted(net.delays.begin() + static_cast<std::ptrdiff_t>(net.offsets[n]),
                                 net.delays.begin() + static_cast<std::ptrdiff_t>(net.offsets[n + 1])));

        // More than 256 distinct weights: one float64 per synapse, the same synapses, and each
        // weight the double drawn (the normal's draws are not float32 values).
        auto varied = spec;
        varied.connections[0].weight = distribution{normal_dist{0.25, 0.05}};
        const auto full = build_network(varied);
        CHECK_FALSE(full.uses_palette());
        CHECK(full.bytes_per_synapse() > 20.0);
        CHECK(full.bytes_per_synapse() <= 20.2);
        REQUIRE(full.synapse_count() == net.synapse_count());
        std::size_t not_float = 0;
        for (std::uint64_t k = 0; k < net.synapse_count(); k += 97) {
            CHECK(full.target(k) == net.target(k));
            CHECK(full.delays[k] == net.delays[k]);
            not_float += static_cast<double>(static_cast<float>(full.weight(k))) != full.weight(k);
        }
        CHECK(not_float > 1000);

        // weight_dtype = "float32": every weight rounded to float32, per synapse (16 bytes) and in
        // the palette alike.
        auto varied32 = varied;
        varied32.float32_weights = true;
        const auto full32 = build_network(varied32);
        CHECK_FALSE(full32.uses_palette());
        CHECK(full32.bytes_per_synapse() > 16.0);
        CHECK(full32.bytes_per_synapse() <= 16.2);
        for (std::uint64_t k = 0; k < net.synapse_count(); k += 97)
            CHECK(full32.weight(k) == static_cast<double>(static_cast<float>(full.weight(k))));
        auto spec32 = spec;
        spec32.float32_weights = true;
        const auto net32 = build_network(spec32);
        REQUIRE(net32.uses_palette());
        const std::vector<double> rounded{static_cast<float>(w_inh), static_cast<float>(w_exc)};
        CHECK(std::is_permutation(net32.weight_palette.begin(), net32.weight_palette.end(), rounded.begin(), rounded.end()));
    }

    TEST_CASE("uniform_index is unbiased over a small range") {
        random_stream rng(5);
        std::vector<int> counts(3);
        for (int i = 0; i < 30000; ++i) ++counts[uniform_index(rng, 3)];
        for (int c : counts) CHECK(std::abs(c - 10000) < 4 * 82);  // sd = sqrt(30000 * 1/3 * 2/3) = 82
    }

}  // TEST_SUITE
