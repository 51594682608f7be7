#pragma once
// The MPI side of core/comm.hpp, built only with -DEVSPIKE_MPI=ON (CMake finds Debian's OpenMPI).
#include <memory>

#include "core/comm.hpp"

namespace evspike {

// True when this process was started by an MPI launcher (mpirun, mpiexec, srun with PMI/PMIx):
// only then is MPI initialised, so a plain `evspike simulate` never touches MPI.
bool launched_by_mpi();

// MPI_COMM_WORLD, initialised on construction and finalised on destruction. Errors inside MPI
// are fatal (MPI_ERRORS_ARE_FATAL): a rank that dies ends the job instead of leaving the others
// waiting.
std::unique_ptr<communicator> make_mpi_communicator(int* argc, char*** argv);

}  // namespace evspike
