// The voltage report's row count is the one a reader computes from mapping/time (docs/files.md):
// a sample that falls on t_stop mathematically is not a row.
#include <doctest/doctest.h>

#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "io/voltage_report.hpp"
#include "support.hpp"

TEST_SUITE("io") {
    TEST_CASE("voltage report: t_stop 2.1 with step 0.7 has 3 rows, and the reader's count from mapping/time agrees") {
        evspike::test::temp_dir dir;
        const std::string path = dir / "v.h5";
        const evspike::provenance info{"evspike simulate net.toml", 1, ""};
        {
            evspike::voltage_report_writer w(path, info, "exc", {0}, 0.0, 2.1, 0.7);
            REQUIRE(w.expected_samples() == 3);
            for (int k = 0; k < 3; ++k) w.append_sample(std::vector<double>{-70.0 + k});
            CHECK_THROWS_AS(w.append_sample(std::vector<double>{0.0}), evspike::io_error);
            w.commit();
        }
        const auto r = evspike::read_voltage_report(path, "exc");
        CHECK(r.samples == 3);
        CHECK(r.samples == evspike::sample_count(r.t_start_ms, r.t_stop_ms, r.step_ms));
        CHECK(r.values == std::vector<double>{-70.0, -69.0, -68.0});
    }
}
