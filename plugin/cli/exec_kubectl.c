/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate exec kubectl: reads the container id from the pod status, signs the exec for the
 * CRI namespace k8s.io with the exec id unbound (the CRI plugin makes a random one), runs
 * `kubectl exec -- SHIMGATE_TOKEN=<token> ARGV` (kubectl carries only argv). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

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
	if (a->val[K_CONTEXT].n)
		sg_argv_addf(&q, "--context=%s", a->val[K_CONTEXT].v[a->val[K_CONTEXT].n - 1]);
	sg_argv_add(&q, "get");
	sg_argv_add(&q, "pod");
	sg_argv_add(&q, a->target);
	if (a->val[K_NAMESPACE].n)
		sg_argv_addf(&q, "--namespace=%s", a->val[K_NAMESPACE].v[a->val[K_NAMESPACE].n - 1]);
	sg_argv_addf(&q, "--output=jsonpath=%s", expr);
	r = q.err ? sg_error_set(err, -ENOMEM, "out of memory") : sg_exec_capture(q.v, out, err);
	sg_argv_clear(&q);
	return r;
}

/* The container's name (given, or the pod's first) and its containerd id. */
static int resolve(const struct sg_exec_common *c, const struct sg_exec_args *a, char **name,
		   char **id, struct sg_error *err)
{
	_cleanup_free_ char *status = NULL, *expr = NULL;
	int r;

	if (a->val[K_CONTAINER].n)
		*name = strdup(a->val[K_CONTAINER].v[a->val[K_CONTAINER].n - 1]);
	else if ((r = pod_get(c, a, "{.spec.containers[0].name}", name, err)) < 0)
		return r;
	if (!*name)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (!**name || strchr(*name, '"') || strchr(*name, '\\'))
		return sg_error_set(err, -EINVAL, "pod '%s': no usable container name", a->target);
	if (asprintf(&expr, "{.status.containerStatuses[?(@.name==\"%s\")].containerID}", *name) < 0) {
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
				    a->target, *name, status);
	*id = strdup(status + strlen(CONTAINERD_PREFIX));
	return *id ? 0 : sg_error_set(err, -ENOMEM, "out of memory");
}

int sg_exec_kubectl(int argc, char **argv)
{
	struct sg_exec_common c = { .client = KUBECTL_DEFAULT };
	struct sg_exec_sign_req sr = { .ns = CRI_NAMESPACE };
	struct sg_exec_args a;
	struct sg_argv cmd = { 0 };
	struct sg_error err = { 0 };
	_cleanup_free_ char *name = NULL, *id = NULL;
	char token[SG_TOKEN_MAX + 1] = "";
	bool help = false;
	int rc = SG_EXIT_USAGE;

	if (sg_exec_parse("kubectl", argc, argv, kubectl_opts, K_COUNT, &c, &a, &help) < 0)
		goto out;
	if (help) {
		kubectl_usage(stdout);
		rc = SG_EXIT_OK;
		goto out;
	}
	if (resolve(&c, &a, &name, &id, &err) < 0)
		goto fail;
	sr.id = id;
	sr.terminal = a.val[K_TTY].n > 0;
	sr.argv = a.argv;
	sr.argc = a.argc;
	if (sg_exec_sign(&c, &sr, token, &err) < 0)
		goto fail;

	sg_argv_add(&cmd, c.client);
	if (a.val[K_CONTEXT].n)
		sg_argv_addf(&cmd, "--context=%s", a.val[K_CONTEXT].v[a.val[K_CONTEXT].n - 1]);
	sg_argv_add(&cmd, "exec");
	if (a.val[K_INTERACTIVE].n)
		sg_argv_add(&cmd, "-i");
	if (sr.terminal)
		sg_argv_add(&cmd, "-t");
	if (a.val[K_NAMESPACE].n)
		sg_argv_addf(&cmd, "--namespace=%s", a.val[K_NAMESPACE].v[a.val[K_NAMESPACE].n - 1]);
	sg_argv_addf(&cmd, "--container=%s", name);
	sg_argv_add(&cmd, a.target);
	sg_argv_add(&cmd, "--");
	sg_argv_addf(&cmd, SG_TOKEN_ENV "=%s", token);
	for (int i = 0; i < a.argc; i++)
		sg_argv_add(&cmd, a.argv[i]);
	rc = sg_exec_run(&c, &cmd, token, false);
	goto out;
fail:
	fprintf(stderr, "shimgate exec kubectl: %s\n", err.msg);
	rc = SG_EXIT_USAGE;
out:
	OPENSSL_cleanse(token, sizeof(token));
	sg_argv_clear(&cmd);
	sg_exec_args_clear(&a);
	return rc;
}
