#include "io/config.hpp"

#include "core/error.hpp"

namespace evspike {

simulation_spec parse_simulation_config(const std::string& /*toml_text*/, const std::string& path) {
    throw config_error("(file)", "the config loader is not implemented yet", path);
}

simulation_spec load_simulation_config(const std::string& path) {
    return parse_simulation_config("", path);
}

}  // namespace evspike
