// A config's t_stop beyond the time limit (core/time.hpp, 2^52 ms) is refused naming the key and
// the limit; the limit itself is accepted.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "core/error.hpp"
#include "core/time.hpp"
#include "io/config.hpp"
#include "support.hpp"

namespace {

evspike::simulation_spec load_with_t_stop(const std::string& t_stop) {
    evspike::test::temp_dir dir;
    const std::string path = dir / "cfg.toml";
    std::ofstream(path) << "t_stop = " << t_stop << "\n[[population]]\nname = \"exc\"\nsize = 1\nmodel = \"lif_delta\"\n";
    return evspike::load_simulation_config(path);
}

}  // namespace

TEST_SUITE("io") {
    TEST_CASE("config: t_stop beyond 2^52 ms (1e19, 1e300) is refused naming t_stop and the limit") {
        for (const char* t_stop : {"1e19", "1e300", "4503599627370497.0"}) {
            CAPTURE(t_stop);
            std::string message;
            try {
                load_with_t_stop(t_stop);
            } catch (const evspike::config_error& e) {
                message = e.what();
                CHECK(e.key == "t_stop");
            }
            CAPTURE(message);
            CHECK(message.find("cfg.toml") != std::string::npos);
            CHECK(message.find("time limit 2^52 = 4503599627370496 ms") != std::string::npos);
        }
        CHECK(load_with_t_stop("4503599627370496.0").t_stop_ms == evspike::max_time_ms);
    }
}
