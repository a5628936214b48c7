/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: a policy stack file (policy.d/{create,mount,exec}, or a file they include),
 * loaded as each operation's stack from the gate's policy directory, so includes of the
 * shipped stacks and module files (seccomp/default.json, probes.allow) resolve. A stack that
 * loads must dump to text that loads to the same stack (stack.h), and is run once against a
 * request of its operation. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/request.h"
#include "core/stack.h"
#include "fuzz.h"
#include "gate/builtins.h"
#include "oci/oci.h"

/* The stack's dump without its comment lines (they name the file and line it came from). */
static char *dump_entries(const struct sg_stack *stack)
{
	char *text = NULL, *out, *o, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || sg_stack_dump(stack, f) < 0 || fclose(f) != 0)
		sg_fuzz_die("stack dump failed");
	out = calloc(1, len + 1);
	if (!out)
		sg_fuzz_die("out of memory");
	o = out;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != '#')
			o += sprintf(o, "%s\n", line);
	}
	free(text);
	return out;
}

static json_t *fixture(const char *rel)
{
	struct sg_error err = { 0 };
	json_t *doc = NULL;
	size_t len;
	char *text = sg_fuzz_src_read(rel, &len);

	if (sg_oci_parse(text, len, &doc, &err) < 0)
		sg_fuzz_die("%s: %s", rel, err.msg);
	free(text);
	return doc;
}

/* A request of op built from the bench fixtures (ctr's default spec and exec process). */
static void run_stack(const struct sg_stack *stack, enum sg_op op)
{
	static json_t *config, *process;
	_cleanup_request_ struct sg_request *create = NULL;
	_cleanup_request_ struct sg_request *req = NULL;
	struct sg_decision d = { .want_trace = true };
	struct sg_error err = { 0 };
	json_auto_t *doc = NULL;
	int r;

	if (!config) {
		config = fixture("tests/bench/fixtures/config.json");
		process = fixture("tests/bench/fixtures/process.json");
	}
	if (op == SG_OP_EXEC) {
		doc = json_deep_copy(process);
		r = sg_oci_exec_request_doc(SG_FUZZ_NS, SG_FUZZ_ID, "e1", doc, config, &req, &err);
	} else {
		doc = json_deep_copy(config);
		r = sg_oci_create_request(SG_FUZZ_NS, SG_FUZZ_ID, doc, NULL, 0, &create, &err);
		if (r == 0 && op == SG_OP_MOUNT)
			r = sg_request_for_mount(create, 0, &req, &err);
		else if (r == 0)
			req = steal_pointer(&create);
	}
	if (r < 0)
		sg_fuzz_die("fixture request: %s", err.msg);
	req->now = SG_FUZZ_NOW;
	(void)sg_stack_eval(stack, req, &d, &err);
	sg_decision_clear(&d);
}

static void load_as(const char *path, enum sg_op op)
{
	const struct sg_fuzz_gate *g = sg_fuzz_gate();
	struct sg_context ctx = g->modules;
	struct sg_stack *stack = NULL, *again = NULL;
	struct sg_error err = { 0 };
	char *dump, *dump2, *dump_path;

	if (sg_stack_load(&ctx, op, path, sg_builtin_modules, g->module_dir, &stack, &err) < 0) {
		sg_fuzz_refused(&err);
		return;
	}
	if (sg_fuzz_trace())
		fprintf(stderr, "%s: loaded\n", sg_op_name(op));
	dump = dump_entries(stack);
	dump_path = sg_fuzz_write("policy.d/fuzz-dump", dump, strlen(dump), 0644);
	if (sg_stack_load(&ctx, op, dump_path, sg_builtin_modules, g->module_dir, &again, &err) < 0)
		sg_fuzz_die("%s dump does not load: %s\n%s", sg_op_name(op), err.msg, dump);
	dump2 = dump_entries(again);
	if (strcmp(dump, dump2) != 0)
		sg_fuzz_die("%s dump loads differently:\n%s---\n%s", sg_op_name(op), dump, dump2);
	run_stack(stack, op);
	sg_stack_free(again);
	sg_stack_free(stack);
	free(dump);
	free(dump2);
	free(dump_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path;

	(void)sg_fuzz_gate(); /* makes policy.d */
	path = sg_fuzz_write("policy.d/fuzz", data, size, 0644);
	for (unsigned op = 0; op < SG_OP_COUNT; op++)
		load_as(path, (enum sg_op)op);
	free(path);
	return 0;
}
