// The detector model reader (io/detector_file.cpp) and the detections reader on arbitrary HDF5
// files.
#include "fuzz/fuzz_support.hpp"
#include "io/detector_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    evspike::fuzz::with_hdf5_input(data, size, [](const std::string& path) {
        try {
            evspike::detector_model model = evspike::read_detector_model(path);
            if (model.weights.size() != model.motifs * model.neurons * model.delays) __builtin_trap();
        } catch (const evspike::error&) {
        }
        (void)evspike::read_detections(path);
    });
    return 0;
}
