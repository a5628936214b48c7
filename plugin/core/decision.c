/* SPDX-License-Identifier: Apache-2.0 */
/* Resetting a decision between requests. */
#include <stdlib.h>
#include <string.h>

#include "decision.h"

void sg_decision_clear(struct sg_decision *d)
{
	bool want_trace = d->want_trace;

	free(d->trace);
	memset(d, 0, sizeof(*d));
	d->want_trace = want_trace;
}
