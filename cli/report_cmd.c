/*
 * report_cmd.c - `afsim report`, `afsim baseline` and `afsim regress`:
 * argument parsing and the database around db/report.c and db/regress.c.
 * Which runs each works on is cli/runsel.c's.
 *
 * The report's recommendations depend on the engine configuration the runs
 * used, which the ops table does not store: it is read back here from the
 * scenario file each run recorded, when that file still has the digest it
 * had then (db/ may not include sim/, the command line may).
 */
#include "cli/report_cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/runsel.h"
#include "cli/validate_cmd.h"
#include "db/db.h"
#include "db/regress.h"
#include "db/report.h"
#include "db/sha256.h"
#include "db/views.h"
#include "sim/scenario.h"

/* --format's value: 0, or -1 with a usage message. */
static int parse_format(const char *cmd, const char *fmt_s, db_format *fmt)
{
	if (db_format_parse(fmt_s, fmt) == 0)
		return 0;
	fprintf(stderr, "afsim %s: --format must be text, markdown or json, not '%s'\n", cmd, fmt_s);
	return -1;
}

/* --- the runs' configuration ------------------------------------------------------ */

/* Scenario files are small; a bigger one is not read back. */
#define CONFIG_FILE_MAX (4u << 20)

/* The whole file at path (malloc'd, *len bytes): NULL when it cannot be
 * read or is too big. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t k;

		if (n == cap) {
			char *p;

			if (cap >= CONFIG_FILE_MAX)
				goto fail;
			cap = cap ? 2 * cap : 8192;
			p = realloc(buf, cap);
			if (!p)
				goto fail;
			buf = p;
		}
		k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (k == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*len = n;
	return buf;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

/* The engine configuration run id was recorded with, from its scenario
 * file when that is unchanged since; otherwise cfg->known is false and
 * cfg->why says why. */
static void run_config(db *d, int64_t id, db_report_config *cfg)
{
	char path[1024], sha[65], hex[DB_SHA256_HEX], err[SIM_ERR_MAX];
	sim_scenario sc;
	char *buf;
	size_t len = 0;

	memset(cfg, 0, sizeof cfg[0]);
	if (db_run_scenario_file(d, id, path, sizeof path, sha) != 0) {
		snprintf(cfg->why, sizeof cfg->why, "cannot read run %" PRId64 "'s scenario file", id);
		return;
	}
	buf = slurp(path, &len);
	if (!buf) {
		snprintf(cfg->why, sizeof cfg->why, "the scenario file '%.100s' of run %" PRId64
			 " cannot be read", path, id);
		return;
	}
	db_sha256_hex(buf, len, hex);
	if (strcmp(hex, sha) != 0) {
		snprintf(cfg->why, sizeof cfg->why, "the scenario file '%.100s' changed since run %" PRId64,
			 path, id);
	} else if (sim_scenario_load_string(path, buf, len, &sc, err, sizeof err) != 0) {
		snprintf(cfg->why, sizeof cfg->why, "the scenario file '%.100s' of run %" PRId64
			 " no longer loads", path, id);
	} else {
		cfg->known = true;
		snprintf(cfg->optimization, sizeof cfg->optimization, "%s",
			 af_level_name(sc.engine.level));
		snprintf(cfg->mapping_model, sizeof cfg->mapping_model, "%s",
			 af_mapping_model_name(sc.engine.mapping_model));
		cfg->thermal_compensation = sc.engine.thermal_compensation;
		cfg->cache_size = sc.engine.cache_size;
		sim_scenario_release(&sc);
	}
	free(buf);
}

/* The configuration of every run of sel, when it is known and the same. */
static void runs_config(db *d, const runsel *sel, db_report_config *cfg)
{
	run_config(d, sel->ids[0], cfg);
	for (size_t i = 1; i < sel->n && cfg->known; i++) {
		db_report_config c;

		run_config(d, sel->ids[i], &c);
		if (!c.known) {
			*cfg = c;
		} else if (strcmp(c.optimization, cfg->optimization) != 0 ||
			   strcmp(c.mapping_model, cfg->mapping_model) != 0 ||
			   c.thermal_compensation != cfg->thermal_compensation ||
			   c.cache_size != cfg->cache_size) {
			memset(cfg, 0, sizeof *cfg);
			snprintf(cfg->why, sizeof cfg->why, "the runs used different configurations");
		}
	}
}

/* --- report ------------------------------------------------------------------- */

int afsim_cmd_report(int argc, char **argv)
{
	const char *path = NULL, *fmt_s = "text";
	db_format fmt;
	runsel sel = { 0 };
	db_report rep;
	db_report_config cfg;
	char err[512];
	db *d = NULL;
	int rc = EXIT_USAGE;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--validation") == 0)
			return afsim_report_validation(argc, argv);
	for (int i = 1; i < argc; i++) {
		int c = runsel_arg("report", argc, argv, &i, &sel, false, &fmt_s, &path);

		if (c == -2)
			rc = EXIT_HARNESS;
		if (c < 0)
			goto out;
		if (c)
			continue;
		if (strcmp(argv[i], "--scenario") == 0) {
			if (cli_value("report", argc, argv, &i, &sel.scenario) != 0)
				goto out;
		} else {
			fprintf(stderr, "afsim report: unknown argument '%s' (afsim help report)\n", argv[i]);
			goto out;
		}
	}
	if (parse_format("report", fmt_s, &fmt) != 0)
		goto out;
	if (runsel_count(&sel) > 1 || (sel.scenario && (sel.n || sel.invocation || sel.since))) {
		fprintf(stderr, "afsim report: give RUN_IDs, --last [--scenario NAME], --scenario NAME, "
				"--invocation ID or --since WHEN, not several\n");
		goto out;
	}
	if (!path)
		path = db_default_path();
	d = runsel_open("report", path, false);
	if (!d) {
		rc = EXIT_HARNESS;
		goto out;
	}
	rc = runsel_resolve("report", d, path, &sel, true, NULL);
	if (rc != EXIT_OK)
		goto out;
	runs_config(d, &sel, &cfg);
	if (db_report_build(d, sel.ids, sel.n, &cfg, &rep, err, sizeof err) != 0) {
		fprintf(stderr, "afsim report: %s\n", err);
		db_report_release(&rep);
		rc = EXIT_HARNESS;
		goto out;
	}
	if (db_report_print(&rep, fmt, stdout) != 0 || fflush(stdout) != 0) {
		fprintf(stderr, "afsim report: cannot write the report: %s\n", strerror(errno));
		rc = EXIT_HARNESS;
	}
	db_report_release(&rep);
out:
	db_close(d);
	runsel_release(&sel);
	return rc;
}

/* --- baseline ------------------------------------------------------------------- */

typedef struct show_ctx {
	db *d;
	size_t rows;
	char last_name[64];
	size_t count;
	bool list;
} show_ctx;

static int show_row(void *user, const db_baseline_row *b)
{
	show_ctx *s = user;
	db_run_row row;
	const char *hash = "-";

	if (s->rows++ == 0)
		printf("%-12s %-32s %6s  %-20s  %-16s  %s\n", "name", "scenario", "run", "created_at",
		       "trace", "reason");
	if (db_run_get(s->d, b->run_id, &row) == 0 && row.trace_hash[0])
		hash = row.trace_hash;
	printf("%-12s %-32s %6" PRId64 "  %-20s  %-16s  %s\n", b->name, b->scenario, b->run_id,
	       b->created_at, hash, b->reason);
	return 0;
}

static void list_flush(show_ctx *s)
{
	if (s->count)
		printf("%-24s %zu scenario%s\n", s->last_name, s->count, s->count == 1 ? "" : "s");
}

static int list_row(void *user, const db_baseline_row *b)
{
	show_ctx *s = user;

	/* rows come ordered by name, scenario: count runs of equal names */
	s->rows++;
	if (s->count && strcmp(s->last_name, b->name) == 0) {
		s->count++;
		return 0;
	}
	list_flush(s);
	snprintf(s->last_name, sizeof s->last_name, "%s", b->name);
	s->count = 1;
	return 0;
}

static int baseline_set(db *d, const char *path, const char *name, runsel *sel,
			const char *reason)
{
	db_run_row *rows;
	int rc = runsel_resolve("baseline", d, path, sel, false, NULL);

	if (rc != EXIT_OK)
		return rc;
	rows = calloc(sel->n, sizeof *rows);
	if (!rows) {
		fprintf(stderr, "afsim baseline: out of memory\n");
		return EXIT_HARNESS;
	}
	/* check everything before writing anything: a baseline is one finished
	 * run per scenario (an aborted run would make every comparison with it
	 * a regression) */
	for (size_t i = 0; i < sel->n && rc == EXIT_OK; i++) {
		if (db_run_get(d, sel->ids[i], &rows[i]) != 0) {
			fprintf(stderr, "afsim baseline: %s\n", db_errmsg(d));
			rc = EXIT_HARNESS;
			break;
		}
		if (!db_status_finished(rows[i].status)) {
			fprintf(stderr, "afsim baseline: run %" PRId64 " (%s) is %s, not finished: a "
					"baseline must be a complete run\n", rows[i].id, rows[i].scenario,
				rows[i].status);
			rc = EXIT_USAGE;
		}
		for (size_t k = 0; k < i && rc == EXIT_OK; k++)
			if (strcmp(rows[k].scenario, rows[i].scenario) == 0) {
				fprintf(stderr, "afsim baseline: runs %" PRId64 " and %" PRId64
						" are both of scenario '%s': a baseline is one run per scenario\n",
					rows[k].id, rows[i].id, rows[i].scenario);
				rc = EXIT_USAGE;
			}
	}
	for (size_t i = 0; i < sel->n && rc == EXIT_OK; i++) {
		if (strcmp(rows[i].status, "passed") != 0)
			fprintf(stderr, "afsim baseline: warning: run %" PRId64 " %s, not passed\n",
				rows[i].id, rows[i].status);
		if (db_baseline_set(d, name, rows[i].id, reason) != 0) {
			fprintf(stderr, "afsim baseline: cannot set '%s' of '%s': %s\n", name,
				rows[i].scenario, db_errmsg(d));
			rc = EXIT_HARNESS;
			break;
		}
		printf("baseline '%s' of scenario '%s': run %" PRId64 " (trace %s)\n", name,
		       rows[i].scenario, rows[i].id, rows[i].trace_hash[0] ? rows[i].trace_hash : "-");
	}
	free(rows);
	return rc;
}

#define BASELINE_SET_USAGE \
	"usage: afsim baseline set NAME (RUN_ID...|--last|--invocation ID|last) --reason TEXT [--db PATH]\n"

int afsim_cmd_baseline(int argc, char **argv)
{
	const char *path = NULL, *reason = NULL, *sub, *name = NULL;
	runsel sel = { 0 };
	show_ctx s = { 0 };
	db *d = NULL;
	bool set;
	int rc = EXIT_USAGE;

	if (argc < 2 || (strcmp(argv[1], "set") != 0 && strcmp(argv[1], "show") != 0 &&
			 strcmp(argv[1], "list") != 0)) {
		fprintf(stderr, "usage: %s\n", AFSIM_BASELINE_SYNOPSIS);
		return EXIT_USAGE;
	}
	sub = argv[1];
	set = strcmp(sub, "set") == 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		int c = 0;

		if (strcmp(a, "--db") == 0) {
			if (cli_value("baseline", argc, argv, &i, &path) != 0)
				goto out;
			continue;
		}
		if (set && strcmp(a, "--reason") == 0) {
			if (cli_value("baseline", argc, argv, &i, &reason) != 0)
				goto out;
			continue;
		}
		if (set && strcmp(a, "--since") != 0)
			c = runsel_arg("baseline", argc, argv, &i, &sel, false, NULL, &path);
		if (c == -2) {
			rc = EXIT_HARNESS;
			goto out;
		}
		if (c < 0)
			goto out;
		if (c)
			continue;
		if (a[0] != '-' && !name) {
			name = a;
		} else {
			fprintf(stderr, "afsim baseline %s: unexpected argument '%s' (afsim help baseline)\n",
				sub, a);
			goto out;
		}
	}
	if (name && !name[0]) {
		fprintf(stderr, "afsim baseline %s: the baseline name is empty\n", sub);
		goto out;
	}
	if (set) {
		if (!name || runsel_count(&sel) != 1 || !reason || !reason[0]) {
			fputs(BASELINE_SET_USAGE, stderr);
			goto out;
		}
		if (strlen(name) >= sizeof ((db_baseline_row *)0)->name) {
			fprintf(stderr, "afsim baseline: name '%s' is too long\n", name);
			goto out;
		}
	}
	if (!path)
		path = db_default_path();
	d = runsel_open("baseline", path, set);
	if (!d) {
		rc = EXIT_HARNESS;
		goto out;
	}
	if (set) {
		rc = baseline_set(d, path, name, &sel, reason);
		goto out;
	}
	s.d = d;
	s.list = sub[0] == 'l';
	if (db_baselines_each(d, name, s.list ? list_row : show_row, &s) != 0) {
		fprintf(stderr, "afsim baseline: cannot read the baselines of '%s': %s\n", path,
			db_errmsg(d));
		rc = EXIT_HARNESS;
		goto out;
	}
	if (s.list)
		list_flush(&s);
	rc = EXIT_OK;
	if (s.rows == 0 && name) {
		fprintf(stderr, "afsim baseline: no baseline '%s' in %s\n", name, path);
		rc = EXIT_USAGE;
	} else if (s.rows == 0) {
		printf("no baselines in %s\n", path);
	}
out:
	db_close(d);
	runsel_release(&sel);
	return rc;
}

/* --- regress --------------------------------------------------------------------- */

/* Refuse candidates that did not finish unless allowed: 0 or EXIT_HARNESS
 * (each named on stderr). */
static int check_finished(db *d, const runsel *sel, bool allow)
{
	size_t bad = 0;

	for (size_t i = 0; i < sel->n; i++) {
		db_run_row row;

		if (db_run_get(d, sel->ids[i], &row) != 0)
			return EXIT_HARNESS;
		if (db_status_finished(row.status) || allow)
			continue;
		fprintf(stderr, "afsim regress: run %" PRId64 " (%s) is %s, not finished%s%s%s: its "
				"numbers are partial, comparing it would call a cut-short run a "
				"regression\n", row.id, row.scenario, row.status, row.message[0] ? " (" : "",
			row.message, row.message[0] ? ")" : "");
		bad++;
	}
	if (bad)
		fprintf(stderr, "afsim regress: %zu candidate run%s did not finish: nothing compared "
				"(--allow-incomplete compares them anyway)\n", bad, bad == 1 ? "" : "s");
	return bad ? EXIT_HARNESS : EXIT_OK;
}

int afsim_cmd_regress(int argc, char **argv)
{
	const char *path = NULL, *fmt_s = "text", *name = "main";
	db_format fmt;
	runsel sel = { 0 };
	db_regress_result *res = NULL;
	char err[512];
	db *d = NULL;
	bool allow = false;
	unsigned flags = 0;
	int rc = EXIT_USAGE;

	for (int i = 1; i < argc; i++) {
		int c = runsel_arg("regress", argc, argv, &i, &sel, true, &fmt_s, &path);

		if (c == -2)
			rc = EXIT_HARNESS;
		if (c < 0)
			goto out;
		if (c)
			continue;
		if (strcmp(argv[i], "--allow-incomplete") == 0) {
			allow = true;
		} else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
			flags |= DB_RG_PRINT_VERBOSE;
		} else if (strcmp(argv[i], "--baseline") == 0) {
			if (cli_value("regress", argc, argv, &i, &name) != 0)
				goto out;
		} else {
			fprintf(stderr, "afsim regress: unknown argument '%s' (afsim help regress)\n", argv[i]);
			goto out;
		}
	}
	if (parse_format("regress", fmt_s, &fmt) != 0)
		goto out;
	if (runsel_count(&sel) != 1) {
		fprintf(stderr, "usage: %s\n", AFSIM_REGRESS_SYNOPSIS);
		goto out;
	}
	if (sel.latest)
		flags |= DB_RG_PRINT_AGES;
	if (!path)
		path = db_default_path();
	d = runsel_open("regress", path, false);
	if (!d) {
		rc = EXIT_HARNESS;
		goto out;
	}
	rc = runsel_resolve("regress", d, path, &sel, false, name);
	if (rc == EXIT_OK)
		rc = check_finished(d, &sel, allow);
	if (rc != EXIT_OK)
		goto out;
	res = calloc(sel.n, sizeof *res);
	if (!res) {
		fprintf(stderr, "afsim regress: out of memory\n");
		rc = EXIT_HARNESS;
		goto out;
	}
	for (size_t i = 0; i < sel.n; i++) {
		if (db_regress_run(d, name, sel.ids[i], &res[i], err, sizeof err) != 0) {
			fprintf(stderr, "afsim regress: run %" PRId64 ": %s\n", sel.ids[i], err);
			rc = EXIT_HARNESS;
			goto out;
		}
		if (sel.newer_unfinished)
			res[i].newer_unfinished = sel.newer_unfinished[i];
	}
	if (db_regress_print(name, res, sel.n, fmt, flags, stdout) != 0 || fflush(stdout) != 0) {
		fprintf(stderr, "afsim regress: cannot write the result: %s\n", strerror(errno));
		rc = EXIT_HARNESS;
		goto out;
	}
	rc = db_regress_exit_code(res, sel.n);
	if (rc == EXIT_HARNESS)
		fprintf(stderr, "afsim regress: nothing to compare: no baseline '%s' for %s\n", name,
			sel.n == 1 ? "the run's scenario" : "any run's scenario");
out:
	db_close(d);
	free(res);
	runsel_release(&sel);
	return rc;
}
