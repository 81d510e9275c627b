/*
 * validate_cmd.c - `afsim hil validate` (the hardware validation suite of
 * hil/validate.h against a rig file's rig, recorded in the results store,
 * exported as JUnit) and `afsim report --validation` (a recorded one).
 *
 * Order of work: the arguments, the rig file (exit 2), the database (exit
 * 3: nothing is measured that could not be recorded) and the JUnit file
 * are checked before the rig is touched.  One line per measurement on
 * stdout as it is judged; the JUnit file is written from what was
 * recorded, so the two never disagree.  SIGINT and SIGTERM stop the suite
 * between repetitions: what was measured is recorded, the rest is ERROR
 * "interrupted".
 */
#include "cli/validate_cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "db/db.h"
#include "db/validation.h"
#include "hil/rigfile.h"
#include "hil/validate.h"

#ifndef AFSIM_VERSION
#define AFSIM_VERSION "unknown"
#endif

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_HARNESS = 3 };

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* ---- one line per measurement ------------------------------------------------ */

static int decimals(const char *unit)
{
	return strcmp(unit, "um") == 0 || strcmp(unit, "C") == 0 ? 3 : strcmp(unit, "Hz") == 0 ? 1 : 2;
}

static void limits_text(double lo, double hi, const char *unit, char *buf, size_t n)
{
	int d = decimals(unit);

	if (!isnan(lo) && !isnan(hi))
		snprintf(buf, n, "%.*g..%.*g", d + 3, lo, d + 3, hi);
	else if (!isnan(hi))
		snprintf(buf, n, "max %.*g", d + 3, hi);
	else if (!isnan(lo))
		snprintf(buf, n, "min %.*g", d + 3, lo);
	else
		snprintf(buf, n, "-");
}

/* "lens switch           44.85 ms   max 50        PASS      n=10 sd 2.91"
 * (and the message of an ERROR or a FAIL without a value). */
static void print_line(FILE *f, const char *name, double value, const char *unit, double lo,
		       double hi, const char *outcome, uint32_t n, double sd, const char *detail,
		       bool with_detail)
{
	char v[32], lim[48];
	bool more = n || !isnan(sd) || (with_detail && detail && *detail);

	if (isnan(value))
		snprintf(v, sizeof v, "-");
	else
		snprintf(v, sizeof v, "%.*f", decimals(unit), value);
	limits_text(lo, hi, unit, lim, sizeof lim);
	/* the outcome padded only when something follows: no trailing blanks */
	fprintf(f, "%-19s %10s %-3s  %-12s %-*s", name, v, unit, lim, more ? 8 : 0, outcome);
	if (n)
		fprintf(f, " n=%u", n);
	if (!isnan(sd))
		fprintf(f, " sd %.*f", decimals(unit) + 1, sd);
	if (with_detail && detail && *detail)
		fprintf(f, "%s%s", n || !isnan(sd) ? "; " : " ", detail);
	fputc('\n', f);
}

static void on_item(void *user, const hil_val_item *it)
{
	bool why = it->outcome == HIL_VAL_ERROR || it->outcome == HIL_VAL_FAIL ||
		   it->outcome == HIL_VAL_SKIPPED;

	(void)user;
	print_line(stdout, it->name, it->value, it->unit, it->lo, it->hi,
		   hil_val_outcome_name(it->outcome), it->n, it->sd, it->detail, why);
	fflush(stdout);
}

/* ---- JUnit, from the record ------------------------------------------------------ */

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
	}
}

typedef struct junit_ctx {
	FILE *f;
	const db_validation_row *v;
} junit_ctx;

static int junit_case(void *user, const db_validation_item_row *it)
{
	junit_ctx *j = user;
	char line[1536], lim[48];
	FILE *m = fmemopen(line, sizeof line, "w");

	if (m) {
		print_line(m, it->name, it->value, it->unit, it->limit_lo, it->limit_hi, it->outcome,
			   it->n, it->sd, it->detail, true);
		fclose(m);
	} else {
		snprintf(line, sizeof line, "%s", it->detail);
	}
	line[sizeof line - 1] = '\0';
	line[strcspn(line, "\n")] = '\0';
	limits_text(it->limit_lo, it->limit_hi, it->unit, lim, sizeof lim);
	fprintf(j->f, "    <testcase classname=\"afsim.hil.validate.");
	xml_text(j->f, j->v->rig);
	fprintf(j->f, "\" name=\"");
	xml_text(j->f, it->name);
	fprintf(j->f, "\" time=\"%.3f\">", isnan(it->duration_ms) ? 0.0 : it->duration_ms / 1e3);
	if (strcmp(it->outcome, "FAIL") == 0 || strcmp(it->outcome, "ERROR") == 0) {
		bool err = it->outcome[0] == 'E';

		fprintf(j->f, "\n      <%s message=\"", err ? "error" : "failure");
		if (err)
			xml_text(j->f, it->detail);
		else {
			char msg[160];

			if (isnan(it->value))
				snprintf(msg, sizeof msg, "no value, limit %s %s", lim, it->unit);
			else
				snprintf(msg, sizeof msg, "%.*f %s, limit %s", decimals(it->unit), it->value,
					 it->unit, lim);
			xml_text(j->f, msg);
		}
		fprintf(j->f, "\" type=\"%s\">", err ? "rig" : "limit");
		xml_text(j->f, it->detail);
		fprintf(j->f, "</%s>\n    ", err ? "error" : "failure");
	} else if (strcmp(it->outcome, "SKIPPED") == 0) {
		fprintf(j->f, "\n      <skipped message=\"");
		xml_text(j->f, it->detail);
		fprintf(j->f, "\"/>\n    ");
	}
	fprintf(j->f, "<system-out>");
	xml_text(j->f, line);
	fprintf(j->f, "</system-out></testcase>\n");
	return 0;
}

typedef struct tally {
	size_t n, fail, error, skipped;
} tally;

static int count_item(void *user, const db_validation_item_row *it)
{
	tally *t = user;

	t->n++;
	t->fail += strcmp(it->outcome, "FAIL") == 0;
	t->error += strcmp(it->outcome, "ERROR") == 0;
	t->skipped += strcmp(it->outcome, "SKIPPED") == 0;
	return 0;
}

static int write_junit(db *d, int64_t id, const char *path)
{
	db_validation_row v;
	tally t = { 0, 0, 0, 0 };
	junit_ctx j;
	FILE *f;
	int rc;

	if (db_validation_get(d, id, &v) != 0 || db_validation_items(d, id, count_item, &t) != 0) {
		fprintf(stderr, "afsim hil validate: cannot read validation %" PRId64 " back: %s\n", id,
			db_errmsg(d));
		return -1;
	}
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "afsim hil validate: cannot write JUnit file '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
		   "time=\"%.3f\">\n", t.n, t.fail, t.error, t.skipped, v.wall_s);
	fprintf(f, "  <testsuite name=\"afsim hil validate ");
	xml_text(f, v.rig);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\" "
		   "timestamp=\"", t.n, t.fail, t.error, t.skipped, v.wall_s);
	xml_text(f, v.started_at);
	fprintf(f, "\" hostname=\"");
	xml_text(f, v.host);
	fprintf(f, "\">\n    <properties><property name=\"validation\" value=\"%" PRId64 "\"/>"
		   "<property name=\"identity\" value=\"", id);
	xml_text(f, v.identity);
	fprintf(f, "\"/><property name=\"camera\" value=\"");
	xml_text(f, v.camera);
	fprintf(f, "\"/><property name=\"reps\" value=\"%u\"/></properties>\n", v.reps);
	j.f = f;
	j.v = &v;
	rc = db_validation_items(d, id, junit_case, &j);
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	if (fclose(f) != 0 || rc != 0) {
		fprintf(stderr, "afsim hil validate: cannot write JUnit file '%s': %s\n", path,
			rc ? db_errmsg(d) : strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- afsim hil validate ---------------------------------------------------------- */

static int validate_usage(void)
{
	fprintf(stderr, "usage: afsim hil validate --rig RIG.yaml [--reps N] [--junit FILE] "
			"[--db PATH]\n");
	return EXIT_USAGE;
}

static int record(db *d, const hil_rig_file *rf, const hil_val_result *r, const char *started,
		  int64_t *id)
{
	db_validation v;
	db_validation_item items[HIL_VAL_ITEMS];
	char camera[HIL_CAMERA_ID_MAX + 16], msg[160];

	snprintf(camera, sizeof camera, "%s%s", rf->camera == HIL_CAMERA_GENICAM ? "genicam:" : "rig",
		 rf->camera == HIL_CAMERA_GENICAM ? rf->camera_id : "");
	memset(&v, 0, sizeof v);
	v.rig = rf->name;
	v.rig_file = rf->path;
	v.identity = r->identity;
	v.camera = camera;
	v.status = hil_val_status(r);
	if (r->reconnects)
		snprintf(msg, sizeof msg, "%s; the connection was lost and opened again %u time%s",
			 r->count[HIL_VAL_ERROR] ? "a measurement could not be taken (ERROR)"
						 : "every measurement taken", r->reconnects,
			 r->reconnects == 1 ? "" : "s");
	else
		snprintf(msg, sizeof msg, "%s",
			 r->count[HIL_VAL_ERROR] ? "a measurement could not be taken (ERROR)" : "");
	v.message = msg;
	v.started_at = started;
	v.afsim_version = AFSIM_VERSION;
	v.reps = r->reps;
	v.wall_s = r->wall_s;
	for (size_t i = 0; i < r->n; i++) {
		const hil_val_item *it = &r->items[i];

		items[i] = (db_validation_item){ (uint32_t)i + 1, it->name, it->value, it->unit, it->lo,
						 it->hi, it->margin_pct,
						 hil_val_outcome_name(it->outcome), it->n, it->sd,
						 it->duration_ms, it->detail };
	}
	return db_validation_add(d, &v, items, r->n, id);
}

static int cmd_validate(int argc, char **argv)
{
	const char *rig = NULL, *junit = NULL, *path = NULL, *v;
	uint64_t reps = HIL_VAL_REPS_DEFAULT;
	hil_rig_file rf;
	hil_val_opts o;
	hil_val_result r;
	char err[2048], started[32], where[HIL_TRANSPORT_TEXT_MAX];
	struct sigaction sa, old_int, old_term;
	time_t now;
	struct tm tm;
	int64_t id = 0;
	db *d;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--rig") == 0 || strcmp(a, "--junit") == 0 || strcmp(a, "--db") == 0 ||
		    strcmp(a, "--reps") == 0) {
			if (cli_value("hil validate", argc, argv, &i, &v) != 0)
				return EXIT_USAGE;
			if (a[2] == 'r' && a[3] == 'i')
				rig = v;
			else if (a[2] == 'j')
				junit = v;
			else if (a[2] == 'd')
				path = v;
			else if (cli_u64(v, &reps) != 0 || reps < HIL_VAL_REPS_MIN || reps > HIL_VAL_REPS_MAX) {
				fprintf(stderr, "afsim hil validate: --reps needs an integer in %u..%u, not '%s'\n",
					HIL_VAL_REPS_MIN, HIL_VAL_REPS_MAX, v);
				return EXIT_USAGE;
			}
		} else {
			fprintf(stderr, "afsim hil validate: unknown argument '%s' (afsim help hil validate)\n", a);
			return EXIT_USAGE;
		}
	}
	if (!rig)
		return validate_usage();
	if ((junit && !*junit) || (path && !*path) || !*rig) {
		fprintf(stderr, "afsim hil validate: --rig, --junit and --db need a path, not an empty string\n");
		return EXIT_USAGE;
	}
	if (hil_rig_file_load(rig, &rf, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	if (!path)
		path = db_default_path();
	d = db_open(path, err, sizeof err);
	if (!d) {
		fprintf(stderr, "afsim hil validate: %s\n", err);
		return EXIT_HARNESS;
	}
	if (junit && cli_output_writable("hil validate", "JUnit file", junit) != 0) {
		db_close(d);
		return EXIT_HARNESS;
	}
	now = time(NULL);
	if (!gmtime_r(&now, &tm) || !strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(started, sizeof started, "1970-01-01T00:00:00Z");
	hil_transport_text(&rf.transport, where, sizeof where);
	printf("validating rig '%s' (%s%s%s) against its spec: %u repetitions, MARGINAL within %g %% "
	       "of a limit\n", rf.name, where, rf.camera == HIL_CAMERA_GENICAM ? ", camera genicam:" : "",
	       rf.camera == HIL_CAMERA_GENICAM ? rf.camera_id : "", (unsigned)reps, rf.spec.margin_pct);
	printf("%-19s %10s %-3s  %-12s %s\n", "measurement", "value", "", "limits", "outcome");
	fflush(stdout);
	memset(&o, 0, sizeof o);
	o.reps = (uint32_t)reps;
	o.stop = &stop_flag;
	o.on_item = on_item;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	stop_flag = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	signal(SIGPIPE, SIG_IGN);
	hil_validate(&rf, &o, &r);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (record(d, &rf, &r, started, &id) != 0) {
		fprintf(stderr, "afsim hil validate: cannot record the validation: %s\n", db_errmsg(d));
		db_close(d);
		return EXIT_HARNESS;
	}
	if (r.reconnects)
		printf("the connection to the rig was lost and opened again %u time%s\n", r.reconnects,
		       r.reconnects == 1 ? "" : "s");
	printf("%zu measurements: %zu PASS, %zu MARGINAL, %zu FAIL, %zu ERROR, %zu SKIPPED in %.1f s; "
	       "%s, recorded as validation %" PRId64 " in %s\n", r.n, r.count[HIL_VAL_PASS],
	       r.count[HIL_VAL_MARGINAL], r.count[HIL_VAL_FAIL], r.count[HIL_VAL_ERROR],
	       r.count[HIL_VAL_SKIPPED], r.wall_s, hil_val_status(&r), id, path);
	rc = r.count[HIL_VAL_ERROR] ? EXIT_HARNESS : r.count[HIL_VAL_FAIL] ? EXIT_FAILED : EXIT_OK;
	if (junit && write_junit(d, id, junit) != 0)
		rc = EXIT_HARNESS;
	db_close(d);
	return rc;
}

int afsim_hil_main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "validate") == 0)
		return cmd_validate(argc - 1, argv + 1);
	fprintf(stderr, "usage: afsim hil validate --rig RIG.yaml [--reps N] [--junit FILE] "
			"[--db PATH]\n");
	return EXIT_USAGE;
}

/* ---- afsim report --validation ------------------------------------------------------ */

typedef struct show_ctx {
	const char *fmt;
	size_t i;
} show_ctx;

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_num(double x)
{
	if (isnan(x))
		printf("null");
	else
		printf("%.6g", x);
}

static int show_item(void *user, const db_validation_item_row *it)
{
	show_ctx *s = user;
	char lim[48];

	if (strcmp(s->fmt, "json") == 0) {
		printf("%s\n    {\"name\": ", s->i++ ? "," : "");
		json_str(it->name);
		printf(", \"value\": ");
		json_num(it->value);
		printf(", \"unit\": ");
		json_str(it->unit);
		printf(", \"limit_lo\": ");
		json_num(it->limit_lo);
		printf(", \"limit_hi\": ");
		json_num(it->limit_hi);
		printf(", \"margin_pct\": ");
		json_num(it->margin_pct);
		printf(", \"outcome\": ");
		json_str(it->outcome);
		printf(", \"n\": %u, \"sd\": ", it->n);
		json_num(it->sd);
		printf(", \"duration_ms\": ");
		json_num(it->duration_ms);
		printf(", \"detail\": ");
		json_str(it->detail);
		printf("}");
		return 0;
	}
	if (strcmp(s->fmt, "markdown") == 0) {
		limits_text(it->limit_lo, it->limit_hi, it->unit, lim, sizeof lim);
		printf("| %s | ", it->name);
		if (isnan(it->value))
			printf("-");
		else
			printf("%.*f", decimals(it->unit), it->value);
		printf(" %s | %s | **%s** | %u | %s |\n", it->unit, lim, it->outcome, it->n, it->detail);
		return 0;
	}
	print_line(stdout, it->name, it->value, it->unit, it->limit_lo, it->limit_hi, it->outcome,
		   it->n, it->sd, NULL, false);
	printf("    %s\n", it->detail);
	return 0;
}

int afsim_report_validation(int argc, char **argv)
{
	const char *path = NULL, *which = NULL, *fmt = "text", *v;
	db_validation_row row;
	show_ctx s = { 0, 0 };
	char err[1024];
	uint64_t u;
	int64_t id;
	db *d;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--validation") == 0 || strcmp(a, "--db") == 0 ||
		    strcmp(a, "--format") == 0) {
			if (cli_value("report", argc, argv, &i, &v) != 0)
				return EXIT_USAGE;
			if (a[2] == 'v')
				which = v;
			else if (a[2] == 'd')
				path = v;
			else
				fmt = v;
		} else {
			fprintf(stderr, "afsim report: --validation takes only --format and --db, not '%s'\n", a);
			return EXIT_USAGE;
		}
	}
	if (!which)
		return EXIT_USAGE;
	if (strcmp(fmt, "text") != 0 && strcmp(fmt, "markdown") != 0 && strcmp(fmt, "json") != 0) {
		fprintf(stderr, "afsim report: --format must be text, markdown or json, not '%s'\n", fmt);
		return EXIT_USAGE;
	}
	if (strcmp(which, "last") != 0 && (cli_u64(which, &u) != 0 || u == 0 || u > INT64_MAX)) {
		fprintf(stderr, "afsim report: --validation needs a validation id or 'last', not '%s'\n",
			which);
		return EXIT_USAGE;
	}
	if (!path)
		path = db_default_path();
	d = db_open_ro(path, err, sizeof err);
	if (!d) {
		fprintf(stderr, "afsim report: %s\n", err);
		return EXIT_HARNESS;
	}
	id = (int64_t)u;
	rc = strcmp(which, "last") == 0 ? db_validation_last(d, &id) : 0;
	if (rc == 0)
		rc = db_validation_get(d, id, &row);
	if (rc != 0) {
		if (rc > 0 && strcmp(which, "last") == 0)
			fprintf(stderr, "afsim report: no validation in '%s' (afsim hil validate records them)\n", path);
		else if (rc > 0)
			fprintf(stderr, "afsim report: no validation %" PRId64 " in '%s'\n", id, path);
		else
			fprintf(stderr, "afsim report: %s\n", db_errmsg(d));
		db_close(d);
		return rc > 0 ? EXIT_USAGE : EXIT_HARNESS;
	}
	s.fmt = fmt;
	if (strcmp(fmt, "json") == 0) {
		printf("{\"validation\": %" PRId64 ", \"rig\": ", row.id);
		json_str(row.rig);
		printf(", \"rig_file\": ");
		json_str(row.rig_file);
		printf(", \"identity\": ");
		json_str(row.identity);
		printf(", \"camera\": ");
		json_str(row.camera);
		printf(", \"status\": ");
		json_str(row.status);
		printf(", \"started_at\": ");
		json_str(row.started_at);
		printf(", \"host\": ");
		json_str(row.host);
		printf(", \"afsim_version\": ");
		json_str(row.afsim_version);
		printf(", \"reps\": %u, \"wall_s\": ", row.reps);
		json_num(row.wall_s);
		printf(", \"items\": [");
	} else if (strcmp(fmt, "markdown") == 0) {
		printf("## Validation %" PRId64 " of rig %s: %s\n\n", row.id, row.rig, row.status);
		printf("%s, camera %s, %s on %s, %u repetitions, %.1f s (afsim %s)\n\n", row.identity,
		       row.camera, row.started_at, row.host, row.reps, row.wall_s, row.afsim_version);
		printf("| measurement | value | limits | outcome | n | how |\n|---|---|---|---|---|---|\n");
	} else {
		printf("validation %" PRId64 " of rig '%s' (%s): %s\n", row.id, row.rig, row.rig_file,
		       row.status);
		printf("identity %s, camera %s\n", row.identity[0] ? row.identity : "-", row.camera);
		printf("started %s on %s, %.1f s, %u repetitions, afsim %s\n\n", row.started_at, row.host,
		       row.wall_s, row.reps, row.afsim_version);
		printf("%-19s %10s %-3s  %-12s %s\n", "measurement", "value", "", "limits", "outcome");
	}
	rc = db_validation_items(d, id, show_item, &s);
	if (strcmp(fmt, "json") == 0)
		printf("\n  ]}\n");
	if (rc != 0) {
		fprintf(stderr, "afsim report: %s\n", db_errmsg(d));
		db_close(d);
		return EXIT_HARNESS;
	}
	db_close(d);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_HARNESS;
}
