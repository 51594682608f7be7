// Placeholder: the SONATA reader and writer land with issue 2.
#include "io/spike_file.hpp"
