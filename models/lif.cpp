// Parameter validation and the out-of-line part of lif_exp's crossing search (method and proof:
// lif_exp.hpp, docs/models.md).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "models/lif_delta.hpp"
#include "models/lif_exp.hpp"

namespace evspike {

namespace {

[[noreturn]] void reject(const char* name, double value, const std::string& rule) {
    std::ostringstream out;
    out.precision(17);
    out << name << ": " << rule << " (got " << value << ")";
    throw model_error(out.str());
}

// Interval width at which time searches stop: 1e-13 ms, or a few ulp of the time when larger.
double time_tolerance(double t_ms) {
    return std::max(1e-13, 8 * std::numeric_limits<double>::epsilon() * std::abs(t_ms));
}

}  // namespace

void lif_params::validate() const {
    const std::pair<const char*, double> all[] = {{"tau_m", tau_m},   {"C_m", C_m},
                                                  {"E_L", E_L},       {"V_th", V_th},
                                                  {"V_reset", V_reset}, {"t_ref", t_ref},
                                                  {"I_e", I_e},       {"tau_syn_ex", tau_syn_ex},
                                                  {"tau_syn_in", tau_syn_in}};
    for (const auto& [name, value] : all) {
        if (!std::isfinite(value)) reject(name, value, "must be a finite number");
    }
    if (!(tau_m > 0)) reject("tau_m", tau_m, "must be > 0 ms");
    if (!(C_m > 0)) reject("C_m", C_m, "must be > 0 pF");
    if (!(tau_syn_ex > 0)) reject("tau_syn_ex", tau_syn_ex, "must be > 0 ms");
    if (!(tau_syn_in > 0)) reject("tau_syn_in", tau_syn_in, "must be > 0 ms");
    if (!(t_ref >= 0)) reject("t_ref", t_ref, "must be >= 0 ms");
    if (!(V_reset < V_th)) {
        std::ostringstream rule;
        rule.precision(17);
        rule << "must be < V_th = " << V_th << " mV";
        reject("V_reset", V_reset, rule.str());
    }
}

lif_exp::lif_exp(const lif_params& p) : p_(p) {
    p_.validate();
    u_inf_ = p_.tau_m * p_.I_e / p_.C_m;
    inv_tau_m_ = 1.0 / p_.tau_m;
    inv_tau_ex_ = 1.0 / p_.tau_syn_ex;
    inv_tau_in_ = 1.0 / p_.tau_syn_in;
    inv_C_ = 1.0 / p_.C_m;
    same_syn_ = p_.tau_syn_ex == p_.tau_syn_in;
    // d = 1/tau_m - 1/tau_s written as (tau_s - tau_m)/(tau_m tau_s): the difference of two close
    // taus is exact (Sterbenz), the difference of their inverses is not.
    d_ex_ = (p_.tau_syn_ex - p_.tau_m) / (p_.tau_m * p_.tau_syn_ex);
    d_in_ = (p_.tau_syn_in - p_.tau_m) / (p_.tau_m * p_.tau_syn_in);
    // Peak of P_s at t_p = ln(tau_s/tau_m)/d_s (tau_m when equal); enlarged by 1e-9 relative so
    // that rounding cannot make the early-out bound of next_crossing too small.
    auto peak = [&](double tau_s, double d) {
        const double diff = tau_s - p_.tau_m;
        const double t_p = diff == 0 ? p_.tau_m : p_.tau_m * tau_s * std::log1p(diff / p_.tau_m) / diff;
        return kernel_C(t_p, std::exp(-t_p * inv_tau_m_), std::exp(-t_p / tau_s), d) * inv_C_ * (1 + 1e-9);
    };
    peak_ex_ = peak(p_.tau_syn_ex, d_ex_);
    peak_in_ = peak(p_.tau_syn_in, d_in_);
}

double lif_exp::search_crossing(const lif_state& s, double horizon_ms) const {
    const double V_th = p_.V_th;
    const double r = s.refractory_ms > 0 ? s.refractory_ms : 0.0;
    // The free solution starts when refractoriness ends: V held, currents decayed over r.
    const double V0 = s.V;
    const double u0 = s.V - p_.E_L;
    double I_ex0 = s.I_ex;
    double I_in0 = s.I_in;
    if (r > 0) {
        const double e_ex = std::exp(-r * inv_tau_ex_);
        I_ex0 *= e_ex;
        I_in0 *= same_syn_ ? e_ex : std::exp(-r * inv_tau_in_);
    }
    const double H = horizon_ms - r;  // times below are relative to the end of refractoriness
    const double v_inf = p_.E_L + u_inf_;

    // Without synaptic current V relaxes monotonically to v_inf: the lif_delta closed form.
    if (I_ex0 == 0 && I_in0 == 0) {
        if (V0 >= V_th || !(v_inf > V_th)) return no_crossing;
        const double t = r + p_.tau_m * std::log1p((V_th - V0) / (v_inf - V_th));
        return t <= horizon_ms ? t : no_crossing;
    }

    // q(t) = A e^{-t/tau_ex} + B e^{-t/tau_in} changes sign at most once, at t_q.
    const double A = I_ex0 * inv_tau_ex_;
    const double B = I_in0 * inv_tau_in_;
    double t_q = 0;
    if (((A > 0 && B < 0) || (A < 0 && B > 0)) && inv_tau_ex_ != inv_tau_in_) {
        t_q = std::log(-B / A) / (inv_tau_in_ - inv_tau_ex_);
        if (!(t_q > 0) || !std::isfinite(t_q)) t_q = 0;
    }
    // End of the search. |u(t) - u_inf| <= amp e^{-t/(2 tau_max)} (P_s(t) <= t e^{-t/tau_max}/C_m
    // and t e^{-t/tau} <= (2 tau/e) e^{-t/(2 tau)}), so from t_side on V stays on the side of V_th
    // where v_inf lies and no upward crossing can follow. Stopping there rather than far out
    // also keeps V' at the end well above rounding, so its sign can be trusted.
    const double tau_max = std::max({p_.tau_m, I_ex0 != 0 ? p_.tau_syn_ex : 0.0, I_in0 != 0 ? p_.tau_syn_in : 0.0});
    const double amp = std::abs(u0 - u_inf_) + (std::abs(I_ex0) + std::abs(I_in0)) * 2 * tau_max *
                                                   inv_C_ / std::numbers::e;
    const double gap = 0.5 * std::abs(v_inf - V_th);
    double t_side = t_q + 60 * tau_max;  // v_inf == V_th: transients are below e^-30 by then
    if (gap > 0) t_side = std::min(t_side, amp > gap ? 2 * tau_max * std::log(amp / gap) : 0.0);
    const double b_end = std::min(H, t_side);
    if (!(b_end > 0)) return no_crossing;
    double cuts[3] = {0, b_end, b_end};
    int pieces = 1;
    if (t_q > 0 && t_q < b_end) {
        cuts[1] = t_q;
        pieces = 2;
    }

    point pa{V0, slope_u(u0, I_ex0, I_in0), A + B, I_ex0, I_in0};
    for (int i = 0; i < pieces; ++i) {
        const double a = cuts[i];
        const double b = cuts[i + 1];
        // The bound of step 1 from the state at a (at 0 it failed, so the search runs).
        if (i > 0 && pa.V < V_th && stays_below(pa.V, pa.I_ex, pa.I_in)) return no_crossing;
        const point pb = at(u0, I_ex0, I_in0, b);
        // On [a, b] V' changes sign at most once, so V is monotone or unimodal there.
        double lo = 0, hi = -1, f_hi = 0;
        point p_lo = pa;
        if (pa.V < V_th) {
            if (pb.V >= V_th) {
                lo = a, hi = b, f_hi = pb.V - V_th;
            } else if (pa.dV > 0 && pb.dV < 0) {
                point ext{};
                const double t_max = locate_extremum(u0, I_ex0, I_in0, pa, pb, a, b, true, ext);
                if (ext.V >= V_th) lo = a, hi = t_max, f_hi = ext.V - V_th;
            }
        } else if (pb.V >= V_th && pa.dV < 0 && pb.dV > 0) {
            point ext{};
            const double t_min = locate_extremum(u0, I_ex0, I_in0, pa, pb, a, b, false, ext);
            if (ext.V < V_th) lo = t_min, hi = b, p_lo = ext, f_hi = pb.V - V_th;
        }
        if (hi >= lo) {
            const double t = r + locate_root(u0, I_ex0, I_in0, lo, hi, p_lo, f_hi);
            return t <= horizon_ms ? t : no_crossing;
        }
        pa = pb;
    }
    return no_crossing;
}

// The extremum of V in (a, b), where V' has opposite strict signs at a and b and w = e^{t/tau_m} V'
// is monotone: safeguarded Newton on w (t <- t + V' C_m / q, starting from a), bisection on the
// sign of V' when a step leaves the bracket or does not halve it, and, once a step is below the
// tolerance, one probe beyond it to close the bracket. Stops early as soon as the answer to
// "does the extremum lie beyond V_th?" is known: a point beyond V_th answers yes; the bound from
// the tangents at the bracket ends (docs/models.md, step 3) answers no. Returns a time and its
// values in ext; ext.V is beyond V_th (>= for a maximum, < for a minimum) if and only if the
// extremum is, and then the time is a valid end of the crossing bracket.
double lif_exp::locate_extremum(double u0, double I_ex0, double I_in0, const point& pa, const point& pb,
                                double a, double b, bool maximum, point& ext) const {
    const double V_th = p_.V_th;
    const double margin = 1e-12 * (1 + std::abs(V_th));
    double lo = a;  // V' has the sign it has at a
    double hi = b;
    point p_lo = pa;
    point p_hi = pb;
    double x = pa.q != 0 ? a + pa.dV / (pa.q * inv_C_) : a - 1;
    if (!(x > lo && x < hi)) x = 0.5 * (a + b);
    double step_old = b - a;
    for (int it = 0; it < 400; ++it) {
        // V lies below (maximum) or above (minimum) both tangent lines V(lo) + V'(lo)(t - lo) and
        // V(hi) + V'(hi) e^{(hi - lo)/tau_m} (t - hi); their intersection bounds the extremum.
        const double s1 = p_lo.dV;
        const double s2 = -p_hi.dV * std::exp((hi - lo) * inv_tau_m_);
        const double bound = p_lo.V + s1 * ((p_hi.V - p_lo.V + s1 * lo + s2 * hi) / (s1 + s2) - lo);
        if (maximum ? bound < V_th - margin : bound >= V_th + margin) break;

        const point px = at(u0, I_ex0, I_in0, x);
        if (maximum ? px.V >= V_th : px.V < V_th) {
            ext = px;
            return x;
        }
        if ((px.dV > 0) == maximum) {
            lo = x, p_lo = px;
        } else {
            hi = x, p_hi = px;
        }
        const double tol = time_tolerance(hi);
        if (px.dV == 0 || hi - lo <= tol) break;
        double xn = px.q != 0 ? x + px.dV / (px.q * inv_C_) : lo - 1;
        if (std::abs(xn - x) < tol) {
            xn = (px.dV > 0) == maximum ? x + tol : x - tol;
            if (!(xn > lo && xn < hi)) xn = 0.5 * (lo + hi);
        } else if (!(xn > lo && xn < hi) || 2 * std::abs(xn - x) > step_old) {
            xn = 0.5 * (lo + hi);
        }
        step_old = std::abs(xn - x);
        x = xn;
    }
    // Not beyond V_th: neither end is (both were tested), report the lower end.
    ext = p_lo;
    return lo;
}

// The only root of V - V_th in [lo, hi] given f(lo) < 0 <= f(hi): safeguarded Halley steps
// (V'' = -V'/tau_m - q/C_m comes free with V'), bisection when a step leaves the bracket or does
// not halve it, and one probe beyond a converged step to close the bracket. Returns the upper
// end of a final bracket no wider than time_tolerance, where V >= V_th.
double lif_exp::locate_root(double u0, double I_ex0, double I_in0, double lo, double hi, const point& p_lo,
                            double f_hi) const {
    auto step = [&](const point& p) {
        const double f = p.V - p_.V_th;
        const double d1 = p.dV;
        const double d2 = -p.dV * inv_tau_m_ - p.q * inv_C_;
        const double denom = 2 * d1 * d1 - f * d2;
        if (d1 > 0 && denom > 0) return -2 * f * d1 / denom;
        return d1 > 0 ? -f / d1 : no_crossing;
    };
    const double f_lo = p_lo.V - p_.V_th;
    double x = lo + step(p_lo);  // for the usual concave rise this stays left of the root
    if (!(x > lo && x < hi)) x = lo + (hi - lo) * (-f_lo / (f_hi - f_lo));
    if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
    double step_old = hi - lo;
    for (int it = 0; it < 400 && hi - lo > time_tolerance(hi); ++it) {
        const point p = at(u0, I_ex0, I_in0, x);
        const double f = p.V - p_.V_th;
        if (f >= 0) {
            hi = x;
        } else {
            lo = x;
        }
        const double tol = time_tolerance(hi);
        if (hi - lo <= tol) break;
        double xn = x + step(p);
        if (std::abs(xn - x) < tol) {
            // Converged: probe one tolerance beyond to close the bracket.
            xn = f >= 0 ? x - tol : x + tol;
            if (!(xn > lo && xn < hi)) xn = 0.5 * (lo + hi);
        } else if (!(xn > lo && xn < hi) || 2 * std::abs(xn - x) > step_old) {
            xn = 0.5 * (lo + hi);
        }
        step_old = std::abs(xn - x);
        x = xn;
    }
    return hi;
}

}  // namespace evspike
