/* SPDX-License-Identifier: Apache-2.0 */
/* The keyring: one HMAC key per file in keys.d, named by its key id, with an optional scope. */
#ifndef SG_SIG_KEYRING_H
#define SG_SIG_KEYRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <shimgate/shimgate.h>

#define SG_MAC_LEN 32
#define SG_KEY_SECRET_MIN 32u  /* bytes */
#define SG_KEY_SECRET_MAX 128u

struct sg_keyring;
struct sg_key;

/* Loads every key file of dir (safe-path checked, all or nothing). */
int sg_keyring_load(const char *dir, struct sg_keyring **out, struct sg_error *err);
/* Loads one key file; its key id is its file name (shimgate sign/verify --key). */
int sg_keyring_load_file(const char *path, struct sg_keyring **out, struct sg_error *err);
/* Wipes every secret and frees. */
void sg_keyring_free(struct sg_keyring *kr);
/* Exchanges the keys of a and b: whoever holds a pointer to a sees b's keys from now on. */
void sg_keyring_swap(struct sg_keyring *a, struct sg_keyring *b);
size_t sg_keyring_count(const struct sg_keyring *kr);
const struct sg_key *sg_keyring_find(const struct sg_keyring *kr, const char *key_id);

const char *sg_key_id(const struct sg_key *k);
/* 0 when k may sign op for ns/id at time now; -EACCES with a reason naming the key id and
 * the scope rule otherwise. */
int sg_key_check_scope(const struct sg_key *k, enum sg_op op, const char *ns, const char *id,
		       int64_t now, struct sg_error *err);
/* 0 when k may sign a create grant valid until not_after for the pod pod_ns/pod_name (both
 * NULL for a grant that binds content only): not past the key's not_after, and inside its
 * pod_namespaces and pods scope. -EACCES with a reason naming the key otherwise. */
int sg_key_check_grant(const struct sg_key *k, const char *pod_ns, const char *pod_name,
		       int64_t not_after, struct sg_error *err);
/* The key's not_after; false when it has none. */
bool sg_key_not_after(const struct sg_key *k, int64_t *not_after);
/* HMAC-SHA256 of data under k. */
int sg_key_hmac(const struct sg_key *k, const void *data, size_t len, uint8_t mac[SG_MAC_LEN],
		struct sg_error *err);

/* The host key of node derived from master key k (derive.h); out holds SG_HOST_KEY_LEN bytes. */
int sg_key_derive(const struct sg_key *k, const char *node, uint8_t *out, struct sg_error *err);
/* A keyring of one key: key_id's host key for node, derived from master's key_id, with no
 * scope (the signer checks rights itself; the gate checks the scope of its own key file). */
int sg_keyring_derive(const struct sg_keyring *master, const char *key_id, const char *node,
		      struct sg_keyring **out, struct sg_error *err);

/* "exec,create" -> SG_OP_BIT set; -EINVAL for an unknown or empty list. */
int sg_key_ops_parse(const char *value, unsigned *ops);

#endif
