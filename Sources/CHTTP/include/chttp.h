// One HTTP/1.1 request through libcurl, loaded with dlopen the first time a
// command talks to the team server (push, pull, status, team publish, audit
// witness). Linking Foundation's URLSession instead made every command — a
// seal, an open — load libcurl and its thirty-odd libraries at start, about
// 12 ms of CPU each time (Docs/PERFORMANCE.md, "Fixed costs").
#ifndef SAFEHOUSE_CHTTP_H
#define SAFEHOUSE_CHTTP_H
#include <stddef.h>

typedef struct {
    long status;               // HTTP status of the final response
    unsigned char *body;       // malloc'd, body_len bytes (may be NULL when empty)
    size_t body_len;
    char *headers;             // malloc'd header lines of the final response, "\r\n"-separated
    size_t headers_len;
    int curl_code;             // CURLcode (0 = the exchange completed)
    int kind;                  // CHTTP_OK, CHTTP_UNREACHABLE, CHTTP_TEMPORARY, CHTTP_NO_LIBRARY
    char error[256];           // libcurl's words about a failure (no secrets: URL host and errno text)
} chttp_reply;

enum { CHTTP_OK = 0, CHTTP_UNREACHABLE = 1, CHTTP_TEMPORARY = 2, CHTTP_NO_LIBRARY = 3 };

/// Sends `method url` with the given header lines ("Name: value") and body.
/// Fills `out`; free it with chttp_reply_free. TLS peers are verified against
/// `ca_file` (PEM) when it is not NULL, else against the system's trust store
/// (libcurl's defaults), always with the host name; only http and https are
/// allowed, redirects are not followed.
void chttp_request(const char *method, const char *url,
                   const char *const *headers, size_t header_count,
                   const unsigned char *body, size_t body_len,
                   long connect_timeout_s, long idle_timeout_s, long total_timeout_s,
                   const char *ca_file, chttp_reply *out);

void chttp_reply_free(chttp_reply *reply);
#endif
