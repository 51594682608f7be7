#include "mpi/mpi_comm.hpp"

// The C API only (OpenMPI and MPICH would otherwise pull in their deprecated C++ bindings).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <string>

namespace evspike {

bool launched_by_mpi() {
    // OpenMPI's mpirun, MPICH/Hydra and Slurm's srun (PMI-1/2, PMIx) set one of these.
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
        if (std::getenv(name) != nullptr) return true;
    return false;
}

namespace {

class timer {
public:
    explicit timer(double& total) : total_(total), start_(std::chrono::steady_clock::now()) {}
    ~timer() { total_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

private:
    double& total_;
    std::chrono::steady_clock::time_point start_;
};

int as_count(std::size_t n) {
    if (n > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw internal_error("MPI: a message of " + std::to_string(n) + " bytes exceeds 2 GB");
    return static_cast<int>(n);
}

class mpi_world final : public communicator {
public:
    mpi_world(int* argc, char*** argv) {
        int initialised = 0;
        MPI_Initialized(&initialised);
        if (!initialised) MPI_Init(argc, argv);
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
        // EVSPIKE_MPI_SLOT=BYTES: allgatherv's initial (and smallest) slot; tests/mpi sets a tiny
        // one so that the second round is exercised.
        if (const char* e = std::getenv("EVSPIKE_MPI_SLOT"); e != nullptr && std::atol(e) > 0)
            min_slot_ = slot_ = static_cast<std::size_t>(std::atol(e));
    }
    ~mpi_world() override {
        int finalised = 0;
        MPI_Finalized(&finalised);
        if (!finalised) MPI_Finalize();
    }

    int rank() const override { return rank_; }
    int size() const override { return size_; }

    // One collective per call in the common case (this is the per-epoch spike exchange): every
    // rank sends a fixed slot, its byte count and up to slot_ bytes, with MPI_Allgather; only if
    // some rank had more does a second round (MPI_Allgatherv of the remainders) follow. Two
    // collectives per epoch (counts, then data) made each epoch wait twice for the slowest rank.
    // Every rank sees every count, so all adapt slot_ alike: grown to twice the largest message
    // when one overflows, and every 256 calls set to twice the largest message of those calls
    // (so one early burst does not make every later epoch move a huge slot).
    void allgatherv(std::span<const std::byte> mine, std::vector<std::byte>& all,
                    std::vector<std::size_t>& counts) override {
        timer t(comm_seconds_);
        const std::size_t K = static_cast<std::size_t>(size_);
        const std::size_t slot = header + slot_;
        send_.resize(slot);
        const std::uint64_t own = mine.size();
        std::memcpy(send_.data(), &own, header);
        const std::size_t first = std::min<std::size_t>(mine.size(), slot_);
        if (first > 0) std::memcpy(send_.data() + header, mine.data(), first);
        recv_.resize(slot * K);
        MPI_Allgather(send_.data(), as_count(slot), MPI_BYTE, recv_.data(), as_count(slot), MPI_BYTE, MPI_COMM_WORLD);
        counts.resize(K);
        std::size_t total = 0, largest = 0;
        for (std::size_t r = 0; r < K; ++r) {
            std::uint64_t n = 0;
            std::memcpy(&n, recv_.data() + r * slot, header);
            counts[r] = static_cast<std::size_t>(n);
            total += counts[r];
            largest = std::max(largest, counts[r]);
        }
        all.resize(total);
        std::size_t at = 0;
        for (std::size_t r = 0; r < K; ++r) {
            const std::size_t n = std::min(counts[r], slot_);
            if (n > 0) std::memcpy(all.data() + at, recv_.data() + r * slot + header, n);
            at += counts[r];
        }
        if (largest > slot_) {
            std::vector<int> n(K), displ(K);
            std::size_t rest = 0;
            for (std::size_t r = 0; r < K; ++r) {
                n[r] = as_count(counts[r] > slot_ ? counts[r] - slot_ : 0);
                displ[r] = as_count(rest);
                rest += static_cast<std::size_t>(n[r]);
            }
            extra_.resize(rest);
            MPI_Allgatherv(mine.data() + first, n[static_cast<std::size_t>(rank_)], MPI_BYTE, extra_.data(), n.data(),
                           displ.data(), MPI_BYTE, MPI_COMM_WORLD);
            at = 0;
            for (std::size_t r = 0; r < K; ++r) {
                if (n[r] > 0)
                    std::memcpy(all.data() + at + slot_, extra_.data() + static_cast<std::size_t>(displ[r]),
                                static_cast<std::size_t>(n[r]));
                at += counts[r];
            }
        }
        // The same on every rank (a function of the counts all ranks received).
        window_largest_ = std::max(window_largest_, largest);
        if (largest > slot_) slot_ = std::bit_ceil(2 * largest);
        if (++calls_ % 256 == 0) {
            slot_ = std::max(min_slot_, std::bit_ceil(2 * window_largest_));
            window_largest_ = 0;
        }
    }

    void gatherv(std::span<const std::byte> mine, std::vector<std::byte>& all,
                 std::vector<std::size_t>& counts) override {
        timer t(comm_seconds_);
        std::vector<int> n(static_cast<std::size_t>(size_)), at(static_cast<std::size_t>(size_));
        const int own = as_count(mine.size());
        MPI_Gather(&own, 1, MPI_INT, n.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (rank_ == 0) {
            place(n, at, all, counts);
        } else {
            all.clear();
            counts.clear();
        }
        MPI_Gatherv(mine.data(), own, MPI_BYTE, all.data(), n.data(), at.data(), MPI_BYTE, 0, MPI_COMM_WORLD);
    }

    std::vector<int> allgather(int mine) override {
        timer t(comm_seconds_);
        std::vector<int> all(static_cast<std::size_t>(size_));
        MPI_Allgather(&mine, 1, MPI_INT, all.data(), 1, MPI_INT, MPI_COMM_WORLD);
        return all;
    }

    void allreduce_min(std::span<double> v) override {
        timer t(comm_seconds_);
        MPI_Allreduce(MPI_IN_PLACE, v.data(), as_count(v.size()), MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    }
    void allreduce_sum(std::span<std::uint64_t> v) override {
        timer t(comm_seconds_);
        MPI_Allreduce(MPI_IN_PLACE, v.data(), as_count(v.size()), MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    }
    void allreduce_max(std::span<std::uint64_t> v) override {
        timer t(comm_seconds_);
        MPI_Allreduce(MPI_IN_PLACE, v.data(), as_count(v.size()), MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    }
    void barrier() override {
        timer t(comm_seconds_);
        MPI_Barrier(MPI_COMM_WORLD);
    }
    [[noreturn]] void abort(int code) override {
        MPI_Abort(MPI_COMM_WORLD, code);
        std::_Exit(code);  // MPI_Abort does not return; in case it does
    }

private:
    static void place(const std::vector<int>& n, std::vector<int>& at, std::vector<std::byte>& all,
                      std::vector<std::size_t>& counts) {
        std::size_t total = 0;
        counts.resize(n.size());
        for (std::size_t r = 0; r < n.size(); ++r) {
            at[r] = as_count(total);
            counts[r] = static_cast<std::size_t>(n[r]);
            total += counts[r];
        }
        all.resize(total);
    }

    int rank_ = 0, size_ = 1;
    // allgatherv's fixed slot (bytes of payload per rank), its buffers and its adaptation.
    static constexpr std::size_t header = sizeof(std::uint64_t);
    std::size_t min_slot_ = 1024, slot_ = 1024;
    std::size_t window_largest_ = 0;
    std::uint64_t calls_ = 0;
    std::vector<std::byte> send_, recv_, extra_;
};

}  // namespace

std::unique_ptr<communicator> make_mpi_communicator(int* argc, char*** argv) {
    return std::make_unique<mpi_world>(argc, argv);
}

}  // namespace evspike
