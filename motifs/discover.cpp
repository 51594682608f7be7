#include "motifs/discover.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "core/error.hpp"
#include "core/random.hpp"
#include "motifs/inference.hpp"

namespace evspike {

namespace {

double logit(double p) { return std::log(p) - std::log1p(-p); }

// Seeds are one window: their probabilities are shrunk harder (pseudo-counts) than learned
// templates; their occurrences are their seed_windows best windows.
constexpr double seed_pseudo_counts = 4.0;
constexpr double seed_prior_windows = 10.0;
constexpr std::size_t seed_windows = 10;
// Re-seeding stops this many iterations before the end, so the last ones only refine.
constexpr std::size_t settle_iterations = 5;

std::size_t saturating_mul(std::size_t a, std::size_t b) {
    if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a) return std::numeric_limits<std::size_t>::max();
    return a * b;
}

struct state {
    std::size_t K, N, D;
    std::int64_t bins;
    const binned_raster& raster;
    const discover_options& o;
    std::vector<double> r;                      // background per neuron
    std::vector<float> counts;                  // [k][a][δ]
    std::vector<double> n;                      // occurrences used per motif
    std::vector<char> seeded;                   // counts hold a seed (one blurred window)
    std::vector<std::vector<std::int64_t>> starts;  // per motif, start bins
    std::vector<double> min_count;                  // [k][a]: smallest significant 3-bin count

    // The smallest c with P(X >= c) <= alpha for X ~ Poisson(lambda).
    static double poisson_quantile(double lambda, double alpha) {
        double pmf = std::exp(-lambda), cdf = pmf;
        double c = 0;
        while (1.0 - cdf > alpha && c < 1e7) {
            c += 1;
            pmf *= lambda / c;
            cdf += pmf;
            if (pmf == 0 && c > lambda) break;
        }
        return c + 1;
    }
    void update_min_count(std::size_t k) {
        // Bonferroni over the neurons x delays entries of the motif.
        const double alpha = o.significance / static_cast<double>(N * D);
        for (std::size_t a = 0; a < N; ++a)
            min_count[k * N + a] = std::max(2.0, poisson_quantile(3.0 * n[k] * r[a], alpha));
    }

    float& count(std::size_t k, std::size_t a, std::size_t d) { return counts[(k * N + a) * D + d]; }

    // Whether entry (k, a, δ) is kept, and its probability p1.
    bool entry(std::size_t k, std::size_t a, std::size_t d, double& p1) {
        const double c = count(k, a, d);
        const double ra = r[a];
        if (seeded[k]) {
            if (c <= 0) return false;
            p1 = (c + seed_pseudo_counts * ra) / (1.0 + seed_pseudo_counts);
        } else {
            if (c < 1) return false;
            // The count of the entry and its two neighbours in time (jitter spreads an entry over
            // adjacent bins) against chance.
            double c3 = c;
            if (d > 0) c3 += count(k, a, d - 1);
            if (d + 1 < D) c3 += count(k, a, d + 1);
            if (c3 < min_count[k * N + a]) return false;
            p1 = (c + o.prior_strength * ra) / (n[k] + o.prior_strength);
        }
        p1 = std::min(p1, 0.999);
        return p1 > ra;
    }

    detector_model build_model(std::vector<float>* templates) {
        detector_model m;
        m.motifs = K;
        m.neurons = N;
        m.delays = D;
        m.bin_ms = o.bin_ms;
        m.threshold = 0.0;
        m.refractory_bins = D;
        m.rule = detection_rule_kind::peak;
        m.weights.assign(K * N * D, 0.0f);
        m.bias.assign(K, 0.0f);
        if (templates != nullptr) templates->assign(K * N * D, 0.0f);
        const double b = static_cast<double>(bins);
        for (std::size_t k = 0; k < K; ++k) {
            double bias = 0;
            for (std::size_t a = 0; a < N; ++a)
                for (std::size_t d = 0; d < D; ++d) {
                    double p1 = 0;
                    if (!entry(k, a, d, p1)) continue;
                    m.weight(k, a, D - 1 - d) = static_cast<float>(logit(p1) - logit(r[a]));
                    bias += std::log1p(-p1) - std::log1p(-r[a]);
                    if (templates != nullptr) (*templates)[(k * N + a) * D + d] = static_cast<float>(p1 - r[a]);
                }
            const double prior = seeded[k] ? 1.0 / (seed_prior_windows * static_cast<double>(D))
                                           : std::clamp(n[k] / b, 1.0 / b, 0.5);
            m.bias[k] = static_cast<float>(bias + logit(prior));
        }
        return m;
    }

    // E-step: the detections of the model (threshold 0, peak, refractory D). A seeded motif has no
    // calibrated prior yet: its occurrences are its `seed_windows` best-scoring windows (peak
    // rule, refractory D, at any score), which the next M-step then measures.
    std::vector<candidate> e_step(detector_model m) {
        constexpr float lift = 1e4f;  // lets every bin of a seeded motif pass the floor
        for (std::size_t k = 0; k < K; ++k)
            if (seeded[k]) m.bias[k] += lift;
        const compiled_detector det(m);
        const auto Dl = static_cast<std::int64_t>(D);
        std::vector<candidate> candidates;
        detection_rule seed_rule(K, Dl, -std::numeric_limits<float>::infinity(), detection_rule_kind::peak);
        // Per seeded motif, a min-heap of its best windows.
        std::vector<std::vector<candidate>> best(K);
        const auto worse = [](const candidate& x, const candidate& y) {
            return x.score != y.score ? x.score > y.score : x.bin < y.bin;
        };
        const auto keep_best = [&](const candidate& c) {
            auto& h = best[c.motif];
            if (h.size() < seed_windows) {
                h.push_back(c);
                std::push_heap(h.begin(), h.end(), worse);
            } else if (worse(c, h.front())) {
                std::pop_heap(h.begin(), h.end(), worse);
                h.back() = c;
                std::push_heap(h.begin(), h.end(), worse);
            }
        };
        evidence_scanner scanner(det, 0.0f, [&](const candidate& c) {
            if (!seeded[c.motif]) {
                candidates.push_back(c);
                return;
            }
            candidate x = c;
            x.score -= lift;
            seed_rule.push(x, keep_best);
        });
        for (std::size_t i = 0; i < raster.size(); ++i) scanner.push(raster.spike_bins[i], raster.spike_neurons[i]);
        scanner.finish();
        seed_rule.finish(keep_best);
        auto found = apply_rule(candidates, K, Dl, 0.0f, detection_rule_kind::peak);
        for (const auto& h : best) found.insert(found.end(), h.begin(), h.end());
        std::sort(found.begin(), found.end(), [](const candidate& x, const candidate& y) {
            return x.bin != y.bin ? x.bin < y.bin : x.motif < y.motif;
        });
        return found;
    }

    std::size_t first_spike_at(std::int64_t t) const {
        return static_cast<std::size_t>(std::lower_bound(raster.spike_bins.begin(), raster.spike_bins.end(), t) -
                                        raster.spike_bins.begin());
    }

    // M-step for motif k from starts[k] (windows that do not fit in the raster are not counted).
    void count_motif(std::size_t k) {
        std::fill(counts.begin() + static_cast<std::ptrdiff_t>(k * N * D),
                  counts.begin() + static_cast<std::ptrdiff_t>((k + 1) * N * D), 0.0f);
        double used = 0;
        const auto Dl = static_cast<std::int64_t>(D);
        for (const auto s : starts[k]) {
            if (s < 0 || s + Dl > bins) continue;
            used += 1;
            for (std::size_t i = first_spike_at(s); i < raster.size() && raster.spike_bins[i] < s + Dl; ++i)
                count(k, raster.spike_neurons[i], static_cast<std::size_t>(raster.spike_bins[i] - s)) += 1.0f;
        }
        n[k] = used;
        seeded[k] = 0;
        update_min_count(k);
    }

    // Excess of the kept entries, as a sparse list sorted by (neuron, δ).
    struct cell {
        std::uint32_t a, d;
        float e;
    };
    std::vector<cell> excess(std::size_t k) {
        std::vector<cell> out;
        for (std::size_t a = 0; a < N; ++a)
            for (std::size_t d = 0; d < D; ++d) {
                double p1 = 0;
                if (entry(k, a, d, p1))
                    out.push_back({static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(d),
                                   static_cast<float>(p1 - r[a])});
            }
        return out;
    }

    // Shifts motif k's window so the centre of mass of its excess is in the middle.
    void recentre(std::size_t k) {
        if (n[k] < static_cast<double>(o.min_occurrences)) return;
        double mass = 0, moment = 0;
        for (const auto& c : excess(k)) {
            mass += c.e;
            moment += c.e * c.d;
        }
        if (mass <= 0) return;
        const auto shift = static_cast<std::int64_t>(std::lround(moment / mass - static_cast<double>(D - 1) / 2));
        if (shift == 0) return;
        for (auto& s : starts[k]) s += shift;
        count_motif(k);
    }

    // Largest cosine over lags between the excess maps of two motifs.
    double cosine(const std::vector<cell>& x, const std::vector<cell>& y, std::vector<double>& lag) const {
        double nx = 0, ny = 0;
        for (const auto& c : x) nx += static_cast<double>(c.e) * c.e;
        for (const auto& c : y) ny += static_cast<double>(c.e) * c.e;
        if (nx <= 0 || ny <= 0) return 0;
        lag.assign(2 * D - 1, 0.0);
        std::size_t j0 = 0;
        for (std::size_t i = 0; i < x.size();) {
            const auto a = x[i].a;
            std::size_t i1 = i;
            while (i1 < x.size() && x[i1].a == a) ++i1;
            while (j0 < y.size() && y[j0].a < a) ++j0;
            std::size_t j1 = j0;
            while (j1 < y.size() && y[j1].a == a) ++j1;
            for (std::size_t p = i; p < i1; ++p)
                for (std::size_t q = j0; q < j1; ++q)
                    lag[x[p].d + D - 1 - y[q].d] += static_cast<double>(x[p].e) * y[q].e;
            i = i1;
            j0 = j1;
        }
        return *std::max_element(lag.begin(), lag.end()) / std::sqrt(nx * ny);
    }

    // Whether motif k's occurrences fall in two groups with different patterns (two motifs
    // merged by a seed window that held both): 2-means, by cosine, on the occurrences' spikes in
    // the kept entries. Returns the second group (empty: no split) and leaves the first in `keep`.
    std::vector<std::int64_t> split(std::size_t k, std::vector<std::int64_t>& keep) {
        const auto ex = excess(k);
        const std::size_t m = ex.size();
        if (m < 2 || n[k] < 4.0 * static_cast<double>(o.min_occurrences)) return {};
        std::vector<std::int32_t> index(N * D, -1);
        for (std::size_t j = 0; j < m; ++j) index[ex[j].a * D + ex[j].d] = static_cast<std::int32_t>(j);
        const auto Dl = static_cast<std::int64_t>(D);
        std::vector<std::int64_t> occ;
        std::vector<std::vector<std::uint32_t>> x;
        for (const auto s : starts[k]) {
            if (s < 0 || s + Dl > bins) continue;
            std::vector<std::uint32_t> hits;
            for (std::size_t i = first_spike_at(s); i < raster.size() && raster.spike_bins[i] < s + Dl; ++i) {
                const auto j = index[raster.spike_neurons[i] * D + static_cast<std::size_t>(raster.spike_bins[i] - s)];
                if (j >= 0) hits.push_back(static_cast<std::uint32_t>(j));
            }
            occ.push_back(s);
            x.push_back(std::move(hits));
        }
        const std::size_t count = occ.size();
        if (count < 4 * o.min_occurrences) return {};
        // Centres: the occurrence with the most hits, and the one sharing the fewest with it.
        std::size_t a0 = 0;
        for (std::size_t i = 1; i < count; ++i)
            if (x[i].size() > x[a0].size()) a0 = i;
        std::vector<double> ca(m, 0.0), cb(m, 0.0);
        for (auto j : x[a0]) ca[j] = 1;
        std::size_t b0 = a0;
        double least = std::numeric_limits<double>::infinity();
        for (std::size_t i = 0; i < count; ++i) {
            if (x[i].size() < x[a0].size() / 2) continue;
            double shared = 0;
            for (auto j : x[i]) shared += ca[j];
            const double c = shared / static_cast<double>(x[i].size());
            if (c < least) {
                least = c;
                b0 = i;
            }
        }
        if (b0 == a0) return {};
        for (auto j : x[b0]) cb[j] = 1;
        std::vector<char> in_b(count, 0);
        for (int round = 0; round < 8; ++round) {
            const auto norm = [](const std::vector<double>& c) {
                double s2 = 0;
                for (double v : c) s2 += v * v;
                return s2 > 0 ? std::sqrt(s2) : 1.0;
            };
            const double na = norm(ca), nb = norm(cb);
            for (std::size_t i = 0; i < count; ++i) {
                double da = 0, db = 0;
                for (auto j : x[i]) {
                    da += ca[j];
                    db += cb[j];
                }
                in_b[i] = db / nb > da / na ? 1 : 0;
            }
            std::fill(ca.begin(), ca.end(), 0.0);
            std::fill(cb.begin(), cb.end(), 0.0);
            for (std::size_t i = 0; i < count; ++i)
                for (auto j : x[i]) (in_b[i] ? cb : ca)[j] += 1;
        }
        std::size_t nb = 0;
        for (auto b : in_b) nb += b;
        const std::size_t na = count - nb;
        const std::size_t smallest = std::max<std::size_t>(o.min_occurrences, count / 5);
        if (na < smallest || nb < smallest) return {};
        double dot = 0, sa = 0, sb = 0;
        for (std::size_t j = 0; j < m; ++j) {
            const double pa = ca[j] / static_cast<double>(na), pb = cb[j] / static_cast<double>(nb);
            dot += pa * pb;
            sa += pa * pa;
            sb += pb * pb;
        }
        if (dot / std::sqrt(sa * sb) >= o.duplicate_cosine) return {};
        std::vector<std::int64_t> second;
        keep.clear();
        for (std::size_t i = 0; i < count; ++i) (in_b[i] ? second : keep).push_back(occ[i]);
        return second;
    }

    void seed_from(std::size_t k, std::int64_t anchor) {
        const auto Dl = static_cast<std::int64_t>(D);
        std::int64_t s = anchor - Dl / 2;
        if (s + Dl > bins) s = bins - Dl;
        if (s < 0) s = 0;
        std::fill(counts.begin() + static_cast<std::ptrdiff_t>(k * N * D),
                  counts.begin() + static_cast<std::ptrdiff_t>((k + 1) * N * D), 0.0f);
        const auto h = static_cast<std::int64_t>(o.seed_blur);
        for (std::size_t i = first_spike_at(s); i < raster.size() && raster.spike_bins[i] < s + Dl; ++i) {
            const auto d = raster.spike_bins[i] - s;
            for (std::int64_t j = -h; j <= h; ++j) {
                if (d + j < 0 || d + j >= Dl) continue;
                const float w = static_cast<float>(h + 1 - std::abs(j)) / static_cast<float>(h + 1);
                float& c = count(k, raster.spike_neurons[i], static_cast<std::size_t>(d + j));
                c = std::max(c, w);
            }
        }
        n[k] = 1;
        seeded[k] = 1;
        starts[k].clear();
    }
};

}  // namespace

void discover_options::validate() const {
    if (motifs == 0) throw model_error("motifs: must be >= 1");
    if (delays < 2) throw model_error("duration: must span at least 2 bins");
    if (!(bin_ms > 0) || !std::isfinite(bin_ms)) throw model_error("bin: must be > 0 ms");
    if (iterations == 0) throw model_error("iterations: must be >= 1");
    if (!(duplicate_cosine > 0 && duplicate_cosine <= 1)) throw model_error("duplicate_cosine: must be in (0, 1]");
    if (!(significance > 0 && significance < 1)) throw model_error("significance: must be in (0, 1)");
    if (!(prior_strength > 0) || !std::isfinite(prior_strength)) throw model_error("prior_strength: must be > 0");
}

std::size_t discover_memory_bytes(std::size_t neurons, std::size_t motifs, std::size_t delays) {
    // counts, weights, templates (float) and the compiled detector (~8 bytes per weight, twice
    // while it is built) per (motif, neuron, delay).
    return saturating_mul(saturating_mul(saturating_mul(neurons, motifs), delays), 28);
}

discover_result discover_motifs(const binned_raster& raster, const discover_options& options,
                                const std::function<void(const discover_progress&)>& progress) {
    options.validate();
    if (raster.size() == 0) throw model_error("raster: no spikes to discover motifs in");
    if (raster.neurons == 0) throw model_error("raster: no neurons");
    const std::size_t K = options.motifs, N = raster.neurons, D = options.delays;
    if (raster.bins < static_cast<std::int64_t>(D))
        throw model_error("duration: the motif window (" + std::to_string(D) +
                          " bins) is longer than the raster (" + std::to_string(raster.bins) + " bins)");
    // Cells are indexed with 32 bits in the compiled detector.
    if (saturating_mul(saturating_mul(K, N), D) > std::numeric_limits<std::uint32_t>::max())
        throw model_error("motifs x neurons x delays (" + std::to_string(K) + " x " + std::to_string(N) + " x " +
                          std::to_string(D) + ") exceeds 2^32 weights");

    state st{K, N, D, raster.bins, raster, options, {}, {}, {}, {}, {}, {}};
    st.r.assign(N, 0.0);
    for (const auto a : raster.spike_neurons) st.r[a] += 1;
    const double bins = static_cast<double>(raster.bins);
    for (auto& x : st.r) x = std::clamp(x / bins, 0.5 / bins, 0.5);
    st.counts.assign(K * N * D, 0.0f);
    st.n.assign(K, 0.0);
    st.seeded.assign(K, 0);
    st.starts.assign(K, {});
    st.min_count.assign(K * N, 0.0);

    auto rng = make_stream(options.seed, "discover.seeds");
    // covered: occurrence windows sorted by start, with the running maximum of their ends.
    using windows = std::vector<std::pair<std::int64_t, std::int64_t>>;
    const auto is_covered = [](const windows& covered, std::int64_t t) {
        auto it = std::upper_bound(covered.begin(), covered.end(),
                                   std::make_pair(t, std::numeric_limits<std::int64_t>::max()));
        return it != covered.begin() && std::prev(it)->second > t;
    };
    // The anchor of a new seed: of `anchor_candidates` spikes that no occurrence explains, the one
    // whose window holds the most unexplained spikes (a motif occurrence adds its spikes to the
    // background's), so that seeds land on repeats more often than on noise.
    constexpr int anchor_candidates = 16;
    const auto pick_anchor = [&](const windows& covered) {
        std::int64_t best = raster.spike_bins[static_cast<std::size_t>(rng() % raster.size())];
        std::size_t best_count = 0;
        const auto half = static_cast<std::int64_t>(D / 2);
        for (int c = 0; c < anchor_candidates; ++c) {
            const std::int64_t t = raster.spike_bins[static_cast<std::size_t>(rng() % raster.size())];
            if (is_covered(covered, t)) continue;
            std::size_t count = 0;
            for (std::size_t i = st.first_spike_at(t - half);
                 i < raster.size() && raster.spike_bins[i] < t - half + static_cast<std::int64_t>(D); ++i)
                if (!is_covered(covered, raster.spike_bins[i])) ++count;
            if (count > best_count) {
                best_count = count;
                best = t;
            }
        }
        return best;
    };
    {
        const windows none;
        for (std::size_t k = 0; k < K; ++k) st.seed_from(k, pick_anchor(none));
    }

    discover_result result;
    std::vector<std::vector<std::int64_t>> previous;
    std::vector<double> lag;
    std::size_t it = 0;
    for (it = 1; it <= options.iterations; ++it) {
        // Motifs whose occurrences this time are a seed's best windows get one learned E-step
        // before they can be judged dead.
        const std::vector<char> fresh = st.seeded;
        const auto found = st.e_step(st.build_model(nullptr));
        for (auto& s : st.starts) s.clear();
        for (const auto& c : found) st.starts[c.motif].push_back(c.bin - static_cast<std::int64_t>(D) + 1);
        for (std::size_t k = 0; k < K; ++k) {
            st.count_motif(k);
            st.recentre(k);
        }
        std::size_t reseeded = 0;
        const bool may_reseed = it + settle_iterations <= options.iterations;
        if (may_reseed) {
            // Dead: fewer than min_occurrences, or than a tenth of the median motif's.
            std::vector<double> sorted_n = st.n;
            std::sort(sorted_n.begin(), sorted_n.end());
            const double dead_below =
                std::max(static_cast<double>(options.min_occurrences), 0.1 * sorted_n[K / 2]);
            std::vector<char> reseed(K, 0);
            for (std::size_t k = 0; k < K; ++k)
                if (!fresh[k] && st.n[k] < dead_below) reseed[k] = 1;
            std::vector<std::vector<state::cell>> ex(K);
            for (std::size_t k = 0; k < K; ++k)
                if (!reseed[k]) ex[k] = st.excess(k);
            for (std::size_t k = 0; k < K; ++k)
                for (std::size_t l = k + 1; l < K; ++l) {
                    if (reseed[k] || reseed[l] || fresh[k] || fresh[l]) continue;
                    if (st.cosine(ex[k], ex[l], lag) >= options.duplicate_cosine)
                        reseed[st.n[l] > st.n[k] ? k : l] = 1;
                }
            windows covered;
            for (std::size_t k = 0; k < K; ++k)
                for (const auto s : st.starts[k]) covered.emplace_back(s, s + static_cast<std::int64_t>(D));
            std::sort(covered.begin(), covered.end());
            for (std::size_t i = 1; i < covered.size(); ++i)
                covered[i].second = std::max(covered[i].second, covered[i - 1].second);
            // A dead slot takes the second half of a merged motif if there is one (largest first),
            // else a new seed.
            std::vector<std::size_t> by_size;
            for (std::size_t k = 0; k < K; ++k)
                if (!reseed[k] && !fresh[k]) by_size.push_back(k);
            std::stable_sort(by_size.begin(), by_size.end(),
                             [&](std::size_t x, std::size_t y) { return st.n[x] > st.n[y]; });
            std::size_t next_split = 0;
            for (std::size_t k = 0; k < K; ++k) {
                if (!reseed[k]) continue;
                ++reseeded;
                bool done = false;
                while (!done && next_split < by_size.size()) {
                    const std::size_t big = by_size[next_split++];
                    std::vector<std::int64_t> first;
                    auto second = st.split(big, first);
                    if (second.empty()) continue;
                    st.starts[big] = std::move(first);
                    st.count_motif(big);
                    st.starts[k] = std::move(second);
                    st.count_motif(k);
                    done = true;
                }
                if (!done) st.seed_from(k, pick_anchor(covered));
            }
        }
        if (progress) progress({it, options.iterations, found.size(), reseeded});
        if (reseeded == 0 && st.starts == previous) {
            ++it;
            break;
        }
        previous = st.starts;
    }
    result.iterations = it - 1;

    // The final model and its own detections.
    std::vector<float> templates;
    auto model = st.build_model(&templates);
    auto found = st.e_step(model);
    std::vector<std::size_t> count(K, 0);
    std::vector<std::int64_t> first(K, std::numeric_limits<std::int64_t>::max());
    for (const auto& c : found) {
        ++count[c.motif];
        first[c.motif] = std::min(first[c.motif], c.bin);
    }
    std::vector<std::size_t> order(K);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        if (count[x] != count[y]) return count[x] > count[y];
        return first[x] < first[y];
    });
    std::vector<std::uint32_t> rank(K);
    for (std::size_t i = 0; i < K; ++i) rank[order[i]] = static_cast<std::uint32_t>(i);

    result.model = model;
    result.templates.assign(K * N * D, 0.0f);
    result.counts.assign(K, 0);
    for (std::size_t i = 0; i < K; ++i) {
        const std::size_t k = order[i];
        std::copy_n(model.weights.begin() + static_cast<std::ptrdiff_t>(k * N * D), N * D,
                    result.model.weights.begin() + static_cast<std::ptrdiff_t>(i * N * D));
        std::copy_n(templates.begin() + static_cast<std::ptrdiff_t>(k * N * D), N * D,
                    result.templates.begin() + static_cast<std::ptrdiff_t>(i * N * D));
        result.model.bias[i] = model.bias[k];
        result.counts[i] = count[k];
    }
    for (auto& c : found) c.motif = rank[c.motif];
    std::sort(found.begin(), found.end(), [](const candidate& x, const candidate& y) {
        return x.bin != y.bin ? x.bin < y.bin : x.motif < y.motif;
    });
    result.occurrences = to_motif_events(found, D, options.bin_ms);
    result.background = st.r;
    return result;
}

}  // namespace evspike
