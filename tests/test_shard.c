/*
 * test_shard.c - shards of a suite: `--shard I/N`, the engines' variables
 * (Kubernetes, Slurm, Bazel) and how they combine, and the split: every
 * item in exactly one shard, balanced by cost, the same whatever order the
 * list came in.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/shard.h"
#include "tests/tmpdir.h"

/* A fake environment: NULL-terminated name, value pairs. */
static const char *fake_env(void *user, const char *name)
{
	const char *const *kv = user;

	for (; kv && kv[0]; kv += 2)
		if (strcmp(kv[0], name) == 0)
			return kv[1];
	return NULL;
}

static int resolve(const char *arg, uint32_t count, const char *const *env, sim_shard *s,
		   char *err)
{
	return sim_shard_resolve(arg, count, fake_env, (void *)env, s, err, 256);
}

START_TEST(parse_one_based)
{
	sim_shard s;
	char err[256];

	ck_assert_int_eq(sim_shard_parse("2/4", &s, err, sizeof err), 0);
	ck_assert_uint_eq(s.index, 1);
	ck_assert_uint_eq(s.count, 4);
	ck_assert_str_eq(s.source, "--shard");
	ck_assert_int_eq(sim_shard_parse("1/1", &s, err, sizeof err), 0);
	ck_assert_uint_eq(s.index, 0);
	ck_assert_int_eq(sim_shard_parse("100000/100000", &s, err, sizeof err), 0);
	ck_assert_uint_eq(s.index, 99999);
}
END_TEST

START_TEST(parse_refuses)
{
	static const char *const bad[] = { "", "2", "2/", "/4", "a/4", "2/4x", "-1/4", "2 /4",
					   "+2/4", "2/100001", "99999999999999999999/4", "2/4/8" };
	sim_shard s;
	char err[256];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(sim_shard_parse(bad[i], &s, err, sizeof err) == -1, "%s", bad[i]);
		ck_assert_msg(strstr(err, "is not I/N"), "%s: %s", bad[i], err);
	}
	ck_assert_int_eq(sim_shard_parse("0/4", &s, err, sizeof err), -1);
	ck_assert_str_eq(err, "--shard '0/4' is out of range, expected I/N with 1 <= I <= N");
	ck_assert_int_eq(sim_shard_parse("5/4", &s, err, sizeof err), -1);
	ck_assert_str_eq(err, "--shard '5/4' is out of range, expected I/N with 1 <= I <= N");
	ck_assert_int_eq(sim_shard_parse("0/0", &s, err, sizeof err), -1);
	ck_assert_str_eq(err, "--shard '0/0' is out of range, expected I/N with 1 <= I <= N");
}
END_TEST

START_TEST(nothing_set_is_no_sharding)
{
	static const char *const env[] = { "HOME", "/root", NULL };
	sim_shard s;
	char err[256];

	ck_assert_int_eq(resolve(NULL, 0, env, &s, err), 0);
	ck_assert_uint_eq(s.count, 0);
	ck_assert_str_eq(s.source, "");
	ck_assert_str_eq(s.status_file, "");
}
END_TEST

START_TEST(kubernetes_indexed_job)
{
	static const char *const env[] = { "JOB_COMPLETION_INDEX", "3", NULL };
	sim_shard s;
	char err[256];

	ck_assert_int_eq(resolve(NULL, 4, env, &s, err), 0);
	ck_assert_uint_eq(s.index, 3);
	ck_assert_uint_eq(s.count, 4);
	ck_assert_str_eq(s.source, "JOB_COMPLETION_INDEX");
	ck_assert_int_eq(resolve(NULL, 0, env, &s, err), -1);
	ck_assert_str_eq(err, "JOB_COMPLETION_INDEX=3 is set (a Kubernetes Indexed Job) but the "
			      "number of shards is not, expected --shard-count N (the Job's completions)");
	ck_assert_int_eq(resolve(NULL, 3, env, &s, err), -1);
	ck_assert_str_eq(err, "JOB_COMPLETION_INDEX=3 of --shard-count 3: index 3 is out of range, "
			      "expected 0 to 2 (0-based)");
}
END_TEST

START_TEST(slurm_array)
{
	/* sbatch --array=1-4: ids 1..4, MIN 1 */
	static const char *const one[] = { "SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "4",
					   "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_MAX", "4",
					   NULL };
	/* --array=0-3 without MIN in the environment */
	static const char *const zero[] = { "SLURM_ARRAY_TASK_ID", "0", "SLURM_ARRAY_TASK_COUNT", "4",
					    NULL };
	/* --array=0-12:4 : ids 0, 4, 8, 12 */
	static const char *const step[] = { "SLURM_ARRAY_TASK_ID", "8", "SLURM_ARRAY_TASK_COUNT", "4",
					    "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_STEP", "4",
					    NULL };
	static const char *const off[] = { "SLURM_ARRAY_TASK_ID", "6", "SLURM_ARRAY_TASK_COUNT", "4",
					   "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_STEP", "4",
					   NULL };
	static const char *const half[] = { "SLURM_ARRAY_TASK_ID", "1", NULL };
	sim_shard s;
	char err[256];

	ck_assert_int_eq(resolve(NULL, 0, one, &s, err), 0);
	ck_assert_uint_eq(s.index, 2);
	ck_assert_uint_eq(s.count, 4);
	ck_assert_str_eq(s.source, "SLURM_ARRAY_TASK_ID");
	ck_assert_int_eq(resolve(NULL, 0, zero, &s, err), 0);
	ck_assert_uint_eq(s.index, 0);
	ck_assert_int_eq(resolve(NULL, 0, step, &s, err), 0);
	ck_assert_uint_eq(s.index, 2);
	ck_assert_int_eq(resolve(NULL, 0, off, &s, err), -1);
	ck_assert_str_eq(err, "SLURM_ARRAY_TASK_ID=6 is not on the array's grid "
			      "(SLURM_ARRAY_TASK_MIN 0, step 4)");
	ck_assert_int_eq(resolve(NULL, 0, half, &s, err), -1);
	ck_assert_str_eq(err, "SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT, expected "
			      "both (a Slurm job array)");
	/* --shard-count must agree with the array */
	ck_assert_int_eq(resolve(NULL, 5, one, &s, err), -1);
	ck_assert_str_eq(err, "conflicting shard counts: --shard-count 5 but SLURM_ARRAY_TASK_ID=3 of "
			      "SLURM_ARRAY_TASK_COUNT=4");
}
END_TEST

START_TEST(bazel_sharding_and_status_file)
{
	static const char *const env[] = { "TEST_SHARD_INDEX", "1", "TEST_TOTAL_SHARDS", "4",
					   "TEST_SHARD_STATUS_FILE", "/tmp/x/status", NULL };
	static const char *const bad[] = { "TEST_SHARD_INDEX", "1x", "TEST_TOTAL_SHARDS", "4", NULL };
	static const char *const zero[] = { "TEST_SHARD_INDEX", "0", "TEST_TOTAL_SHARDS", "0", NULL };
	sim_shard s;
	char err[256];

	ck_assert_int_eq(resolve(NULL, 0, env, &s, err), 0);
	ck_assert_uint_eq(s.index, 1);
	ck_assert_uint_eq(s.count, 4);
	ck_assert_str_eq(s.source, "TEST_SHARD_INDEX");
	ck_assert_str_eq(s.status_file, "/tmp/x/status");
	ck_assert_int_eq(resolve(NULL, 0, bad, &s, err), -1);
	ck_assert_str_eq(err, "TEST_SHARD_INDEX='1x' is not a non-negative integer");
	ck_assert_int_eq(resolve(NULL, 0, zero, &s, err), -1);
	ck_assert_str_eq(err, "TEST_SHARD_INDEX=0 of TEST_TOTAL_SHARDS=0: 0 shards, expected 1 to "
			      "100000");
	/* an explicit shard still touches Bazel's file */
	ck_assert_int_eq(resolve("2/4", 0, env, &s, err), 0);
	ck_assert_str_eq(s.status_file, "/tmp/x/status");
	ck_assert_str_eq(s.note, "");
}
END_TEST

START_TEST(sources_must_agree)
{
	static const char *const agree[] = { "SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "4",
					     "TEST_SHARD_INDEX", "2", "TEST_TOTAL_SHARDS", "4", NULL };
	static const char *const clash[] = { "SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "4",
					     "TEST_SHARD_INDEX", "1", "TEST_TOTAL_SHARDS", "4", NULL };
	static const char *const k8s[] = { "JOB_COMPLETION_INDEX", "0", "TEST_SHARD_INDEX", "1",
					   "TEST_TOTAL_SHARDS", "4", NULL };
	sim_shard s;
	char err[256];

	ck_assert_int_eq(resolve(NULL, 0, agree, &s, err), 0);
	ck_assert_uint_eq(s.index, 2);
	ck_assert_str_eq(s.source, "SLURM_ARRAY_TASK_ID (and 1 more that agree)");
	ck_assert_int_eq(resolve(NULL, 0, clash, &s, err), -1);
	ck_assert_str_eq(err, "conflicting shards: SLURM_ARRAY_TASK_ID=2 of SLURM_ARRAY_TASK_COUNT=4 "
			      "is shard 3/4 but TEST_SHARD_INDEX=1 of TEST_TOTAL_SHARDS=4 is shard "
			      "2/4, expected one shard (or an explicit --shard I/N)");
	ck_assert_int_eq(resolve(NULL, 4, k8s, &s, err), -1);
	ck_assert_str_eq(err, "conflicting shards: JOB_COMPLETION_INDEX=0 of --shard-count 4 is "
			      "shard 1/4 but TEST_SHARD_INDEX=1 of TEST_TOTAL_SHARDS=4 is shard 2/4, "
			      "expected one shard (or an explicit --shard I/N)");
}
END_TEST

START_TEST(explicit_wins)
{
	static const char *const clash[] = { "SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "4",
					     "TEST_SHARD_INDEX", "1", "TEST_TOTAL_SHARDS", "4", NULL };
	static const char *const broken[] = { "JOB_COMPLETION_INDEX", "x", NULL };
	sim_shard s;
	char err[256];

	ck_assert_int_eq(resolve("1/2", 0, clash, &s, err), 0);
	ck_assert_uint_eq(s.index, 0);
	ck_assert_uint_eq(s.count, 2);
	ck_assert_str_eq(s.source, "--shard");
	ck_assert_str_eq(s.note, "--shard 1/2 wins over SLURM_ARRAY_TASK_ID=2 of "
				 "SLURM_ARRAY_TASK_COUNT=4 (shard 3/4)");
	ck_assert_int_eq(resolve("1/2", 0, broken, &s, err), 0);
	ck_assert_uint_eq(s.count, 2);
	/* two explicit counts that disagree */
	ck_assert_int_eq(resolve("1/2", 3, NULL, &s, err), -1);
	ck_assert_str_eq(err, "conflicting shard counts: --shard 1/2 but --shard-count 3");
	ck_assert_int_eq(resolve(NULL, 3, NULL, &s, err), -1);
	ck_assert_str_eq(err, "--shard-count 3 without a shard index, expected JOB_COMPLETION_INDEX "
			      "set (Kubernetes) or --shard I/N");
	ck_assert_int_eq(resolve("3/2", 0, NULL, &s, err), -1);
	ck_assert_str_eq(err, "--shard '3/2' is out of range, expected I/N with 1 <= I <= N");
}
END_TEST

/* Every item in exactly one shard, for every N up to past the list. */
START_TEST(split_is_a_partition)
{
	sim_shard_item it[23];
	char names[23][16];
	uint32_t of[23];

	for (int i = 0; i < 23; i++) {
		snprintf(names[i], sizeof names[i], "s%02d", i);
		it[i] = (sim_shard_item){ names[i], i % 3 ? (double)(i * 7 % 11) + 0.5 : NAN };
	}
	for (uint32_t n = 1; n <= 30; n++) {
		size_t seen = 0;

		ck_assert_int_eq(sim_shard_split(it, 23, n, of), 0);
		for (uint32_t k = 0; k < n; k++)
			for (int i = 0; i < 23; i++)
				seen += of[i] == k;
		ck_assert_uint_eq(seen, 23);   /* each item once, in a shard below n */
	}
	ck_assert_int_eq(sim_shard_split(it, 23, 0, of), -1);
	ck_assert_int_eq(sim_shard_split(it, 0, 4, of), 0);
}
END_TEST

/* Longest first to the least loaded: 8 4 3 3 2 2 on two shards (LPT's
 * 12/10, where 11/11 exists: within its 4/3 bound). */
START_TEST(split_by_cost_lpt)
{
	const sim_shard_item it[] = { { "a", 2 }, { "b", 8 }, { "c", 3 }, { "d", 4 }, { "e", 3 },
				      { "f", 2 } };
	uint32_t of[6];
	double load[2] = { 0, 0 };

	ck_assert_int_eq(sim_shard_split(it, 6, 2, of), 0);
	ck_assert_uint_eq(of[1], 0);   /* b 8: 0 at 8 */
	ck_assert_uint_eq(of[3], 1);   /* d 4: 1 at 4 */
	ck_assert_uint_eq(of[2], 1);   /* c 3 (before e: the name): 1 at 7 */
	ck_assert_uint_eq(of[4], 1);   /* e 3: 1 at 10 */
	ck_assert_uint_eq(of[0], 0);   /* a 2 (before f): 0 at 10 */
	ck_assert_uint_eq(of[5], 0);   /* f 2: a tie at 10, the lower shard: 0 at 12 */
	for (int i = 0; i < 6; i++)
		load[of[i]] += it[i].cost_s;
	ck_assert_double_eq(load[0], 12);
	ck_assert_double_eq(load[1], 10);
}
END_TEST

/* Without history: an even split by count, sizes differing by at most 1,
 * dealt in name order. */
START_TEST(split_without_costs_is_even)
{
	sim_shard_item it[10];
	char names[10][16];
	uint32_t of[10], size[4] = { 0 };

	for (int i = 0; i < 10; i++) {
		snprintf(names[i], sizeof names[i], "n%d", i);
		it[i] = (sim_shard_item){ names[i], -1.0 };
	}
	ck_assert_int_eq(sim_shard_split(it, 10, 4, of), 0);
	for (int i = 0; i < 10; i++)
		size[of[i]]++;
	ck_assert_uint_eq(size[0], 3);
	ck_assert_uint_eq(size[1], 3);
	ck_assert_uint_eq(size[2], 2);
	ck_assert_uint_eq(size[3], 2);
	ck_assert_uint_eq(of[0], 0);
	ck_assert_uint_eq(of[1], 1);
	ck_assert_uint_eq(of[4], 0);
	ck_assert_uint_eq(of[9], 1);
}
END_TEST

/* The split follows the names, not the order the list came in, and its
 * fingerprint says so. */
START_TEST(split_independent_of_order)
{
	const sim_shard_item a[] = { { "x", 1 }, { "y", 1 }, { "z", 5 }, { "w", 1 }, { "v", NAN } };
	const sim_shard_item b[] = { { "v", NAN }, { "w", 1 }, { "z", 5 }, { "y", 1 }, { "x", 1 } };
	uint32_t oa[5], ob[5], moved[5];

	ck_assert_int_eq(sim_shard_split(a, 5, 3, oa), 0);
	ck_assert_int_eq(sim_shard_split(b, 5, 3, ob), 0);
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++)
			if (strcmp(a[i].name, b[j].name) == 0)
				ck_assert_uint_eq(oa[i], ob[j]);
	ck_assert_uint_eq(sim_shard_plan_hash(a, 5, 3, oa), sim_shard_plan_hash(a, 5, 3, oa));
	memcpy(moved, oa, sizeof moved);
	moved[0] = (moved[0] + 1) % 3;
	ck_assert_uint_ne(sim_shard_plan_hash(a, 5, 3, oa), sim_shard_plan_hash(a, 5, 3, moved));
	ck_assert_uint_ne(sim_shard_plan_hash(a, 5, 3, oa), sim_shard_plan_hash(a, 5, 4, oa));
}
END_TEST

/* Seeds of a swarm: no names, so ties go by place - round robin. */
START_TEST(split_unnamed_round_robin)
{
	sim_shard_item it[7];
	uint32_t of[7];

	for (int i = 0; i < 7; i++)
		it[i] = (sim_shard_item){ NULL, -1 };
	ck_assert_int_eq(sim_shard_split(it, 7, 3, of), 0);
	for (uint32_t i = 0; i < 7; i++)
		ck_assert_uint_eq(of[i], i % 3);
}
END_TEST

START_TEST(touch_creates)
{
	char dir[64], path[128];
	struct stat st;

	tmpdir_make(dir, sizeof dir, "shard");
	snprintf(path, sizeof path, "%s/status", dir);
	ck_assert_int_eq(sim_shard_touch(path), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(sim_shard_touch(path), 0);   /* again: still there, still empty */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq((int)st.st_size, 0);
	snprintf(path, sizeof path, "%s/nosuch/status", dir);
	ck_assert_int_eq(sim_shard_touch(path), -1);
	tmpdir_remove(dir);
}
END_TEST

Suite *shard_suite(void)
{
	Suite *s = suite_create("shard");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parse_one_based);
	tcase_add_test(tc, parse_refuses);
	tcase_add_test(tc, nothing_set_is_no_sharding);
	tcase_add_test(tc, kubernetes_indexed_job);
	tcase_add_test(tc, slurm_array);
	tcase_add_test(tc, bazel_sharding_and_status_file);
	tcase_add_test(tc, sources_must_agree);
	tcase_add_test(tc, explicit_wins);
	tcase_add_test(tc, split_is_a_partition);
	tcase_add_test(tc, split_by_cost_lpt);
	tcase_add_test(tc, split_without_costs_is_even);
	tcase_add_test(tc, split_independent_of_order);
	tcase_add_test(tc, split_unnamed_round_robin);
	tcase_add_test(tc, touch_creates);
	suite_add_tcase(s, tc);
	return s;
}
