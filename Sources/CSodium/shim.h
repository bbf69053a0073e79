#ifndef SAFEHOUSE_CSODIUM_SHIM_H
#define SAFEHOUSE_CSODIUM_SHIM_H
#include <sodium.h>
#endif
