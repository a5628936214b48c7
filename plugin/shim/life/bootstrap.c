/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bootstrap.h"
#include "core/cleanup.h"
#include "core/strutil.h"
#include "sig/digest.h"

#define UNIX_SCHEME "unix://"

static int set_path(struct sg_bootstrap *b, const char *address, size_t len,
		    struct sg_error *err)
{
	size_t scheme = strlen(UNIX_SCHEME);

	if (len <= scheme || strncmp(address, UNIX_SCHEME, scheme) != 0)
		return sg_error_set(err, -EPROTONOSUPPORT,
				    "real shim address '%.*s' is not a unix:// socket",
				    (int)(len > 200 ? 200 : len), address);
	address += scheme;
	len -= scheme;
	if (address[0] != '/' || len >= sizeof(b->path) || memchr(address, '\0', len))
		return sg_error_set(err, -EINVAL, "real shim socket path '%.*s' is not usable",
				    (int)(len > 200 ? 200 : len), address);
	memcpy(b->path, address, len);
	b->path[len] = '\0';
	return 0;
}

static int parse_json(const char *text, size_t len, struct sg_bootstrap *b, struct sg_error *err)
{
	json_t *root, *version, *address, *protocol;
	json_error_t jerr;
	int r;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return sg_error_set(err, -EINVAL, "real shim start output is not JSON: %s",
				    jerr.text);
	version = json_object_get(root, "version");
	address = json_object_get(root, "address");
	protocol = json_object_get(root, "protocol");
	if (!json_is_integer(version) || json_integer_value(version) < 2 ||
	    json_integer_value(version) > 3 || !json_is_string(address)) {
		json_decref(root);
		return sg_error_set(err, -EPROTONOSUPPORT,
				    "real shim start output: unsupported bootstrap version or "
				    "no address");
	}
	if (protocol && !(json_is_string(protocol) &&
			  strcmp(json_string_value(protocol), "ttrpc") == 0)) {
		json_decref(root);
		return sg_error_set(err, -EPROTONOSUPPORT,
				    "real shim start output: only the ttrpc protocol can be gated");
	}
	b->version = (int)json_integer_value(version);
	r = set_path(b, json_string_value(address), json_string_length(address), err);
	json_decref(root);
	return r;
}

int sg_bootstrap_parse(const char *text, struct sg_bootstrap *b, struct sg_error *err)
{
	size_t len = strlen(text);

	memset(b, 0, sizeof(*b));
	while (len && strchr(" \t\r\n", text[len - 1]))
		len--;
	while (len && strchr(" \t\r\n", *text)) {
		text++;
		len--;
	}
	if (len == 0)
		return sg_error_set(err, -EPROTO, "real shim start printed no address");
	if (text[0] == '{')
		return parse_json(text, len, b, err);
	return set_path(b, text, len, err);
}

char *sg_bootstrap_format(const struct sg_bootstrap *real, const char *gate_path)
{
	char *out = NULL;
	int n;

	if (real->version == 0)
		n = asprintf(&out, UNIX_SCHEME "%s", gate_path);
	else
		n = asprintf(&out,
			     "{\"version\":%d,\"address\":\"" UNIX_SCHEME "%s\",\"protocol\":\"ttrpc\"}",
			     real->version, gate_path);
	return n < 0 ? NULL : out;
}

int sg_gate_socket_path(const char *rundir, const char *real_path, pid_t real_pid,
			char out[SG_SOCKET_PATH_MAX], struct sg_error *err)
{
	uint8_t md[SG_SHA256_LEN];
	char hex[2 * SG_SHA256_LEN + 1];
	char pid[24];
	int n;

	/* The real shim's pid too: a later container of the same id gets another gate. */
	n = snprintf(pid, sizeof(pid), "\n%ld", (long)real_pid);
	sg_sha256(real_path, strlen(real_path), pid, (size_t)n, md);
	for (unsigned i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	n = snprintf(out, SG_SOCKET_PATH_MAX, "%s/%s", rundir, hex);
	if (n < 0 || n >= SG_SOCKET_PATH_MAX)
		return sg_error_set(err, -ENAMETOOLONG, "gate socket directory '%s' is too long",
				    rundir);
	return 0;
}

int sg_bundle_address_write(const char *bundle, const char *path, struct sg_error *err)
{
	char dst[4096], address[sizeof(UNIX_SCHEME) + SG_SOCKET_PATH_MAX];
	int n = snprintf(address, sizeof(address), UNIX_SCHEME "%s", path);

	if (n < 0 || (size_t)n >= sizeof(address) ||
	    snprintf(dst, sizeof(dst), "%s/address", bundle) >= (int)sizeof(dst))
		return sg_error_set(err, -ENAMETOOLONG, "bundle path '%s' is too long", bundle);
	return sg_write_file_replace(dst, address, (size_t)n, 0644, err);
}
