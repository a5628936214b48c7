/* SPDX-License-Identifier: Apache-2.0 */
/* The main() of a harness in normal builds: runs LLVMFuzzerTestOneInput once on every file
 * named, or in a directory named (the corpus, sorted by name), each in a buffer of its exact
 * size. A crash, a sanitizer report or a failed harness check ends the run non-zero; so does
 * a corpus without a single input (nothing would be tested). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	uint8_t *data = NULL;
	long size;
	FILE *f = fopen(path, "rb");

	if (!f || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	data = malloc(size ? (size_t)size : 1);
	if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		return -1;
	}
	fclose(f);
	/* Named before it runs: a crash report then says which input it was. */
	fprintf(stderr, "replay: %s (%ld bytes)\n", path, size);
	(void)LLVMFuzzerTestOneInput(data, (size_t)size);
	free(data);
	return 0;
}

static int regular(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Returns the number of inputs replayed, or -1. */
static int replay_path(const char *path)
{
	struct dirent **names = NULL;
	struct stat st;
	int n, done = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path) < 0 ? -1 : 1;
	n = scandir(path, &names, regular, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char *file = NULL;

		if (done >= 0) {
			if (asprintf(&file, "%s/%s", path, names[i]->d_name) < 0 ||
			    replay_file(file) < 0)
				done = -1;
			else
				done++;
		}
		free(file);
		free(names[i]);
	}
	free(names);
	return done;
}

/* Present when a sanitizer runtime is linked in: its reports end the process without
 * running atexit handlers. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

int main(int argc, char **argv)
{
	int total = 0;

	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(sg_fuzz_scratch_remove);

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int n = replay_path(argv[i]);

		if (n < 0)
			return 1;
		total += n;
	}
	if (total == 0) {
		fprintf(stderr, "replay: no inputs\n");
		return 1;
	}
	printf("replay: %d inputs, no failure\n", total);
	return 0;
}
