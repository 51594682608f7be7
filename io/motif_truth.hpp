#pragma once
// Motif ground truth (SPEC §7.3), stored in the same HDF5 file as the raster:
//   /motifs/templates/{motif_ids (uint64), node_ids (uint64), delays (float64, ms), weights (float64)}
//   /motifs/occurrences/{timestamps (float64, ms, when the motif starts), motif_ids (uint64)}
//   attributes of /motifs: the generator's parameters (model, population, seed, template_seed, ...)
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace evspike {

struct motif_truth {
    // One row per template entry (sorted by motif, node, delay as the generators write them).
    std::vector<std::uint64_t> template_motif_ids;
    std::vector<std::uint64_t> template_node_ids;
    std::vector<double> template_delays_ms;
    std::vector<double> template_weights;
    // One row per occurrence, sorted by time then motif.
    std::vector<double> occurrence_timestamps_ms;
    std::vector<std::uint64_t> occurrence_motif_ids;
    // Generator parameters (attributes of /motifs): numbers as float64 or uint64, text as strings.
    using attribute = std::variant<double, std::uint64_t, std::string>;
    std::map<std::string, attribute> attributes;
};

// Adds /motifs to an existing (committed) spike file, atomically: the file is copied to a
// temporary name beside it, completed, and renamed over the original. Refuses (io_error) a file
// that already has /motifs or whose arrays have mismatched lengths.
// With atomic = false the file is completed in place: for a file that is itself a temporary.
void add_motif_truth(const std::string& spike_file_path, const motif_truth& truth, bool atomic = true);

// Whether the file has a /motifs group (io_error if it is not a readable HDF5 file).
bool has_motif_truth(const std::string& path);

// Reads /motifs; io_error naming file and dataset if it is missing or malformed.
motif_truth read_motif_truth(const std::string& path);

}  // namespace evspike
