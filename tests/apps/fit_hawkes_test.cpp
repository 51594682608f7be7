// End to end: `generate hawkes` -> `fit hawkes` -> `generate hawkes` on the fitted config, and
// the command's refusals (exit 2 for usage, 1 for runtime, nothing written).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "file_util.hpp"
#include "io/generator_config.hpp"
#include "io/spike_file.hpp"
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

    TEST_CASE("fit hawkes: an imported recording is fitted over the span it covers, its units named by unit id") {
        // The same spikes, once from 0 and once as a recording starting at 5e6 ms with sparse unit
        // ids: the window is the covered span, so the baselines agree (over [0, last spike] the
        // shifted copy's baselines would be ~500x too low), and the header names unit ids 7, 17.
        temp_dir dir;
        const std::string raster = dir / "h.h5", csv = dir / "late.csv", late = dir / "late.h5";
        const std::string fit = dir / "fit.toml", fit_late = dir / "fit_late.toml";
        REQUIRE(run_evspike("generate hawkes " + std::string(data_dir) + "/hawkes_exponential.toml -o " + raster +
                            " --seed 3 -q")
                    .exit_code == 0);
        const evspike::spike_table spikes = evspike::spike_reader(raster).read("hawkes");
        REQUIRE(spikes.size() > 100);
        const double offset = 5e6;
        std::string text = "unit,time_ms\n";
        char line[96];
        for (std::size_t n = 0; n < spikes.size(); ++n) {
            std::snprintf(line, sizeof line, "%llu,%.17g\n",
                          static_cast<unsigned long long>(10 * spikes.node_ids[n] + 7), spikes.timestamps[n] + offset);
            text += line;
        }
        write_text(csv, text);
        // the generated window is [0, 10000) ms (data/hawkes_exponential.toml t_stop)
        REQUIRE(run_evspike("convert " + csv + " " + late + " --time-unit ms --t-start 5000000 --t-stop 5010000").exit_code ==
                0);
        REQUIRE(run_evspike("fit hawkes " + raster + " -o " + fit + " --kernel exp --t-stop 10000 -q").exit_code == 0);
        const auto r = run_evspike("fit hawkes " + late + " -o " + fit_late + " --kernel exp -q");
        CAPTURE(r.out);
        REQUIRE(r.exit_code == 0);
        const std::string late_text = slurp(fit_late);
        CHECK(contains(late_text, "over [5000000.000000, 5010000.000000"));
        CHECK(contains(late_text, "# Unit i is the recording's unit id: 7 17"));
        const auto a = evspike::parse_hawkes_config(slurp(fit), fit);
        const auto b = evspike::parse_hawkes_config(late_text, fit_late);
        REQUIRE(b.params.units() == 2);
        for (std::size_t i = 0; i < 2; ++i) {
            CAPTURE(i);
            // same events, same window length (shifted times carry rounding of 5e6 + t only)
            CHECK(b.params.baseline_hz[i] == doctest::Approx(a.params.baseline_hz[i]).epsilon(1e-4));
        }
        // --t-stop before the recording's start is refused
        const auto bad = run_evspike("fit hawkes " + late + " -o " + fit_late + " --kernel exp --t-stop 100");
        CHECK(bad.exit_code == 2);
        CHECK(contains(bad.out, "--t-stop"));
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
