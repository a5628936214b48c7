/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate keygen: writes a new key file (0600, never overwriting) with an optional scope,
 * random or derived for one node from a master key file (--derive). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "commands.h"
#include "core/cleanup.h"
#include "core/request.h"
#include "sig/derive.h"
#include "sig/keyring.h"
#include "sig/token.h"

#define KEYGEN_SECRET_BYTES 32u

struct keygen_args {
	bool derive;
	const char *master, *node;
	const char *key_id, *dir, *out;
	const char *namespaces, *containers, *operations, *not_before, *not_after;
	const char *pod_namespaces, *pods;
};

static void keygen_usage(FILE *out)
{
	fprintf(out,
		"Usage: shimgate keygen --key-id ID [--dir DIR | --out FILE] [SCOPE...]\n"
		"       shimgate keygen --derive --master FILE --node NAME [--dir DIR | --out FILE] [SCOPE...]\n"
		"Writes a new 256-bit HMAC key to DIR/ID (default " SG_SYSCONFDIR "/keys.d/ID),\n"
		"mode 0600; an existing file is never overwritten. The file name is the key id.\n"
		"With --derive the key is node NAME's host key, HKDF-SHA256 of the master key file\n"
		"(its name is the key id) and the node name: a token the signer makes for NAME\n"
		"verifies only on NAME (plugin/sig/FORMAT.md, section 7).\n"
		"  --key-id ID           [A-Za-z0-9][A-Za-z0-9_-]{0,63}\n"
		"  --master FILE         the master key file (with --derive)\n"
		"  --node NAME           the node's name, [A-Za-z0-9][A-Za-z0-9._-]{0,252}\n"
		"  --namespaces A,B      namespaces the key may sign for (default: any)\n"
		"  --containers P,Q      container id patterns (fnmatch; default: any)\n"
		"  --operations OPS      exec,create,mount (default: all)\n"
		"  --pod-namespaces A,B  create grants: Kubernetes namespaces (default: any)\n"
		"  --pods P,Q            create grants: pod name patterns (fnmatch; default: any)\n"
		"  --not-before N        valid from unix time N\n"
		"  --not-after N         valid until unix time N\n");
}

/* Checks the scope values with the same rules the keyring loader applies. */
static int check_scope(const struct keygen_args *a)
{
	const char *lists[] = { a->namespaces, a->containers, a->pod_namespaces, a->pods };
	int64_t t;
	unsigned ops;

	if (a->operations && sg_key_ops_parse(a->operations, &ops) < 0) {
		fprintf(stderr, "shimgate keygen: --operations '%s': want exec,create,mount\n",
			a->operations);
		return -EINVAL;
	}
	if ((a->not_before && sg_timestamp_parse(a->not_before, &t) < 0) ||
	    (a->not_after && sg_timestamp_parse(a->not_after, &t) < 0)) {
		fprintf(stderr, "shimgate keygen: --not-before/--not-after want unix seconds\n");
		return -EINVAL;
	}
	for (size_t i = 0; i < SG_ARRAY_SIZE(lists); i++) {
		if (lists[i] && strpbrk(lists[i], "\n\r#")) {
			fprintf(stderr, "shimgate keygen: scope lists may not contain newlines or '#'\n");
			return -EINVAL;
		}
	}
	return 0;
}

/* The secret: random, or node's host key derived from the master key file. */
static int make_secret(const struct keygen_args *a, uint8_t raw[KEYGEN_SECRET_BYTES])
{
	struct sg_keyring *master = NULL;
	const struct sg_key *k = NULL;
	struct sg_error err = { 0 };
	int r;

	if (!a->derive) {
		if (RAND_bytes(raw, KEYGEN_SECRET_BYTES) != 1) {
			fprintf(stderr, "shimgate keygen: no randomness available\n");
			return -EIO;
		}
		return 0;
	}
	r = sg_keyring_load_file(a->master, &master, &err);
	if (r == 0 && !(k = sg_keyring_find(master, a->key_id)))
		r = sg_error_set(&err, -EINVAL, "--key-id '%s' differs from the master key file's id",
				 a->key_id);
	if (r == 0)
		r = sg_key_derive(k, a->node, raw, &err);
	sg_keyring_free(master);
	if (r < 0)
		fprintf(stderr, "shimgate keygen: %s\n", err.msg);
	return r;
}

/* The key file's text: a comment, the secret, then one line per scope keyword given. */
static int scope_text(const struct keygen_args *a, const char *hex, char **text)
{
	const struct {
		const char *kw, *value;
	} lines[] = {
		{ "namespaces", a->namespaces },	 { "containers", a->containers },
		{ "operations", a->operations },	 { "not_before", a->not_before },
		{ "not_after", a->not_after },		 { "pod_namespaces", a->pod_namespaces },
		{ "pods", a->pods },
	};
	char *t = NULL, *more;
	int n = asprintf(&t, "# shimgate key '%s'%s%s%s\nsecret = %s\n", a->key_id,
			 a->derive ? ", host key of node '" : "", a->derive ? a->node : "",
			 a->derive ? "'" : "", hex);

	for (size_t i = 0; n >= 0 && i < SG_ARRAY_SIZE(lines); i++) {
		if (!lines[i].value)
			continue;
		n = asprintf(&more, "%s%s = %s\n", t, lines[i].kw, lines[i].value);
		OPENSSL_cleanse(t, strlen(t));
		free(t);
		t = n < 0 ? NULL : more;
	}
	*text = t;
	return n;
}

static int write_key(const char *path, const struct keygen_args *a)
{
	uint8_t raw[KEYGEN_SECRET_BYTES];
	char hex[2 * KEYGEN_SECRET_BYTES + 1];
	char *text = NULL;
	_cleanup_close_ int fd = -1;
	int n, r = 0;

	if (make_secret(a, raw) < 0)
		return -EINVAL;
	sg_hex_encode(raw, sizeof(raw), hex);
	OPENSSL_cleanse(raw, sizeof(raw));
	n = scope_text(a, hex, &text);
	OPENSSL_cleanse(hex, sizeof(hex));
	if (n < 0) {
		fprintf(stderr, "shimgate keygen: out of memory\n");
		return -ENOMEM;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		fprintf(stderr, "shimgate keygen: %s: %s%s\n", path, strerror(errno),
			errno == EEXIST ? " (refusing to overwrite a key)" : "");
	} else if (fchmod(fd, 0600) < 0 || write(fd, text, (size_t)n) != n || fsync(fd) < 0) {
		r = -errno;
		fprintf(stderr, "shimgate keygen: %s: cannot write: %s\n", path, strerror(errno));
		/* A partial key file must not be left to be loaded later. */
		(void)unlink(path);
	}
	OPENSSL_cleanse(text, (size_t)n);
	free(text);
	return r;
}

int sg_cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key-id", required_argument, NULL, 'k' },
		{ "dir", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "namespaces", required_argument, NULL, 'n' },
		{ "containers", required_argument, NULL, 'c' },
		{ "operations", required_argument, NULL, 'p' },
		{ "pod-namespaces", required_argument, NULL, 'P' },
		{ "pods", required_argument, NULL, 'Q' },
		{ "not-before", required_argument, NULL, 'b' },
		{ "not-after", required_argument, NULL, 'a' },
		{ "derive", no_argument, NULL, 'D' },
		{ "master", required_argument, NULL, 'm' },
		{ "node", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct keygen_args a = { 0 };
	_cleanup_free_ char *path = NULL;
	const char *base;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': a.key_id = optarg; break;
		case 'd': a.dir = optarg; break;
		case 'o': a.out = optarg; break;
		case 'n': a.namespaces = optarg; break;
		case 'c': a.containers = optarg; break;
		case 'p': a.operations = optarg; break;
		case 'P': a.pod_namespaces = optarg; break;
		case 'Q': a.pods = optarg; break;
		case 'b': a.not_before = optarg; break;
		case 'a': a.not_after = optarg; break;
		case 'D': a.derive = true; break;
		case 'm': a.master = optarg; break;
		case 'N': a.node = optarg; break;
		case 'h':
			return sg_cli_usage(keygen_usage, SG_EXIT_OK);
		default:
			return sg_cli_usage(keygen_usage, SG_EXIT_USAGE);
		}
	}
	if (a.derive && a.master && !a.key_id) {
		/* The master's file name is its key id, and the host key keeps it. */
		a.key_id = strrchr(a.master, '/') ? strrchr(a.master, '/') + 1 : a.master;
	}
	if (optind != argc || !a.key_id || (a.dir && a.out) ||
	    a.derive != (a.master && a.node) || (!a.derive && (a.master || a.node))) {
		keygen_usage(stderr);
		return SG_EXIT_USAGE;
	}
	if (a.derive && sg_node_name_valid(a.node) < 0) {
		fprintf(stderr, "shimgate keygen: node name '%s' is not [A-Za-z0-9][A-Za-z0-9._-]{0,252}\n",
			a.node);
		return SG_EXIT_USAGE;
	}
	if (sg_key_id_valid(a.key_id) < 0) {
		fprintf(stderr, "shimgate keygen: key id '%s' is not [A-Za-z0-9][A-Za-z0-9_-]{0,63}\n",
			a.key_id);
		return SG_EXIT_USAGE;
	}
	if (check_scope(&a) < 0)
		return SG_EXIT_USAGE;
	if (a.out) {
		path = strdup(a.out);
	} else if (asprintf(&path, "%s/%s", a.dir ? a.dir : SG_SYSCONFDIR "/keys.d", a.key_id) < 0) {
		path = NULL;
	}
	if (!path) {
		fprintf(stderr, "shimgate keygen: out of memory\n");
		return SG_EXIT_USAGE;
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (strcmp(base, a.key_id) != 0) {
		fprintf(stderr, "shimgate keygen: --out '%s': the file name must be the key id '%s'\n",
			a.out, a.key_id);
		return SG_EXIT_USAGE;
	}
	if (write_key(path, &a) < 0)
		return SG_EXIT_USAGE;
	printf("wrote key '%s' to %s\n", a.key_id, path);
	return SG_EXIT_OK;
}
