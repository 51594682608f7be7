#pragma once
// The one seam between the simulation and MPI (SPEC §9.4, docs/engine.md "Running on many
// processes"). The engine, the network builder and `evspike simulate` talk to a `communicator`;
// the serial one (here) is a process alone, the MPI one (mpi/mpi_comm.cpp, built only with
// -DEVSPIKE_MPI=ON) wraps MPI_COMM_WORLD. Nothing else in evspike includes <mpi.h>.
//
// Every call below is collective: each rank makes the same calls in the same order.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace evspike {

class communicator {
public:
    virtual ~communicator() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;

    // Every rank's `mine`, concatenated in rank order, into `all`; `counts[r]` bytes came from r.
    virtual void allgatherv(std::span<const std::byte> mine, std::vector<std::byte>& all,
                            std::vector<std::size_t>& counts) = 0;
    // The same to rank 0 only (`all` and `counts` are left empty on the other ranks).
    virtual void gatherv(std::span<const std::byte> mine, std::vector<std::byte>& all,
                         std::vector<std::size_t>& counts) = 0;
    virtual std::vector<int> allgather(int mine) = 0;
    // Element-wise over ranks, in place.
    virtual void allreduce_min(std::span<double> values) = 0;
    virtual void allreduce_sum(std::span<std::uint64_t> values) = 0;
    virtual void allreduce_max(std::span<std::uint64_t> values) = 0;
    virtual void barrier() = 0;
    // Ends every rank of the job with `code` (MPI_Abort); for a failure the others cannot see.
    [[noreturn]] virtual void abort(int code) = 0;

    // Wall time spent inside the collectives above (waiting for other ranks included), seconds.
    double seconds_in_collectives() const { return comm_seconds_; }

protected:
    double comm_seconds_ = 0.0;
};

// A process alone: rank 0 of 1.
communicator& serial_communicator();

// Another rank failed and reported it; this rank exits with `exit_code` without printing.
struct peer_failure : error {
    explicit peer_failure(int code) : error("another rank failed"), exit_code(code) {}
    int exit_code;
};

// Runs `f` on every rank, then agrees (one allgather) on whether it failed anywhere. If it did,
// (with several ranks) the lowest failing rank prints "error: <what>" to stderr, and after a
// barrier every rank throws peer_failure with that rank's exit code (`exit_code_of` maps an
// exception to one; default 1), which main() turns into the exit status without printing. A
// process alone rethrows its own exception.
// So a config error is reported once and every rank exits non-zero, and no rank is left waiting
// in a collective for one that gave up.
template <class F>
void all_or_none(communicator& comm, F&& f, int (*exit_code_of)(const std::exception&) = nullptr) {
    std::exception_ptr failure;
    int code = 0;
    try {
        f();
    } catch (const std::exception& e) {
        failure = std::current_exception();
        code = exit_code_of != nullptr ? exit_code_of(e) : 1;
        if (code == 0) code = 1;
    }
    if (comm.size() == 1) {
        if (failure) std::rethrow_exception(failure);
        return;
    }
    const std::vector<int> codes = comm.allgather(code);
    for (int r = 0; r < comm.size(); ++r) {
        if (codes[static_cast<std::size_t>(r)] == 0) continue;
        // The reporting rank prints before anyone exits: a launcher kills the remaining ranks as
        // soon as one exits non-zero, which could cut the message off.
        if (r == comm.rank()) {
            try {
                std::rethrow_exception(failure);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "error: %s\n", e.what());
                std::fflush(stderr);
            }
        }
        comm.barrier();
        throw peer_failure(codes[static_cast<std::size_t>(r)]);
    }
}

}  // namespace evspike
