/* SPDX-License-Identifier: Apache-2.0 */
/* Pinning the runtime options of a Create: which runc binary and state root runc may use. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "containerd/runc/v1/options.pb-c.h"
#include "core/cleanup.h"
#include "core/limits.h"
#include "core/strutil.h"
#include "runc/settings.h"
#include "runcopts.h"

/* True when the protobuf type named by type_url is containerd.runc.v1.Options. containerd
 * writes the bare name; Go's newer type registry resolves only the part after the last '/',
 * so a prefixed URL names the same type and is vetted the same way. */
static bool is_runc_options(const char *type_url)
{
	const char *slash = strrchr(type_url, '/');

	return strcmp(slash ? slash + 1 : type_url, SG_RUNC_OPTIONS_TYPE) == 0;
}

static bool root_allowed(const struct sg_runc_settings *runc, const char *root)
{
	_cleanup_free_ char *norm = strdup(root);

	if (!norm || sg_path_normalize(norm) < 0)
		return false;
	for (size_t i = 0; i < runc->n_roots; i++) {
		_cleanup_free_ char *prefix = strdup(runc->roots[i]);
		size_t n;

		if (!prefix || sg_path_normalize(prefix) < 0)
			continue;
		n = strlen(prefix);
		if (strcmp(prefix, "/") == 0 ||
		    (strncmp(norm, prefix, n) == 0 && (norm[n] == '\0' || norm[n] == '/')))
			return true;
	}
	return false;
}

static bool binary_allowed(const struct sg_runc_settings *runc, const char *binary)
{
	for (size_t i = 0; i < runc->n_binaries; i++)
		if (strcmp(runc->binaries[i], binary) == 0)
			return true;
	return false;
}

static void options_freep(Containerd__Runc__V1__Options **o)
{
	if (*o)
		containerd__runc__v1__options__free_unpacked(*o, NULL);
}

int sg_runcopts_check(const struct sg_runc_settings *runc, const Google__Protobuf__Any *opts,
		      struct sg_error *err)
{
	_cleanup_(options_freep) Containerd__Runc__V1__Options *o = NULL;

	if (!opts)
		return 0;
	/* The runc shim skips options with an empty type; so do we, if they carry nothing. */
	if (opts->type_url[0] == '\0' && opts->value.len == 0)
		return 0;
	if (!is_runc_options(opts->type_url))
		return sg_error_set(err, -EPERM, "runtime options of type '%.128s' are not allowed",
				    opts->type_url);
	o = containerd__runc__v1__options__unpack(NULL, opts->value.len, opts->value.data);
	if (!o)
		return sg_error_set(err, -EINVAL, "runtime options do not decode");
	if (o->binary_name[0] && !binary_allowed(runc, o->binary_name))
		return sg_error_set(err, -EPERM,
				    "runtime option binary_name '%.256s' is not a configured "
				    "runc_binary",
				    o->binary_name);
	if (o->root[0] && !root_allowed(runc, o->root))
		return sg_error_set(err, -EPERM,
				    "runtime option root '%.256s' is not under a configured runc_root",
				    o->root);
	/* Checkpoint and restore are refused, so CRIU has no business here: criu_path would
	 * name a binary runc runs as root. */
	if (o->criu_path[0] || o->criu_image_path[0] || o->criu_work_path[0])
		return sg_error_set(err, -EPERM, "runtime options for CRIU are not allowed");
	/* Without pivot_root runc only chroots, which a process with CAP_SYS_CHROOT leaves. */
	if (o->no_pivot_root)
		return sg_error_set(err, -EPERM, "runtime option no_pivot_root is not allowed");
	return 0;
}
