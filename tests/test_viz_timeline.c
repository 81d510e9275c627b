/*
 * test_viz_timeline.c - what a picture in CI shows (issue 9): the timeline
 * opens on the handoffs rather than the calibration before them, --op N
 * and --from/--to choose the window, long idle gaps are squeezed (ten
 * handoffs a minute apart in one window, each tens of pixels wide, run
 * time on the axis), a run that did not finish says so in the title and
 * is left out of a trend, and a histogram of a run without a successful
 * handoff is "nothing to draw" with the reason, not empty axes.
 */
#include "tests/viz_fix.h"

Suite *viz_timeline_suite(void);

START_TEST(test_timeline_opens_on_handoffs)
{
	static const double ph[4] = { 40, 60, 120, 5 };
	viz_view *v;
	viz_canvas c;
	int px, py;

	/* run 11: a 47 s calibration, then five handoffs */
	add_run(11, "cal-then-handoffs", "0000000000000011");
	exec("INSERT INTO ops (run_id, seq, kind, t_ms, total_ms, frames, success) "
	     "VALUES (11, 1, 'calibrate', 0, 47000, 40, 1)");
	for (int i = 0; i < 5; i++)
		add_handoff(11, 2 + i, 47000.0 + 300.0 * i, ph, 1.0, 1);
	v = view(VIZ_TIMELINE, 11, 0, 1, NULL, NULL);
	canvas(&c, 1000, 600);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	ck_assert_msg(strncmp(viz_view_status_line(v), "operations 2-6 of 6", 19) == 0, "%s",
		      viz_view_status_line(v));
	/* a handoff's 225 ms are readable: more than 100 px wide */
	ck_assert_int_eq(viz_view_map(v, 3, 47000.0, 0.5, &px, &py), 0);
	{
		int qx, qy;

		ck_assert_int_eq(viz_view_map(v, 3, 47225.0, 0.5, &qx, &qy), 0);
		ck_assert_int_gt(qx - px, 100);
	}
	/* --op 1: the calibration, alone (it is on another scale) */
	ck_assert_int_eq(viz_view_timeline_window(v, 1, false, 0, 0), 0);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	ck_assert_msg(strncmp(viz_view_status_line(v), "operations 1-1 of 6", 19) == 0, "%s",
		      viz_view_status_line(v));
	ck_assert_int_eq(viz_view_timeline_window(v, 99, false, 0, 0), VIZ_ENODATA);
	ck_assert_str_eq(viz_view_errmsg(v), "run 11 has no operation 99 (its operations are 1 to 6)");
	/* --from --to: a stretch of run time */
	ck_assert_int_eq(viz_view_timeline_window(v, 0, true, 47250, 47700), 0);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	ck_assert_msg(strstr(viz_view_status_line(v), "47250.0-47700.0 ms") != NULL, "%s",
		      viz_view_status_line(v));
	ck_assert_int_eq(viz_view_timeline_window(v, 0, true, 5, 1), VIZ_EUSAGE);
	viz_canvas_release(&c);
	viz_view_free(v);
}
END_TEST

START_TEST(test_timeline_squeezes_idle_gaps)
{
	static const double ph[4] = { 40, 60, 120, 30 };   /* 250 ms */
	viz_timeline_data t;
	viz_view *v;
	viz_canvas c;
	char err[256];
	int px, py, qx, qy;

	/* run 12: ten handoffs a minute apart, three frames each */
	add_run(12, "hourly", "0000000000000012");
	for (int i = 0; i < 10; i++) {
		add_handoff(12, i + 1, 60000.0 * i, ph, 1.0, 1);
		for (int k = 0; k < 3; k++)
			add_sample(12, i + 1, 3 * i + k + 1, 60000.0 * i + 110 + 40 * k, 1.0 + k, 0.2, 1.0, 22);
	}
	ck_assert_int_eq(viz_data_timeline(store, 12, &t, err, sizeof err), 0);
	ck_assert_uint_eq(t.ngaps, 9);
	ck_assert_double_eq(t.gaps[0].real0, 250.0);
	ck_assert_double_eq(t.gaps[0].real1, 60000.0);
	ck_assert_double_eq(t.gaps[0].w, 250.0);                 /* one median operation */
	ck_assert_double_eq(viz_timeline_display(&t, 60000.0), 500.0);
	ck_assert_double_eq(viz_timeline_real(&t, 500.0), 60000.0);
	ck_assert_double_eq(viz_timeline_display(&t, 540250.0), 4750.0);
	ck_assert_double_eq(t.t_end_real_ms, 540250.0);
	ck_assert_double_eq(t.t_ms[3], 610.0);                   /* 60110 ms, squeezed */
	viz_timeline_data_release(&t);
	v = view(VIZ_TIMELINE, 12, 0, 1, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(viz_view_title(v), "timeline of run 12 (hourly)"));
	canvas(&c, 1000, 600);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	/* all ten handoffs in one window, each tens of pixels wide */
	ck_assert_int_eq(viz_view_map(v, 0, 540000.0, 1.0, &px, &py), 0);
	ck_assert_int_eq(viz_view_map(v, 0, 60000.0, 1.0, &px, &py), 0);
	ck_assert_int_eq(viz_view_map(v, 0, 60250.0, 1.0, &qx, &qy), 0);
	ck_assert_int_gt(qx - px, 30);
	viz_canvas_release(&c);
	viz_view_free(v);
}
END_TEST

START_TEST(test_unfinished_runs_say_so)
{
	viz_view *v;
	viz_trend_data d;
	char err[256];

	exec("UPDATE runs SET status = 'aborted' WHERE id IN (6, 7)");
	v = view(VIZ_HIST, 7, 0, 1, NULL, NULL);
	ck_assert_int_eq(viz_view_status(v), 0);
	ck_assert_str_eq(viz_view_title(v), "handoff phases of run 7 (hs) · ABORTED: partial data");
	viz_view_free(v);
	v = view(VIZ_TIMELINE, 7, 0, 1, NULL, NULL);
	ck_assert_str_eq(viz_view_title(v), "timeline of run 7 (hs) · ABORTED: partial data");
	viz_view_free(v);
	/* the trend leaves the aborted run 6 out and says so */
	ck_assert_int_eq(viz_data_trend(store, "tr", "handoff.total_ms.mean", NULL, &d, err, sizeof err), 0);
	ck_assert_uint_eq(d.n, 4);
	ck_assert_uint_eq(d.unfinished, 1);
	ck_assert_int_eq(d.run_id[3], 5);
	viz_trend_data_release(&d);
}
END_TEST

START_TEST(test_hist_without_a_successful_handoff)
{
	static const double ph[4] = { 10, 20, 30, 5 };
	viz_view *v;

	add_run(13, "failing", "0000000000000013");
	for (int i = 0; i < 3; i++)
		add_handoff(13, i + 1, 1000.0 * i, ph, 0, 0);
	v = view(VIZ_HIST, 13, 0, 1, NULL, NULL);
	ck_assert_int_eq(viz_view_status(v), VIZ_ENODATA);
	ck_assert_int_eq(viz_exit_code(viz_view_status(v)), 3);
	ck_assert_str_eq(viz_view_errmsg(v), "run 13 has 3 handoffs and none succeeded: no phase times "
					     "to draw (afsim report 13 lists their errors)");
	viz_view_free(v);
	/* compare still has its key numbers to show */
	v = view(VIZ_COMPARE, 7, 13, 2, NULL, NULL);
	ck_assert_int_eq(viz_view_status(v), 0);
	viz_view_free(v);
}
END_TEST

Suite *viz_timeline_suite(void)
{
	Suite *s = suite_create("viz_timeline");
	TCase *tc = tcase_create("window");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_timeline_opens_on_handoffs);
	tcase_add_test(tc, test_timeline_squeezes_idle_gaps);
	tcase_add_test(tc, test_unfinished_runs_say_so);
	tcase_add_test(tc, test_hist_without_a_successful_handoff);
	suite_add_tcase(s, tc);
	return s;
}
