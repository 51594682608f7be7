// Placeholder until its issue lands: the command exists and says so.
#include "apps/commands.hpp"
#include "core/error.hpp"

namespace evspike::cli {

int run_generate_motifs(const args&) { throw error("generate motifs: not implemented yet"); }

}  // namespace evspike::cli
