/*
 * The virtual board's TLS client: Mbed TLS 2.28 (the library in ESP-IDF and FreeRTOS) used the way
 * device firmware uses it, with the common mistakes behind flags. It connects to ADDR:PORT, presents
 * HOST as the server name, verifies the server against the CA file, checks the SPKI pin, and on
 * success sends one line of application data. It prints one line saying what happened.
 *
 * usage: hil_tlsclient ADDR PORT HOST CA_PEM PIN_SHA256_HEX [flaw...]
 * A careful client also refuses a server certificate with no subjectAltName (Mbed TLS would match the CN).
 * flaws: verify-none        authmode VERIFY_NONE
 *        verify-optional    VERIFY_OPTIONAL and the verify result ignored
 *        no-hostname        mbedtls_ssl_set_hostname never called (before 2.28.10 the name goes unchecked),
 *                           and no subjectAltName required
 *        no-pin             the CA chain alone is trusted; the pin is not checked
 *        ignore-expiry      a verify callback that clears the EXPIRED and FUTURE flags
 *        legacy-versions    TLS 1.0 and 1.1 allowed
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/oid.h>
#include <mbedtls/sha256.h>
#include <mbedtls/error.h>

struct flaws {
  int verify_none, verify_optional, no_hostname, no_pin, ignore_expiry, legacy_versions;
};

struct pin_check {
  unsigned char pin[32];
  int check_pin;
  int ignore_expiry;
  int require_san;
  int pin_mismatch;
};

static int hex_to_bytes(const char *hex, unsigned char *out, size_t len) {
  if (strlen(hex) != len * 2) return -1;
  for (size_t i = 0; i < len; i++) {
    unsigned int b;
    if (sscanf(hex + 2 * i, "%2x", &b) != 1) return -1;
    out[i] = (unsigned char)b;
  }
  return 0;
}

/* Called for each certificate of the chain, root first; depth 0 is the server's own. */
static int verify(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags) {
  struct pin_check *pc = ctx;
  if (pc->ignore_expiry) *flags &= ~(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
  /* Mbed TLS falls back to the CN when there is no subjectAltName; a careful client does not. */
  if (depth == 0 && pc->require_san && !(crt->ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME)) *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  if (depth == 0 && pc->check_pin) {
    unsigned char digest[32];
    mbedtls_sha256_ret(crt->pk_raw.p, crt->pk_raw.len, digest, 0);
    if (memcmp(digest, pc->pin, sizeof digest) != 0) {
      pc->pin_mismatch = 1;
      *flags |= MBEDTLS_X509_BADCERT_OTHER;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s ADDR PORT HOST CA_PEM PIN_SHA256_HEX [flaw...]\n", argv[0]);
    return 2;
  }
  const char *addr = argv[1], *port = argv[2], *host = argv[3], *ca_file = argv[4];
  struct flaws f = {0};
  for (int i = 6; i < argc; i++) {
    if (!strcmp(argv[i], "verify-none")) f.verify_none = 1;
    else if (!strcmp(argv[i], "verify-optional")) f.verify_optional = 1;
    else if (!strcmp(argv[i], "no-hostname")) f.no_hostname = 1;
    else if (!strcmp(argv[i], "no-pin")) f.no_pin = 1;
    else if (!strcmp(argv[i], "ignore-expiry")) f.ignore_expiry = 1;
    else if (!strcmp(argv[i], "legacy-versions")) f.legacy_versions = 1;
    else { fprintf(stderr, "unknown flaw %s\n", argv[i]); return 2; }
  }
  struct pin_check pc = { .check_pin = !f.no_pin, .ignore_expiry = f.ignore_expiry, .require_san = !f.no_hostname };
  if (hex_to_bytes(argv[5], pc.pin, sizeof pc.pin) != 0) { fprintf(stderr, "bad pin\n"); return 2; }

  mbedtls_net_context net;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt ca;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  char err[128];
  int ret;
  mbedtls_net_init(&net);
  mbedtls_ssl_init(&ssl);
  mbedtls_ssl_config_init(&conf);
  mbedtls_x509_crt_init(&ca);
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);

  if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)"hil", 3)) != 0 ||
      (ret = mbedtls_x509_crt_parse_file(&ca, ca_file)) != 0 ||
      (ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
    mbedtls_strerror(ret, err, sizeof err);
    printf("tls: setup failed -0x%04x %s\n", (unsigned)-ret, err);
    return 1;
  }
  mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
  mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
  mbedtls_ssl_conf_authmode(&conf, f.verify_none ? MBEDTLS_SSL_VERIFY_NONE : f.verify_optional ? MBEDTLS_SSL_VERIFY_OPTIONAL : MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_verify(&conf, verify, &pc);
  mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, f.legacy_versions ? MBEDTLS_SSL_MINOR_VERSION_1 : MBEDTLS_SSL_MINOR_VERSION_3);
  if ((ret = mbedtls_ssl_setup(&ssl, &conf)) != 0 ||
      (!f.no_hostname && (ret = mbedtls_ssl_set_hostname(&ssl, host)) != 0)) {
    mbedtls_strerror(ret, err, sizeof err);
    printf("tls: setup failed -0x%04x %s\n", (unsigned)-ret, err);
    return 1;
  }
  if ((ret = mbedtls_net_connect(&net, addr, port, MBEDTLS_NET_PROTO_TCP)) != 0) {
    printf("tls: connect to %s:%s failed -0x%04x\n", addr, port, (unsigned)-ret);
    return 1;
  }
  mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv, NULL);
  while ((ret = mbedtls_ssl_handshake(&ssl)) != 0) {
    if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
      mbedtls_strerror(ret, err, sizeof err);
      uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
      printf("tls: handshake failed -0x%04x %s (verify flags 0x%x%s)\n", (unsigned)-ret, err, flags, pc.pin_mismatch ? ", pin mismatch" : "");
      mbedtls_net_free(&net);
      return 1;
    }
  }
  /* The classic bug with VERIFY_OPTIONAL is not looking at this; the flaw reproduces it. */
  uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
  if (flags != 0 && !f.verify_optional && !f.verify_none) {
    printf("tls: verification failed (flags 0x%x)\n", flags);
    mbedtls_ssl_close_notify(&ssl);
    mbedtls_net_free(&net);
    return 1;
  }
  const char *line = "hil-telemetry device=virtual reading=42\n";
  ret = mbedtls_ssl_write(&ssl, (const unsigned char *)line, strlen(line));
  printf("tls: connected %s %s, sent %d bytes\n", mbedtls_ssl_get_version(&ssl), mbedtls_ssl_get_ciphersuite(&ssl), ret);
  mbedtls_ssl_close_notify(&ssl);
  mbedtls_net_free(&net);
  mbedtls_ssl_free(&ssl);
  mbedtls_ssl_config_free(&conf);
  mbedtls_x509_crt_free(&ca);
  mbedtls_ctr_drbg_free(&drbg);
  mbedtls_entropy_free(&entropy);
  return ret > 0 ? 0 : 1;
}
