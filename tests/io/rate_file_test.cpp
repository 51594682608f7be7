// CSV rate files (time_ms,rate_hz, piecewise constant): parsing and errors naming file and line.
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/rate_file.hpp"
#include "support.hpp"

namespace {

// The message of the io_error that parsing `text` throws ("" if none).
std::string error_of(const std::string& text) {
    try {
        evspike::parse_rate_csv(text, "rates.csv");
    } catch (const evspike::io_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_SUITE("io") {

TEST_CASE("rate_file: rows with and without a header give the same profile") {
    const auto with = evspike::parse_rate_csv("time_ms,rate_hz\n0,5\n100.5,20\n250,0\n", "r.csv");
    const auto without = evspike::parse_rate_csv("0,5\n100.5,20\n250,0", "r.csv");  // no final newline
    CHECK(with.time_ms == std::vector<double>{0.0, 100.5, 250.0});
    CHECK(with.rate_hz == std::vector<double>{5.0, 20.0, 0.0});
    CHECK(without.time_ms == with.time_ms);
    CHECK(without.rate_hz == with.rate_hz);
}

TEST_CASE("rate_file: blanks, comments, spaces, CRLF and a byte order mark are tolerated") {
    const auto p = evspike::parse_rate_csv("\xEF\xBB\xBF# ramp\r\n time_ms , rate_hz \r\n\r\n0, 1e1\r\n# mid\r\n5 ,+2.5\r\n",
                                           "r.csv");
    CHECK(p.time_ms == std::vector<double>{0.0, 5.0});
    CHECK(p.rate_hz == std::vector<double>{10.0, 2.5});
}

TEST_CASE("rate_file: a profile starting after 0 gets an explicit zero rate from 0") {
    const auto p = evspike::parse_rate_csv("10,5\n", "r.csv");
    CHECK(p.time_ms == std::vector<double>{0.0, 10.0});
    CHECK(p.rate_hz == std::vector<double>{0.0, 5.0});
}

TEST_CASE("rate_file: bad rows are io_errors naming the file and the line") {
    CHECK_THROWS_AS(evspike::parse_rate_csv("0,abc\n", "rates.csv"), evspike::io_error);
    CHECK(error_of("time_ms,rate_hz\n0,5\n1,abc\n").find("rates.csv: line 3: rate_hz is not a number") == 0);
    CHECK(error_of("0,5\nten,5\n").find("rates.csv: line 2: time_ms is not a number") == 0);
    CHECK(error_of("0,5\n5,1\n5,2\n").find("rates.csv: line 3: times must be strictly increasing") == 0);
    CHECK(error_of("0,5\n5,1\n4,2\n").find("rates.csv: line 3: times must be strictly increasing") == 0);
    CHECK(error_of("0,5\n\n1,-2\n").find("rates.csv: line 3: rate_hz must be >= 0") == 0);
    CHECK(error_of("-1,5\n").find("rates.csv: line 1: time_ms must be >= 0") == 0);
    CHECK(error_of("0,inf\n").find("rates.csv: line 1: rate_hz must be finite") == 0);
    CHECK(error_of("0,5,7\n").find("rates.csv: line 1: expected two comma-separated columns") == 0);
    CHECK(error_of("0 5\n").find("rates.csv: line 1: expected two comma-separated columns") == 0);
    CHECK(error_of("t,r\n0,5\n").find("rates.csv: line 1: the header must be") == 0);
    CHECK(error_of("0,5\ntime_ms,rate_hz\n").find("rates.csv: line 2: time_ms is not a number") == 0);
    CHECK(error_of("0,5x\n").find("rates.csv: line 1: rate_hz is not a number") == 0);
    CHECK(error_of("time_ms,rate_hz\n").find("rates.csv: no rows") == 0);
    CHECK(error_of("").find("rates.csv: no rows") == 0);
}

TEST_CASE("rate_file: read_rate_file reads a file and names it in errors") {
    evspike::test::temp_dir dir;
    {
        std::ofstream out(dir / "ok.csv");
        out << "time_ms,rate_hz\n0,3\n";
    }
    const auto p = evspike::read_rate_file(dir / "ok.csv");
    CHECK(p.rate_hz == std::vector<double>{3.0});
    CHECK_THROWS_WITH_AS(evspike::read_rate_file(dir / "missing.csv"), doctest::Contains("missing.csv"),
                         evspike::io_error);
}

}  // TEST_SUITE
