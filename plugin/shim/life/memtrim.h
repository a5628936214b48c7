/* SPDX-License-Identifier: Apache-2.0 */
/* Giving back what a gate no longer uses after a large call: free heap and dead stack pages. */
#ifndef SG_SHIM_MEMTRIM_H
#define SG_SHIM_MEMTRIM_H

/* One gate runs per pod and lives as long as it, so what its start-up and its largest calls
 * (a create, the first exec of a container) touched once must not stay resident: returns the
 * heap's free pages (malloc_trim) and unmaps the main stack's pages more than an exec's
 * depth below the caller's frame, which only those calls reached. The main thread only (the
 * gate has no other). */
void sg_mem_trim(void);

#endif
