/* SPDX-License-Identifier: Apache-2.0 */
/* setup's edits of containerd's config.toml (line edits guided by the TOML reader, so comments
 * and layout stay) and of dockerd's daemon.json (jansson). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "hostcfg.h"
#include "setup_edit.h"
#include "toml.h"

static int oom(struct sg_error *err)
{
	return sg_error_set(err, -ENOMEM, "out of memory");
}

char *sg_toml_quote(const char *s)
{
	size_t n = 2;
	char *out, *q;

	for (const char *p = s; *p; p++)
		n += (*p == '"' || *p == '\\') ? 2 : (unsigned char)*p < 0x20 ? 6 : 1;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	q = out;
	*q++ = '"';
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			*q++ = '\\';
			*q++ = *p;
		} else if ((unsigned char)*p < 0x20) {
			q += sprintf(q, "\\u%04x", (unsigned)(unsigned char)*p);
		} else {
			*q++ = *p;
		}
	}
	*q++ = '"';
	*q = '\0';
	return out;
}

/* The byte offset where line (1-based) starts; the end of the text past the last line. */
static size_t line_offset(const char *text, unsigned line)
{
	const char *p = text;

	for (unsigned l = 1; l < line && *p; l++) {
		p = strchr(p, '\n');
		if (!p)
			return strlen(text);
		p++;
	}
	return (size_t)(p - text);
}

/* Replaces lines from..to (inclusive; to == from - 1 inserts before from) by repl. */
static int splice_lines(char **text, unsigned from, unsigned to, const char *repl,
			struct sg_error *err)
{
	size_t a = line_offset(*text, from), b = line_offset(*text, to + 1);
	bool need_nl = a > 0 && (*text)[a - 1] != '\n';
	char *out = NULL;

	if (asprintf(&out, "%.*s%s%s%s", (int)a, *text, need_nl ? "\n" : "", repl, *text + b) < 0)
		return oom(err);
	free(*text);
	*text = out;
	return 0;
}

/* How an entry's value is written, to compare with the wanted one. */
static char *render(const struct sg_toml_entry *e)
{
	char *out = NULL;

	if (e->type == SG_TOML_STRING)
		return sg_toml_quote(e->value);
	if (e->type == SG_TOML_SCALAR)
		return strdup(e->value);
	out = strdup("[");
	for (size_t i = 0; out && i < e->n_items; i++) {
		_cleanup_free_ char *q = sg_toml_quote(e->items[i]);
		char *grown = NULL;

		if (!q || asprintf(&grown, "%s%s%s", out, i ? ", " : "", q) < 0)
			grown = NULL;
		free(out);
		out = grown;
	}
	if (out) {
		char *closed = NULL;

		if (asprintf(&closed, "%s]", out) < 0)
			closed = NULL;
		free(out);
		out = closed;
	}
	return out;
}

static bool defined_by_dotted_keys(const struct sg_toml *doc, const char *table)
{
	size_t len = strlen(table);

	for (size_t i = 0; i < doc->n_entries; i++) {
		const struct sg_toml_entry *e = &doc->entries[i];

		if (strncmp(e->key, table, len) == 0 && e->key[len] == '.' && e->table_len < len)
			return true;
	}
	return false;
}

int sg_toml_edit_set(char **text, const char *path, const char *table, const char *key,
		     const char *value, struct sg_error *err)
{
	_cleanup_(sg_toml_freep) struct sg_toml *doc = NULL;
	_cleanup_free_ char *full = NULL, *line = NULL, *have = NULL;
	const struct sg_toml_entry *e;
	const struct sg_toml_table *t;

	if (sg_toml_parse(path, *text, &doc, err) < 0)
		return err->code;
	if (asprintf(&full, "%s%s%s", table, *table ? "." : "", key) < 0)
		return oom(err);
	e = sg_toml_get(doc, full);
	if (e) {
		const char *start = *text + line_offset(*text, e->line);
		const char *eq = strchr(start, '=');

		have = render(e);
		if (!have)
			return oom(err);
		if (strcmp(have, value) == 0)
			return 0;
		/* Keep the key as the operator wrote it (dotted or quoted), replace the value. */
		if (!eq || asprintf(&line, "%.*s= %s\n", (int)(eq - start), start, value) < 0)
			return oom(err);
		return splice_lines(text, e->line, e->end_line, line, err);
	}
	if (!*table) {
		if (asprintf(&line, "%s = %s\n", key, value) < 0)
			return oom(err);
		/* Root keys come before the first table: after the last root key, if any. */
		unsigned after = 0;

		for (size_t i = 0; i < doc->n_entries; i++) {
			if (doc->entries[i].table_len == 0 && doc->entries[i].end_line > after)
				after = doc->entries[i].end_line;
		}
		if (!after && doc->first_table_line)
			after = doc->first_table_line - 1;
		if (!after && !doc->first_table_line)
			after = UINT32_MAX - 1;
		return splice_lines(text, after + 1, after, line, err);
	}
	t = sg_toml_table(doc, table);
	if (t) {
		const char *hdr = *text + line_offset(*text, t->line);
		size_t indent = strspn(hdr, " \t");

		if (asprintf(&line, "%.*s  %s = %s\n", (int)indent, hdr, key, value) < 0)
			return oom(err);
		return splice_lines(text, t->last + 1, t->last, line, err);
	}
	if (defined_by_dotted_keys(doc, table))
		return sg_error_set(err, -EINVAL,
				    "%s: table %s is written as dotted keys; write it as a [%s] "
				    "table for setup to add %s", path, table, table, key);
	if (asprintf(&line, "\n[%s]\n  %s = %s\n", table, key, value) < 0)
		return oom(err);
	return splice_lines(text, UINT32_MAX, UINT32_MAX - 1, line, err);
}

static const char *cri_legacy_type(const struct sg_toml *doc, const char *table)
{
	_cleanup_free_ char *key = NULL;

	if (asprintf(&key, "%s.runtime_type", table) < 0)
		return "";
	return sg_toml_string(doc, key, "");
}

/* The CRI handlers setup points at the gate: runc-type ones (or none given), and its own. */
static int gate_cri_handlers(char **text, const char *path, const char *gate, FILE *notes,
			     struct sg_error *err)
{
	_cleanup_(sg_toml_freep) struct sg_toml *doc = NULL;
	_cleanup_free_ char *qgate = sg_toml_quote(gate), *table = NULL;
	char **names = NULL;
	size_t n = 0;
	int r;

	if (!qgate || sg_toml_parse(path, *text, &doc, err) < 0 ||
	    sg_toml_children(doc, SG_CRI_RUNTIMES, &names, &n, err) < 0)
		return qgate ? err->code : oom(err);
	r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *type = sg_host_cri_type(doc, names[i]);

		free(table);
		table = NULL;
		if (strcmp(names[i], SG_CRI_HANDLER) == 0 || strcmp(names[i], "runc") == 0)
			continue;
		if (!sg_host_runc_type(type)) {
			fprintf(notes, "note: CRI handler %s (runtime_type \"%s\") is not runc: left as "
				"it is, and doctor reports it until it is removed\n", names[i], type);
			continue;
		}
		if (asprintf(&table, SG_CRI_RUNTIMES ".%s", names[i]) < 0)
			r = oom(err);
		else
			r = sg_toml_edit_set(text, path, table, "runtime_path", qgate, err);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (r < 0)
		return r;
	/* The deprecated tables still make handlers (the default one among them). */
	for (size_t i = 0; i < SG_ARRAY_SIZE(sg_cri_legacy); i++) {
		const char *type;

		free(table);
		table = NULL;
		if (asprintf(&table, SG_CRI_CONTAINERD ".%s", sg_cri_legacy[i].table) < 0)
			return oom(err);
		type = cri_legacy_type(doc, table);
		if (!*type)
			continue;
		if (!sg_host_runc_type(type))
			fprintf(notes, "note: CRI's %s (runtime_type \"%s\") is not runc: left as it "
				"is, and doctor reports it until it is removed\n", table, type);
		else if (sg_toml_edit_set(text, path, table, "runtime_path", qgate, err) < 0)
			return err->code;
	}
	/* Debian's configuration defines no runtimes table; one defined without runtimes.runc
	 * leaves CRI without the handler some tools still ask for. */
	static const char *const own[] = { SG_CRI_RUNTIMES "." SG_CRI_HANDLER, SG_CRI_RUNTIMES ".runc" };
	for (size_t i = 0; i < SG_ARRAY_SIZE(own); i++) {
		if (sg_toml_edit_set(text, path, own[i], "runtime_type", "\"io.containerd.runc.v2\"",
				     err) < 0 ||
		    sg_toml_edit_set(text, path, own[i], "runtime_path", qgate, err) < 0 ||
		    sg_toml_edit_set(text, path, own[i], "pod_annotations",
				     "[\"" SG_POD_ANNOTATION "\", \"" SG_POD_ANNOTATION_GRANTS "\"]",
				     err) < 0)
			return err->code;
	}
	return sg_toml_edit_set(text, path, SG_CRI_CONTAINERD, "default_runtime_name",
				"\"" SG_CRI_HANDLER "\"", err);
}

/* The default handler becomes the gate's own; an operator's runc handler may carry options
 * (SystemdCgroup) the kubelet relies on, which the shimgate table does not copy. */
static void note_default(const struct sg_toml *doc, FILE *notes)
{
	const char *dflt = sg_toml_string(doc, SG_CRI_CONTAINERD ".default_runtime_name", NULL);
	_cleanup_free_ char *options = NULL;

	if (!dflt || strcmp(dflt, SG_CRI_HANDLER) == 0 ||
	    asprintf(&options, SG_CRI_RUNTIMES ".%s.options", dflt) < 0)
		return;
	if (sg_toml_table(doc, options))
		fprintf(notes, "note: the CRI default handler was '%s', which has options; it runs "
			"the gate too, and default_runtime_name may name it again if the kubelet "
			"needs its options (SystemdCgroup)\n", dflt);
}

int sg_setup_containerd_text(char **text, const char *path, enum sg_engine engine,
			     const char *gate, FILE *notes, struct sg_error *err)
{
	_cleanup_(sg_toml_freep) struct sg_toml *doc = NULL;
	_cleanup_free_ char *qgate = sg_toml_quote(gate);
	const struct sg_toml_entry *version;

	if (!qgate)
		return oom(err);
	if (sg_toml_parse(path, *text, &doc, err) < 0)
		return err->code;
	version = sg_toml_get(doc, "version");
	if (!version && (doc->n_entries || doc->n_tables))
		return sg_error_set(err, -EINVAL, "%s: a version 1 configuration (no version = 2): "
				    "migrate it first with `containerd config migrate`", path);
	if (version && (!version->value || strcmp(version->value, "2") != 0))
		return sg_error_set(err, -EINVAL, "%s:%u: version %s: setup writes version 2 only",
				    path, version->line, version->value ? version->value : "?");
	if (!version && sg_toml_edit_set(text, path, "", "version", "2", err) < 0)
		return err->code;
	/* The legacy runtime: containerd 1.6 cannot disable it (its tasks service needs a v1
	 * runtime plugin), so the gate becomes its shim, which refuses the v1 shim's arguments;
	 * no_shim would run runc with no shim at all. */
	if (!sg_toml_array_has(doc, "disabled_plugins", SG_PLUGIN_V1_LINUX) &&
	    (sg_toml_edit_set(text, path, SG_V1_LINUX_TABLE, "shim", qgate, err) < 0 ||
	     sg_toml_edit_set(text, path, SG_V1_LINUX_TABLE, "no_shim", "false", err) < 0))
		return err->code;
	if (engine != SG_ENGINE_KUBERNETES)
		return 0;
	if (sg_toml_array_has(doc, "disabled_plugins", SG_PLUGIN_CRI))
		return sg_error_set(err, -EINVAL, "%s: disabled_plugins lists " SG_PLUGIN_CRI
				    ": enable the CRI plugin for a Kubernetes node", path);
	note_default(doc, notes);
	return gate_cri_handlers(text, path, gate, notes, err);
}

int sg_setup_docker_json(json_t *cfg, FILE *notes, struct sg_error *err)
{
	json_t *features = json_object_get(cfg, "features");
	json_t *runtimes = json_object_get(cfg, "runtimes");
	json_t *dflt = json_object_get(cfg, "default-runtime");
	const char *name;
	json_t *rt, *tmp;

	if (!json_is_object(cfg))
		return sg_error_set(err, -EINVAL, "daemon.json is not a JSON object");
	if (!features) {
		features = json_object();
		if (!features || json_object_set_new(cfg, "features", features) < 0)
			return oom(err);
	}
	if (!json_is_object(features))
		return sg_error_set(err, -EINVAL, "daemon.json: features is not an object");
	if (json_object_set_new(features, "buildkit", json_false()) < 0)
		return oom(err);
	/* moby#37826: dockerd's setting is only the default, the client's choice wins. */
	fprintf(notes, "note: features.buildkit false makes the classic builder, whose RUN steps "
		"are gated containers, dockerd's default; a client that asks for BuildKit "
		"(DOCKER_BUILDKIT=1) still gets it, and its RUN steps run runc without the gate: "
		"only trusted users may reach the Docker socket\n");
	json_object_foreach_safe(runtimes, tmp, name, rt) {
		if (sg_host_docker_runc(name, rt))
			continue;
		fprintf(notes, "removed Docker runtime '%s' from daemon.json: it would run another "
			"runtime than the gated runc\n", name);
		if (json_object_del(runtimes, name) < 0)
			return oom(err);
	}
	if (dflt && !(json_is_string(dflt) && strcmp(json_string_value(dflt), "runc") == 0)) {
		fprintf(notes, "removed default-runtime from daemon.json: Docker's default is runc\n");
		if (json_object_del(cfg, "default-runtime") < 0)
			return oom(err);
	}
	return 0;
}

int sg_setup_stack_line(char **text, const char *start, const char *line, bool before,
			struct sg_error *err)
{
	_cleanup_free_ char *head = NULL, *out = NULL;
	size_t len;
	const char *at, *end;

	/* A line starts with start and then a blank or its end: "required root" is not
	 * "required rootfs". The first line of a stack is a comment, never matched. */
	if (asprintf(&head, "\n%s", start) < 0)
		return oom(err);
	len = strlen(head);
	for (at = strstr(*text, head); at && at[len] != ' ' && at[len] != '\n'; at = strstr(at + 1, head))
		;
	if (!at)
		return 1;
	end = before ? at : strchr(at + 1, '\n');
	if (asprintf(&out, "%.*s\n%s%s", (int)(at - *text), *text, line, end ? end : "\n") < 0)
		return oom(err);
	free(*text);
	*text = steal_pointer(&out);
	return 0;
}
