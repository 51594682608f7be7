#include "models/exponential.hpp"

#include <cmath>

namespace evspike::detail {
namespace {

// Layer i (0..255) spans x in [0, x[i]) under f(x) = exp(-x); every layer, the base one with
// its tail included, has area V. x[1] = R, x[256] = 0, x[0] = V / f(R) is the base layer's
// virtual width. Constants for 256 layers from Marsaglia & Tsang (2000).
constexpr double R = 7.69711747013104972;
constexpr double V = 3.9496598225815571993e-3;

ziggurat_tables make_tables() {
    ziggurat_tables t{};
    t.x[0] = V / std::exp(-R);
    t.x[1] = R;
    for (int i = 1; i < 255; ++i) t.x[i + 1] = -std::log(std::exp(-t.x[i]) + V / t.x[i]);
    t.x[256] = 0.0;
    for (int i = 0; i < 257; ++i) t.f[i] = std::exp(-t.x[i]);
    return t;
}

}  // namespace

const ziggurat_tables ziggurat = make_tables();

double standard_exponential_slow(random_stream& rng, std::uint64_t bits) {
    double offset = 0.0;
    while (true) {
        const auto i = static_cast<std::size_t>(bits & 0xFF);
        const double u = static_cast<double>(bits >> 11) * 0x1.0p-53;  // [0, 1), bits disjoint from i
        const double x = u * ziggurat.x[i];
        if (x < ziggurat.x[i + 1]) return offset + x;  // inside the layer's rectangle under the curve
        if (i == 0) {
            offset += R;  // the tail beyond R: R + Exp(1) again
        } else {
            // The wedge between f(x[i]) and f(x[i+1]): accept under the density itself.
            const double y = ziggurat.f[i] + uniform01(rng) * (ziggurat.f[i + 1] - ziggurat.f[i]);
            if (y < std::exp(-x)) return offset + x;
        }
        bits = rng();
    }
}

}  // namespace evspike::detail
