// End to end: `generate hawkes` -> `fit hawkes` -> `generate hawkes` on the fitted config, and
// the command's refusals (exit 2 for usage, 1 for runtime, nothing written).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "file_util.hpp"
#include "io/generator_config.hpp"
#include "support.hpp"

using namespace evspike::test;

TEST_SUITE("apps") {
    TEST_CASE("fit hawkes: the fitted config is accepted by generate hawkes and recovers the bundled process") {
        temp_dir dir;
        const std::string raster = dir / "h.h5", fit = dir / "fit.toml", again = dir / "again.h5";
        REQUIRE(run_evspike("generate hawkes " + std::string(data_dir) + "/hawkes_exponential.toml -o " + raster +
                            " --seed 3 -q")
                    .exit_code == 0);
        const auto r = run_evspike("fit hawkes " + raster + " -o " + fit + " --kernel exp -q");
        CAPTURE(r.out);
        REQUIRE(r.exit_code == 0);
        const std::string text = slurp(fit);
        CHECK(contains(text, "# Estimator: exact maximum likelihood"));
        CHECK(contains(text, "# Log-likelihood (exact, continuous time): "));
        const auto config = evspike::parse_hawkes_config(text, fit);
        REQUIRE(config.params.units() == 2);
        CHECK(config.population == "hawkes");
        // data/hawkes_exponential.toml: baselines 20 and 10 Hz; 10 s of data (~550 events): loose
        CHECK(config.params.baseline_hz[0] == doctest::Approx(20.0).epsilon(0.5));
        CHECK(config.params.baseline_hz[1] == doctest::Approx(10.0).epsilon(0.5));
        CHECK(run_evspike("generate hawkes " + fit + " -o " + again + " -q").exit_code == 0);
        CHECK(std::filesystem::file_size(again) > 0);
        // deterministic: the same command gives the same bytes
        REQUIRE(run_evspike("fit hawkes " + raster + " -o " + fit + " --kernel exp -q").exit_code == 0);
        CHECK(slurp(fit) == text);
    }

    TEST_CASE("fit hawkes: usage and runtime errors name the option or the problem and write nothing") {
        temp_dir dir;
        const std::string raster = dir / "h.h5", fit = dir / "fit.toml";
        REQUIRE(run_evspike("generate hawkes " + std::string(data_dir) + "/hawkes_exponential.toml -o " + raster + " -q")
                    .exit_code == 0);
        auto r = run_evspike("fit hawkes " + raster + " -o " + fit + " --kernel gamma");
        CHECK(r.exit_code == 2);
        CHECK(contains(r.out, "--kernel"));
        r = run_evspike("fit hawkes " + raster + " -o " + fit + " --kernel raised_cosine");
        CHECK(r.exit_code == 2);
        CHECK(contains(r.out, "--support"));
        r = run_evspike("fit hawkes " + raster + " -o " + fit + " --kernel raised_cosine --support 10 --dt 5");
        CHECK(r.exit_code == 2);
        CHECK(contains(r.out, "--dt"));
        r = run_evspike("fit hawkes " + raster + " -o " + fit + " --kernel exp --min-events 100000");
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "unit 0 has"));
        r = run_evspike("fit hawkes " + raster + " -o " + raster + " --kernel exp");
        CHECK(r.exit_code == 2);
        CHECK_FALSE(std::filesystem::exists(fit));
    }
}
