#ifndef SAFEHOUSE_COPENSSL_SHIM_H
#define SAFEHOUSE_COPENSSL_SHIM_H
/* OpenSSL's libcrypto, for one thing only: SHA-256 with the CPU's SHA
   extensions (the record content hash). libsodium does every encryption. */
#include <openssl/evp.h>
#endif
