#include <doctest/doctest.h>

#include "file_util.hpp"
#include "support.hpp"

using namespace evspike::test;

TEST_SUITE("apps") {
    TEST_CASE("convert: --help exits 0; unknown or identical formats are usage errors (2)") {
        CHECK(run_evspike("convert --help").exit_code == 0);
        CHECK(run_evspike("convert a.h5 b.txt").exit_code == 2);
        CHECK(run_evspike("convert a.csv b.tsv").exit_code == 2);
        const auto r = run_evspike("convert a.csv b.csv");
        CHECK(r.exit_code == 2);
        CHECK(contains(r.out, "CSV to CSV"));
        CHECK(run_evspike("convert a.csv").exit_code == 2);
    }

    TEST_CASE("convert: CSV -> SONATA -> CSV is exact, sorted by time then id, populations by name") {
        temp_dir dir;
        write_text(dir / "in.csv",
                   "population,node_id,timestamp_ms\r\n"
                   "\"b,quoted\",1,0.1\r\nb2,0,3\r\na,7,2.5\r\na,3,2.5\r\na,1,0.30000000000000004\r\n");
        REQUIRE(run_evspike("convert " + (dir / "in.csv") + " " + (dir / "s.h5")).exit_code == 0);
        REQUIRE(run_evspike("convert " + (dir / "s.h5") + " " + (dir / "out.csv")).exit_code == 0);
        CHECK(slurp(dir / "out.csv") ==
              "population,node_id,timestamp_ms\n"
              "a,1,0.30000000000000004\na,3,2.5\na,7,2.5\n\"b,quoted\",1,0.1\nb2,0,3\n");
        REQUIRE(run_evspike("convert " + (dir / "out.csv") + " " + (dir / "s2.h5")).exit_code == 0);
        REQUIRE(run_evspike("convert " + (dir / "s2.h5") + " " + (dir / "out2.csv")).exit_code == 0);
        CHECK(slurp(dir / "out2.csv") == slurp(dir / "out.csv"));
    }

    TEST_CASE("convert: evspike's CSV keeps every byte of a field (the shared splitter, untrimmed)") {
        temp_dir dir;
        // " a" (with its blank) and "a" are two populations; a blank beside a number is refused,
        // where a recording's reader would trim it (tests/io/import_test.cpp, split_record).
        write_text(dir / "in.csv", "population,node_id,timestamp_ms\n a,1,2\na,1,3\n");
        REQUIRE(run_evspike("convert " + (dir / "in.csv") + " " + (dir / "s.h5")).exit_code == 0);
        REQUIRE(run_evspike("convert " + (dir / "s.h5") + " " + (dir / "out.csv")).exit_code == 0);
        CHECK(slurp(dir / "out.csv") == "population,node_id,timestamp_ms\n a,1,2\na,1,3\n");
        write_text(dir / "in.csv", "population,node_id,timestamp_ms\na, 1,2\n");
        const auto r = run_evspike("convert " + (dir / "in.csv") + " " + (dir / "t.h5"));
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "line 2: node_id ' 1' is not a non-negative integer"));
    }

    TEST_CASE("convert: a bad CSV names the file and line, exits 1 and writes nothing") {
        temp_dir dir;
        struct bad {
            std::string text, reason;
        };
        for (const bad& b : {bad{"pop,id,t\n", "cannot tell the time unit"},  // not evspike's header: a recording
                             bad{"", "no spikes: the file is empty"},
                             bad{"population,node_id,timestamp_ms\na,1,2\na,x,3\n", "line 3: node_id 'x'"},
                             bad{"population,node_id,timestamp_ms\na,-1,3\n", "line 2: node_id '-1'"},
                             bad{"population,node_id,timestamp_ms\na,1,nan\n", "line 2: timestamp_ms 'nan'"},
                             bad{"population,node_id,timestamp_ms\na,1,-2\n", "line 2: timestamp_ms '-2'"},
                             bad{"population,node_id,timestamp_ms\na,1\n", "line 2: expected 3 fields"},
                             bad{"population,node_id,timestamp_ms\n\"a,1,2\n", "line 2: unterminated quote"}}) {
            CAPTURE(b.text);
            write_text(dir / "in.csv", b.text);
            const auto r = run_evspike("convert " + (dir / "in.csv") + " " + (dir / "out.h5"));
            CHECK(r.exit_code == 1);
            CHECK(contains(r.out, "error: " + (dir / "in.csv") + ": " + b.reason));
            CHECK(files_in(dir.path()) == 1);
        }
    }

    TEST_CASE("convert: a missing SONATA input is an error naming it, and the CSV is not created") {
        temp_dir dir;
        const auto r = run_evspike("convert " + (dir / "none.h5") + " " + (dir / "out.csv"));
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "error: " + (dir / "none.h5")));
        CHECK(files_in(dir.path()) == 0);
    }
}
