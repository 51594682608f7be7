#pragma once
// The error types of evspike. Every user-facing failure is one of these; `apps/` prints
// `error: <what()>` once and exits 1. Messages always start with the file or config key at fault.
#include <stdexcept>
#include <string>

namespace evspike {

struct error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A configuration value is wrong. `key` is the full key path, e.g. "connection[2].delay".
struct config_error : error {
    config_error(std::string key_path, const std::string& what, const std::string& file = "")
        : error((file.empty() ? "" : file + ": ") + key_path + ": " + what), key(std::move(key_path)) {}
    std::string key;
};

// A file could not be read or written. `dataset` is the HDF5 path inside the file, or empty.
struct io_error : error {
    io_error(std::string file_path, std::string dataset_path, const std::string& what)
        : error(file_path + ": " + (dataset_path.empty() ? "" : dataset_path + ": ") + what),
          path(std::move(file_path)), dataset(std::move(dataset_path)) {}
    std::string path;
    std::string dataset;
};

// Model parameters are inconsistent (e.g. tau_m <= 0, V_reset >= V_th).
struct model_error : error {
    using error::error;
};

// An option of a command (or an argument of a library call that runs one, io/detection.hpp) is
// wrong; what() is the command line's message ("--holdout must be in [0, 1)"). apps/ prints it
// with the command's usage and exits 2; Python raises ConfigError with key = `option`.
struct option_error : error {
    option_error(std::string option_name, const std::string& what) : error(what), option(std::move(option_name)) {}
    std::string option;  // without dashes, e.g. "holdout"
};

// A bug in evspike, never the user's fault.
struct internal_error : error {
    using error::error;
};

}  // namespace evspike
