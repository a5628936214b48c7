/* SPDX-License-Identifier: Apache-2.0 */
/* Giving back what a gate no longer uses after a large call: free heap and dead stack pages. */
#define _GNU_SOURCE /* pthread_getattr_np */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "memtrim.h"

/* The main thread's stack as glibc finds it (from /proc/self/maps, bounded by the rlimit and
 * the mapping below it): read once (reading it costs a create ~50 us), 0 when unknown or when
 * the stack rlimit is unlimited. Read once is sound only with a finite rlimit: the kernel
 * then keeps every mapping not placed at a fixed address at least that far below the stack's
 * top (mmap_base), so nothing mapped later can sit in the range. With an unlimited rlimit
 * (the legacy, bottom-up layout) later mappings may grow into it, and MADV_DONTNEED would
 * zero them: the stack is then not trimmed at all. */
static uintptr_t stack_low, stack_high;

static void stack_bounds(void)
{
	struct rlimit rl;
	pthread_attr_t a;
	void *addr;
	size_t size;

	if (stack_high || getrlimit(RLIMIT_STACK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    pthread_getattr_np(pthread_self(), &a) != 0)
		return;
	if (pthread_attr_getstack(&a, &addr, &size) == 0) {
		stack_low = (uintptr_t)addr;
		stack_high = (uintptr_t)addr + size;
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
	uintptr_t end;

	(void)malloc_trim(0);
	stack_bounds();
	if (!stack_high || frame <= stack_low + SG_MEM_TRIM_KEEP + page || frame >= stack_high)
		return;
	end = ((frame - SG_MEM_TRIM_KEEP) & ~(page - 1)) - page;
	/* The part of [stack_low, end) that is not mapped yet (the stack grows on demand) is
	 * skipped by the kernel (ENOMEM, ignored). */
	if (end > stack_low)
		(void)madvise((void *)stack_low, end - stack_low, MADV_DONTNEED);
}
