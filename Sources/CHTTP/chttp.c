#include "chttp.h"
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>

// libcurl's entry points, resolved once. curl_easy_setopt and curl_easy_getinfo
// are variadic; calling them through pointers of their declared type is ordinary C.
static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    void (*easy_cleanup)(CURL *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    int loaded;
} api;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    const char *names[] = { "libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so" };
    void *h = NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names && !h; i++) h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) return;
    api.global_init = (CURLcode (*)(long))dlsym(h, "curl_global_init");
    api.easy_init = (CURL *(*)(void))dlsym(h, "curl_easy_init");
    api.easy_setopt = (CURLcode (*)(CURL *, CURLoption, ...))dlsym(h, "curl_easy_setopt");
    api.easy_perform = (CURLcode (*)(CURL *))dlsym(h, "curl_easy_perform");
    api.easy_getinfo = (CURLcode (*)(CURL *, CURLINFO, ...))dlsym(h, "curl_easy_getinfo");
    api.easy_cleanup = (void (*)(CURL *))dlsym(h, "curl_easy_cleanup");
    api.slist_append = (struct curl_slist *(*)(struct curl_slist *, const char *))dlsym(h, "curl_slist_append");
    api.slist_free_all = (void (*)(struct curl_slist *))dlsym(h, "curl_slist_free_all");
    if (!api.global_init || !api.easy_init || !api.easy_setopt || !api.easy_perform || !api.easy_getinfo ||
        !api.easy_cleanup || !api.slist_append || !api.slist_free_all) return;
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return;
    api.loaded = 1;
}

typedef struct { unsigned char *data; size_t len, cap; int failed; } buffer;

static int append(buffer *b, const void *p, size_t n) {
    if (b->failed) return 0;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) cap *= 2;
        unsigned char *d = realloc(b->data, cap);
        if (!d) { b->failed = 1; return 0; }
        b->data = d; b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return 1;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx) {
    return append((buffer *)ctx, p, size * n) ? size * n : 0;
}

// Keeps only the final response's header block (a 100 Continue or a proxy's
// CONNECT reply comes first).
static size_t on_header(char *p, size_t size, size_t n, void *ctx) {
    buffer *b = ctx;
    size_t len = size * n;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) b->len = 0;
    return append(b, p, len) ? len : 0;
}

void chttp_request(const char *method, const char *url,
                   const char *const *headers, size_t header_count,
                   const unsigned char *body, size_t body_len,
                   long connect_timeout_s, long idle_timeout_s, long total_timeout_s,
                   const char *ca_file, chttp_reply *out) {
    memset(out, 0, sizeof *out);
    pthread_once(&once, load);
    if (!api.loaded) {
        out->kind = CHTTP_NO_LIBRARY;
        snprintf(out->error, sizeof out->error, "libcurl (libcurl.so.4) could not be loaded");
        return;
    }
    CURL *c = api.easy_init();
    if (!c) { out->kind = CHTTP_TEMPORARY; snprintf(out->error, sizeof out->error, "out of memory"); return; }
    buffer b = {0}, h = {0};
    struct curl_slist *list = NULL;
    int has_type = 0;
    for (size_t i = 0; i < header_count; i++) {
        list = api.slist_append(list, headers[i]);
        if (strncasecmp(headers[i], "Content-Type:", 13) == 0) has_type = 1;
    }
    // No "Expect: 100-continue" round trip, and no form content type libcurl would add.
    list = api.slist_append(list, "Expect:");
    char errbuf[CURL_ERROR_SIZE] = {0};
    api.easy_setopt(c, CURLOPT_URL, url);
    api.easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    api.easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    api.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    api.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, connect_timeout_s);
    api.easy_setopt(c, CURLOPT_TIMEOUT, total_timeout_s);
    api.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    api.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, idle_timeout_s);
    api.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    api.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    api.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (ca_file) api.easy_setopt(c, CURLOPT_CAINFO, ca_file);
    api.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    api.easy_setopt(c, CURLOPT_WRITEDATA, &b);
    api.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    api.easy_setopt(c, CURLOPT_HEADERDATA, &h);
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        api.easy_setopt(c, CURLOPT_HTTPGET, 1L);
        if (strcmp(method, "HEAD") == 0) api.easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else {
        // The body as given, also when empty (a POST with Content-Length: 0).
        api.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        api.easy_setopt(c, CURLOPT_POSTFIELDS, body_len ? (const char *)body : "");
        if (!has_type) list = api.slist_append(list, "Content-Type:");
    }
    api.easy_setopt(c, CURLOPT_HTTPHEADER, list);
    CURLcode rc = api.easy_perform(c);
    out->curl_code = (int)rc;
    if (rc == CURLE_OK && !b.failed && !h.failed) {
        long status = 0;
        api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        out->status = status;
        out->kind = CHTTP_OK;
        out->body = b.data; out->body_len = b.len; b.data = NULL;
        out->headers = (char *)h.data; out->headers_len = h.len; h.data = NULL;
    } else {
        switch (rc) {
        case CURLE_OPERATION_TIMEDOUT: case CURLE_SEND_ERROR: case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING: case CURLE_PARTIAL_FILE: case CURLE_OUT_OF_MEMORY:
        case CURLE_WRITE_ERROR:
            out->kind = CHTTP_TEMPORARY; break;
        default:
            out->kind = CHTTP_UNREACHABLE; break;
        }
        snprintf(out->error, sizeof out->error, "%s", errbuf[0] ? errbuf : "the request failed");
    }
    free(b.data); free(h.data);
    api.slist_free_all(list);
    api.easy_cleanup(c);
}

void chttp_reply_free(chttp_reply *reply) {
    free(reply->body); free(reply->headers);
    reply->body = NULL; reply->headers = NULL;
}
