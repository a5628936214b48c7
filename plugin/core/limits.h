/* SPDX-License-Identifier: Apache-2.0 */
/* Every bound on untrusted input the library applies, in one place (the wire's frame limit is
 * the shim's own). Over a bound the input is refused, never truncated. */
#ifndef SG_CORE_LIMITS_H
#define SG_CORE_LIMITS_H

#define SG_LIMIT_JSON_MAX (1u << 20)        /* a process spec or config.json */
#define SG_LIMIT_JSON_DEPTH 32u             /* nesting of any JSON we parse */
#define SG_LIMIT_ARGC 1024u                 /* argv entries */
#define SG_LIMIT_ENVC 1024u                 /* env entries */
#define SG_LIMIT_GIDS 256u                  /* additional gids */
#define SG_LIMIT_MOUNTS 256u                /* mounts in one create (spec + rootfs) */
#define SG_LIMIT_MOUNT_OPTS 64u             /* options of one mount */
#define SG_LIMIT_STRING 65536u              /* any single string (arg, env entry, path) */
#define SG_LIMIT_ID 256u                    /* namespace, container id, exec id */
#define SG_LIMIT_TOKEN 512u                 /* a signature token */
#define SG_LIMIT_KEY_ID 64u                 /* a key id */
#define SG_LIMIT_KEYS 256u                  /* keys in the keyring */
#define SG_LIMIT_POLICY_FILE (256u << 10)   /* one policy file */
#define SG_LIMIT_POLICY_LINE 4096u          /* one policy line */
#define SG_LIMIT_POLICY_ENTRIES 128u        /* modules in one stack */
#define SG_LIMIT_POLICY_ARGS 64u            /* arguments of one module line */
#define SG_LIMIT_INCLUDE_DEPTH 8u           /* nested include */
#define SG_LIMIT_NOTES 64u                  /* changes recorded on one request */
#define SG_LIMIT_HELD_FDS 8u                /* descriptors one create holds for runc (namespaces) */
#define SG_LIMIT_REPLAY_CAPACITY (1u << 22) /* slots in the replay store */

#endif
