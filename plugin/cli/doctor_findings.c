/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate doctor: the list of findings both kinds of checks (doctor.c, doctor_host.c) add to. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"

int sg_finding_add(struct sg_findings *f, const char *check, const char *fix, const char *fmt, ...)
{
	struct sg_finding *grown, *it;
	va_list ap;
	int n;

	grown = reallocarray(f->items, f->n + 1, sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	f->items = grown;
	it = &grown[f->n];
	*it = (struct sg_finding){ .check = strdup(check), .fix = strdup(fix) };
	va_start(ap, fmt);
	n = vasprintf(&it->problem, fmt, ap);
	va_end(ap);
	if (n < 0)
		it->problem = NULL;
	f->n++;
	return it->check && it->fix && it->problem ? 0 : -ENOMEM;
}

void sg_findings_free(struct sg_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->items[i].check);
		free(f->items[i].problem);
		free(f->items[i].fix);
	}
	free(f->items);
	f->items = NULL;
	f->n = 0;
}
