/*
 * viz_cmd.h - the `afsim viz` command (cli/viz_cmd.c): pictures from the
 * results database, in a window or headless to PNG (viz/, docs/viz.md).
 */
#ifndef CLI_VIZ_CMD_H
#define CLI_VIZ_CMD_H

#define AFSIM_VIZ_SYNOPSIS \
	"afsim viz (timeline RUN [--op N | --from MS --to MS] | trend --scenario NAME --metric METRIC | " \
	"hist RUN [RUN] | compare RUN RUN) [--png FILE] [--size WxH] [--db PATH]"

#define AFSIM_VIZ_HELP \
	"Draw pictures of recorded runs (docs/viz.md).  RUN is a run id or `last`\n" \
	"(the newest run; --last works too).\n" \
	"  timeline RUN      stage z over run time with every frame, the true focal plane,\n" \
	"                    each search's fitted peak, focus scores, temperature and a\n" \
	"                    bar per phase of every operation; opens on the first ~10\n" \
	"                    handoffs (not the calibration before them); long idle gaps\n" \
	"                    are squeezed, shaded and marked with a break on the time axis\n" \
	"    --op N          open on operation N and the ones after it\n" \
	"    --from MS --to MS  open on this stretch of run time (ms)\n" \
	"  trend --scenario NAME --metric METRIC [--baseline NAME]\n" \
	"                    a metric over the finished runs of a scenario with the band\n" \
	"                    of its baseline (default main; the regression check's\n" \
	"                    tolerance) and the regressions marked; METRIC is\n" \
	"                    handoff.FIELD.STAT (FIELD total_ms, lens_switch_ms,\n" \
	"                    focus_move_ms, focus_search_ms, validation_ms,\n" \
	"                    mapping_error_um, focus_error_um, frames), autofocus.FIELD.STAT\n" \
	"                    (FIELD ms, focus_error_um, frames), calibration.rms_um.STAT\n" \
	"                    (STAT count, mean, min, max, p50, p95, p99, std),\n" \
	"                    handoff.success_rate, autofocus.success_rate or cache.hit_rate\n" \
	"                    (definitions: docs/statistics.md)\n" \
	"  hist RUN [RUN]    per-phase histograms of a run's handoffs, a second run overlaid\n" \
	"  compare RUN RUN   two runs side by side: phase means with p95 whiskers, key\n" \
	"                    numbers and trace hashes\n" \
	"Options:\n" \
	"  --png FILE        render headless to FILE (no display needed) instead of a window\n" \
	"  --size WxH        picture or window size in pixels (default 1280x800)\n" \
	"  --db PATH         the results database (default $AFSIM_DB, else ./afsim.db)\n" \
	"Window: left/right previous/next operation window (timeline), page of runs\n" \
	"(trend) or run (hist, compare); PageUp/PageDown previous/next run; up/down or\n" \
	"+/- zoom the x axis; the mouse wheel zooms around the cursor, a drag pans;\n" \
	"Home resets; h or ? shows the keys; q or Esc quits.\n" \
	"Testing aids: --script KEYS applies comma-separated key names (left, right,\n" \
	"up, down, plus, minus, pageup, pagedown, home, h, ?, q, esc, wheelup,\n" \
	"wheeldown) after the first frame; --screenshot FILE then saves the window as\n" \
	"PNG and quits (without a display it uses SDL's offscreen driver).\n" \
	"A run that did not finish (aborted, error, running) says so in the title.\n" \
	"Exit: 0 drawn; 2 bad usage (also an unknown metric); 3 nothing to draw (empty\n" \
	"database, unknown run or operation, no handoffs, no successful handoff for\n" \
	"hist; the picture shows the message) or an SDL or database error.\n"

/* argv[0] is "viz".  Returns the exit code (0, 2 or 3). */
int afsim_cmd_viz(int argc, char **argv);

#endif /* CLI_VIZ_CMD_H */
