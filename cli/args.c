/*
 * args.c - argument helpers shared by the commands (see args.h).
 */
#include "cli/args.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int cli_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

int cli_run_id(const char *s, int64_t *out)
{
	uint64_t v;

	if (cli_u64(s, &v) != 0 || v < 1 || v > (uint64_t)INT64_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}

int cli_value(const char *cmd, int argc, char **argv, int *i, const char **val)
{
	if (*i + 1 >= argc || !argv[*i + 1][0]) {
		fprintf(stderr, "afsim %s: %s needs a value\n", cmd, argv[*i]);
		return -1;
	}
	*val = argv[++*i];
	return 0;
}

int cli_output_writable(const char *cmd, const char *what, const char *path)
{
	struct stat st;
	int fd;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "afsim %s: cannot write %s '%s': it is a folder\n", cmd, what, path);
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL, 0666);
	if (fd >= 0) {
		close(fd);
		unlink(path);
		return 0;
	}
	if (errno == EEXIST && (fd = open(path, O_WRONLY | O_APPEND)) >= 0) {
		close(fd);
		return 0;
	}
	fprintf(stderr, "afsim %s: cannot write %s '%s': %s\n", cmd, what, path, strerror(errno));
	return -1;
}

void cli_invocation_id(char *buf, size_t n)
{
	const char *env = getenv("AFSIM_INVOCATION");
	uint64_t r = 0;
	FILE *f;

	if (env && *env) {
		snprintf(buf, n, "%s", env);
		return;
	}
	f = fopen("/dev/urandom", "rb");
	if (!f || fread(&r, sizeof r, 1, f) != 1) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		r = (uint64_t)ts.tv_sec * UINT64_C(1000000007) ^ (uint64_t)ts.tv_nsec ^
		    (uint64_t)getpid() << 40;
	}
	if (f)
		fclose(f);
	snprintf(buf, n, "%016" PRIx64, r);
}

static const char *real_env(void *user, const char *name)
{
	(void)user;
	return getenv(name);
}

int cli_shard(const char *cmd, const char *arg, uint32_t count, sim_shard *out)
{
	char err[512];

	if (sim_shard_resolve(arg, count, real_env, NULL, out, err, sizeof err) != 0) {
		fprintf(stderr, "afsim %s: %s\n", cmd, err);
		return 2;
	}
	if (out->note[0])
		fprintf(stderr, "afsim %s: note: %s\n", cmd, out->note);
	if (out->status_file[0] && sim_shard_touch(out->status_file) != 0) {
		fprintf(stderr, "afsim %s: cannot touch TEST_SHARD_STATUS_FILE '%s': %s\n", cmd,
			out->status_file, strerror(errno));
		return 3;
	}
	return 0;
}
