/* SPDX-License-Identifier: Apache-2.0 */
/* Giving back what a gate no longer uses after a large call: free heap and dead stack pages. */
#define _GNU_SOURCE /* pthread_getattr_np */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memtrim.h"

/* The main thread's stack as glibc finds it now (from /proc/self/maps, bounded by the rlimit
 * and the mapping below it), 0 when unknown. Read at every trim, not once: with an unlimited
 * stack rlimit (the legacy, bottom-up mmap layout) a later mapping may sit above the one that
 * bounded an earlier reading, and MADV_DONTNEED would zero it. Trims are rare (start-up, a
 * create, a first exec) and the relay is one thread, so nothing maps between read and use. */
static void stack_bounds(uintptr_t *low, uintptr_t *high)
{
	pthread_attr_t a;
	void *addr;
	size_t size;

	*low = *high = 0;
	if (pthread_getattr_np(pthread_self(), &a) != 0)
		return;
	if (pthread_attr_getstack(&a, &addr, &size) == 0) {
		*low = (uintptr_t)addr;
		*high = (uintptr_t)addr + size;
	}
	(void)pthread_attr_destroy(&a);
}

/* What stays below the caller's frame: the depth an exec's judgement reaches below its
 * handler (~20 KiB: the decision, the stdio walk), which every exec touches again anyway;
 * given back, it would be faulted in anew by the next exec after each create. */
#define SG_MEM_TRIM_KEEP (24u << 10)

__attribute__((noinline)) void sg_mem_trim(void)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	/* The frame's own address, on the real stack even where the sanitizers move locals to
	 * a heap "fake stack". Everything below it is dead; what this call itself uses there
	 * (madvise's frame, a signal's) lies within the pages kept. */
	uintptr_t frame = (uintptr_t)__builtin_frame_address(0);
	uintptr_t end, stack_low, stack_high;

	(void)malloc_trim(0);
	stack_bounds(&stack_low, &stack_high);
	if (!stack_high || frame <= stack_low + SG_MEM_TRIM_KEEP + page || frame >= stack_high)
		return;
	end = ((frame - SG_MEM_TRIM_KEEP) & ~(page - 1)) - page;
	/* The part of [stack_low, end) that is not mapped yet (the stack grows on demand) is
	 * skipped by the kernel (ENOMEM, ignored). */
	if (end > stack_low)
		(void)madvise((void *)stack_low, end - stack_low, MADV_DONTNEED);
}
