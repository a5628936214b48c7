/* SPDX-License-Identifier: Apache-2.0 */
/* `start`: load the gate (a bad config, policy or key stops here, and containerd shows the
 * message), start the real shim, put the gate's socket in front of it, print its address. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootstrap.h"
#include "core/audit.h"
#include "core/cleanup.h"
#include "core/config.h"
#include "gate/gate.h"
#include "memtrim.h"
#include "realrecord.h"
#include "realshim.h"
#include "relay.h"
#include "runc/settings.h"
#include "shim/commands.h"
#include "shim/firewall/intercept.h"
#include "shim/log.h"
#include "shutdown.h"
#include "unixsock.h"

#ifndef SG_RUNDIR
#define SG_RUNDIR "/run/shimgate"
#endif

SG_DEFINE_FREEP(struct sg_gate *, sg_gate_free)
SG_DEFINE_FREEP(struct sg_audit *, sg_audit_free)
SG_DEFINE_FREEP(struct sg_intercept *, sg_intercept_free)
SG_DEFINE_FREEP(struct sg_config *, sg_config_free)
SG_DEFINE_FREEP(struct sg_runc_settings *, sg_runc_settings_free)

struct daemon_args {
	const struct sg_shim_args *args;
	struct sg_gate *gate;
	const struct sg_runc_settings *runc;
	struct sg_audit *audit;
	const char *bundle;
	struct sg_relay_config relay;
};

/* The log fifo containerd made in the bundle: what we write there lands in containerd's log.
 * Not inlined: the daemon runs below start's frame for as long as it lives, and the path
 * buffer would stay there, resident. */
static __attribute__((noinline)) int open_log(const char *bundle)
{
	char path[4096];

	if (snprintf(path, sizeof(path), "%s/log", bundle) >= (int)sizeof(path))
		return -1;
	return open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
}

/* In the forked daemon. containerd's start waits until every holder of its stdout pipe
 * has closed it, so the daemon's stdio must go elsewhere before anything else. */
static int run_daemon(struct daemon_args *d)
{
	const struct sg_config *cfg = sg_gate_config(d->gate);
	_cleanup_(sg_intercept_freep) struct sg_intercept *ic = NULL;
	enum sg_log_level level = SG_LOG_INFO;
	_cleanup_free_ char *bundle_copy = strdup(d->bundle);
	struct sg_error err = { 0 };
	int null, logfd;

	null = open("/dev/null", O_RDWR);
	logfd = open_log(d->bundle);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
	    dup2(logfd >= 0 ? logfd : null, STDERR_FILENO) < 0)
		_exit(1);
	if (null > STDERR_FILENO)
		close(null);
	if (logfd > STDERR_FILENO)
		close(logfd);
	(void)setsid();
	/* The log fifo is the first container's: once containerd closes it (that container
	 * deleted, others of the group still served), a log write must not kill the gate. */
	(void)signal(SIGPIPE, SIG_IGN);
	(void)sg_log_level_parse(cfg->log_level, &level);
	sg_log_init(STDERR_FILENO, d->args->debug ? SG_LOG_DEBUG : level);
	/* The bundle goes away with its container; a grouped gate outlives the first one. */
	if (chdir("/") < 0 || !bundle_copy) {
		sg_log_error("cannot leave the bundle directory");
		return 1;
	}
	if (sg_intercept_new(d->gate, d->runc, d->audit, d->args->ns, dirname(bundle_copy), &ic,
			     &err) < 0) {
		sg_log_error("%s", err.msg);
		return 1;
	}
	d->relay.intercept = ic;
	/* What loading the policy freed goes back to the system: one gate runs per pod. */
	sg_mem_trim();
	sg_log_info("gate for %s serving %s in front of %s (config %s, mode %s)", d->args->id,
		    d->relay.listen_path, d->relay.real_path, cfg->path ? cfg->path : "built-in",
		    cfg->mode == SG_MODE_AUDIT_ONLY ? "audit-only" : "enforce");
	if (cfg->mode == SG_MODE_AUDIT_ONLY)
		sg_log_warn("mode audit-only: refusals are recorded in the audit trail and NOT "
			    "enforced");
	if (sg_relay_run(&d->relay, &err) < 0) {
		sg_log_error("%s", err.msg);
		return 1;
	}
	return 0;
}

/* Starts the daemon for a new gate socket. Returns 0 in the parent, or -errno. */
static int spawn_daemon(struct daemon_args *d, struct sg_error *err)
{
	pid_t pid = fork();

	if (pid < 0)
		return sg_error_set(err, -errno, "fork: %s", strerror(errno));
	/* exit, not _exit: the sanitizers' leak check runs at exit. Nothing is buffered on
	 * stdout yet (the address is printed after the fork). */
	if (pid == 0)
		exit(run_daemon(d));
	return 0;
}

/* The real shim's socket is identified by the pid that made it listen (its `start`): it
 * names the gate, and the gate connects to that socket only. A later real shim on the same
 * path (the same namespace and id again) is another socket with another pid. */
static int identify_real(const struct sg_bootstrap *boot, pid_t *pid, struct sg_error *err)
{
	int r = sg_unix_listener_pid(boot->path, pid);

	if (r < 0)
		return sg_error_set(err, r, "no process answers on %s: %s", boot->path,
				    strerror(-r));
	return 0;
}

/* The gate's idle connection to the real shim identified above: its end is the real shim's. */
static int watch_real(const struct sg_bootstrap *boot, pid_t real_pid, struct sg_error *err)
{
	int fd = sg_unix_connect(boot->path);
	pid_t pid;

	if (fd < 0)
		return sg_error_set(err, fd, "cannot connect to %s: %s", boot->path, strerror(-fd));
	if (sg_unix_peer_pid(fd, &pid) < 0 || pid != real_pid) {
		close(fd);
		return sg_error_set(err, -ESRCH, "another process now listens on %s", boot->path);
	}
	return fd;
}

static int fail(const char *what, const struct sg_error *err)
{
	fprintf(stderr, "shimgate: %s: %s\n", what, err->msg);
	return 1;
}

/* A failure after the real shim started must not leave it running with nothing in front:
 * it is asked to shut down (a grouped one with containers left ignores that). */
static int abandon(const struct sg_bootstrap *boot, const char *id, const char *what,
		   const struct sg_error *err)
{
	struct sg_error serr = { 0 };

	fail(what, err);
	if (sg_realshim_shutdown(boot, id, &serr) < 0)
		fprintf(stderr, "shimgate: %s\n", serr.msg);
	return 1;
}

int sg_shim_start(const struct sg_shim_args *a, char **argv)
{
	_cleanup_(sg_gate_freep) struct sg_gate *gate = NULL;
	_cleanup_(sg_audit_freep) struct sg_audit *audit = NULL;
	_cleanup_free_ char *real = NULL, *output = NULL, *printed = NULL, *bundle = NULL;
	char gate_path[SG_SOCKET_PATH_MAX];
	_cleanup_(sg_config_freep) struct sg_config *cfg = NULL;
	_cleanup_(sg_runc_settings_freep) struct sg_runc_settings *runc = NULL;
	struct sg_realshim_proc proc;
	struct sg_bootstrap boot;
	struct sg_error err = { 0 }, gerr = { 0 };
	struct daemon_args d;
	pid_t real_pid = 0;
	int loaded, watch = -1, r;
	ino_t ino = 0;
	int fd;

	if (!a->ns || !a->id)
		return fprintf(stderr, "shimgate: start needs -namespace and -id\n"), 1;
	bundle = getcwd(NULL, 0);
	if (!bundle)
		return fprintf(stderr, "shimgate: getcwd: %s\n", strerror(errno)), 1;
	if (sg_runc_settings_load(getenv(SG_CONFIG_ENV), &cfg, &runc, &err) < 0)
		return fail("cannot load the gate", &err);
	if (sg_realshim_resolve(runc->real_shim, &real, &err) < 0)
		return fail("cannot start", &err);
	/* The real shim starts while the gate loads its keys and policy (compiling the
	 * seccomp profile is most of a start's time); nothing reaches the real shim before
	 * the gate is loaded, because only the gate's address is printed. */
	if (sg_realshim_spawn(real, argv, &proc, &err) < 0)
		return fail("the real shim did not start", &err);
	loaded = sg_gate_open_config(steal_pointer(&cfg), 0, &gate, &gerr);
	if (loaded == 0)
		loaded = sg_audit_open(sg_gate_config(gate)->audit, &audit, &gerr);
	if (sg_realshim_collect(&proc, &output, &err) < 0) {
		if (loaded < 0)
			fail("cannot load the gate", &gerr);
		return fail("the real shim did not start", &err);
	}
	if (sg_bootstrap_parse(output, &boot, &err) < 0)
		return fail("cannot put the gate in front of the real shim", &err);
	if (loaded < 0)
		return abandon(&boot, a->id, "cannot load the gate", &gerr);
	if (identify_real(&boot, &real_pid, &err) < 0)
		return abandon(&boot, a->id, "cannot identify the real shim", &err);
	if (sg_gate_socket_path(SG_RUNDIR, boot.path, real_pid, gate_path, &err) < 0)
		return abandon(&boot, a->id, "cannot name the gate's socket", &err);
	fd = sg_unix_listen(gate_path, &ino, &err);
	if (fd < 0 && fd != -EADDRINUSE)
		return abandon(&boot, a->id, "cannot create the gate's socket", &err);
	if (fd >= 0 && sg_real_record_write(gate_path, output, &err) < 0) {
		close(fd);
		return abandon(&boot, a->id, "cannot record the real shim", &err);
	}
	if (fd >= 0 && (watch = watch_real(&boot, real_pid, &err)) < 0) {
		close(fd);
		return abandon(&boot, a->id, "cannot watch the real shim", &err);
	}
	if (fd >= 0) {
		d = (struct daemon_args){
			.args = a,
			.gate = gate,
			.runc = runc,
			.audit = audit,
			.bundle = bundle,
			.relay = { .listen_fd = fd,
				   .listen_path = gate_path,
				   .listen_ino = ino,
				   .real_path = boot.path,
				   .real_pid = real_pid,
				   .real_watch_fd = watch },
		};
		r = spawn_daemon(&d, &err);
		close(fd);
		close(watch);
		if (r < 0)
			return abandon(&boot, a->id, "cannot start the gate", &err);
	}
	/* Else a live gate serves this real shim already (grouped containers): reuse it. */
	if (sg_bundle_address_write(bundle, gate_path, &err) < 0)
		return fail("cannot record the gate's address", &err);
	printed = sg_bootstrap_format(&boot, gate_path);
	if (!printed)
		return fprintf(stderr, "shimgate: out of memory\n"), 1;
	fputs(printed, stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}
