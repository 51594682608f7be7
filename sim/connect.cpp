#include "sim/connect.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "core/error.hpp"
#include "models/variates.hpp"

namespace evspike {

__extension__ using uint128 = unsigned __int128;

std::uint64_t uniform_index(random_stream& rng, std::uint64_t n) {
    // Lemire 2019, "Fast random integer generation in an interval".
    uint128 m = static_cast<uint128>(rng()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
        const std::uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = static_cast<uint128>(rng()) * n;
            low = static_cast<std::uint64_t>(m);
        }
    }
    return static_cast<std::uint64_t>(m >> 64);
}

std::string connection_stream_name(const simulation_spec& spec, std::size_t index) {
    const auto& c = spec.connections.at(index);
    std::size_t k = 0;
    for (std::size_t i = 0; i < index; ++i)
        if (spec.connections[i].source == c.source && spec.connections[i].target == c.target) ++k;
    return "connection/" + c.source + "->" + c.target + "#" + std::to_string(k);
}

namespace {

struct raw_synapse {
    std::uint32_t source;
    std::uint32_t target;
    double weight;
    double delay_ms;
};

}  // namespace

double draw_value(const distribution& d, random_stream& rng) {
    if (const auto* c = std::get_if<constant_dist>(&d)) return c->value;
    if (const auto* u = std::get_if<uniform_dist>(&d)) return u->lo + (u->hi - u->lo) * uniform01(rng);
    const auto& n = std::get<normal_dist>(d);
    return n.mean + n.sd * standard_normal(rng);
}

namespace {

double draw(const distribution& d, random_stream& rng) { return draw_value(d, rng); }

// Delays drawn from a normal are redrawn until >= min_delay_ms (SPEC §5 says > 0; below
// min_delay_ms a delay is not resolvable, see connect.hpp).
double draw_delay(const distribution& d, random_stream& rng) {
    for (;;) {
        const double value = draw(d, rng);
        if (value >= min_delay_ms) return value;
    }
}

void check_weight_dist(const distribution& d, const std::string& key) {
    const bool finite = std::visit(
        [](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, constant_dist>)
                return std::isfinite(x.value);
            else if constexpr (std::is_same_v<T, uniform_dist>)
                return std::isfinite(x.lo) && std::isfinite(x.hi) && x.lo <= x.hi;
            else
                return std::isfinite(x.mean) && std::isfinite(x.sd) && x.sd >= 0.0;
        },
        d);
    if (!finite)
        throw config_error(key, "weights must be finite (and uniform needs lo <= hi, normal sd >= 0)");
}

void check_delay_dist(const distribution& d, const std::string& key) {
    if (const auto* c = std::get_if<constant_dist>(&d)) {
        if (!(c->value >= min_delay_ms) || !std::isfinite(c->value))
            throw config_error(
                key, "delay must be finite and > 0 (at least 1e-9 ms), got " + std::to_string(c->value));
    } else if (const auto* u = std::get_if<uniform_dist>(&d)) {
        if (!(u->lo >= min_delay_ms) || !(u->hi >= u->lo) || !std::isfinite(u->hi))
            throw config_error(key, "a uniform delay needs 0 < lo <= hi (lo at least 1e-9 ms)");
    } else {
        const auto& n = std::get<normal_dist>(d);
        if (!std::isfinite(n.mean) || !std::isfinite(n.sd) || n.sd < 0.0)
            throw config_error(key, "a normal delay needs a finite mean and sd >= 0");
        // Redrawing until > 0 must terminate quickly: refuse P(delay > 0) < ~1e-6.
        if (n.sd == 0.0 ? !(n.mean > 0.0) : n.mean / n.sd < -4.75)
            throw config_error(key, "a normal delay with this mean and sd is almost never > 0");
    }
}

class connection_builder {
public:
    connection_builder(const simulation_spec& spec, const network& net, std::size_t index,
                       std::vector<raw_synapse>& out)
        : c_(spec.connections[index]), key_("connection[" + std::to_string(index) + "]"), out_(out) {
        const node_group* src = net.find(c_.source);
        if (src == nullptr)
            throw config_error(key_ + ".source", "no population or source named '" + c_.source + "'");
        const node_group* tgt = net.find(c_.target);
        if (tgt == nullptr) throw config_error(key_ + ".target", "no population named '" + c_.target + "'");
        if (tgt->is_source)
            throw config_error(key_ + ".target",
                               "'" + c_.target + "' is a source; only neuron populations receive");
        src_ = *src;
        tgt_ = *tgt;
        same_ = src == tgt;
        const std::string stem = connection_stream_name(spec, index);
        rule_seed_ = stream_seed(spec.seed, stem + "/rule");
        weight_seed_ = stream_seed(spec.seed, stem + "/weight");
        delay_seed_ = stream_seed(spec.seed, stem + "/delay");
    }

    void build() {
        if (const auto* d = std::get_if<distribution>(&c_.weight)) check_weight_dist(*d, key_ + ".weight");
        if (const auto* d = std::get_if<distribution>(&c_.delay)) check_delay_dist(*d, key_ + ".delay");
        const bool is_pairs = std::holds_alternative<pairs_rule>(c_.rule);
        if (!is_pairs && (!std::holds_alternative<distribution>(c_.weight) ||
                          !std::holds_alternative<distribution>(c_.delay)))
            throw config_error(
                key_ + (std::holds_alternative<distribution>(c_.weight) ? ".delay" : ".weight"),
                "a list of values is only allowed with the pairs rule");
        std::visit([this](const auto& rule) { apply(rule); }, c_.rule);
    }

private:
    bool autapse(std::uint64_t i, std::uint64_t j) const { return same_ && !c_.autapses && i == j; }

    // Synapse i -> j (local ids) with weight and delay drawn from the streams of `owner`.
    void add(std::uint64_t i, std::uint64_t j, random_stream& w_rng, random_stream& d_rng) {
        const auto& wd = std::get<distribution>(c_.weight);
        const auto& dd = std::get<distribution>(c_.delay);
        const double w = draw(wd, w_rng);
        const double d = draw_delay(dd, d_rng);
        push(i, j, w, d);
    }
    void push(std::uint64_t i, std::uint64_t j, double w, double d) {
        out_.push_back({static_cast<std::uint32_t>(src_.first + i),
                        static_cast<std::uint32_t>(tgt_.first + j), w, d});
    }

    void apply(const one_to_one_rule&) {
        if (src_.size != tgt_.size)
            throw config_error(key_ + ".rule", "one_to_one needs equal sizes, got " +
                                                   std::to_string(src_.size) + " and " +
                                                   std::to_string(tgt_.size));
        for (std::uint64_t j = 0; j < tgt_.size; ++j) {
            if (autapse(j, j)) continue;
            auto w = substream(weight_seed_, j), d = substream(delay_seed_, j);
            add(j, j, w, d);
        }
    }

    void apply(const all_to_all_rule&) {
        for (std::uint64_t j = 0; j < tgt_.size; ++j) {
            auto w = substream(weight_seed_, j), d = substream(delay_seed_, j);
            for (std::uint64_t i = 0; i < src_.size; ++i)
                if (!autapse(i, j)) add(i, j, w, d);
        }
    }

    // K distinct or independent draws from [0, n) minus `excluded` (if < n), in draw order.
    std::vector<std::uint64_t> choose(random_stream& rng, std::uint64_t n, std::uint64_t k,
                                      std::uint64_t excluded, const std::string& what) {
        const std::uint64_t available = n - (excluded < n ? 1 : 0);
        if (k > 0 && available == 0) throw config_error(key_ + ".rule", what + ": no candidate to connect");
        std::vector<std::uint64_t> chosen;
        chosen.reserve(k);
        auto one = [&] {
            std::uint64_t x = uniform_index(rng, available);
            if (excluded < n && x >= excluded) ++x;  // skip the excluded id without rejection
            return x;
        };
        if (c_.multapses) {
            for (std::uint64_t m = 0; m < k; ++m) chosen.push_back(one());
            return chosen;
        }
        if (k > available)
            throw config_error(key_ + ".rule", what + " " + std::to_string(k) + " exceeds the " +
                                                   std::to_string(available) +
                                                   " candidates and multapses = false");
        if (2 * k > available) {
            // Selection sampling (Knuth's algorithm S): one pass, exactly k, ascending.
            std::uint64_t needed = k, remaining = available;
            for (std::uint64_t x = 0; x < n && needed > 0; ++x) {
                if (x == excluded) continue;
                if (uniform_index(rng, remaining) < needed) {
                    chosen.push_back(x);
                    --needed;
                }
                --remaining;
            }
            return chosen;
        }
        std::set<std::uint64_t> seen;
        while (chosen.size() < k) {
            const std::uint64_t x = one();
            if (seen.insert(x).second) chosen.push_back(x);
        }
        return chosen;
    }

    void apply(const fixed_indegree_rule& r) { apply_fixed_degree(r.k, true, "fixed_indegree"); }
    void apply(const fixed_outdegree_rule& r) { apply_fixed_degree(r.k, false, "fixed_outdegree"); }

    // k partners per neuron: per target, drawn among the sources (fixed_indegree), or per source,
    // drawn among the targets (fixed_outdegree); streams are keyed by the neuron that owns the draw.
    void apply_fixed_degree(std::uint64_t k, bool per_target, const char* rule) {
        const std::uint64_t owners = per_target ? tgt_.size : src_.size;
        const std::uint64_t partners = per_target ? src_.size : tgt_.size;
        for (std::uint64_t o = 0; o < owners; ++o) {
            auto rng = substream(rule_seed_, o);
            auto w = substream(weight_seed_, o), d = substream(delay_seed_, o);
            const std::uint64_t excluded = same_ && !c_.autapses ? o : partners;
            for (std::uint64_t x : choose(rng, partners, k, excluded, rule)) {
                if (per_target)
                    add(x, o, w, d);
                else
                    add(o, x, w, d);
            }
        }
    }

    void apply(const probability_rule& r) {
        if (!(r.p >= 0.0 && r.p <= 1.0))
            throw config_error(key_ + ".rule.probability", "must be in [0, 1], got " + std::to_string(r.p));
        if (r.p == 0.0) return;
        const double log_q = std::log1p(-r.p);  // -inf for p = 1: every gap is 0
        for (std::uint64_t j = 0; j < tgt_.size; ++j) {
            auto rng = substream(rule_seed_, j);
            auto w = substream(weight_seed_, j), d = substream(delay_seed_, j);
            // Geometric gaps between connected sources: O(connections), not O(pairs).
            std::uint64_t i = 0;
            for (;;) {
                if (r.p < 1.0) {
                    const double gap = std::floor(std::log(uniform_open0(rng)) / log_q);
                    if (gap >= static_cast<double>(src_.size - i)) break;
                    i += static_cast<std::uint64_t>(gap);
                }
                if (i >= src_.size) break;
                if (!autapse(i, j)) add(i, j, w, d);
                ++i;
            }
        }
    }

    void apply(const pairs_rule& r) {
        const std::size_t n = r.sources.size();
        if (r.targets.size() != n)
            throw config_error(key_ + ".rule.pairs", "sources and targets differ in length");
        auto list_or_dist = [&](const synapse_value& v,
                                const std::string& name) -> const std::vector<double>* {
            if (const auto* list = std::get_if<std::vector<double>>(&v)) {
                if (list->size() != n)
                    throw config_error(key_ + "." + name, "has " + std::to_string(list->size()) +
                                                              " values for " + std::to_string(n) + " pairs");
                return list;
            }
            return nullptr;
        };
        const auto* weights = list_or_dist(c_.weight, "weight");
        const auto* delays = list_or_dist(c_.delay, "delay");
        auto w_rng = substream(weight_seed_, 0), d_rng = substream(delay_seed_, 0);
        std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint64_t i = r.sources[k], j = r.targets[k];
            const std::string pair_key = key_ + ".rule.pairs[" + std::to_string(k) + "]";
            if (i >= src_.size || j >= tgt_.size)
                throw config_error(pair_key, "id out of range (" + std::to_string(src_.size) + " sources, " +
                                                 std::to_string(tgt_.size) + " targets)");
            if (autapse(i, j))
                throw config_error(pair_key, "connects a neuron to itself but autapses = false");
            if (!c_.multapses && !seen.insert({i, j}).second)
                throw config_error(pair_key, "repeats a pair but multapses = false");
            double w = 0.0, d = 0.0;
            if (weights != nullptr) {
                w = (*weights)[k];
                if (!std::isfinite(w))
                    throw config_error(key_ + ".weight[" + std::to_string(k) + "]", "must be finite");
            } else {
                w = draw(std::get<distribution>(c_.weight), w_rng);
            }
            if (delays != nullptr) {
                d = (*delays)[k];
                if (!(d >= min_delay_ms) || !std::isfinite(d))
                    throw config_error(key_ + ".delay[" + std::to_string(k) + "]",
                                       "delay must be finite and > 0 (at least 1e-9 ms)");
            } else {
                d = draw_delay(std::get<distribution>(c_.delay), d_rng);
            }
            push(i, j, w, d);
        }
    }

    const connection_spec& c_;
    std::string key_;
    std::vector<raw_synapse>& out_;
    node_group src_, tgt_;
    bool same_ = false;
    std::uint64_t rule_seed_ = 0, weight_seed_ = 0, delay_seed_ = 0;
};

}  // namespace

network build_network(const simulation_spec& spec) {
    network net;
    net.float32_weights = spec.float32_weights;
    std::uint64_t next = 0;
    auto add_group = [&](const std::string& name, std::uint64_t size, bool is_source, std::size_t index,
                         const std::string& key) {
        if (net.find(name) != nullptr) throw config_error(key + ".name", "duplicate name '" + name + "'");
        if (next + size >= std::numeric_limits<std::uint32_t>::max())
            throw config_error(key + ".size", "more than 2^32 - 1 nodes in total");
        net.groups.push_back(
            {name, static_cast<std::uint32_t>(next), static_cast<std::uint32_t>(size), is_source, index});
        next += size;
    };
    for (std::size_t p = 0; p < spec.populations.size(); ++p)
        add_group(spec.populations[p].name, spec.populations[p].size, false, p,
                  "population[" + std::to_string(p) + "]");
    net.neuron_count = static_cast<std::uint32_t>(next);
    for (std::size_t s = 0; s < spec.sources.size(); ++s)
        add_group(spec.sources[s].name, spec.sources[s].size, true, s, "source[" + std::to_string(s) + "]");
    net.node_count = static_cast<std::uint32_t>(next);

    std::vector<raw_synapse> raw;
    for (std::size_t c = 0; c < spec.connections.size(); ++c) connection_builder(spec, net, c, raw).build();

    // Counting sort by source, then a stable sort by delay within each source.
    net.offsets.assign(net.node_count + 1, 0);
    for (const auto& s : raw) ++net.offsets[s.source + 1];
    for (std::uint32_t n = 0; n < net.node_count; ++n) net.offsets[n + 1] += net.offsets[n];
    std::vector<std::uint64_t> fill(net.offsets.begin(), net.offsets.end() - 1);
    std::vector<synapse> synapses(raw.size());
    for (const auto& s : raw) synapses[fill[s.source]++] = {s.target, s.weight, s.delay_ms};
    raw.clear();
    raw.shrink_to_fit();
    for (std::uint32_t n = 0; n < net.node_count; ++n)
        std::stable_sort(synapses.begin() + static_cast<std::ptrdiff_t>(net.offsets[n]),
                         synapses.begin() + static_cast<std::ptrdiff_t>(net.offsets[n + 1]),
                         [](const synapse& a, const synapse& b) { return a.delay_ms < b.delay_ms; });
    if (!synapses.empty()) {
        net.min_delay_ms = std::numeric_limits<double>::infinity();
        for (const auto& s : synapses) {
            net.min_delay_ms = std::min(net.min_delay_ms, s.delay_ms);
            net.max_delay_ms = std::max(net.max_delay_ms, s.delay_ms);
        }
    }
    net.store(synapses);
    return net;
}

}  // namespace evspike
