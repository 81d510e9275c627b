/*
 * run_out.c - what `afsim run` writes: the verdict line of each scenario,
 * JUnit XML, the timeline pictures, the list of recorded run ids; and the
 * checks that those outputs can be written, made before anything runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/run_impl.h"
#include "db/db.h"
#include "viz/view.h"

/* --- the report sink: failed expectations into the outcome ------------- */

/* An expectation not applicable on the run's rig, into o->na (its names,
 * comma-separated). */
static void note_na(outcome *o, const char *metric)
{
	size_t len = strlen(o->na);

	if (len + strlen(metric) + 3 < sizeof o->na)
		snprintf(o->na + len, sizeof o->na - len, "%s%s", len ? ", " : "", metric);
}

void cli_run_on_expect(void *user, const sim_expect_record *x)
{
	outcome *o = user;
	int n;

	if (!x->applicable) {
		note_na(o, x->metric);
		return;
	}
	if (x->passed || o->report_len >= REPORT_MAX - 1)
		return;
	if (isnan(x->value))   /* the run has nothing to measure it on */
		n = snprintf(o->report + o->report_len, REPORT_MAX - o->report_len,
			     "  FAIL %s: no data (%s %.4g)\n", x->metric, x->op, x->bound);
	else
		n = snprintf(o->report + o->report_len, REPORT_MAX - o->report_len,
			     "  FAIL %s = %.4g (%s %.4g)\n", x->metric, x->value, x->op, x->bound);
	if (n > 0)
		o->report_len += (size_t)n < REPORT_MAX - o->report_len ? (size_t)n
									 : REPORT_MAX - 1 - o->report_len;
}


/* --- report and JUnit -------------------------------------------------------- */

static const char *verdict_word(sim_verdict v)
{
	return v == SIM_PASSED ? "PASS" : v == SIM_FAILED ? "FAIL" : "ERROR";
}

void cli_run_print_outcome(const sim_scenario *s, const outcome *oc)
{
	const sim_run_result *r = &oc->res;

	printf("%-5s %-32s seed %-4" PRIu64 " %-4s ", verdict_word(r->verdict), s->name, r->seed,
	       r->mode[0] ? r->mode : "sim");
	if (r->handoffs_ok && r->traced)
		printf("handoffs %u/%u  p95 %.1f ms  map max %.3f um  focus max %.3f um  ",
		       r->handoffs_ok, r->handoffs, r->total_p95_ms, r->mapping_error_max_um,
		       r->focus_error_max_um);
	else if (r->handoffs_ok)   /* no ground truth: no focus error */
		printf("handoffs %u/%u  p95 %.1f ms  map max %.3f um  focus max n/a  ", r->handoffs_ok,
		       r->handoffs, r->total_p95_ms, r->mapping_error_max_um);
	else if (r->handoffs)
		printf("handoffs 0/%u (none succeeded: no timings)  ", r->handoffs);
	if (r->traced)
		printf("trace %016" PRIx64 "\n", r->trace_hash);
	else
		printf("rig %s\n", r->rig);
	if (r->verdict == SIM_ERROR)
		printf("  ERROR %s\n", r->message);
	if (r->calibrations_failed == 1)
		printf("  WARN %s\n", r->calibration_error);
	else if (r->calibrations_failed)
		printf("  WARN %s (and %u more of %u calibrations failed)\n", r->calibration_error,
		       r->calibrations_failed - 1, r->calibrations);
	fputs(oc->report, stdout);
	if (oc->na[0])
		printf("  N/A  %s: not applicable under %s (needs the simulator's ground truth)\n", oc->na,
		       r->mode);
}

static void xml_escape(FILE *f, const char *s)
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

int cli_run_write_junit(const char *path, const sim_scenario *sc, const outcome *out, size_t n,
		       double wall_s)
{
	FILE *f = fopen(path, "w");
	size_t failures = 0, errors = 0;

	if (!f) {
		fprintf(stderr, "afsim run: cannot write JUnit file '%s': %s\n", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		failures += out[i].res.verdict == SIM_FAILED;
		errors += out[i].res.verdict == SIM_ERROR;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n", n,
		failures, errors, wall_s);
	fprintf(f, "  <testsuite name=\"afsim\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
		n, failures, errors, wall_s);
	for (size_t i = 0; i < n; i++) {
		const sim_run_result *r = &out[i].res;

		fprintf(f, "    <testcase classname=\"afsim.scenarios\" name=\"");
		xml_escape(f, sc[i].name);
		fprintf(f, "\" file=\"");
		xml_escape(f, sc[i].path);
		fprintf(f, "\" time=\"%.3f\">", out[i].wall_s);
		if (r->verdict == SIM_FAILED) {
			fprintf(f, "\n      <failure message=\"%u of %u expectations failed\" type=\"expectation\">",
				r->failed_expectations, r->expectations);
			xml_escape(f, out[i].report);
			fprintf(f, "</failure>\n    ");
		} else if (r->verdict == SIM_ERROR) {
			fprintf(f, "\n      <error message=\"");
			xml_escape(f, r->message);
			fprintf(f, "\" type=\"harness\"/>\n    ");
		}
		if (r->traced) {
			fprintf(f, "<system-out>seed %" PRIu64 " trace %016" PRIx64, r->seed, r->trace_hash);
		} else {
			fprintf(f, "<system-out>seed %" PRIu64 " mode %s rig ", r->seed, r->mode);
			xml_escape(f, r->rig);
		}
		if (out[i].na[0]) {
			fprintf(f, "; not applicable under %s: ", r->mode);
			xml_escape(f, out[i].na);
		}
		fprintf(f, "</system-out></testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	if (fclose(f) != 0) {
		fprintf(stderr, "afsim run: cannot write JUnit file '%s': %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The length of dir without its trailing slashes ("/" stays "/"), so that
 * a file in it is written "dir/file", never "dir//file". */
int cli_run_dir_len(const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return n > 4096 ? 4096 : (int)n;
}

/*
 * --png DIR: a timeline picture of every recorded run, DIR/<scenario>.png
 * (for CI artifacts); DIR was made and checked before the runs.  0, or -1
 * with a message on stderr.
 */
int cli_run_write_timelines(const char *dir, const char *dbp, const sim_scenario *sc,
			   const outcome *out, size_t n)
{
	char err[256], path[4400];
	viz_ctx *x = NULL;
	db *d = NULL;
	int rc = -1;

	d = db_open_ro(dbp, err, sizeof err);
	if (!d) {
		fprintf(stderr, "afsim run: --png: %s\n", err);
		return -1;
	}
	x = viz_ctx_new(NULL, err, sizeof err);
	if (!x) {
		fprintf(stderr, "afsim run: --png: %s\n", err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		viz_request rq = { VIZ_TIMELINE, { out[i].run_id, 0 }, 1, NULL, NULL, NULL };
		viz_view *v;
		int vr;

		if (out[i].run_id <= 0)
			continue;
		snprintf(path, sizeof path, "%.*s/%s.png", cli_run_dir_len(dir), dir, sc[i].name);
		v = viz_view_new(db_handle(d), &rq);
		if (!v) {
			fprintf(stderr, "afsim run: --png: out of memory\n");
			goto out;
		}
		vr = viz_render_png(v, x, 1280, 800, path, err, sizeof err);
		viz_view_free(v);
		/* a run with nothing to draw still gets its message picture */
		if (vr != 0 && vr != VIZ_ENODATA) {
			fprintf(stderr, "afsim run: --png: %s: %s\n", path, err);
			goto out;
		}
	}
	rc = 0;
out:
	viz_ctx_free(x);
	db_close(d);
	return rc;
}

/* --- outputs, checked before anything runs ------------------------------------- */

/* Options whose value is a path: an empty one is a usage error (exit 2). */
int cli_run_check_paths(const run_opts *o)
{
	static const char *const names[] = { "--db", "--junit", "--png", "--record", "--rig",
					     "--summary", "--shard" };
	const char *v[] = { o->db_path, o->junit, o->png_dir, o->record, o->rig_file, o->summary,
			    o->shard };

	for (int i = 0; i < 7; i++)
		if (v[i] && !*v[i]) {
			fprintf(stderr, "afsim run: %s needs a path, not an empty string\n", names[i]);
			return -1;
		}
	return 0;
}

/* The folder of an option (--png, --record) exists (made now if need be)
 * and takes a file.  0, or -1 with a message. */
int cli_run_check_dir(const char *dir, const char *opt)
{
	char probe[4200];
	struct stat st;
	int fd;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "afsim run: %s: cannot create folder '%s': %s\n", opt, dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "afsim run: %s: '%s' is not a folder\n", opt, dir);
		return -1;
	}
	snprintf(probe, sizeof probe, "%.*s/.afsim-probe-XXXXXX", cli_run_dir_len(dir), dir);
	fd = mkstemp(probe);
	if (fd < 0) {
		fprintf(stderr, "afsim run: %s: cannot write to folder '%s': %s\n", opt, dir,
			strerror(errno));
		return -1;
	}
	close(fd);
	unlink(probe);
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The run ids this invocation recorded, sorted, consecutive ones as
 * ranges: "7..9, 12, 15..16" (other writers' runs may sit in between).
 * out[0..n) holds them unsorted (0: not recorded); buf is malloc'd. */
char *cli_run_id_list(const outcome *out, size_t n)
{
	int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
	char *buf = malloc(n * 48 + 1);
	size_t k = 0, len = 0;

	if (!ids || !buf) {
		free(ids);
		free(buf);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (out[i].run_id > 0)
			ids[k++] = out[i].run_id;
	qsort(ids, k, sizeof *ids, cmp_id);
	buf[0] = '\0';
	for (size_t i = 0; i < k;) {
		size_t j = i;

		while (j + 1 < k && ids[j + 1] == ids[j] + 1)
			j++;
		len += (size_t)sprintf(buf + len, "%s%" PRId64, i ? ", " : "", ids[i]);
		if (j > i)
			len += (size_t)sprintf(buf + len, "..%" PRId64, ids[j]);
		i = j + 1;
	}
	free(ids);
	return buf;
}
