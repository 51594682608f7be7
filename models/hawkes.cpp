#include "models/hawkes.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>

#include "core/error.hpp"
#include "core/time.hpp"
#include "models/variates.hpp"

namespace evspike {

namespace {

constexpr double two_pi = 2.0 * std::numbers::pi;

// Mass of N(mean, sigma) on [0, support], computed on the side that avoids cancellation.
double gaussian_mass(double mean, double sigma, double lo, double hi) {
    const double a = (lo - mean) / sigma, b = (hi - mean) / sigma;
    if (a > 0.0) return normal_sf(a) - normal_sf(b);
    return normal_cdf(b) - normal_cdf(a);
}

std::string number(double x) {
    std::ostringstream s;
    s.precision(17);
    s << x;
    return s.str();
}

}  // namespace

bool parse_kernel_shape(const std::string& name, kernel_shape& shape) {
    for (auto s : {kernel_shape::exponential, kernel_shape::truncated_exponential, kernel_shape::truncated_gaussian,
                   kernel_shape::raised_cosine}) {
        if (name == to_string(s)) {
            shape = s;
            return true;
        }
    }
    return false;
}

const char* to_string(kernel_shape shape) {
    switch (shape) {
        case kernel_shape::exponential: return "exponential";
        case kernel_shape::truncated_exponential: return "truncated_exponential";
        case kernel_shape::truncated_gaussian: return "truncated_gaussian";
        case kernel_shape::raised_cosine: return "raised_cosine";
    }
    return "?";
}

double hawkes_kernel::density(double t) const {
    if (t < 0.0) return 0.0;
    switch (shape) {
        case kernel_shape::exponential: return norm / tau * std::exp(-t / tau);
        case kernel_shape::truncated_exponential:
            if (t > support) return 0.0;
            return norm / (tau * -std::expm1(-support / tau)) * std::exp(-t / tau);
        case kernel_shape::truncated_gaussian: {
            if (t > support) return 0.0;
            const double z = (t - mean) / sigma;
            return norm * std::exp(-0.5 * z * z) / (sigma * std::sqrt(two_pi) * gaussian_mass(mean, sigma, 0.0, support));
        }
        case kernel_shape::raised_cosine: {
            const double x = (t - start) / width;
            if (x < 0.0 || x > 1.0) return 0.0;
            return norm / width * (1.0 - std::cos(two_pi * x));
        }
    }
    return 0.0;
}

double hawkes_kernel::integral(double t) const {
    if (t <= 0.0) return 0.0;
    switch (shape) {
        case kernel_shape::exponential: return -norm * std::expm1(-t / tau);
        case kernel_shape::truncated_exponential:
            return norm * std::expm1(-std::min(t, support) / tau) / std::expm1(-support / tau);
        case kernel_shape::truncated_gaussian:
            return norm * gaussian_mass(mean, sigma, 0.0, std::min(t, support)) / gaussian_mass(mean, sigma, 0.0, support);
        case kernel_shape::raised_cosine: {
            const double x = std::clamp((t - start) / width, 0.0, 1.0);
            return norm * (x - std::sin(two_pi * x) / two_pi);
        }
    }
    return 0.0;
}

double hawkes_kernel::mean_delay() const {
    switch (shape) {
        case kernel_shape::exponential: return tau;
        case kernel_shape::truncated_exponential: {
            // E[t] on [0, W] with density ~ e^{-t/tau}: tau - W e^{-W/tau} / (1 - e^{-W/tau}).
            const double r = support / tau;
            return tau - support / std::expm1(r);
        }
        case kernel_shape::truncated_gaussian: {
            // Truncated normal on [0, W]: mean + sigma (pdf(a) - pdf(b)) / mass, a, b standardised.
            const double a = -mean / sigma, b = (support - mean) / sigma;
            const double pdf_a = std::exp(-0.5 * a * a) / std::sqrt(two_pi);
            const double pdf_b = std::exp(-0.5 * b * b) / std::sqrt(two_pi);
            return std::clamp(mean + sigma * (pdf_a - pdf_b) / gaussian_mass(mean, sigma, 0.0, support), 0.0, support);
        }
        case kernel_shape::raised_cosine: return start + 0.5 * width;  // symmetric about its centre
    }
    return 0.0;
}

double hawkes_kernel::sample_delay(random_stream& rng) const {
    switch (shape) {
        case kernel_shape::exponential: return -tau * std::log(uniform_open0(rng));
        case kernel_shape::truncated_exponential:
            // Inverse CDF: F(t) = (1 - e^{-t/tau}) / (1 - e^{-W/tau}).
            return -tau * std::log1p(uniform01(rng) * std::expm1(-support / tau));
        case kernel_shape::truncated_gaussian: {
            const double mass = gaussian_mass(mean, sigma, 0.0, support);
            if (mass >= 0.25) {  // rejection from the untruncated Gaussian: exact, >= 1/4 accepted
                for (;;) {
                    const double t = mean + sigma * standard_normal(rng);
                    if (t >= 0.0 && t <= support) return t;
                }
            }
            // Inverse CDF, on the tail side of the interval to keep precision.
            const double a = -mean / sigma;
            const double u = uniform01(rng);
            double t = 0.0;
            if (a > 0.0) {
                t = mean - sigma * normal_quantile(normal_sf(a) - u * mass);
            } else {
                t = mean + sigma * normal_quantile(normal_cdf(a) + u * mass);
            }
            return std::clamp(t, 0.0, support);
        }
        case kernel_shape::raised_cosine:
            // Rejection under the constant 2 / width (the density's maximum): half accepted.
            for (;;) {
                const double x = uniform01(rng);
                if (2.0 * uniform01(rng) < 1.0 - std::cos(two_pi * x)) return start + width * x;
            }
    }
    return 0.0;
}

void hawkes_kernel::validate(const std::string& key, std::size_t units, const std::string& file) const {
    auto fail = [&](const std::string& param, const std::string& what) {
        throw config_error(key + "." + param, what, file);
    };
    auto positive = [&](const char* param, double v) {
        if (!(std::isfinite(v) && v > 0.0)) fail(param, "must be finite and > 0 (got " + number(v) + ")");
    };
    if (source >= units) fail("source", "unit " + std::to_string(source) + " out of range (" + std::to_string(units) + " units)");
    if (target >= units) fail("target", "unit " + std::to_string(target) + " out of range (" + std::to_string(units) + " units)");
    if (!(std::isfinite(norm) && norm >= 0.0)) fail("norm", "must be finite and >= 0 (got " + number(norm) + ")");
    switch (shape) {
        case kernel_shape::exponential: positive("tau", tau); break;
        case kernel_shape::truncated_exponential:
            positive("tau", tau);
            positive("support", support);
            break;
        case kernel_shape::truncated_gaussian:
            positive("sigma", sigma);
            positive("support", support);
            if (!std::isfinite(mean)) fail("mean", "must be finite");
            if (!(gaussian_mass(mean, sigma, 0.0, support) > 1e-12))
                fail("mean", "the Gaussian has (almost) no mass on [0, support]");
            break;
        case kernel_shape::raised_cosine:
            if (!(std::isfinite(start) && start >= 0.0)) fail("start", "must be finite and >= 0 (got " + number(start) + ")");
            positive("width", width);
            break;
    }
}

void hawkes_params::validate(const std::string& file) const {
    if (!(std::isfinite(t_stop_ms) && t_stop_ms >= 0.0)) throw config_error("t_stop", "must be finite and >= 0", file);
    if (!(std::isfinite(burn_in_ms) && burn_in_ms >= 0.0)) throw config_error("burn_in", "must be finite and >= 0", file);
    if (baseline_hz.empty()) throw config_error("baseline", "needs one rate per unit (at least one)", file);
    if (baseline_hz.size() >= UINT32_MAX) throw config_error("baseline", "more than 2^32 - 1 units", file);
    for (std::size_t i = 0; i < baseline_hz.size(); ++i)
        if (!(std::isfinite(baseline_hz[i]) && baseline_hz[i] >= 0.0))
            throw config_error("baseline[" + std::to_string(i) + "]", "must be finite and >= 0 Hz", file);
    for (std::size_t k = 0; k < kernels.size(); ++k) kernels[k].validate("kernel[" + std::to_string(k) + "]", units(), file);
    const hawkes_stability st = kernel_stability(*this);
    if (!st.decided)
        throw config_error("kernel",
                           "cannot decide whether the process is stable: the spectral radius of the kernel norms lies in [" +
                               number(st.lower) + ", " + number(st.upper) + "] after " + std::to_string(st.iterations) +
                               " steps of power iteration; scale the norms down",
                           file);
    if (!st.stable)
        throw config_error("kernel",
                           "spectral radius of the kernel norms is " +
                               (st.lower == st.upper ? number(st.upper) : "at least " + number(st.lower)) +
                               " >= 1: the process is unstable (explodes); scale the norms down",
                           file);
}

std::vector<double> branching_matrix(const hawkes_params& params) {
    const std::size_t n = params.units();
    std::vector<double> g(n * n, 0.0);
    for (const auto& k : params.kernels)
        if (k.source < n && k.target < n) g[k.target * n + k.source] += k.norm;
    return g;
}

double spectral_radius(std::span<const double> matrix, std::size_t n) {
    if (n == 0) return 0.0;
    // rho = lim ||A^m||^(1/m) (Gelfand); with the max-row-sum norm every term is an upper bound.
    // Squaring with renormalisation: log ||A^(2^k)|| accumulates in `log_scale`.
    std::vector<double> a(matrix.begin(), matrix.end()), b(n * n);
    auto norm_inf = [&](const std::vector<double>& m) {
        double best = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            double row = 0.0;
            for (std::size_t j = 0; j < n; ++j) row += std::abs(m[i * n + j]);
            best = std::max(best, row);
        }
        return best;
    };
    double log_scale = 0.0;  // log of the factor divided out of A^(2^k)
    double estimate = norm_inf(a);
    for (int k = 0; k < 60; ++k) {
        const double s = norm_inf(a);
        if (s == 0.0) return 0.0;  // nilpotent
        for (auto& x : a) x /= s;
        log_scale += std::ldexp(std::log(s), -k);  // contributes log(s) / 2^k to log rho
        // a <- a * a
        std::fill(b.begin(), b.end(), 0.0);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t l = 0; l < n; ++l) {
                const double x = a[i * n + l];
                if (x == 0.0) continue;
                for (std::size_t j = 0; j < n; ++j) b[i * n + j] += x * a[l * n + j];
            }
        a.swap(b);
        // ||A^(2^(k+1))||^(1/2^(k+1)) = exp(log_scale) * ||a||^(1/2^(k+1)), with a = A^(2^(k+1)) / scale.
        const double na = norm_inf(a);
        if (na == 0.0) return 0.0;
        const double next = std::min(estimate, std::exp(log_scale + std::ldexp(std::log(na), -(k + 1))));
        // Every estimate is an upper bound, so stopping early stays on the safe side.
        if (k > 8 && estimate - next <= 1e-15 * estimate) return next;
        estimate = next;
    }
    return estimate;
}

double hawkes_validation_bytes(const hawkes_params& params) {
    const double n = static_cast<double>(params.units());
    const double dense = params.units() <= dense_stability_units ? 3.0 * n * n * sizeof(double) : 0.0;
    return 16.0 * static_cast<double>(params.kernels.size()) + (8.0 + 3.0 * sizeof(double)) * n + dense;
}

hawkes_estimate estimate_hawkes(const hawkes_params& params) {
    const auto rates = stationary_rates_hz(params);
    hawkes_estimate e;
    const double ms_per_s = 1000.0;
    for (const double r : rates) e.events += r * params.t_stop_ms / ms_per_s;
    e.pending = static_cast<double>(params.units());
    for (const auto& k : params.kernels)
        if (k.source < rates.size()) e.pending += rates[k.source] / ms_per_s * k.norm * k.mean_delay();
    const double heap_slot = 64.0, per_unit = 256.0, batch = 65536.0 * 48.0;
    e.memory_bytes = e.pending * heap_slot + static_cast<double>(params.units()) * per_unit +
                     hawkes_validation_bytes(params) + batch;
    return e;
}

namespace {

// The kernels with norm > 0 grouped by target: row i lists (source j, G_ij) (duplicates kept:
// their norms add up in every product).
struct sparse_branching {
    std::vector<std::uint64_t> first;  // row i is entries [first[i], first[i + 1])
    std::vector<std::uint32_t> source;
    std::vector<double> norm;

    explicit sparse_branching(const hawkes_params& params) : first(params.units() + 1, 0) {
        const std::size_t n = params.units();
        for (const auto& k : params.kernels)
            if (k.norm > 0.0 && k.source < n && k.target < n) ++first[k.target + 1];
        for (std::size_t i = 0; i < n; ++i) first[i + 1] += first[i];
        source.resize(first[n]);
        norm.resize(first[n]);
        std::vector<std::uint64_t> at(first.begin(), first.end() - 1);
        for (const auto& k : params.kernels)
            if (k.norm > 0.0 && k.source < n && k.target < n) {
                source[at[k.target]] = static_cast<std::uint32_t>(k.source);
                norm[at[k.target]++] = k.norm;
            }
    }
    std::size_t units() const { return first.size() - 1; }
    std::size_t entries() const { return source.size(); }
    // (G x)_i
    double row(std::size_t i, const std::vector<double>& x) const {
        double s = 0.0;
        for (std::uint64_t e = first[i]; e < first[i + 1]; ++e) s += norm[e] * x[source[e]];
        return s;
    }
};

// Steps allowed to an iteration over the kernel list: ~1e9 operations, at least 1000 steps.
std::uint64_t iteration_budget(const sparse_branching& g) {
    const double per_step = static_cast<double>(g.units() + g.entries()) + 1.0;
    return static_cast<std::uint64_t>(std::clamp(1e9 / per_step, 1000.0, 1e7));
}

}  // namespace

hawkes_stability kernel_stability(const hawkes_params& params) {
    const std::size_t n = params.units();
    hawkes_stability st;
    if (n <= dense_stability_units) {
        const double radius = spectral_radius(branching_matrix(params), n);
        st.lower = st.upper = radius;
        st.stable = radius < 1.0;
        return st;
    }
    const sparse_branching g(params);
    // x > 0 throughout: power iteration on G + I (x + Gx >= x), which also converges when G is
    // periodic. Every bound below holds for whatever x the iteration has reached.
    std::vector<double> x(n, 1.0), y(n), on_s(n);
    st.upper = std::numeric_limits<double>::infinity();
    const std::uint64_t budget = iteration_budget(g);
    for (std::uint64_t it = 0; it < budget; ++it) {
        st.iterations = it + 1;
        double upper = 0.0, top = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            y[i] = g.row(i, x);
            upper = std::max(upper, y[i] / x[i]);  // x_i >= 1e-300 and y_i finite: no NaN
        }
        st.upper = std::min(st.upper, upper);
        if (st.upper < 1.0) return st;  // stable: certified by x
        // Lower bound on the units that carry the iteration (x_i >= 1e-6 max x): on a reducible
        // G the others (upstream of the unstable part) fade, and each unit of S must be driven
        // from S alone. Every 8 steps (it costs one more product).
        if (it % 8 == 7 || it + 1 == budget) {
            for (std::size_t i = 0; i < n; ++i) top = std::max(top, x[i]);
            for (std::size_t i = 0; i < n; ++i) on_s[i] = x[i] >= 1e-6 * top ? x[i] : 0.0;
            double lower = std::numeric_limits<double>::infinity();
            for (std::size_t i = 0; i < n; ++i)
                if (on_s[i] > 0.0) lower = std::min(lower, g.row(i, on_s) / on_s[i]);
            st.lower = std::max(st.lower, lower);
            if (st.lower >= 1.0 || st.upper - st.lower <= 1e-12 * st.upper) {
                st.stable = false;  // certified, or within 1e-12 of a radius >= 1 - 1e-12
                if (st.upper - st.lower <= 1e-12 * st.upper) st.lower = st.upper;
                return st;
            }
        }
        double m = 0.0;
        for (std::size_t i = 0; i < n; ++i) m = std::max(m, x[i] += y[i]);
        // Normalised, and kept >= 1e-300: a unit that underflowed to 0 would drop out of the max
        // over i (0/0), and the upper bound would no longer hold.
        for (std::size_t i = 0; i < n; ++i) x[i] = std::max(x[i] / m, 1e-300);
    }
    st.decided = false;
    st.stable = false;
    return st;
}

std::vector<double> stationary_rates_hz(const hawkes_params& params) {
    const std::size_t n = params.units();
    if (n > dense_stability_units) {
        // lambda = mu + G lambda, Gauss-Seidel: from lambda = mu the rates only grow (G >= 0).
        const sparse_branching g(params);
        std::vector<double> x(params.baseline_hz);
        const std::uint64_t budget = iteration_budget(g);
        std::vector<double> step(n, 0.0);
        double last_change = 0.0;
        for (std::uint64_t it = 0; it < budget; ++it) {
            double change = 0.0, top = 0.0;
            for (std::size_t i = 0; i < n; ++i) {
                const double v = params.baseline_hz[i] + g.row(i, x);
                step[i] = v - x[i];
                change = std::max(change, std::abs(step[i]));
                top = std::max(top, v);
                x[i] = v;
            }
            if (change <= 1e-13 * top) return x;
            if (it + 1 == budget && change < last_change) {
                // Out of budget: add each rate's geometric tail, its last step x r / (1 - r).
                const double r = change / last_change;
                for (std::size_t i = 0; i < n; ++i) x[i] += step[i] * r / (1.0 - r);
            }
            last_change = change;
        }
        return x;
    }
    auto g = branching_matrix(params);
    // Solve (I - G) x = mu by Gaussian elimination with partial pivoting.
    std::vector<double> m(n * n), x(params.baseline_hz);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) m[i * n + j] = (i == j ? 1.0 : 0.0) - g[i * n + j];
    for (std::size_t c = 0; c < n; ++c) {
        std::size_t p = c;
        for (std::size_t r = c + 1; r < n; ++r)
            if (std::abs(m[r * n + c]) > std::abs(m[p * n + c])) p = r;
        if (m[p * n + c] == 0.0) throw model_error("hawkes: I - G is singular");
        if (p != c) {
            for (std::size_t j = 0; j < n; ++j) std::swap(m[p * n + j], m[c * n + j]);
            std::swap(x[p], x[c]);
        }
        for (std::size_t r = c + 1; r < n; ++r) {
            const double f = m[r * n + c] / m[c * n + c];
            if (f == 0.0) continue;
            for (std::size_t j = c; j < n; ++j) m[r * n + j] -= f * m[c * n + j];
            x[r] -= f * x[c];
        }
    }
    for (std::size_t c = n; c-- > 0;) {
        for (std::size_t j = c + 1; j < n; ++j) x[c] -= m[c * n + j] * x[j];
        x[c] /= m[c * n + c];
    }
    return x;
}

namespace {

// A pending event: 32 bytes, ordered by (time, unit). Equal (time, unit) pairs are left to the
// heap, which is deterministic for a given push sequence.
struct pending {
    std::int64_t whole_ms;
    double frac_ms;
    std::int64_t parent;   // genealogy index of the parent, -1 for an immigrant
    std::uint32_t unit;
    std::uint32_t kernel;  // kernel that produced it, or `immigrant`
    static constexpr std::uint32_t immigrant = UINT32_MAX;
    sim_time time() const { return {whole_ms, frac_ms}; }
};

bool before(const pending& a, const pending& b) {
    if (a.whole_ms != b.whole_ms) return a.whole_ms < b.whole_ms;
    if (a.frac_ms != b.frac_ms) return a.frac_ms < b.frac_ms;
    return a.unit < b.unit;
}

// A 4-ary min-heap: half the depth of a binary heap, and the four children of a node share a
// cache line pair; pops dominate the simulation's cost (bench/hawkes_bench.cpp).
class pending_heap {
public:
    bool empty() const { return v_.empty(); }
    void push(const pending& x) {
        std::size_t i = v_.size();
        v_.push_back(x);
        while (i > 0) {
            const std::size_t parent = (i - 1) / 4;
            if (!before(x, v_[parent])) break;
            v_[i] = v_[parent];
            i = parent;
        }
        v_[i] = x;
    }
    pending pop() {
        const pending top = v_.front();
        const pending last = v_.back();
        v_.pop_back();
        const std::size_t n = v_.size();
        if (n == 0) return top;
        std::size_t i = 0;
        for (;;) {
            const std::size_t first = 4 * i + 1;
            if (first >= n) break;
            std::size_t best = first;
            const std::size_t end = std::min(first + 4, n);
            for (std::size_t c = first + 1; c < end; ++c)
                if (before(v_[c], v_[best])) best = c;
            if (!before(v_[best], last)) break;
            v_[i] = v_[best];
            i = best;
        }
        v_[i] = last;
        return top;
    }

private:
    std::vector<pending> v_;
};

// Poisson(mean) by inversion against a precomputed cumulative table (the per-event exp() is
// the same for every event of a unit). Same result as poisson_variate for means <= 16.
class poisson_sampler {
public:
    explicit poisson_sampler(double mean) : mean_(mean) {
        if (mean > 16.0) return;
        double p = std::exp(-mean), cumulative = p;
        cumulative_.push_back(cumulative);
        for (std::uint64_t k = 1; cumulative < 1.0 && p > 0.0 && k < 200; ++k) {
            p *= mean / static_cast<double>(k);
            cumulative += p;
            cumulative_.push_back(cumulative);
        }
    }
    std::uint64_t operator()(random_stream& rng) const {
        if (cumulative_.empty()) return poisson_variate(rng, mean_);
        const double u = uniform01(rng);
        std::uint64_t k = 0;
        while (k < cumulative_.size() && u >= cumulative_[k]) ++k;
        return std::min<std::uint64_t>(k, cumulative_.size() - 1);
    }

private:
    double mean_;
    std::vector<double> cumulative_;
};

// The cluster simulation; `emit(time, unit, parent, kernel, offspring)` is called for every
// event in (time, unit) order, burn-in included.
template <class Emit>
void run_cluster(const hawkes_params& params, Emit&& emit) {
    params.validate();
    const std::size_t n = params.units();
    const sim_time t_begin = sim_time::from_ms(-params.burn_in_ms);
    const sim_time t_stop = sim_time::from_ms(params.t_stop_ms);

    // Per source unit: its kernels and their cumulative norms, for a categorical choice after
    // one Poisson draw of the total offspring count (Poisson splitting).
    std::vector<std::vector<std::uint32_t>> kernels_of(n);
    std::vector<std::vector<double>> cumulative(n);
    std::vector<double> total_norm(n, 0.0);
    for (std::size_t k = 0; k < params.kernels.size(); ++k) {
        const auto& kern = params.kernels[k];
        if (kern.norm <= 0.0) continue;
        kernels_of[kern.source].push_back(static_cast<std::uint32_t>(k));
        total_norm[kern.source] += kern.norm;
        cumulative[kern.source].push_back(total_norm[kern.source]);
    }
    std::vector<poisson_sampler> offspring_count;
    for (std::size_t i = 0; i < n; ++i) offspring_count.emplace_back(total_norm[i]);

    std::vector<random_stream> immigrant_rng, offspring_rng;
    for (std::size_t i = 0; i < n; ++i) {
        immigrant_rng.push_back(make_stream(params.seed, "hawkes.immigrants." + std::to_string(i)));
        offspring_rng.push_back(make_stream(params.seed, "hawkes.offspring." + std::to_string(i)));
    }

    pending_heap heap;
    auto push = [&](sim_time t, std::uint32_t unit, std::int64_t parent, std::uint32_t kernel) {
        heap.push({t.whole_ms, t.frac_ms, parent, unit, kernel});
    };
    const double ms_per_s = 1000.0;
    for (std::size_t i = 0; i < n; ++i) {
        if (params.baseline_hz[i] <= 0.0) continue;
        const sim_time t = t_begin + exponential(immigrant_rng[i], params.baseline_hz[i] / ms_per_s);
        if (t < t_stop) push(t, static_cast<std::uint32_t>(i), -1, pending::immigrant);
    }
    std::int64_t index = 0;
    while (!heap.empty()) {
        const pending e = heap.pop();
        const sim_time now = e.time();
        if (e.kernel == pending::immigrant) {
            const sim_time next = now + exponential(immigrant_rng[e.unit], params.baseline_hz[e.unit] / ms_per_s);
            if (next < t_stop) push(next, e.unit, -1, pending::immigrant);
        }
        std::uint64_t children = 0;
        if (total_norm[e.unit] > 0.0) {
            auto& rng = offspring_rng[e.unit];
            children = offspring_count[e.unit](rng);
            const auto& ks = kernels_of[e.unit];
            const auto& cum = cumulative[e.unit];
            for (std::uint64_t c = 0; c < children; ++c) {
                std::size_t pick = 0;
                if (ks.size() > 1) {
                    const double u = uniform01(rng) * total_norm[e.unit];
                    pick = static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), u) - cum.begin());
                    pick = std::min(pick, ks.size() - 1);
                }
                const auto& kern = params.kernels[ks[pick]];
                const sim_time t = now + kern.sample_delay(rng);
                if (t < t_stop) push(t, static_cast<std::uint32_t>(kern.target), index, ks[pick]);
            }
        }
        emit(now, e.unit, e.parent, e.kernel, children);
        ++index;
    }
}

}  // namespace

void simulate_hawkes(const hawkes_params& params, const hawkes_sink& sink, std::size_t batch_size) {
    batch_size = std::max<std::size_t>(batch_size, 1);
    std::vector<double> times;
    std::vector<std::uint64_t> units;
    times.reserve(batch_size);
    units.reserve(batch_size);
    const sim_time zero{};
    run_cluster(params, [&](sim_time t, std::uint64_t unit, std::int64_t, std::uint32_t, std::uint64_t) {
        if (t < zero) return;
        times.push_back(t.ms());
        units.push_back(unit);
        if (times.size() == batch_size) {
            sink(times, units);
            times.clear();
            units.clear();
        }
    });
    if (!times.empty()) sink(times, units);
}

hawkes_genealogy simulate_hawkes_genealogy(const hawkes_params& params) {
    hawkes_genealogy g;
    run_cluster(params, [&](sim_time t, std::uint64_t unit, std::int64_t parent, std::uint32_t kernel,
                            std::uint64_t offspring) {
        g.time_ms.push_back(t.ms());
        g.unit.push_back(unit);
        g.parent.push_back(parent);
        g.kernel.push_back(kernel);
        g.offspring.push_back(offspring);
    });
    return g;
}

}  // namespace evspike
