/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate exec kubectl: reads the container id from the pod status, signs the exec for the
 * CRI namespace k8s.io with the exec id unbound (the CRI plugin makes a random one), runs
 * `kubectl exec -- SHIMGATE_TOKEN=<token> ARGV` (kubectl carries only argv). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "core/cleanup.h"
#include "exec_helper.h"
#include "oci/oci.h"

#define KUBECTL_DEFAULT "kubectl"
#define CRI_NAMESPACE "k8s.io"
#define CONTAINERD_PREFIX "containerd://"

enum { K_INTERACTIVE, K_TTY, K_NAMESPACE, K_CONTAINER, K_CONTEXT, K_COUNT };

static const struct sg_exec_opt kubectl_opts[K_COUNT] = {
	[K_INTERACTIVE] = { 'i', "stdin", false },
	[K_TTY] = { 't', "tty", false },
	[K_NAMESPACE] = { 'n', "namespace", true },
	[K_CONTAINER] = { 'c', "container", true },
	[K_CONTEXT] = { 0, "context", true },
};

static void kubectl_usage(FILE *out)
{
	fprintf(out,
		"Usage: shimgate exec kubectl [OPTIONS] POD [--] ARGV...\n"
		"       kubectl shimgate exec [OPTIONS] POD [--] ARGV...   (kubectl plugin)\n"
		"Signs `kubectl exec` for a container of POD and runs it (kubectl on PATH unless\n"
		"--client). The container id comes from the pod's status (containerd only):\n"
		"  -i, --stdin            pass stdin\n"
		"  -t, --tty              a terminal (TERM=xterm, which the CRI plugin adds, is implied)\n"
		"  -n, --namespace NS     the pod's Kubernetes namespace\n"
		"  -c, --container C      the container (default: the pod's first)\n"
		"  --context CTX          the kubeconfig context\n"
		"User, groups and cwd are the container's own (kubectl cannot change them).\n");
	sg_exec_common_usage(out);
}

/* "kubectl [--context X] get pod POD [-n NS] -o jsonpath=EXPR" */
static int pod_get(const struct sg_exec_common *c, const struct sg_exec_args *a,
		   const char *expr, char **out, struct sg_error *err)
{
	struct sg_argv q = { 0 };
	int r;

	sg_argv_add(&q, c->client);
	if (sg_exec_last(a, K_CONTEXT))
		sg_argv_addf(&q, "--context=%s", sg_exec_last(a, K_CONTEXT));
	sg_argv_add(&q, "get");
	sg_argv_add(&q, "pod");
	sg_argv_add(&q, a->target);
	if (sg_exec_last(a, K_NAMESPACE))
		sg_argv_addf(&q, "--namespace=%s", sg_exec_last(a, K_NAMESPACE));
	sg_argv_addf(&q, "--output=jsonpath=%s", expr);
	r = q.err ? sg_error_set(err, -ENOMEM, "out of memory") : sg_exec_capture(q.v, out, err);
	sg_argv_clear(&q);
	return r;
}

/* The container's name (given, or the pod's first) and its containerd id from the pod's
 * status. */
static int kubectl_prepare(const struct sg_exec_common *c, const struct sg_exec_args *a,
			   struct sg_exec_sign_req *sr, struct sg_argv *keep, struct sg_error *err)
{
	_cleanup_free_ char *name = NULL, *status = NULL, *expr = NULL;
	int r;

	if (sg_exec_last(a, K_CONTAINER))
		name = strdup(sg_exec_last(a, K_CONTAINER));
	else if ((r = pod_get(c, a, "{.spec.containers[0].name}", &name, err)) < 0)
		return r;
	if (!name)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (!*name || strchr(name, '"') || strchr(name, '\\'))
		return sg_error_set(err, -EINVAL, "pod '%s': no usable container name", a->target);
	if (asprintf(&expr, "{.status.containerStatuses[?(@.name==\"%s\")].containerID}", name) < 0) {
		expr = NULL;
		return sg_error_set(err, -ENOMEM, "out of memory");
	}
	r = pod_get(c, a, expr, &status, err);
	if (r < 0)
		return r;
	if (strncmp(status, CONTAINERD_PREFIX, strlen(CONTAINERD_PREFIX)) != 0 ||
	    !sg_id_valid(status + strlen(CONTAINERD_PREFIX), SG_LIMIT_ID))
		return sg_error_set(err, -EINVAL,
				    "pod '%s' container '%s': containerID '%.80s' is not containerd://ID "
				    "(not running yet, or not containerd)",
				    a->target, name, status);
	sg_argv_addf(keep, "--container=%s", name);
	sg_argv_addf(keep, "%s", status + strlen(CONTAINERD_PREFIX));
	if (keep->err)
		return sg_error_set(err, -ENOMEM, "out of memory");
	sr->ns = CRI_NAMESPACE;
	sr->id = keep->v[1];
	sr->terminal = a->val[K_TTY].n > 0;
	return 0;
}

/* keep->v[0] is "--container=NAME": the container whose id was signed, named explicitly. */
static void kubectl_command(const struct sg_exec_common *c, const struct sg_exec_args *a,
			    const struct sg_exec_sign_req *sr, const struct sg_argv *keep,
			    struct sg_argv *cmd)
{
	sg_argv_add(cmd, c->client);
	if (sg_exec_last(a, K_CONTEXT))
		sg_argv_addf(cmd, "--context=%s", sg_exec_last(a, K_CONTEXT));
	sg_argv_add(cmd, "exec");
	if (a->val[K_INTERACTIVE].n)
		sg_argv_add(cmd, "-i");
	if (sr->terminal)
		sg_argv_add(cmd, "-t");
	if (sg_exec_last(a, K_NAMESPACE))
		sg_argv_addf(cmd, "--namespace=%s", sg_exec_last(a, K_NAMESPACE));
	sg_argv_add(cmd, keep->v[0]);
	sg_argv_add(cmd, a->target);
	sg_argv_add(cmd, "--");
}

static const struct sg_exec_client kubectl_client = {
	.name = "kubectl",
	.default_client = KUBECTL_DEFAULT,
	.opts = kubectl_opts,
	.nopts = K_COUNT,
	.usage = kubectl_usage,
	.env_token = false,
	.prepare = kubectl_prepare,
	.command = kubectl_command,
};

int sg_exec_kubectl(int argc, char **argv)
{
	return sg_exec_main(&kubectl_client, argc, argv);
}
