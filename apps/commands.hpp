#pragma once
// One function per command; each lives in apps/cmd_<name>.cpp. Arguments exclude the command words.
#include <string>
#include <vector>

namespace evspike::cli {

using args = std::vector<std::string>;

int run_simulate(const args& a);
int run_generate_poisson(const args& a);
int run_generate_hawkes(const args& a);
int run_generate_motifs(const args& a);
int run_detect_train(const args& a);
int run_detect_run(const args& a);
int run_detect_score(const args& a);
int run_detect_discover(const args& a);
int run_info(const args& a);
int run_plot(const args& a);
int run_convert(const args& a);
int run_fit_hawkes(const args& a);

}  // namespace evspike::cli
