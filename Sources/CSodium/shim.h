#ifndef SAFEHOUSE_CSODIUM_SHIM_H
#define SAFEHOUSE_CSODIUM_SHIM_H
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>

/* prctl is variadic and so unavailable to Swift: fixed-arity wrappers. */
static inline int safehouse_set_dumpable(int on) { return prctl(PR_SET_DUMPABLE, on, 0, 0, 0); }
static inline int safehouse_get_dumpable(void) { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0); }
#endif
