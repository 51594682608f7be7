// Placeholder until its issue lands: the command exists and says so.
#include "apps/commands.hpp"
#include "core/error.hpp"

namespace evspike::cli {

int run_detect_score(const args&) { throw error("detect score: not implemented yet"); }

}  // namespace evspike::cli
