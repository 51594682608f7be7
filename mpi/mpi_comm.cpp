#include "mpi/mpi_comm.hpp"

// The C API only (OpenMPI and MPICH would otherwise pull in their deprecated C++ bindings).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <chrono>
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
    }
    ~mpi_world() override {
        int finalised = 0;
        MPI_Finalized(&finalised);
        if (!finalised) MPI_Finalize();
    }

    int rank() const override { return rank_; }
    int size() const override { return size_; }

    void allgatherv(std::span<const std::byte> mine, std::vector<std::byte>& all,
                    std::vector<std::size_t>& counts) override {
        timer t(comm_seconds_);
        std::vector<int> n(static_cast<std::size_t>(size_)), at(static_cast<std::size_t>(size_));
        const int own = as_count(mine.size());
        MPI_Allgather(&own, 1, MPI_INT, n.data(), 1, MPI_INT, MPI_COMM_WORLD);
        place(n, at, all, counts);
        MPI_Allgatherv(mine.data(), own, MPI_BYTE, all.data(), n.data(), at.data(), MPI_BYTE, MPI_COMM_WORLD);
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
};

}  // namespace

std::unique_ptr<communicator> make_mpi_communicator(int* argc, char*** argv) {
    return std::make_unique<mpi_world>(argc, argv);
}

}  // namespace evspike
