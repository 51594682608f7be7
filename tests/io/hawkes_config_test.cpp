#include <doctest/doctest.h>

#include "io/generator_config.hpp"

TEST_SUITE("io") {

TEST_CASE("hawkes config: format_hawkes_config reads back to the same parameters, bit for bit") {
    evspike::hawkes_params p;
    p.seed = 5;
    p.t_stop_ms = 1234.5678901234567;
    p.burn_in_ms = 0.1;
    p.baseline_hz = {0.1 + 0.2, 1e-7, 3.0};
    for (auto shape : {evspike::kernel_shape::exponential, evspike::kernel_shape::truncated_exponential,
                       evspike::kernel_shape::truncated_gaussian, evspike::kernel_shape::raised_cosine}) {
        evspike::hawkes_kernel k;
        k.shape = shape;
        k.source = p.kernels.size() % 3;
        k.target = 2;
        k.norm = 0.1 / 3.0;
        k.tau = 2.0 / 3.0;
        k.support = 9.999999999999998;
        k.mean = 4.1;
        k.sigma = 1.0 / 7.0;
        k.start = 0.3;
        k.width = 5.5;
        p.kernels.push_back(k);
    }
    const auto text = evspike::format_hawkes_config(p, "units", {"a comment", "another"});
    CHECK(text.rfind("# a comment\n# another\n", 0) == 0);
    const auto back = evspike::parse_hawkes_config(text, "mem.toml");
    CHECK(back.population == "units");
    CHECK(back.params.seed == 5);
    CHECK(back.params.t_stop_ms == p.t_stop_ms);
    CHECK(back.params.burn_in_ms == p.burn_in_ms);
    CHECK(back.params.baseline_hz == p.baseline_hz);
    REQUIRE(back.params.kernels.size() == 4);
    for (std::size_t k = 0; k < 4; ++k) {
        const auto &a = back.params.kernels[k], &b = p.kernels[k];
        CHECK(a.shape == b.shape);
        CHECK(a.source == b.source);
        CHECK(a.norm == b.norm);
        if (b.shape == evspike::kernel_shape::exponential) CHECK(a.tau == b.tau);
        if (b.shape == evspike::kernel_shape::truncated_gaussian) {
            CHECK(a.mean == b.mean);
            CHECK(a.sigma == b.sigma);
            CHECK(a.support == b.support);
        }
        if (b.shape == evspike::kernel_shape::raised_cosine) CHECK(a.width == b.width);
    }
}

}  // TEST_SUITE
