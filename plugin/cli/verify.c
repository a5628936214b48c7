/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate verify: checks a token against a request offline, exactly as the hmac module does. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "reqflags.h"
#include "sig/keyring.h"
#include "sig/replay.h"
#include "sig/verify.h"

static void verify_usage(FILE *out)
{
	fprintf(out,
		"Usage: shimgate verify exec|create (--key FILE | --key-dir DIR) --token TOKEN\n"
		"                       [REQUEST FLAGS] [--now N] [--replay-store PATH] [-- ARGV...]\n"
		"       shimgate verify --key-dir DIR --request req.json [--token TOKEN]\n"
		"Prints \"ok (key 'ID')\" and exits 0, or prints the reason and exits 1.\n"
		"Window: 120 s in the past, 5 s ahead (the hmac module's defaults). Without\n"
		"--replay-store no nonce is recorded; with it the nonce is consumed. A token\n"
		"that binds fields as the container's own (sg2) needs the container's config.json\n"
		"(--spec or --base-env-from), as the gate has it; the request flags then describe\n"
		"the exec as the client sends it.\n"
		"  --token TOKEN         default: the token the request documents carry\n"
		"  --now N               the clock to judge by (default: now)\n");
	sg_reqflags_usage(out);
}

/* The store as it is, or a new one with the default capacity. */
static int open_replay(const char *path, struct sg_replay **out, struct sg_error *err)
{
	int r = sg_replay_open(path, 0, out, err);

	if (r == -ENOENT)
		r = sg_replay_open(path, SG_REPLAY_CAPACITY_DEFAULT, out, err);
	return r;
}

int sg_cmd_verify(int argc, char **argv)
{
	struct sg_reqflags rf;
	struct sg_keyring *kr = NULL;
	struct sg_replay *replay = NULL;
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };
	struct sg_verify_opts o = { .max_age = SG_VERIFY_MAX_AGE_DEFAULT,
				    .max_future = SG_VERIFY_MAX_FUTURE_DEFAULT };
	int rc = SG_EXIT_USAGE;

	if (sg_reqflags_parse(argc, argv, SG_RF_KEY | SG_RF_TOKEN | SG_RF_VERIFY, &rf) < 0)
		goto out;
	if (rf.help) {
		verify_usage(stdout);
		rc = SG_EXIT_OK;
		goto out;
	}
	if (sg_reqflags_keyring(&rf, &kr, &err) < 0 || sg_reqflags_build(&rf, &req, &err) < 0 ||
	    (rf.replay_store && open_replay(rf.replay_store, &replay, &err) < 0)) {
		rc = sg_reqflags_fail("verify", &err);
		goto out;
	}
	if (rf.token) {
		sg_request_drop_token(req);
		if (sg_request_set_token(req, rf.token, &err) < 0) {
			rc = sg_reqflags_fail("verify", &err);
			goto out;
		}
	}
	if (rf.now_set)
		req->now = rf.now;
	o.keyring = kr;
	o.replay = replay;
	if (sg_verify_request(&o, req) == SG_SIG_VALID) {
		printf("ok (key '%s')\n", req->sig.key_id);
		rc = SG_EXIT_OK;
	} else {
		printf("%s\n", req->sig.why.msg);
		rc = SG_EXIT_REFUSED;
	}
out:
	sg_request_free(req);
	sg_replay_free(replay);
	sg_keyring_free(kr);
	sg_reqflags_clear(&rf);
	return rc;
}
