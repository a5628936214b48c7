/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate fields: the field table (oci/fields.c) as the Markdown table the README shows. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "oci/fields.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: shimgate fields\n"
		     "Prints every field of an OCI config.json and of the Task API Create, Exec and\n"
		     "Update requests, with who judges it: signed (hmac), forced or checked (by the\n"
		     "module named), passed (with the reason), refused (by the fields module unless\n"
		     "its pass= names it). Fields absent from the table are refused by `fields`.\n");
}

int sg_cmd_fields(int argc, char **argv)
{
	if (argc > 1)
		return sg_cli_usage(usage, strcmp(argv[1], "--help") == 0 ||
						   strcmp(argv[1], "-h") == 0
					   ? SG_EXIT_OK
					   : SG_EXIT_USAGE);
	printf("| field | class | by | why |\n|---|---|---|---|\n");
	for (size_t i = 0; i < sg_fields_count; i++) {
		const struct sg_field *f = &sg_fields[i];

		printf("| `%s`%s | %s | %s | %s |\n", f->path,
		       (f->flags & SG_FIELD_U64) ? " (uint64)" : "", sg_field_class_name(f->cls),
		       f->by ? f->by : "", f->why);
	}
	return SG_EXIT_OK;
}
