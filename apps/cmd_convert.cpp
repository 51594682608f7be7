// Placeholder until its issue lands: the command exists and says so.
#include "apps/commands.hpp"
#include "core/error.hpp"

namespace evspike::cli {

int run_convert(const args&) { throw error("convert: not implemented yet"); }

}  // namespace evspike::cli
