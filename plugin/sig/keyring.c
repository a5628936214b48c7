/* SPDX-License-Identifier: Apache-2.0 */
/* The keyring: loading key files (keyword lines), scopes, and HMAC under a key. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "core/request.h"
#include "core/safepath.h"
#include "core/strutil.h"
#include "derive.h"
#include "digest.h"
#include "keyring.h"
#include "lex.h"

#define KEY_FILE_MAX (64u << 10)
#define SCOPE_LIST_MAX 64u
/* A key's room in the secret region: its hex-decoded bytes (kept until the wipe on free: a
 * master key derives host keys from them), then its HMAC state, aligned for SHA256_CTX. */
#define STATE_ALIGN 16u
#define REGION_PER_KEY (SG_KEY_SECRET_MAX + STATE_ALIGN + sizeof(struct sg_hmac_key))

struct sg_key {
	char id[SG_LIMIT_KEY_ID + 1];
	/* The key's HMAC state (as secret as the key), in the keyring's secret region: prepared
	 * at load, so that a MAC neither fetches from OpenSSL nor copies the key elsewhere. */
	struct sg_hmac_key *mac;
	/* The raw bytes, in the same region: a signer's master key derives host keys from them
	 * (sig/derive.c); a MAC never reads them. */
	uint8_t *secret;
	size_t secret_len;
	struct sg_strv namespaces; /* absent: any */
	struct sg_strv containers; /* fnmatch patterns; absent: any */
	struct sg_strv pod_namespaces; /* grants: Kubernetes namespaces; absent: any */
	struct sg_strv pods;           /* grants: fnmatch patterns of pod names; absent: any */
	unsigned ops;              /* SG_OP_BIT set */
	bool has_not_before, has_not_after;
	int64_t not_before, not_after;
};

struct sg_keyring {
	struct sg_key *keys;
	size_t n;
	/* Every secret lives in this one mapping: excluded from core dumps, wiped on free. */
	uint8_t *region;
	size_t region_size;
	size_t region_used;
};

static void key_clear(struct sg_key *k)
{
	sg_strv_clear(&k->namespaces);
	sg_strv_clear(&k->containers);
	sg_strv_clear(&k->pod_namespaces);
	sg_strv_clear(&k->pods);
	memset(k, 0, sizeof(*k));
}

void sg_keyring_free(struct sg_keyring *kr)
{
	if (!kr)
		return;
	for (size_t i = 0; i < kr->n; i++)
		key_clear(&kr->keys[i]);
	free(kr->keys);
	if (kr->region) {
		OPENSSL_cleanse(kr->region, kr->region_size);
		(void)munmap(kr->region, kr->region_size);
	}
	free(kr);
}

void sg_keyring_swap(struct sg_keyring *a, struct sg_keyring *b)
{
	struct sg_keyring t = *a;

	*a = *b;
	*b = t;
}

static void keyring_freep(struct sg_keyring **kr)
{
	sg_keyring_free(*kr);
}

/* A keyring with room for max_keys secrets (a derived keyring needs one, not the page-locked
 * room for SG_LIMIT_KEYS on every sign request). */
static int keyring_new(size_t max_keys, struct sg_keyring **out, struct sg_error *err)
{
	struct sg_keyring *kr = calloc(1, sizeof(*kr));

	if (!kr)
		return sg_error_set(err, -ENOMEM, "out of memory");
	kr->region_size = max_keys * REGION_PER_KEY;
	kr->region = mmap(NULL, kr->region_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (kr->region == MAP_FAILED) {
		kr->region = NULL;
		free(kr);
		return sg_error_set(err, -ENOMEM, "cannot map memory for keys");
	}
	if (madvise(kr->region, kr->region_size, MADV_DONTDUMP) < 0) {
		int e = errno;

		sg_keyring_free(kr);
		return sg_error_set(err, -e, "cannot exclude keys from core dumps: %s", strerror(e));
	}
	/* Best effort: locking may exceed RLIMIT_MEMLOCK; the mapping is still undumpable. */
	(void)mlock(kr->region, kr->region_size);
	*out = kr;
	return 0;
}

/* Loading is done: the pages past the last secret were locked (so faulted in) for keys that
 * did not come. They go back, empty, so a gate holds a page or two of secrets, not the
 * room for SG_LIMIT_KEYS; they stay mapped (and undumpable), untouched until the wipe. */
static void keyring_release_unused(struct sg_keyring *kr)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t keep = (kr->region_used + page - 1) / page * page;

	if (keep >= kr->region_size)
		return;
	(void)munlock(kr->region + keep, kr->region_size - keep);
	(void)madvise(kr->region + keep, kr->region_size - keep, MADV_DONTNEED);
}

static int parse_list(const char *path, unsigned line, const char *kw, const char *value,
		      struct sg_strv *out, struct sg_error *err)
{
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;
	int r;

	if (!copy)
		return sg_error_set(err, -ENOMEM, "out of memory");
	out->present = true;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		for (size_t n = strlen(tok); n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'); n--)
			tok[n - 1] = '\0';
		if (!*tok)
			return sg_error_set(err, -EINVAL, "%s:%u: empty entry in '%s'", path, line, kw);
		r = sg_strv_push(out, tok, SCOPE_LIST_MAX, err);
		if (r < 0)
			return sg_error_prefix(err, "%s:%u: %s", path, line, kw);
	}
	if (out->n == 0)
		return sg_error_set(err, -EINVAL, "%s:%u: '%s' lists nothing", path, line, kw);
	return 0;
}

int sg_key_ops_parse(const char *value, unsigned *ops)
{
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;
	unsigned set = 0;

	if (!copy)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		enum sg_op op;

		if (sg_op_parse(tok, &op) < 0)
			return -EINVAL;
		set |= SG_OP_BIT(op);
	}
	if (set == 0)
		return -EINVAL;
	*ops = set;
	return 0;
}

static int parse_time(const char *path, unsigned line, const char *kw, const char *value,
		      int64_t *out, bool *has, struct sg_error *err)
{
	if (sg_timestamp_parse(value, out) < 0)
		return sg_error_set(err, -EINVAL, "%s:%u: '%s' is not unix seconds", path, line, kw);
	*has = true;
	return 0;
}

/* Keywords are lowercase words this short; anything else is not quoted back. */
#define SG_KEY_KEYWORD_SHOWN 16u

enum key_kw {
	KW_SECRET = 1u << 0,
	KW_NAMESPACES = 1u << 1,
	KW_CONTAINERS = 1u << 2,
	KW_OPERATIONS = 1u << 3,
	KW_NOT_BEFORE = 1u << 4,
	KW_NOT_AFTER = 1u << 5,
	KW_POD_NAMESPACES = 1u << 6,
	KW_PODS = 1u << 7,
};

static const struct {
	const char *name;
	enum key_kw kw;
} key_keywords[] = {
	{ "secret", KW_SECRET },         { "namespaces", KW_NAMESPACES },
	{ "containers", KW_CONTAINERS }, { "operations", KW_OPERATIONS },
	{ "not_before", KW_NOT_BEFORE }, { "not_after", KW_NOT_AFTER },
	{ "pod_namespaces", KW_POD_NAMESPACES }, { "pods", KW_PODS },
};

/* Gives k the len bytes at secret (already in the region, at region_used) and their HMAC state
 * after them, aligned for SHA256_CTX. */
static int key_place(struct sg_keyring *kr, struct sg_key *k, uint8_t *secret, size_t len,
		     struct sg_error *err)
{
	size_t state_at = (kr->region_used + SG_KEY_SECRET_MAX + STATE_ALIGN - 1) / STATE_ALIGN *
			  STATE_ALIGN;

	if (state_at + sizeof(*k->mac) > kr->region_size)
		return sg_error_set(err, -E2BIG, "too many keys");
	k->secret = secret;
	k->secret_len = len;
	k->mac = (struct sg_hmac_key *)(kr->region + state_at);
	sg_hmac_key_init(k->mac, secret, len);
	kr->region_used = state_at + sizeof(*k->mac);
	return 0;
}

static int take_secret(struct sg_keyring *kr, const char *path, unsigned line, const char *value,
		       struct sg_key *k, struct sg_error *err)
{
	size_t hexlen = strlen(value);
	uint8_t *secret = kr->region + kr->region_used;
	int r;

	/* No message quotes the value: it is the secret. */
	if (hexlen < 2 * SG_KEY_SECRET_MIN || hexlen > 2 * SG_KEY_SECRET_MAX || hexlen % 2 != 0)
		return sg_error_set(err, -EINVAL, "%s:%u: secret must be %u to %u bytes of hex",
				    path, line, SG_KEY_SECRET_MIN, SG_KEY_SECRET_MAX);
	if (kr->region_used + REGION_PER_KEY > kr->region_size)
		return sg_error_set(err, -E2BIG, "%s: too many keys", path);
	if (sg_hex_decode(value, hexlen, secret) < 0) {
		OPENSSL_cleanse(secret, hexlen / 2);
		return sg_error_set(err, -EINVAL, "%s:%u: secret is not lowercase hex", path, line);
	}
	r = key_place(kr, k, secret, hexlen / 2, err);
	return r < 0 ? sg_error_prefix(err, "%s", path) : 0;
}

static int key_line(struct sg_keyring *kr, const char *path, unsigned line, char *l,
		    unsigned *seen, struct sg_key *k, struct sg_error *err)
{
	char *kw = l + strspn(l, " \t"), *value, *eq;
	enum key_kw which = 0;

	if (*kw == '#' || *kw == '\0' || *kw == '\r')
		return 0;
	eq = strchr(kw, '=');
	if (!eq)
		return sg_error_set(err, -EINVAL, "%s:%u: want 'keyword = value'", path, line);
	value = eq + 1 + strspn(eq + 1, " \t");
	while (eq > kw && (eq[-1] == ' ' || eq[-1] == '\t'))
		eq--;
	*eq = '\0';
	for (size_t n = strlen(value); n > 0 && strchr(" \t\r", value[n - 1]); n--)
		value[n - 1] = '\0';
	for (size_t i = 0; i < SG_ARRAY_SIZE(key_keywords); i++)
		if (strcmp(kw, key_keywords[i].name) == 0)
			which = key_keywords[i].kw;
	/* Quoted only when it has a keyword's shape: "secret <hex> ... =" is also the text
	 * before the '=', and no message may show the secret. */
	if (!which && strlen(kw) <= SG_KEY_KEYWORD_SHOWN &&
	    strspn(kw, "abcdefghijklmnopqrstuvwxyz_") == strlen(kw))
		return sg_error_set(err, -EINVAL, "%s:%u: unknown keyword '%s'", path, line, kw);
	if (!which)
		return sg_error_set(err, -EINVAL,
				    "%s:%u: unknown keyword (not shown: not a lowercase word)", path,
				    line);
	if (*seen & which)
		return sg_error_set(err, -EINVAL, "%s:%u: '%s' given twice", path, line, kw);
	*seen |= which;

	switch (which) {
	case KW_SECRET:
		return take_secret(kr, path, line, value, k, err);
	case KW_NAMESPACES:
		return parse_list(path, line, kw, value, &k->namespaces, err);
	case KW_CONTAINERS:
		return parse_list(path, line, kw, value, &k->containers, err);
	case KW_POD_NAMESPACES:
		return parse_list(path, line, kw, value, &k->pod_namespaces, err);
	case KW_PODS:
		return parse_list(path, line, kw, value, &k->pods, err);
	case KW_OPERATIONS:
		if (sg_key_ops_parse(value, &k->ops) < 0)
			return sg_error_set(err, -EINVAL,
					    "%s:%u: operations: want a list of create, mount, exec",
					    path, line);
		return 0;
	case KW_NOT_BEFORE:
		return parse_time(path, line, kw, value, &k->not_before, &k->has_not_before, err);
	case KW_NOT_AFTER:
		return parse_time(path, line, kw, value, &k->not_after, &k->has_not_after, err);
	}
	return -EINVAL;
}

/* Parses one key file's text (modified in place) into k. */
static int key_parse(struct sg_keyring *kr, const char *path, char *text, struct sg_key *k,
		     struct sg_error *err)
{
	unsigned line = 0, seen = 0;
	char *l = text;
	int r;

	k->ops = SG_OP_ALL;
	while (l && *l) {
		char *nl = strchr(l, '\n');

		if (nl)
			*nl = '\0';
		line++;
		r = key_line(kr, path, line, l, &seen, k, err);
		if (r < 0)
			return r;
		l = nl ? nl + 1 : NULL;
	}
	if (!(seen & KW_SECRET))
		return sg_error_set(err, -EINVAL, "%s: no 'secret' line", path);
	if (k->has_not_before && k->has_not_after && k->not_after < k->not_before)
		return sg_error_set(err, -EINVAL, "%s: not_after is before not_before", path);
	return 0;
}

/* Loads path as key id into kr (which must have room). */
static int keyring_add(struct sg_keyring *kr, const char *path, const char *key_id,
		       struct sg_error *err)
{
	char *text = NULL;
	struct sg_key *nk, k = { 0 };
	size_t len;
	int r;

	if (sg_key_id_valid(key_id) < 0)
		return sg_error_set(err, -EINVAL,
				    "%s: file name is not a key id ([A-Za-z0-9][A-Za-z0-9_-]{0,63})",
				    path);
	if (sg_keyring_find(kr, key_id))
		return sg_error_set(err, -EEXIST, "%s: key id '%s' loaded twice", path, key_id);
	if (kr->n >= SG_LIMIT_KEYS)
		return sg_error_set(err, -E2BIG, "%s: more than %u keys", path, SG_LIMIT_KEYS);
	r = sg_safepath_read(path, SG_SAFEPATH_SECRET, KEY_FILE_MAX, &text, &len, err);
	if (r < 0)
		return r;
	(void)snprintf(k.id, sizeof(k.id), "%s", key_id);
	if (strlen(text) != len)
		r = sg_error_set(err, -EINVAL, "%s: contains a NUL byte", path);
	else
		r = key_parse(kr, path, text, &k, err);
	/* The text held the secret in hex; parsing split it with NULs, so wipe by length. */
	OPENSSL_cleanse(text, len);
	free(text);
	if (r < 0) {
		key_clear(&k);
		return r;
	}
	nk = realloc(kr->keys, (kr->n + 1) * sizeof(*nk));
	if (!nk) {
		key_clear(&k);
		return sg_error_set(err, -ENOMEM, "out of memory");
	}
	kr->keys = nk;
	kr->keys[kr->n++] = k;
	return 0;
}

int sg_keyring_load(const char *dir, struct sg_keyring **out, struct sg_error *err)
{
	_cleanup_(keyring_freep) struct sg_keyring *kr = NULL;
	DIR *d;
	struct dirent *de;
	int r;

	r = sg_safepath_check(dir, SG_SAFEPATH_DIR, err);
	if (r < 0)
		return r;
	r = keyring_new(SG_LIMIT_KEYS, &kr, err);
	if (r < 0)
		return r;
	d = opendir(dir);
	if (!d)
		return sg_error_set(err, -errno, "%s: %s", dir, strerror(errno));
	r = 0;
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			path = NULL;
			r = sg_error_set(err, -ENOMEM, "out of memory");
			break;
		}
		r = keyring_add(kr, path, de->d_name, err);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0)
		return r;
	keyring_release_unused(kr);
	*out = steal_pointer(&kr);
	return 0;
}

int sg_keyring_load_file(const char *path, struct sg_keyring **out, struct sg_error *err)
{
	_cleanup_(keyring_freep) struct sg_keyring *kr = NULL;
	const char *base = strrchr(path, '/');
	int r;

	r = keyring_new(SG_LIMIT_KEYS, &kr, err);
	if (r < 0)
		return r;
	r = keyring_add(kr, path, base ? base + 1 : path, err);
	if (r < 0)
		return r;
	keyring_release_unused(kr);
	*out = steal_pointer(&kr);
	return 0;
}

size_t sg_keyring_count(const struct sg_keyring *kr)
{
	return kr ? kr->n : 0;
}

const struct sg_key *sg_keyring_find(const struct sg_keyring *kr, const char *key_id)
{
	if (!kr || !key_id)
		return NULL;
	for (size_t i = 0; i < kr->n; i++)
		if (strcmp(kr->keys[i].id, key_id) == 0)
			return &kr->keys[i];
	return NULL;
}

const char *sg_key_id(const struct sg_key *k)
{
	return k->id;
}

int sg_key_check_scope(const struct sg_key *k, enum sg_op op, const char *ns, const char *id,
		       int64_t now, struct sg_error *err)
{
	bool ok;

	if (!(k->ops & SG_OP_BIT(op)))
		return sg_error_set(err, -EACCES, "key '%s' may not sign operation '%s'", k->id,
				    sg_op_name(op));
	if (k->namespaces.present && !sg_strv_contains(&k->namespaces, ns))
		return sg_error_set(err, -EACCES, "key '%s' may not sign for namespace '%s'", k->id,
				    ns);
	if (k->containers.present) {
		ok = false;
		for (size_t i = 0; i < k->containers.n && !ok; i++)
			ok = fnmatch(k->containers.v[i], id, 0) == 0;
		if (!ok)
			return sg_error_set(err, -EACCES,
					    "key '%s' may not sign for container '%s'", k->id, id);
	}
	if (k->has_not_before && now < k->not_before)
		return sg_error_set(err, -EACCES, "key '%s' is not valid before %" PRId64, k->id,
				    k->not_before);
	if (k->has_not_after && now > k->not_after)
		return sg_error_set(err, -EACCES, "key '%s' expired at %" PRId64, k->id,
				    k->not_after);
	return 0;
}

bool sg_key_not_after(const struct sg_key *k, int64_t *not_after)
{
	*not_after = k->not_after;
	return k->has_not_after;
}

static bool matches_any(const struct sg_strv *patterns, const char *s)
{
	for (size_t i = 0; i < patterns->n; i++)
		if (fnmatch(patterns->v[i], s, 0) == 0)
			return true;
	return false;
}

int sg_key_check_grant(const struct sg_key *k, const char *pod_ns, const char *pod_name,
		       int64_t not_after, struct sg_error *err)
{
	if (k->has_not_after && not_after > k->not_after)
		return sg_error_set(err, -EACCES,
				    "grant valid until %" PRId64 ", past key '%s''s not_after %" PRId64,
				    not_after, k->id, k->not_after);
	if ((k->pod_namespaces.present || k->pods.present) && (!pod_ns || !pod_name))
		return sg_error_set(err, -EACCES,
				    "key '%s' signs grants for Kubernetes pods only (pod_namespaces, pods), and this create has no pod identity",
				    k->id);
	if (k->pod_namespaces.present && !sg_strv_contains(&k->pod_namespaces, pod_ns))
		return sg_error_set(err, -EACCES, "key '%s' may not grant for pod namespace '%.63s'",
				    k->id, pod_ns);
	if (k->pods.present && !matches_any(&k->pods, pod_name))
		return sg_error_set(err, -EACCES, "key '%s' may not grant for pod '%.63s'", k->id,
				    pod_name);
	return 0;
}

int sg_key_hmac(const struct sg_key *k, const void *data, size_t len, uint8_t mac[SG_MAC_LEN],
		struct sg_error *err)
{
	(void)err; /* the MAC cannot fail: no allocation, no lookup */
	sg_hmac_sha256(k->mac, data, len, mac);
	return 0;
}

int sg_key_derive(const struct sg_key *k, const char *node, uint8_t *out, struct sg_error *err)
{
	return sg_host_key_derive(k->secret, k->secret_len, k->id, node, out, err);
}

int sg_keyring_derive(const struct sg_keyring *master, const char *key_id, const char *node,
		      struct sg_keyring **out, struct sg_error *err)
{
	_cleanup_(keyring_freep) struct sg_keyring *kr = NULL;
	const struct sg_key *m = sg_keyring_find(master, key_id);
	struct sg_key *k;
	int r;

	if (!m)
		return sg_error_set(err, -ENOKEY, "unknown key id '%s'", key_id ? key_id : "");
	r = keyring_new(1, &kr, err);
	if (r < 0)
		return r;
	k = calloc(1, sizeof(*k));
	if (!k)
		return sg_error_set(err, -ENOMEM, "out of memory");
	kr->keys = k;
	kr->n = 1;
	(void)snprintf(k->id, sizeof(k->id), "%s", m->id);
	k->ops = SG_OP_ALL;
	r = sg_key_derive(m, node, kr->region, err);
	if (r == 0)
		r = key_place(kr, k, kr->region, SG_HOST_KEY_LEN, err);
	if (r < 0)
		return r;
	*out = steal_pointer(&kr);
	return 0;
}
