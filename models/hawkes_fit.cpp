#include "models/hawkes_fit.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <numbers>
#include <span>
#include <sstream>

#include "core/error.hpp"

namespace evspike {

namespace {

constexpr double ms_per_s = 1000.0;

std::string number(double x) {
    std::ostringstream s;
    s.precision(6);
    s << x;
    return s.str();
}

// Where a kernel's density is non-zero: [0, reach]. Exponentials have none (infinity).
double kernel_reach(const hawkes_kernel& k) {
    switch (k.shape) {
        case kernel_shape::exponential: return std::numeric_limits<double>::infinity();
        case kernel_shape::truncated_exponential:
        case kernel_shape::truncated_gaussian: return k.support;
        case kernel_shape::raised_cosine: return k.start + k.width;
    }
    return 0.0;
}

// Adds kernel k's intensity at every target event: lambda[n] += sum_{u < t_n} phi(t_n - u).
void add_kernel_intensity(const hawkes_kernel& k, const std::vector<double>& sources,
                          const std::vector<double>& targets, std::vector<double>& lambda) {
    if (k.norm == 0.0) return;
    if (k.shape == kernel_shape::exponential) {
        // Ozaki's recursion: a = sum_{u < t} e^{-(t - u)/tau}, carried from one time to the next.
        double a = 0.0, at = 0.0;
        std::size_t s = 0;
        for (std::size_t n = 0; n < targets.size(); ++n) {
            const double t = targets[n];
            for (; s < sources.size() && sources[s] < t; ++s) {
                a = a * std::exp(-(sources[s] - at) / k.tau) + 1.0;
                at = sources[s];
            }
            lambda[n] += k.norm / k.tau * a * std::exp(-(t - at) / k.tau);
        }
        return;
    }
    const double reach = kernel_reach(k);
    std::size_t lo = 0, hi = 0;
    for (std::size_t n = 0; n < targets.size(); ++n) {
        const double t = targets[n];
        while (hi < sources.size() && sources[hi] < t) ++hi;
        while (lo < hi && t - sources[lo] > reach) ++lo;
        double sum = 0.0;
        for (std::size_t s = lo; s < hi; ++s) sum += k.density(t - sources[s]);
        lambda[n] += sum;
    }
}

void check_events(const hawkes_events& events, const hawkes_fit_options& options) {
    if (!(std::isfinite(events.t_stop_ms) && events.t_stop_ms > 0.0))
        throw model_error("fit hawkes: t_stop must be finite and > 0 (got " + number(events.t_stop_ms) + " ms)");
    if (events.units() == 0) throw model_error("fit hawkes: no units to fit");
    for (std::size_t i = 0; i < events.units(); ++i) {
        const auto& t = events.times_ms[i];
        if (t.size() < options.min_events)
            throw model_error("fit hawkes: unit " + std::to_string(i) + " has " + std::to_string(t.size()) +
                              " events, fewer than the " + std::to_string(options.min_events) +
                              " needed to estimate its baseline and kernels");
        if (!std::is_sorted(t.begin(), t.end()) || t.front() < 0.0 || !(t.back() < events.t_stop_ms))
            throw model_error("fit hawkes: unit " + std::to_string(i) + ": events must be sorted and in [0, t_stop)");
    }
}

// ---------------------------------------------------------------------------------------------
// Exponential kernels: exact maximum likelihood by EM.
//
// For target i with events t_k and sources j with events u_l, decay tau_j and norm g_j:
//   lambda(t_k) = mu + sum_j g_j R_kj,  R_kj = sum_{u_l < t_k} e^{-(t_k - u_l)/tau_j} / tau_j.
// E-step: event k is an immigrant with probability mu / lambda_k, a child of source j's events
// with probability g_j R_kj / lambda_k; S_kj (the same sum weighted by t_k - u_l) gives the
// expected delay. M-step: mu = immigrants / T, tau_j = expected delays / expected children,
// g_j = expected children / sum_l (1 - e^{-(T - u_l)/tau_j}). The tau update drops the boundary
// term of events within a few tau of T (relative effect ~ tau / T).
struct exp_fit {
    double mu = 0.0;  // per ms
    std::vector<double> g, tau;
};

// The E-step's expected counts for one target.
struct exp_counts {
    double immigrants = 0.0;
    std::vector<double> children, delays;  // per source
    double log_likelihood = 0.0;           // penalised, at the parameters the E-step used
};

class exp_target {
public:
    exp_target(const hawkes_events& events, double l1) : ev_(events), units_(events.units()), l1_scale_(l1) {}

    // Fills R and S of target i for its current decays (one merged walk per source).
    void sums(std::size_t i, const std::vector<double>& tau) {
        i_ = i;
        l1_ = l1_scale_ * std::sqrt(static_cast<double>(ev_.times_ms[i].size()));
        const auto& targets = ev_.times_ms[i];
        r_.resize(targets.size() * units_);
        s_.resize(r_.size());
        for (std::size_t j = 0; j < units_; ++j) {
            const auto& sources = ev_.times_ms[j];
            const double inv = 1.0 / tau[j];
            double a = 0.0, b = 0.0, at = 0.0;  // sums of e^{-(at-u)/tau} and (at-u) e^{-(at-u)/tau}
            std::size_t s = 0;
            for (std::size_t n = 0; n < targets.size(); ++n) {
                const double t = targets[n];
                for (; s < sources.size() && sources[s] < t; ++s) {
                    const double dt = sources[s] - at, e = std::exp(-dt * inv);
                    b = e * (b + dt * a);
                    a = e * a + 1.0;
                    at = sources[s];
                }
                const double dt = t - at, e = std::exp(-dt * inv);
                r_[n * units_ + j] = e * a * inv;
                s_[n * units_ + j] = e * (b + dt * a) * inv;
            }
        }
    }

    // sum_l (1 - e^{-(T - u_l)/tau}) over the events of source j.
    double exposure(std::size_t j, double tau) const {
        const auto& u = ev_.times_ms[j];
        double tail = 0.0;
        for (std::size_t l = u.size(); l-- > 0;) {
            const double x = (ev_.t_stop_ms - u[l]) / tau;
            if (x > 745.0) break;  // e^-x underflows: every earlier event contributes 1
            tail += std::exp(-x);
        }
        return static_cast<double>(u.size()) - tail;
    }

    // E-step at p (R and S must be for p.tau).
    exp_counts expect(const exp_fit& p) const {
        const std::size_t n_events = ev_.times_ms[i_].size();
        exp_counts c;
        c.children.assign(units_, 0.0);
        c.delays.assign(units_, 0.0);
        for (std::size_t n = 0; n < n_events; ++n) {
            const double* r = &r_[n * units_];
            const double* s = &s_[n * units_];
            double lambda = p.mu;
            for (std::size_t j = 0; j < units_; ++j) lambda += p.g[j] * r[j];
            const double inv = 1.0 / lambda;
            c.log_likelihood += std::log(lambda);
            c.immigrants += p.mu * inv;
            for (std::size_t j = 0; j < units_; ++j) {
                c.children[j] += p.g[j] * r[j] * inv;
                c.delays[j] += p.g[j] * s[j] * inv;
            }
        }
        c.log_likelihood -= p.mu * ev_.t_stop_ms;
        for (std::size_t j = 0; j < units_; ++j) c.log_likelihood -= p.g[j] * (exposure(j, p.tau[j]) + l1_);
        return c;
    }

    // Drops edges whose removal does not lower the penalised likelihood (R must be current).
    bool prune(exp_fit& p) const {
        const std::size_t n_events = ev_.times_ms[i_].size();
        std::vector<double> lambda(n_events, p.mu);
        for (std::size_t n = 0; n < n_events; ++n)
            for (std::size_t j = 0; j < units_; ++j) lambda[n] += p.g[j] * r_[n * units_ + j];
        bool changed = false;
        for (std::size_t j = 0; j < units_; ++j) {
            if (p.g[j] == 0.0) continue;
            double gain = p.g[j] * (exposure(j, p.tau[j]) + l1_);
            for (std::size_t n = 0; n < n_events && gain > 0.0; ++n)
                gain += std::log1p(-p.g[j] * r_[n * units_ + j] / lambda[n]);
            if (gain >= 0.0) {
                for (std::size_t n = 0; n < n_events; ++n) lambda[n] -= p.g[j] * r_[n * units_ + j];
                p.g[j] = 0.0;
                changed = true;
            }
        }
        return changed;
    }

private:
    const hawkes_events& ev_;
    std::size_t i_ = 0, units_;
    double l1_scale_, l1_ = 0.0;  // l1_: the current target's weight
    std::vector<double> r_, s_;  // [event][source]
};

// EM over all targets; with a shared decay its M-step pools the expected delays of every pair.
std::vector<exp_fit> fit_exponential(const hawkes_events& ev, const hawkes_fit_options& o, std::size_t& iterations) {
    const std::size_t u = ev.units();
    const double total_rate = static_cast<double>(ev.size()) / ev.t_stop_ms;
    std::vector<exp_fit> p(u);
    for (std::size_t i = 0; i < u; ++i) {
        p[i].mu = 0.5 * static_cast<double>(ev.times_ms[i].size()) / ev.t_stop_ms;
        p[i].g.assign(u, 0.5 / static_cast<double>(u));
        p[i].tau.assign(u, 1.0 / total_rate);
    }
    exp_target target(ev, o.l1);
    std::vector<exp_counts> counts(u);
    double previous = -std::numeric_limits<double>::infinity();
    bool pruned = o.l1 <= 0.0;
    for (iterations = 0; iterations < o.max_iterations; ++iterations) {
        double ll = 0.0;
        for (std::size_t i = 0; i < u; ++i) {
            target.sums(i, p[i].tau);
            counts[i] = target.expect(p[i]);
            ll += counts[i].log_likelihood;
        }
        const double change = std::abs(ll - previous) / std::abs(ll);
        if (o.progress && std::isfinite(change) && change > 0.0)
            o.progress(std::clamp(std::log(change) / std::log(o.tolerance), 0.0, 1.0));
        if (change <= o.tolerance) {
            if (pruned) break;
            pruned = true;  // once converged: drop the edges the penalty does not pay for, go on
            bool changed = false;
            for (std::size_t i = 0; i < u; ++i) {
                target.sums(i, p[i].tau);
                changed = target.prune(p[i]) || changed;
            }
            if (!changed) break;
            previous = -std::numeric_limits<double>::infinity();
            continue;
        }
        previous = ll;
        double pooled_delays = 0.0, pooled_children = 0.0;
        for (const auto& c : counts)
            for (std::size_t j = 0; j < u; ++j) {
                pooled_delays += c.delays[j];
                pooled_children += c.children[j];
            }
        for (std::size_t i = 0; i < u; ++i) {
            p[i].mu = counts[i].immigrants / ev.t_stop_ms;
            for (std::size_t j = 0; j < u; ++j) {
                const auto& c = counts[i];
                if (o.shared_shape) {
                    if (pooled_children > 1e-12) p[i].tau[j] = pooled_delays / pooled_children;
                } else if (c.children[j] > 1e-12) {
                    p[i].tau[j] = c.delays[j] / c.children[j];
                }
                const double l1 = o.l1 * std::sqrt(static_cast<double>(ev.times_ms[i].size()));
                p[i].g[j] = c.children[j] / (target.exposure(j, p[i].tau[j]) + l1);  // 0 stays 0
            }
        }
    }
    return p;
}

// ---------------------------------------------------------------------------------------------
// Finite-support kernels: FaDIn's discretized least squares.
//
// Events are rounded to the grid n = round(t / dt); a kernel is its normalised density f on the
// grid points m dt, m = 0 .. L-1 (L dt <= support), times its norm g. On the grid
//   lambda_i[n] = mu + sum_j g_j sum_m f_j[m] z_j[n - m]      (z_j: events of j per grid point)
// and the criterion J_i = dt sum_n lambda_i[n]^2 - 2 sum_n z_i[n] lambda_i[n] + l1 sum_j g_j is a
// quadratic form in theta = (mu, g_1 .. g_U) whose coefficients come from the pair counts
//   P[a][b][d] = #{(event of a at p, event of b at p + d)},  0 <= d < L
// (d = 0 counts both orders and each event with itself). They are computed once; after that
// nothing depends on the number of events.
//
// The quadratic form's coefficients are sums over two lags, sum_{m, m'} f_a[m] c_ab[m - m'] f_b[m']
// with c_ab the signed-lag pair counts: a Toeplitz form, so they are products of spectra
// (Parseval, FFT of size M >= 2L - 1, no wrap-around): O(M) per pair of kernels once the spectra of
// c_ab (computed once) and of each f (once per evaluation) are known, instead of O(L^2).

using complex = std::complex<double>;

// Radix-2 FFT of one power-of-two size (roots tabulated once: deterministic and accurate).
class fft_plan {
public:
    explicit fft_plan(std::size_t size) : size_(size), roots_(size / 2), reversed_(size) {
        for (std::size_t k = 0; k < size / 2; ++k)
            roots_[k] = std::polar(1.0, -2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(size));
        std::size_t bits = 0;
        while ((std::size_t{1} << bits) < size) ++bits;
        for (std::size_t k = 0; k < size; ++k) {
            std::size_t r = 0;
            for (std::size_t b = 0; b < bits; ++b)
                if (k & (std::size_t{1} << b)) r |= std::size_t{1} << (bits - 1 - b);
            reversed_[k] = r;
        }
    }
    std::size_t size() const { return size_; }
    // In place; inverse = true gives the unnormalised inverse (sum x[k] e^{+2 pi i k n / M}).
    void operator()(complex* a, bool inverse) const {
        for (std::size_t k = 0; k < size_; ++k)
            if (k < reversed_[k]) std::swap(a[k], a[reversed_[k]]);
        for (std::size_t half = 1; half < size_; half *= 2) {
            const std::size_t stride = size_ / (2 * half);
            for (std::size_t start = 0; start < size_; start += 2 * half)
                for (std::size_t k = 0; k < half; ++k) {
                    const complex w = inverse ? std::conj(roots_[k * stride]) : roots_[k * stride];
                    const complex x = a[start + k], y = w * a[start + k + half];
                    a[start + k] = x + y;
                    a[start + k + half] = x - y;
                }
        }
    }

private:
    std::size_t size_;
    std::vector<complex> roots_;
    std::vector<std::size_t> reversed_;
};

std::size_t fft_size_for(std::size_t length) {
    std::size_t m = 1;
    while (m < 2 * length - 1) m *= 2;
    return m;
}

class grid_statistics {
public:
    grid_statistics(const hawkes_events& ev, double dt, std::size_t length)
        : units_(ev.units()), length_(length), dt_(dt),
          grid_points_(static_cast<std::size_t>(std::ceil(ev.t_stop_ms / dt))),
          pairs_(units_ * units_ * length, 0.0), counts_(units_), bins_(units_), plan_(fft_size_for(length)) {
        struct binned {
            std::int64_t bin;
            std::size_t unit;
        };
        std::vector<binned> all;
        all.reserve(ev.size());
        for (std::size_t j = 0; j < units_; ++j) {
            for (double t : ev.times_ms[j]) {
                const auto b = static_cast<std::int64_t>(std::llround(t / dt));
                all.push_back({b, j});
                bins_[j].push_back(b);
            }
            counts_[j] = static_cast<double>(ev.times_ms[j].size());
        }
        std::sort(all.begin(), all.end(), [](const binned& x, const binned& y) {
            return x.bin != y.bin ? x.bin < y.bin : x.unit < y.unit;
        });
        const auto reach = static_cast<std::int64_t>(length);
        for (std::size_t e = 0; e < all.size(); ++e) {
            pair(all[e].unit, all[e].unit, 0) += 1.0;
            for (std::size_t f = e + 1; f < all.size() && all[f].bin - all[e].bin < reach; ++f) {
                const auto d = static_cast<std::size_t>(all[f].bin - all[e].bin);
                pair(all[e].unit, all[f].unit, d) += 1.0;
                if (d == 0) pair(all[f].unit, all[e].unit, 0) += 1.0;
            }
        }
        // Spectra of the signed-lag sequences c_ab[d] = cross(a, b, d, 0) (d >= 0) and cross(a, b, 0, -d).
        const std::size_t m = plan_.size();
        spectra_.assign(units_ * units_ * m, complex{});
        for (std::size_t a = 0; a < units_; ++a)
            for (std::size_t b = 0; b < units_; ++b) {
                complex* c = &spectra_[(a * units_ + b) * m];
                for (std::size_t d = 0; d < length_; ++d) c[d] = pair(a, b, d);
                for (std::size_t d = 1; d < length_; ++d) c[m - d] = pair(b, a, d);
                plan_(c, false);
            }
    }

    std::size_t units() const { return units_; }
    std::size_t length() const { return length_; }
    double dt() const { return dt_; }
    double grid_points() const { return static_cast<double>(grid_points_); }
    double count(std::size_t j) const { return counts_[j]; }
    double pair(std::size_t a, std::size_t b, std::size_t d) const { return pairs_[(a * units_ + b) * length_ + d]; }
    // C_ab[m, m'] = sum_n z_a[n - m] z_b[n - m'].
    double cross(std::size_t a, std::size_t b, std::size_t m, std::size_t mp) const {
        return m >= mp ? pair(a, b, m - mp) : pair(b, a, mp - m);
    }
    const fft_plan& plan() const { return plan_; }
    // The spectrum (size plan().size()) of c_ab: sum_{m'} c_ab[m - m'] f[m'] = IFFT(spectrum * FFT(f)) / M.
    const complex* spectrum(std::size_t a, std::size_t b) const { return &spectra_[(a * units_ + b) * plan_.size()]; }
    // s_j[m] = number of events of j that can still excite a grid point before the end.
    double exposure(std::size_t j, std::size_t m) const {
        const auto last = static_cast<std::int64_t>(grid_points_) - 1 - static_cast<std::int64_t>(m);
        const auto& b = bins_[j];
        return static_cast<double>(std::upper_bound(b.begin(), b.end(), last) - b.begin());
    }

private:
    double& pair(std::size_t a, std::size_t b, std::size_t d) { return pairs_[(a * units_ + b) * length_ + d]; }
    std::size_t units_, length_;
    double dt_;
    std::size_t grid_points_;
    std::vector<double> pairs_;
    std::vector<double> counts_;
    std::vector<std::vector<std::int64_t>> bins_;
    fft_plan plan_;
    std::vector<complex> spectra_;  // [a][b][k]
};

// The shape parameters of one kernel, by shape: truncated_exponential {tau}, truncated_gaussian
// {mean, sigma}, raised_cosine {start, width}.
struct shape_box {
    std::vector<double> lo, hi;
};

hawkes_kernel unit_kernel(kernel_shape shape, double support, const double* eta) {
    hawkes_kernel k;
    k.shape = shape;
    k.norm = 1.0;
    k.support = support;
    switch (shape) {
        case kernel_shape::truncated_exponential: k.tau = eta[0]; break;
        case kernel_shape::truncated_gaussian:
            k.mean = eta[0];
            k.sigma = eta[1];
            break;
        case kernel_shape::raised_cosine:
            k.start = eta[0];
            k.width = eta[1];
            break;
        case kernel_shape::exponential: break;
    }
    return k;
}

std::size_t shape_parameters(kernel_shape shape) { return shape == kernel_shape::truncated_exponential ? 1 : 2; }

// The l1 threshold at weight 1, in standard errors of an absent edge's correlation b_j.
constexpr double l1_standard_errors = 4.0;

// The unconstrained non-parametric least squares (mu, phi_j[m]): one (1 + U L) linear system per
// target, all with the same matrix A (dt times the grid length, exposures and the Toeplitz blocks
// C_jj'), solved by conjugate gradients with FFT products (O(U^2 M) each) and the diagonal blocks
// (Cholesky, once) as preconditioner; a dense factorisation costs O(U^3 L^3) (minutes at 50 units).
class nonparametric_solver {
public:
    explicit nonparametric_solver(const grid_statistics& st)
        : st_(st), u_(st.units()), l_(st.length()), s_(u_ * l_), blocks_(u_ * l_ * l_) {
        const double dt = st.dt();
        double trace = dt * st.grid_points();
        for (std::size_t j = 0; j < u_; ++j) {
            trace += dt * static_cast<double>(l_) * st.pair(j, j, 0);
            for (std::size_t m = 0; m < l_; ++m) s_[j * l_ + m] = st.exposure(j, m);
        }
        ridge_ = 1e-9 * trace / static_cast<double>(1 + u_ * l_);
        for (std::size_t j = 0; j < u_; ++j) {
            double* a = &blocks_[j * l_ * l_];
            for (std::size_t r = 0; r < l_; ++r)
                for (std::size_t c = 0; c < l_; ++c) a[r * l_ + c] = dt * st.cross(j, j, r, c) + (r == c ? ridge_ : 0.0);
            for (std::size_t c = 0; c < l_; ++c) {  // Cholesky in place (lower triangle)
                double d = a[c * l_ + c];
                for (std::size_t k = 0; k < c; ++k) d -= a[c * l_ + k] * a[c * l_ + k];
                d = std::sqrt(std::max(d, 1e-300));
                a[c * l_ + c] = d;
                for (std::size_t r = c + 1; r < l_; ++r) {
                    double v = a[r * l_ + c];
                    for (std::size_t k = 0; k < c; ++k) v -= a[r * l_ + k] * a[c * l_ + k];
                    a[r * l_ + c] = v / d;
                }
            }
        }
    }

    std::vector<double> solve(const std::vector<double>& rhs) const {
        const std::size_t n = rhs.size();
        std::vector<double> x(n, 0.0), r = rhs, z(n), p(n), ap(n);
        precondition(r, z);
        p = z;
        double rz = dot(r, z);
        const double stop = 1e-10 * std::sqrt(dot(rhs, rhs));
        for (std::size_t it = 0; it < 500 && std::sqrt(dot(r, r)) > stop; ++it) {
            multiply(p, ap);
            const double pap = dot(p, ap);
            if (!(pap > 0.0)) break;
            const double alpha = rz / pap;
            for (std::size_t k = 0; k < n; ++k) {
                x[k] += alpha * p[k];
                r[k] -= alpha * ap[k];
            }
            precondition(r, z);
            const double rz_next = dot(r, z);
            const double beta = rz_next / rz;
            rz = rz_next;
            for (std::size_t k = 0; k < n; ++k) p[k] = z[k] + beta * p[k];
        }
        return x;
    }

private:
    static double dot(const std::vector<double>& a, const std::vector<double>& b) {
        double s = 0.0;
        for (std::size_t k = 0; k < a.size(); ++k) s += a[k] * b[k];
        return s;
    }

    void multiply(const std::vector<double>& x, std::vector<double>& y) const {
        const double dt = st_.dt();
        const std::size_t m_size = st_.plan().size();
        std::vector<complex> xh(u_ * m_size, complex{}), v(m_size);
        for (std::size_t j = 0; j < u_; ++j) {
            complex* h = &xh[j * m_size];
            for (std::size_t m = 0; m < l_; ++m) h[m] = x[1 + j * l_ + m];
            st_.plan()(h, false);
        }
        y[0] = (dt * st_.grid_points() + ridge_) * x[0];
        for (std::size_t k = 0; k < u_ * l_; ++k) y[0] += dt * s_[k] * x[1 + k];
        for (std::size_t j = 0; j < u_; ++j) {
            std::fill(v.begin(), v.end(), complex{});
            for (std::size_t jp = 0; jp < u_; ++jp) {
                const complex* c = st_.spectrum(j, jp);
                const complex* h = &xh[jp * m_size];
                for (std::size_t k = 0; k < m_size; ++k) v[k] += c[k] * h[k];
            }
            st_.plan()(v.data(), true);
            for (std::size_t m = 0; m < l_; ++m) {
                const std::size_t r = 1 + j * l_ + m;
                y[r] = dt * s_[j * l_ + m] * x[0] + dt * v[m].real() / static_cast<double>(m_size) + ridge_ * x[r];
            }
        }
    }

    void precondition(const std::vector<double>& r, std::vector<double>& z) const {
        z[0] = r[0] / (st_.dt() * st_.grid_points() + ridge_);
        for (std::size_t j = 0; j < u_; ++j) {
            const double* a = &blocks_[j * l_ * l_];
            double* y = &z[1 + j * l_];
            for (std::size_t k = 0; k < l_; ++k) {
                double v = r[1 + j * l_ + k];
                for (std::size_t c = 0; c < k; ++c) v -= a[k * l_ + c] * y[c];
                y[k] = v / a[k * l_ + k];
            }
            for (std::size_t k = l_; k-- > 0;) {
                double v = y[k];
                for (std::size_t c = k + 1; c < l_; ++c) v -= a[c * l_ + k] * y[c];
                y[k] = v / a[k * l_ + k];
            }
        }
    }

    const grid_statistics& st_;
    std::size_t u_, l_;
    std::vector<double> s_, blocks_;
    double ridge_ = 0.0;
};

class ls_target {
public:
    ls_target(const grid_statistics& st, std::size_t target, kernel_shape shape, double support, double l1)
        : st_(st), i_(target), shape_(shape), support_(support),
          l1_(l1 * 2.0 * l1_standard_errors * std::sqrt(st.count(target) / (st.grid_points() * st.dt()))),
          u_(st.units()), l_(st.length()), np_(shape_parameters(shape)), f_(u_ * l_), x_(u_ * l_), s_(u_ * l_),
          fh_(u_ * st.plan().size()), l1j_(u_, 0.0) {
        for (std::size_t j = 0; j < u_; ++j)
            for (std::size_t m = 0; m < l_; ++m) {
                double x = st.pair(j, i_, m);
                if (j == i_ && m == 0) x -= st.count(i_);  // an event does not excite itself
                x_[j * l_ + m] = x;
                s_[j * l_ + m] = st.exposure(j, m);
            }
        const double dt = st.dt();
        switch (shape) {
            case kernel_shape::truncated_exponential:
                box_ = {{0.5 * dt}, {10.0 * support}};
                break;
            case kernel_shape::truncated_gaussian:
                box_ = {{0.0, 0.5 * dt}, {support, support}};
                break;
            case kernel_shape::raised_cosine:
                box_ = {{0.0, 4.0 * dt}, {support - 4.0 * dt, support}};
                break;
            case kernel_shape::exponential: break;
        }
    }

    std::size_t parameters() const { return np_ * u_; }

    void project(std::vector<double>& eta) const {
        for (std::size_t j = 0; j < u_; ++j) {
            double* e = &eta[j * np_];
            for (std::size_t p = 0; p < np_; ++p) e[p] = std::clamp(e[p], box_.lo[p], box_.hi[p]);
            if (shape_ == kernel_shape::raised_cosine) e[1] = std::min(e[1], support_ - e[0]);
        }
    }

    // f[m]: the density averaged under the triangle of half-width dt around m dt, the spread of
    // the true delays of the event pairs that rounding puts at lag m (each end moves by up to
    // dt / 2). At lag 0 this counts half the mass near 0, as only the pairs in the right order
    // excite. 8-point Gauss-Legendre on each side; the points between m and m + 1 serve both lags,
    // and the density is written out per shape with its normalisation computed once (this loop is
    // most of the fit's time).
    void kernel_values(const double* eta, double* out) const {
        switch (shape_) {
            case kernel_shape::truncated_exponential: {
                const double tau = eta[0], scale = 1.0 / (tau * -std::expm1(-support_ / tau));
                triangle_average([&](double t) { return t <= support_ ? scale * std::exp(-t / tau) : 0.0; }, out);
                break;
            }
            case kernel_shape::truncated_gaussian: {
                const auto k = unit_kernel(shape_, support_, eta);
                const double mean = eta[0], inv = 1.0 / eta[1], peak = std::clamp(mean, 0.0, support_);
                const double z = (peak - mean) * inv, scale = k.density(peak) / std::exp(-0.5 * z * z);
                triangle_average([&](double t) {
                    const double y = (t - mean) * inv;
                    return t <= support_ ? scale * std::exp(-0.5 * y * y) : 0.0;
                }, out);
                break;
            }
            case kernel_shape::raised_cosine: {
                const double start = eta[0], inv = 1.0 / eta[1];
                triangle_average([&](double t) {
                    const double x = (t - start) * inv;
                    return x >= 0.0 && x <= 1.0 ? inv * (1.0 - std::cos(2.0 * std::numbers::pi * x)) : 0.0;
                }, out);
                break;
            }
            case kernel_shape::exponential: break;
        }
    }

    template <class Density>  // density(t) for t > 0
    void triangle_average(Density&& density, double* out) const {
        static constexpr double node[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                                           0.9602898564975363};
        static constexpr double weight[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                                             0.1012285362903763};
        const double dt = st_.dt();
        std::fill(out, out + l_, 0.0);
        for (std::size_t m = 0; m < l_; ++m) {  // the interval (m dt, (m + 1) dt)
            double left = 0.0, right = 0.0;
            for (int q = 0; q < 4; ++q)
                for (double x : {0.5 * (1.0 - node[q]), 0.5 * (1.0 + node[q])}) {
                    const double v = 0.5 * weight[q] * density((static_cast<double>(m) + x) * dt);
                    left += (1.0 - x) * v;
                    right += x * v;
                }
            out[m] += left;
            if (m + 1 < l_) out[m + 1] += right;
        }
    }

    // The profiled criterion: J at the best (mu, g >= 0) for these shapes; theta receives them.
    double profile(const std::vector<double>& eta, std::vector<double>& theta) {
        const std::size_t m_size = st_.plan().size();
        for (std::size_t j = 0; j < u_; ++j) {
            kernel_values(&eta[j * np_], &f_[j * l_]);
            complex* h = &fh_[j * m_size];
            std::fill(h, h + m_size, complex{});
            for (std::size_t m = 0; m < l_; ++m) h[m] = f_[j * l_ + m];
            st_.plan()(h, false);
        }
        const std::size_t n = u_ + 1;
        const double dt = st_.dt();
        q_.assign(n * n, 0.0);
        b_.assign(n, 0.0);
        q_[0] = dt * st_.grid_points();
        b_[0] = static_cast<double>(st_.count(i_));
        for (std::size_t j = 0; j < u_; ++j) {
            const double* f = &f_[j * l_];
            double fs = 0.0, fx = 0.0;
            for (std::size_t m = 0; m < l_; ++m) {
                fs += f[m] * s_[j * l_ + m];
                fx += f[m] * x_[j * l_ + m];
            }
            q_[j + 1] = q_[(j + 1) * n] = dt * fs;
            b_[j + 1] = fx;
            const complex* fj = &fh_[j * m_size];
            for (std::size_t jp = j; jp < u_; ++jp) {
                // sum_{m, m'} f_j[m] c[m - m'] f_j'[m'] = (1/M) sum_k C[k] conj(F_j[k]) F_j'[k]
                const complex* c = st_.spectrum(j, jp);
                const complex* fp = &fh_[jp * m_size];
                // real sequences: the terms at k and M - k are conjugate
                const std::size_t half = m_size / 2;
                double sum = (c[0] * std::conj(fj[0]) * fp[0]).real() + (c[half] * std::conj(fj[half]) * fp[half]).real();
                for (std::size_t k = 1; k < half; ++k) sum += 2.0 * (c[k] * std::conj(fj[k]) * fp[k]).real();
                q_[(j + 1) * n + jp + 1] = q_[(jp + 1) * n + j + 1] = dt * sum / static_cast<double>(m_size);
            }
            // The l1 weight in standard errors of b_j under no edge: sd(b_j) = sqrt(rate_i Q_jj).
            l1j_[j] = l1_ * std::sqrt(std::max(q_[(j + 1) * n + j + 1], 0.0));
            b_[j + 1] -= 0.5 * l1j_[j];
        }
        // Non-negative quadratic program min theta' Q theta - 2 b' theta by coordinate descent
        // (exact minimisation along each coordinate; n is small).
        if (theta.size() != n) {
            theta.assign(n, 0.0);
            theta[0] = b_[0] / q_[0];
        }
        for (int sweep = 0; sweep < 10000; ++sweep) {
            double change = 0.0, size = 0.0;
            for (std::size_t a = 0; a < n; ++a) {
                if (q_[a * n + a] <= 0.0) {
                    theta[a] = 0.0;
                    continue;
                }
                double r = b_[a];
                for (std::size_t c = 0; c < n; ++c)
                    if (c != a) r -= q_[a * n + c] * theta[c];
                const double v = std::max(0.0, r / q_[a * n + a]);
                change = std::max(change, std::abs(v - theta[a]));
                size = std::max(size, std::abs(v));
                theta[a] = v;
            }
            if (change <= 1e-14 * size) break;
        }
        double j_value = 0.0;
        for (std::size_t a = 0; a < n; ++a) {
            double row = 0.0;
            for (std::size_t c = 0; c < n; ++c) row += q_[a * n + c] * theta[c];
            j_value += theta[a] * row - 2.0 * b_[a] * theta[a];
        }
        return j_value;
    }

    // Gradient of the profiled criterion with respect to the shape parameters (envelope theorem:
    // the partial derivative at the optimal theta), by central differences of the kernel values.
    // Uses the spectra of the last profile() (which must have been at eta).
    void gradient(const std::vector<double>& eta, const std::vector<double>& theta, std::vector<double>& grad) const {
        const double dt = st_.dt();
        const std::size_t m_size = st_.plan().size(), n = u_ + 1;
        grad.assign(eta.size(), 0.0);
        std::vector<double> df(l_), plus(l_), minus(l_), e(np_);
        std::vector<complex> v(m_size);
        for (std::size_t j = 0; j < u_; ++j) {
            const double g = theta[j + 1];
            if (g == 0.0) continue;
            // dJ/df_j[m] = 2 g (dt mu s_j[m] + dt sum_j' w_j' (C_jj' f_j')[m] - x_j[m]), w_j' = g_j' and,
            // for j' = j, the l1 term's derivative: g l1_ d sqrt(Q_jj) = g l1_ dt (C_jj f_j) / sqrt(Q_jj).
            std::fill(v.begin(), v.end(), complex{});
            for (std::size_t jp = 0; jp < u_; ++jp) {
                double w = theta[jp + 1];
                if (jp == j && l1j_[j] > 0.0) w += 0.5 * l1j_[j] / q_[(j + 1) * n + j + 1];
                if (w == 0.0) continue;
                const complex* c = st_.spectrum(j, jp);
                const complex* fp = &fh_[jp * m_size];
                for (std::size_t k = 0; k <= m_size / 2; ++k) v[k] += w * c[k] * fp[k];
            }
            for (std::size_t k = 1; k < m_size / 2; ++k) v[m_size - k] = std::conj(v[k]);  // real result
            st_.plan()(v.data(), true);
            for (std::size_t m = 0; m < l_; ++m)
                df[m] = 2.0 * g * (dt * theta[0] * s_[j * l_ + m] + dt * v[m].real() / static_cast<double>(m_size) - x_[j * l_ + m]);
            for (std::size_t p = 0; p < np_; ++p) {
                std::copy_n(&eta[j * np_], np_, e.begin());
                const double h = 1e-6 * std::max(support_, 1.0);
                e[p] += h;
                kernel_values(e.data(), plus.data());
                e[p] -= 2.0 * h;
                kernel_values(e.data(), minus.data());
                double sum = 0.0;
                for (std::size_t m = 0; m < l_; ++m) sum += df[m] * (plus[m] - minus[m]) / (2.0 * h);
                grad[j * np_ + p] = sum;
            }
        }
    }

    // Generic starting shapes spread over the support (the same for every source): with the
    // non-parametric start below they keep the descent out of a poor local minimum.
    std::vector<std::vector<double>> generic_shapes() const {
        const double w = support_;
        std::vector<std::vector<double>> one;
        switch (shape_) {
            case kernel_shape::truncated_exponential: one = {{0.05 * w}, {0.3 * w}}; break;
            case kernel_shape::truncated_gaussian: one = {{0.15 * w, 0.1 * w}, {0.5 * w, 0.15 * w}}; break;
            case kernel_shape::raised_cosine: one = {{0.0, 0.3 * w}, {0.1 * w, 0.3 * w}, {0.35 * w, 0.3 * w}}; break;
            case kernel_shape::exponential: break;
        }
        std::vector<std::vector<double>> starts;
        for (const auto& e : one) {
            std::vector<double> eta;
            for (std::size_t j = 0; j < u_; ++j) eta.insert(eta.end(), e.begin(), e.end());
            project(eta);
            starts.push_back(eta);
        }
        return starts;
    }

    // Starting shapes from the unconstrained non-parametric least-squares kernels, by matching
    // each kernel's mean and spread.
    std::vector<double> initial_shapes(const nonparametric_solver& solver) const {
        const double dt = st_.dt();
        std::vector<double> rhs(1 + u_ * l_);
        rhs[0] = st_.count(i_);
        std::copy(x_.begin(), x_.end(), rhs.begin() + 1);
        rhs = solver.solve(rhs);
        std::vector<double> eta(u_ * np_);
        for (std::size_t j = 0; j < u_; ++j) {
            double w = 0.0, mean = 0.0, second = 0.0;
            for (std::size_t m = 0; m < l_; ++m) {
                const double phi = std::max(rhs[1 + j * l_ + m], 0.0), t = static_cast<double>(m) * dt;
                w += phi;
                mean += phi * t;
                second += phi * t * t;
            }
            mean = w > 0.0 ? mean / w : 0.5 * support_;
            const double sd = w > 0.0 ? std::sqrt(std::max(second / w - mean * mean, 0.0)) : 0.25 * support_;
            double* e = &eta[j * np_];
            switch (shape_) {
                case kernel_shape::truncated_exponential: e[0] = std::max(mean, dt); break;
                case kernel_shape::truncated_gaussian:
                    e[0] = mean;
                    e[1] = std::max(sd, dt);
                    break;
                case kernel_shape::raised_cosine: {
                    // variance of the raised cosine of width w: w^2 (1/12 - 1/(2 pi^2))
                    const double width = sd / std::sqrt(1.0 / 12.0 - 0.5 / (std::numbers::pi * std::numbers::pi));
                    e[1] = width;
                    e[0] = mean - 0.5 * width;
                    break;
                }
                case kernel_shape::exponential: break;
            }
        }
        project(eta);
        return eta;
    }

private:
    const grid_statistics& st_;
    std::size_t i_;
    kernel_shape shape_;
    double support_, l1_;
    std::size_t u_, l_, np_;
    shape_box box_;
    std::vector<double> f_, x_, s_, q_, b_;
    std::vector<complex> fh_;  // spectra of f_, [source][k]
    std::vector<double> l1j_;  // the l1 weight of each source's norm at the last profile()
};

// Spectral projected gradient (Barzilai-Borwein steps, backtracking until the criterion falls),
// in parameters scaled by the support so that all move on one scale. `evaluate(eta)` returns the
// profiled criterion and keeps its optimal (mu, g); `gradient(eta, grad)` differentiates it there.
// `keep()` makes the last evaluation's (mu, g) current (no second evaluation of an accepted step).
template <class Evaluate, class Keep, class Gradient, class Project>
std::vector<double> descend(std::vector<double> eta, double support, const hawkes_fit_options& o, Evaluate&& evaluate,
                            Keep&& keep, Gradient&& gradient, Project&& project, std::size_t& iterations) {
    double value = evaluate(eta);
    keep();
    std::vector<double> grad, previous_grad, previous_eta, trial;
    double step = 0.0;
    int stalled = 0;
    for (iterations = 0; iterations < o.max_iterations; ++iterations) {
        gradient(eta, grad);
        for (double& g : grad) g *= support;  // d J / d (eta / support)
        if (!previous_grad.empty()) {
            double ss = 0.0, sy = 0.0;
            for (std::size_t p = 0; p < grad.size(); ++p) {
                const double sp = (eta[p] - previous_eta[p]) / support, y = grad[p] - previous_grad[p];
                ss += sp * sp;
                sy += sp * y;
            }
            if (sy > 0.0) step = ss / sy;
        }
        double norm2 = 0.0;
        for (double g : grad) norm2 += g * g;
        if (norm2 == 0.0) break;
        if (step <= 0.0) step = 1e-2 / std::sqrt(norm2);  // first step: 1 % of the support
        bool moved = false;
        for (int tries = 0; tries < 50 && !moved; ++tries, step *= 0.25) {
            trial = eta;
            for (std::size_t p = 0; p < grad.size(); ++p) trial[p] -= step * grad[p] * support;
            project(trial);
            const double v = evaluate(trial);
            if (v < value) {
                stalled = value - v <= o.tolerance * std::abs(v) ? stalled + 1 : 0;
                previous_eta = eta;
                previous_grad = grad;
                eta = trial;
                keep();
                value = v;
                moved = true;
            }
        }
        if (!moved || stalled >= 3) break;
        if (o.progress) o.progress(static_cast<double>(iterations + 1) / static_cast<double>(o.max_iterations));
    }
    return eta;
}

// Shape parameters (np per source) and (mu, g) of every target.
struct ls_fit {
    std::vector<std::vector<double>> eta, theta;
};

ls_fit fit_least_squares(const grid_statistics& st, const hawkes_fit_options& o, double support,
                         std::size_t& iterations) {
    const std::size_t u = st.units(), np = shape_parameters(o.shape);
    std::vector<ls_target> targets;
    for (std::size_t i = 0; i < u; ++i) targets.emplace_back(st, i, o.shape, support, o.l1);
    const nonparametric_solver solver(st);
    ls_fit fit;
    fit.theta.resize(u);
    fit.eta.resize(u);
    if (!o.shared_shape) {
        for (std::size_t i = 0; i < u; ++i) {
            auto& t = targets[i];
            std::vector<double> theta, trial_theta;
            auto evaluate = [&](const std::vector<double>& eta) {
                trial_theta = theta;
                return t.profile(eta, trial_theta);
            };
            auto keep = [&] { theta = trial_theta; };
            auto gradient = [&](const std::vector<double>& eta, std::vector<double>& grad) {
                t.gradient(eta, theta, grad);
            };
            auto project = [&](std::vector<double>& eta) { t.project(eta); };
            auto starts = t.generic_shapes();
            starts.insert(starts.begin(), t.initial_shapes(solver));
            double best = std::numeric_limits<double>::infinity();
            for (const auto& start : starts) {
                std::size_t its = 0;
                theta.clear();
                auto eta = descend(start, support, o, evaluate, keep, gradient, project, its);
                std::vector<double> th;
                const double v = t.profile(eta, th);
                iterations = std::max(iterations, its);
                if (v < best) {
                    best = v;
                    fit.eta[i] = eta;
                    fit.theta[i] = th;
                }
            }
        }
        return fit;
    }
    // One set of shape parameters for every kernel: the criteria of all targets add up.
    auto broadcast = [&](const std::vector<double>& shared) {
        std::vector<double> eta(u * np);
        for (std::size_t j = 0; j < u; ++j) std::copy(shared.begin(), shared.end(), eta.begin() + static_cast<std::ptrdiff_t>(j * np));
        return eta;
    };
    std::vector<std::vector<double>> theta(u), trial_theta(u);
    auto evaluate = [&](const std::vector<double>& shared) {
        const auto eta = broadcast(shared);
        double v = 0.0;
        for (std::size_t i = 0; i < u; ++i) {
            trial_theta[i] = theta[i];
            v += targets[i].profile(eta, trial_theta[i]);
        }
        return v;
    };
    auto keep = [&] { theta = trial_theta; };
    auto gradient = [&](const std::vector<double>& shared, std::vector<double>& grad) {
        const auto eta = broadcast(shared);
        grad.assign(np, 0.0);
        std::vector<double> g;
        for (std::size_t i = 0; i < u; ++i) {
            targets[i].gradient(eta, theta[i], g);
            for (std::size_t j = 0; j < u; ++j)
                for (std::size_t p = 0; p < np; ++p) grad[p] += g[j * np + p];
        }
    };
    auto project = [&](std::vector<double>& shared) {
        auto eta = broadcast(shared);
        targets[0].project(eta);
        std::copy_n(eta.begin(), np, shared.begin());
    };
    // Start from the mean of the targets' non-parametric shapes, weighted by nothing (robust).
    std::vector<double> start(np, 0.0);
    for (std::size_t i = 0; i < u; ++i) {
        const auto eta = targets[i].initial_shapes(solver);
        for (std::size_t j = 0; j < u; ++j)
            for (std::size_t p = 0; p < np; ++p) start[p] += eta[j * np + p] / static_cast<double>(u * u);
    }
    project(start);
    std::vector<std::vector<double>> starts = {start};
    for (const auto& eta : targets[0].generic_shapes()) starts.emplace_back(eta.begin(), eta.begin() + static_cast<std::ptrdiff_t>(np));
    std::vector<double> shared;
    double best = std::numeric_limits<double>::infinity();
    for (const auto& s : starts) {
        std::size_t its = 0;
        for (auto& t : theta) t.clear();
        auto candidate = descend(s, support, o, evaluate, keep, gradient, project, its);
        const double v = evaluate(candidate);
        iterations = std::max(iterations, its);
        if (v < best) {
            best = v;
            shared = candidate;
        }
    }
    evaluate(shared);
    keep();
    for (std::size_t i = 0; i < u; ++i) {
        fit.eta[i] = broadcast(shared);
        fit.theta[i] = theta[i];
    }
    return fit;
}

}  // namespace

std::size_t hawkes_events::size() const {
    std::size_t n = 0;
    for (const auto& t : times_ms) n += t.size();
    return n;
}

hawkes_events simulate_hawkes_events(const hawkes_params& params) {
    hawkes_events ev;
    ev.t_stop_ms = params.t_stop_ms;
    ev.times_ms.resize(params.units());
    simulate_hawkes(params, [&](std::span<const double> t, std::span<const std::uint64_t> u) {
        for (std::size_t n = 0; n < t.size(); ++n) ev.times_ms[u[n]].push_back(t[n]);
    });
    return ev;
}

double hawkes_log_likelihood(const hawkes_events& events, const hawkes_params& params) {
    if (params.units() != events.units())
        throw model_error("hawkes log-likelihood: " + std::to_string(params.units()) + " baselines for " +
                          std::to_string(events.units()) + " units");
    const double t_stop = events.t_stop_ms;
    double ll = 0.0;
    for (std::size_t i = 0; i < events.units(); ++i) {
        const auto& targets = events.times_ms[i];
        const double mu = params.baseline_hz[i] / ms_per_s;
        std::vector<double> lambda(targets.size(), mu);
        double compensator = mu * t_stop;
        for (const auto& k : params.kernels) {
            if (k.target != i) continue;
            add_kernel_intensity(k, events.times_ms[k.source], targets, lambda);
            for (double u : events.times_ms[k.source]) compensator += k.integral(t_stop - u);
        }
        for (double l : lambda) {
            if (!(l > 0.0)) return -std::numeric_limits<double>::infinity();
            ll += std::log(l);
        }
        ll -= compensator;
    }
    return ll;
}

hawkes_fit_result fit_hawkes(const hawkes_events& events, const hawkes_fit_options& options) {
    check_events(events, options);
    if (!(std::isfinite(options.l1) && options.l1 >= 0.0))
        throw model_error("fit hawkes: the l1 weight must be finite and >= 0 (got " + number(options.l1) + ")");
    const std::size_t u = events.units();
    hawkes_fit_result result;
    auto& params = result.params;
    params.t_stop_ms = events.t_stop_ms;
    params.baseline_hz.assign(u, 0.0);
    std::ostringstream what;
    what.precision(6);

    if (options.shape == kernel_shape::exponential) {
        const auto fits = fit_exponential(events, options, result.iterations);
        for (std::size_t i = 0; i < u; ++i) {
            params.baseline_hz[i] = fits[i].mu * ms_per_s;
            for (std::size_t j = 0; j < u; ++j) {
                hawkes_kernel k;
                k.source = j;
                k.target = i;
                k.shape = kernel_shape::exponential;
                k.norm = fits[i].g[j];
                k.tau = fits[i].tau[j];
                params.kernels.push_back(k);
            }
        }
        if (options.progress) options.progress(1.0);
        what << "exact maximum likelihood, EM with Ozaki's recursion (tolerance " << options.tolerance << ")";
    } else {
        const double support = options.support_ms;
        if (!(std::isfinite(support) && support > 0.0))
            throw model_error("fit hawkes: --support must be finite and > 0 ms for " +
                              std::string(to_string(options.shape)) + " kernels");
        const double dt = options.dt_ms > 0.0 ? options.dt_ms : support / 100.0;
        if (!(std::isfinite(dt) && dt > 0.0 && dt <= support / 4.0))
            throw model_error("fit hawkes: --dt must be in (0, support / 4] (got " + number(dt) + " ms)");
        const auto length = static_cast<std::size_t>(std::floor(support / dt + 1e-9)) + 1;
        const grid_statistics st(events, dt, length);
        const std::size_t np = shape_parameters(options.shape);
        const ls_fit f = fit_least_squares(st, options, support, result.iterations);
        for (std::size_t i = 0; i < u; ++i) {
            params.baseline_hz[i] = f.theta[i][0] * ms_per_s;
            for (std::size_t j = 0; j < u; ++j) {
                hawkes_kernel k = unit_kernel(options.shape, support, &f.eta[i][j * np]);
                k.source = j;
                k.target = i;
                k.norm = f.theta[i][j + 1];
                params.kernels.push_back(k);
            }
        }
        what << "discretized least squares (FaDIn), dt " << dt << " ms, support " << support << " ms, "
             << length << " grid points per kernel";
    }
    if (options.shared_shape) what << ", one shape for every kernel";
    if (options.l1 > 0.0) what << ", l1 penalty " << options.l1;
    result.estimator = what.str();
    result.log_likelihood = hawkes_log_likelihood(events, params);
    return result;
}

}  // namespace evspike
