// Placeholder until its issue lands: the command exists and says so.
#include "apps/commands.hpp"
#include "core/error.hpp"

namespace evspike::cli {

int run_info(const args&) { throw error("info: not implemented yet"); }

}  // namespace evspike::cli
