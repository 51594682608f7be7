// Silent wrong results (issue 10): a model applied to a raster with more neurons than it was
// trained on is refused; `detect score` against a ground truth that is not the raster's warns
// (docs/detection.md, "Mismatched inputs").
#include <doctest/doctest.h>

#include <string>

#include "file_util.hpp"
#include "support.hpp"

using namespace evspike::test;

namespace {

const char* motifs_config = "model = \"hdsnn\"\nneurons = NEURONS\nmotifs = 4\ndelays = 11\nbins = 500\ntrials = 20\n"
                            "p_background = 0.002\np_motif = 0.004\ntemplate_seed = 3\n";

std::string config(const std::string& neurons) {
    std::string text = motifs_config;
    text.replace(text.find("NEURONS"), 7, neurons);
    return text;
}

}  // namespace

TEST_SUITE("apps") {
    TEST_CASE("detect: a wider raster is refused and an unrelated ground truth is warned about") {
        temp_dir dir;
        write_text(dir / "m32.toml", config("32"));
        write_text(dir / "m64.toml", config("64"));
        REQUIRE(run_evspike("generate motifs -q " + (dir / "m32.toml") + " -o " + (dir / "train.h5")).exit_code == 0);
        REQUIRE(run_evspike("generate motifs -q " + (dir / "m32.toml") + " -o " + (dir / "test.h5") + " --seed 5").exit_code == 0);
        REQUIRE(run_evspike("generate motifs -q " + (dir / "m64.toml") + " -o " + (dir / "wide.h5")).exit_code == 0);
        REQUIRE(run_evspike("detect train -q --templates " + (dir / "train.h5") + " -o " + (dir / "model.h5")).exit_code == 0);

        // 64 neurons into a 32-neuron model: refused naming the first node id beyond it.
        auto r = run_evspike("detect run -q " + (dir / "model.h5") + " " + (dir / "wide.h5") + " -o " + (dir / "w.h5"));
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "wide.h5: /spikes/motifs/node_ids: node id "));
        CHECK(contains(r.out, " >= the model's 32 neurons"));
        CHECK(!std::filesystem::exists(dir / "w.h5"));

        REQUIRE(run_evspike("detect run -q " + (dir / "model.h5") + " " + (dir / "test.h5") + " -o " + (dir / "d.h5")).exit_code == 0);
        // Its own truth: a score, no warning.
        r = run_evspike("detect score " + (dir / "d.h5") + " " + (dir / "test.h5"));
        CAPTURE(r.out);
        CHECK(r.exit_code == 0);
        CHECK(!contains(r.out, "warning"));
        // Another file's truth (the training raster): the score, and a warning naming both files.
        r = run_evspike("detect score " + (dir / "d.h5") + " " + (dir / "train.h5"));
        CHECK(r.exit_code == 0);
        CHECK(contains(r.out, "warning: the detections were made on " + (dir / "test.h5") + ", not on " +
                              (dir / "train.h5") + ": is it that raster's ground truth?"));
        CHECK(contains(r.out, "F1 "));
        // A truth with fewer motifs and a shorter raster.
        write_text(dir / "small.toml", "model = \"hdsnn\"\nneurons = 32\nmotifs = 2\ndelays = 11\nbins = 100\n"
                                       "trials = 2\np_motif = 0.01\n");
        REQUIRE(run_evspike("generate motifs -q " + (dir / "small.toml") + " -o " + (dir / "small.h5")).exit_code == 0);
        r = run_evspike("detect score " + (dir / "d.h5") + " " + (dir / "small.h5"));
        CHECK(r.exit_code == 0);
        CHECK(contains(r.out, "detections name motifs >= 2, which " + (dir / "small.h5") + " does not have"));
        CHECK(contains(r.out, " detections lie at or after the end of " + (dir / "small.h5") + "'s raster (222 ms)"));
    }
}
