/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the payload of one gated Task message (protobuf) as the gate's handler decodes
 * and judges it. Built once per message: SG_FUZZ_TASK is create (CreateTaskRequest), exec
 * (ExecProcessRequest) or update (UpdateTaskRequest). */
#include "fuzz.h"
#include "shim/firewall/gate_create.h"
#include "shim/firewall/gate_exec.h"
#include "shim/firewall/gate_update.h"

#define SG_CAT3(a, b, c) a##b##c
#define SG_HANDLER(m) SG_CAT3(sg_gate_, m, _handle)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_fuzz_task(SG_HANDLER(SG_FUZZ_TASK), data, size);
	return 0;
}
