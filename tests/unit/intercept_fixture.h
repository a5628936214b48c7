/* SPDX-License-Identifier: Apache-2.0 */
/* The fixture of the tests that drive ttrpc frames through an intercept: a gate, its audit
 * log and runc settings over a scratch policy directory, and frame builders. */
#ifndef SG_TEST_INTERCEPT_FIXTURE_H
#define SG_TEST_INTERCEPT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sg_gate;
struct sg_runc_settings;
struct sg_audit;
struct sg_intercept;

struct sg_test_ic {
	char *dir;
	char *policy;  /* <dir>/policy.d */
	char *bundles; /* <dir>/default: the namespace's bundles */
	char *bundle;  /* <bundles>/c1 */
	char *audit_path;
	struct sg_gate *gate;
	struct sg_runc_settings *runc;
	struct sg_audit *audit;
	struct sg_intercept *ic;
};

/* A scratch directory with container c1's config.json (config_json), create, mount and exec
 * stacks that permit, and an intercept over them (no keyring). */
struct sg_test_ic *sg_test_ic_new(const char *config_json);
void sg_test_ic_free(struct sg_test_ic *f);
/* Rewrites the create and exec stacks (mount stays "required permit"). */
void sg_test_ic_policy(struct sg_test_ic *f, const char *create, const char *exec);
/* (Re)opens gate, audit and intercept over the fixture's policy; runc_binary, when set, is
 * an allowed runc; with keys, the keyring of <dir>/keys.d. */
void sg_test_ic_open(struct sg_test_ic *f, const char *runc_binary, bool keys);

/* A whole frame: header + body (malloc'ed). */
struct sg_test_frame {
	uint8_t *bytes;
	size_t len;
};

struct sg_test_frame sg_test_frame_make(uint32_t sid, uint8_t type, uint8_t flags,
					const uint8_t *body, size_t body_len);
/* A request of service/method in namespace "default", payload as given. */
struct sg_test_frame sg_test_request(uint32_t sid, uint8_t flags, const char *service,
				     const char *method, const void *payload, size_t payload_len);
/* Asserts out (out_len bytes) is a response frame on sid with status code, and frees it;
 * returns the status message (malloc'ed). */
char *sg_test_reply_message(uint8_t *out, size_t out_len, uint32_t sid, int code);

#endif
