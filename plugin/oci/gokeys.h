/* SPDX-License-Identifier: Apache-2.0 */
/* OCI JSON as the real shim reads it: Go's encoding/json matches keys to struct fields
 * case-insensitively (with two Unicode foldings), so {"Mounts":[...]} or {"args":[...],
 * "Args":[...]} reach runc although a case-sensitive reader never saw them. */
#ifndef SG_OCI_GOKEYS_H
#define SG_OCI_GOKEYS_H

#include <stdbool.h>

#include <jansson.h>

#include <shimgate/shimgate.h>

/* Refuses (-EINVAL, naming the key) a document in which an object has two keys Go would
 * read as the same field, or a key Go would read as an OCI field that it does not spell
 * exactly. Objects that Go decodes as maps (annotations, sysctl, ...) are exempt: maps
 * match keys exactly. */
int sg_oci_go_keys_check(const json_t *doc, struct sg_error *err);

#endif
