#include "check.h"
#include "kernels.h"
int main(void) { CHECK(k_softplus1(0) > 0.69f); return CHECK_DONE(); }
