/* SPDX-License-Identifier: Apache-2.0 */
/* sg_mem_trim: the stack below the caller and the heap's free pages stop being resident; what
 * is live stays intact. */
#define _GNU_SOURCE
#include <alloca.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shim/life/memtrim.h"
#include "testutil.h"

#define DEEP (96u << 10)

static uint8_t *deep_area;

/* Touches DEEP bytes of stack below its caller (alloca: on the real stack, sanitizers or
 * not) and remembers where. */
static __attribute__((noinline)) void deep(void)
{
	volatile uint8_t *p = alloca(DEEP);

	for (size_t i = 0; i < DEEP; i += 512)
		p[i] = (uint8_t)i | 1;
	deep_area = (uint8_t *)p;
}

/* Resident pages of [p, p + len), whole pages inside only. */
static size_t resident(const void *p, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t hi = ((uintptr_t)p + len) & ~(page - 1);
	unsigned char vec[64];
	size_t n = 0;

	if (hi <= lo)
		return 0;
	assert_true((hi - lo) / page <= sizeof(vec));
	assert_int_equal(mincore((void *)lo, hi - lo, vec), 0);
	for (size_t i = 0; i < (hi - lo) / page; i++)
		n += vec[i] & 1;
	return n;
}

static void test_stack_below_given_back(void **state)
{
	/* The caller's live frame: filled before, checked after. */
	volatile uint8_t mine[2048];
	(void)state;

	for (size_t i = 0; i < sizeof(mine); i++)
		mine[i] = (uint8_t)(i * 7 + 1);
	deep();
	/* The far end of deep's area: well below this frame and sg_mem_trim's own pages. */
	assert_true(resident(deep_area, DEEP / 2) > 0);
	sg_mem_trim();
	assert_int_equal(resident(deep_area, DEEP / 2), 0);
	/* Just below the caller, an exec's depth stays: the next call would touch it again. */
	assert_true(resident(deep_area + DEEP - (16u << 10), 12u << 10) > 0);
	for (size_t i = 0; i < sizeof(mine); i++)
		assert_int_equal(mine[i], (uint8_t)(i * 7 + 1));
	/* The stack grows again where it was given back. */
	deep();
	assert_true(resident(deep_area, DEEP / 2) > 0);
}

static void test_heap_free_pages_given_back(void **state)
{
	/* Under the mmap threshold: in the heap, and pinned there by a later block. */
	size_t len = 96u << 10;
	uint8_t *big = malloc(len), *pin, *live = malloc(256);
	(void)state;

	assert_non_null(big);
	assert_non_null(live);
	pin = malloc(64);
	assert_non_null(pin);
	/* Under valgrind or the sanitizers malloc is theirs, not glibc's heap below the break,
	 * and malloc_trim has nothing of it to give back. */
	if ((uintptr_t)big >= (uintptr_t)sbrk(0)) {
		free(pin);
		free(live);
		free(big);
		skip();
	}
	memset(big, 0x5a, len);
	memset(live, 0xa5, 256);
	uintptr_t inner = (uintptr_t)big + 4096; /* its first page holds malloc's own links */

	assert_true(resident((const void *)inner, len - 8192) > 0);
	free(big);
	sg_mem_trim();
	assert_int_equal(resident((const void *)inner, len - 8192), 0);
	for (size_t i = 0; i < 256; i++)
		assert_int_equal(live[i], 0xa5);
	free(pin);
	free(live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stack_below_given_back),
		cmocka_unit_test(test_heap_free_pages_given_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
