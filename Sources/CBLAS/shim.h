// OpenBLAS's cblas.h also declares openblas_set_num_threads and friends,
// which the engine uses to match BLAS threads to the size of the work.
#include <cblas.h>
