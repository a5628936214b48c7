/* SPDX-License-Identifier: Apache-2.0 */
/* Scope-exit cleanup attributes and ownership transfer, used everywhere in shimgate. */
#ifndef SG_CORE_CLEANUP_H
#define SG_CORE_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void sg_freep(void *p)
{
	free(*(void **)p);
}

static inline void sg_closep(int *fd)
{
	/* A close error on a descriptor we are abandoning has nothing left to report to. */
	if (*fd >= 0)
		(void)close(*fd);
}

static inline void sg_fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(sg_freep)
#define _cleanup_close_ _cleanup_(sg_closep)
#define _cleanup_fclose_ _cleanup_(sg_fclosep)

/* Moves ownership out of a cleanup-managed variable: the variable becomes NULL. */
#define steal_pointer(pp)                                   \
	({                                                  \
		__typeof__(*(pp)) sg_stolen_ = *(pp);       \
		*(pp) = NULL;                               \
		sg_stolen_;                                 \
	})

#define steal_fd(fdp)                      \
	({                                 \
		int sg_stolen_fd_ = *(fdp); \
		*(fdp) = -1;               \
		sg_stolen_fd_;             \
	})

/* Declares funcp(type *p) { func(*p); } for _cleanup_(funcp) on owned objects. */
#define SG_DEFINE_FREEP(type, func)                  \
	static inline void func##p(type *p)          \
	{                                            \
		func(*p);                            \
	}

#define SG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
