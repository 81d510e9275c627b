/*
 * test_rigfile.c - the rig file: a short file works with documented
 * defaults, every key is read, and bad files are refused with
 * file:line:col and what was expected (the scenario loader's conventions).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "hil/rigfile.h"
#include "sim/scenario.h"
#include "tests/tmpdir.h"

static int load(const char *y, hil_rig_file *rf, char *err, size_t n)
{
	return hil_rig_file_load_text("rig.yaml", y, strlen(y), rf, err, n);
}

START_TEST(two_lines_and_defaults)
{
	hil_rig_file rf;
	hil_bridge_config bc;
	char err[SIM_ERR_MAX];

	ck_assert_msg(load("name: bench-2\ntransport: tcp:127.0.0.1:7001\n", &rf, err, sizeof err) == 0,
		      "%s", err);
	ck_assert_str_eq(rf.name, "bench-2");
	ck_assert_int_eq(rf.transport.kind, HIL_TRANSPORT_TCP);
	ck_assert_uint_eq(rf.transport.port, 7001);
	ck_assert_int_eq(rf.camera, HIL_CAMERA_RIG);
	ck_assert_uint_eq(rf.timeout_ms, 1000);
	ck_assert_uint_eq(rf.connect_timeout_ms, 3000);
	ck_assert_uint_eq(rf.retries, 2);
	ck_assert_double_eq(rf.z_min_um, -490.0);
	ck_assert_double_eq(rf.z_max_um, 490.0);
	ck_assert_str_eq(rf.description, "");
	hil_rig_file_bridge_config(&rf, &bc);
	ck_assert_str_eq(bc.name, "bench-2");
	ck_assert(bc.frames);
	ck_assert_uint_eq(bc.timeout_ms, 1000);
}
END_TEST

START_TEST(every_key)
{
	static const char y[] =
		"name: left.bench_2\n"
		"description: the left bench, firmware 3.2\n"
		"transport: serial:/dev/ttyUSB0@921600\n"
		"camera: rig\n"
		"timeout_ms: 250\n"
		"connect_timeout_ms: 5000\n"
		"retries: 0\n"
		"z_min_um: -95\n"
		"z_max_um: 95.5\n";
	hil_rig_file rf;
	hil_bridge_config bc;
	char err[SIM_ERR_MAX];

	ck_assert_msg(load(y, &rf, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(rf.name, "left.bench_2");
	ck_assert_str_eq(rf.description, "the left bench, firmware 3.2");
	ck_assert_int_eq(rf.transport.kind, HIL_TRANSPORT_SERIAL);
	ck_assert_str_eq(rf.transport.device, "/dev/ttyUSB0");
	ck_assert_uint_eq(rf.transport.baud, 921600);
	ck_assert_uint_eq(rf.timeout_ms, 250);
	ck_assert_uint_eq(rf.connect_timeout_ms, 5000);
	ck_assert_uint_eq(rf.retries, 0);
	ck_assert_double_eq(rf.z_min_um, -95.0);
	ck_assert_double_eq(rf.z_max_um, 95.5);
	hil_rig_file_bridge_config(&rf, &bc);
	ck_assert_uint_eq(bc.retries, 0);
	ck_assert_double_eq(bc.z_max_um, 95.5);
	ck_assert_uint_eq(bc.transport.baud, 921600);
}
END_TEST

START_TEST(genicam_camera_and_its_keys)
{
	static const char y[] =
		"name: gv-bench\n"
		"transport: tcp:127.0.0.1:7001\n"
		"camera: genicam:Basler-acA1920-21234567\n"
		"camera_timeout_ms: 250\n"
		"camera_pixel_format: Mono12\n"
		"camera_reconnect_attempts: 5\n";
	hil_rig_file rf;
	hil_bridge_config bc;
	char err[SIM_ERR_MAX];

	ck_assert_msg(load(y, &rf, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(rf.camera, HIL_CAMERA_GENICAM);
	ck_assert_str_eq(rf.camera_id, "Basler-acA1920-21234567");
	ck_assert_uint_eq(rf.camera_timeout_ms, 250);
	ck_assert_str_eq(rf.camera_pixel_format, "Mono12");
	ck_assert_uint_eq(rf.camera_reconnect_attempts, 5);
	hil_rig_file_bridge_config(&rf, &bc);
	ck_assert(!bc.frames);
	ck_assert_str_eq(bc.camera_id, "Basler-acA1920-21234567");
	ck_assert_uint_eq(bc.camera.timeout_ms, 250);
	ck_assert_str_eq(bc.camera.pixel_format, "Mono12");
	ck_assert_uint_eq(bc.camera.reconnect_attempts, 5);

	/* the defaults of a GenICam camera: the camera's own format */
	ck_assert_msg(load("name: g\ntransport: tcp:127.0.0.1:7001\ncamera: genicam:127.0.0.1\n", &rf,
			   err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(rf.camera_id, "127.0.0.1");
	hil_rig_file_bridge_config(&rf, &bc);
	ck_assert_uint_eq(bc.camera.timeout_ms, 1000);
	ck_assert_ptr_null(bc.camera.pixel_format);
	ck_assert_uint_eq(bc.camera.reconnect_attempts, 3);
	/* frames over the protocol: no camera */
	ck_assert_msg(load("name: g\ntransport: tcp:127.0.0.1:7001\n", &rf, err, sizeof err) == 0, "%s",
		      err);
	hil_rig_file_bridge_config(&rf, &bc);
	ck_assert_ptr_null(bc.camera_id);
}
END_TEST

START_TEST(spec_defaults_and_overrides)
{
	static const char y[] =
		"name: slow-turret\n"
		"transport: tcp:127.0.0.1:7001\n"
		"spec:\n"
		"  lens_switch_ms: 900\n"
		"  standard_move_um: 25\n"
		"  frame_rate_hz: 10\n"
		"  margin_pct: 0\n"
		"  settled_z_um: 0.04\n"
		"  temperature_min_c: 15\n";
	hil_rig_file rf;
	char err[SIM_ERR_MAX];

	ck_assert_msg(load("name: r\ntransport: tcp:127.0.0.1:7001\n", &rf, err, sizeof err) == 0, "%s",
		      err);
	ck_assert_double_eq(rf.spec.lens_switch_ms, 50.0);
	ck_assert_double_eq(rf.spec.focus_move_ms, 80.0);
	ck_assert_double_eq(rf.spec.standard_move_um, 4.0);
	ck_assert_double_eq(rf.spec.settle_ms, 40.0);
	ck_assert_double_eq(rf.spec.z_repeatability_um, 0.1);
	ck_assert_double_eq(rf.spec.settled_z_um, 0.1);
	ck_assert_double_eq(rf.spec.backlash_um, 3.0);
	ck_assert_double_eq(rf.spec.encoder_error_um, 0.2);
	ck_assert_double_eq(rf.spec.frame_rate_hz, 25.0);
	ck_assert_double_eq(rf.spec.frame_jitter_ms, 5.0);
	ck_assert_double_eq(rf.spec.exposure_linearity_pct, 2.0);
	ck_assert_double_eq(rf.spec.dark_noise_adu, 12.0);
	ck_assert_double_eq(rf.spec.temperature_noise_c, 0.1);
	ck_assert_double_eq(rf.spec.temperature_min_c, 10.0);
	ck_assert_double_eq(rf.spec.temperature_max_c, 40.0);
	ck_assert_double_eq(rf.spec.handoff_ms, 300.0);
	ck_assert_double_eq(rf.spec.mapping_error_um, 1.0);
	ck_assert_double_eq(rf.spec.margin_pct, 10.0);
	ck_assert_double_eq(rf.spec.phase_timeout_s, 20.0);
	ck_assert_msg(load(y, &rf, err, sizeof err) == 0, "%s", err);
	ck_assert_double_eq(rf.spec.lens_switch_ms, 900.0);
	ck_assert_double_eq(rf.spec.standard_move_um, 25.0);
	ck_assert_double_eq(rf.spec.frame_rate_hz, 10.0);
	ck_assert_double_eq(rf.spec.margin_pct, 0.0);
	ck_assert_double_eq(rf.spec.temperature_min_c, 15.0);
	ck_assert_double_eq(rf.spec.settled_z_um, 0.04);
	ck_assert_double_eq(rf.spec.z_repeatability_um, 0.1);
	ck_assert_double_eq(rf.spec.focus_move_ms, 80.0);
}
END_TEST

START_TEST(bad_files)
{
	static const struct {
		const char *y;
		const char *err;
	} cases[] = {
		{ "transport: tcp:1.2.3.4:5\n", "rig.yaml:1:1: error: missing required key 'name'" },
		{ "name: r\n", "rig.yaml:1:1: error: missing required key 'transport'" },
		{ "name: r\ntransport: tcp:1.2.3.4:5\nbaud: 9600\n", NULL },
		{ "name: r\nname: s\ntransport: tcp:1.2.3.4:5\n", NULL },
		{ "name: r s\ntransport: tcp:1.2.3.4:5\n",
		  "rig.yaml:1:7: error: 'r s' is not a valid rig name, expected 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'" },
		{ "name: r\ntransport: udp:1.2.3.4:5\n",
		  "rig.yaml:2:12: error: transport 'udp:1.2.3.4:5': expected tcp:HOST:PORT or serial:/dev/DEVICE@BAUD" },
		{ "name: r\ntransport: tcp:1.2.3.4:99999\n",
		  "rig.yaml:2:12: error: transport 'tcp:1.2.3.4:99999': port '99999' is not in 1..65535" },
		{ "name: r\ntransport: serial:/dev/ttyS0@1234\n", NULL },
		{ "name: r\ntransport: tcp:1.2.3.4:5\ncamera: 'genicam:'\n",
		  "rig.yaml:3:9: error: camera 'genicam:', expected 'rig' or 'genicam:ID'" },
		{ "name: r\ntransport: tcp:1.2.3.4:5\ncamera: 'genicam:Basler 0815'\n",
		  "rig.yaml:3:9: error: camera 'genicam:Basler 0815': the camera id has a blank or a control "
		  "character, expected genicam:ID with ID an IPv4 address, a device id or a serial" },
		{ "name: r\ntransport: tcp:1.2.3.4:5\ncamera_timeout_ms: 300\n",
		  "rig.yaml:3:1: error: camera_timeout_ms is for a GenICam camera, but the camera is 'rig' "
		  "(expected camera: genicam:ID)" },
		{ "name: r\ntransport: tcp:1.2.3.4:5\ncamera: rig\ncamera_reconnect_attempts: 2\n",
		  "rig.yaml:4:1: error: camera_reconnect_attempts is for a GenICam camera, but the camera is "
		  "'rig' (expected camera: genicam:ID)" },
		{ "name: r\ntransport: tcp:1.2.3.4:5\ncamera: genicam:10.0.0.9\ncamera_pixel_format: RGB8\n",
		  "rig.yaml:4:22: error: 'RGB8' is not a pixel format afsim unpacks, expected one of Mono8, "
		  "Mono10, Mono12, Mono14, Mono16, Mono10p, Mono12p, Mono12Packed" },
		{ "name: r\ntransport: tcp:1.2.3.4:5\ncamera: genicam:10.0.0.9\ncamera_reconnect_attempts: 11\n",
		  NULL },
		{ "name: r\ntransport: tcp:1.2.3.4:5\nspec: {lens_switch_ms: 0}\n",
		  "rig.yaml:3:24: error: '0' is out of range for spec.lens_switch_ms, expected a finite number in (0, 600000]" },
		{ "name: r\ntransport: tcp:1.2.3.4:5\nspec: {switch_ms: 40}\n",
		  "rig.yaml:3:8: error: unknown key 'switch_ms' in spec, expected one of: lens_switch_ms, "
		  "focus_move_ms, standard_move_um, settle_ms, z_repeatability_um, settled_z_um, backlash_um, "
		  "encoder_error_um, frame_rate_hz, frame_jitter_ms, exposure_linearity_pct, dark_noise_adu, "
		  "temperature_noise_c, temperature_min_c, temperature_max_c, handoff_ms, mapping_error_um, "
		  "margin_pct, phase_timeout_s" },
		{ "name: r\ntransport: tcp:1.2.3.4:5\nspec:\n  temperature_min_c: 30\n  temperature_max_c: 20\n",
		  "rig.yaml:5:3: error: spec temperature_min_c 30 is not below temperature_max_c 20" },
		{ "name: r\ntransport: tcp:1.2.3.4:5\nspec: {margin_pct: 60}\n", NULL },
		{ "name: r\ntransport: tcp:1.2.3.4:5\ncamera: usb\n",
		  "rig.yaml:3:9: error: camera 'usb', expected 'rig' or 'genicam:ID'" },
		{ "name: r\ntransport: tcp:1.2.3.4:5\ntimeout_ms: 0\n", NULL },
		{ "name: r\ntransport: tcp:1.2.3.4:5\nretries: 11\n", NULL },
		{ "name: r\ntransport: tcp:1.2.3.4:5\nretries: -1\n", NULL },
		{ "name: r\ntransport: tcp:1.2.3.4:5\nz_min_um: 10\nz_max_um: 5\n",
		  "rig.yaml:4:1: error: travel z_min_um 10 is not below z_max_um 5" },
		{ "name: r\ntransport: tcp:1.2.3.4:5\nz_max_um: nan\n", NULL },
		{ "name: [r]\ntransport: tcp:1.2.3.4:5\n", NULL },
		{ "- name\n", NULL },
		{ "", "rig.yaml:1:1: error: empty file, expected a rig file mapping" },
	};
	char err[SIM_ERR_MAX];
	hil_rig_file rf;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_msg(load(cases[i].y, &rf, err, sizeof err) == -1, "accepted: %s", cases[i].y);
		if (cases[i].err)
			ck_assert_str_eq(err, cases[i].err);
		else
			ck_assert_msg(strncmp(err, "rig.yaml:", 9) == 0 && strstr(err, ": error: "),
				      "%s", err);
	}
	/* the messages of the generic checks name the key */
	load("name: r\ntransport: tcp:1.2.3.4:5\nbaud: 9600\n", &rf, err, sizeof err);
	ck_assert_ptr_nonnull(strstr(err, "rig.yaml:3:1: error: unknown key 'baud'"));
	load("name: r\nname: s\ntransport: tcp:1.2.3.4:5\n", &rf, err, sizeof err);
	ck_assert_ptr_nonnull(strstr(err, "rig.yaml:2:1: error: duplicate key 'name'"));
	load("name: r\ntransport: tcp:1.2.3.4:5\nretries: 11\n", &rf, err, sizeof err);
	ck_assert_ptr_nonnull(strstr(err, "rig.yaml:3:10: error: "));
}
END_TEST

START_TEST(files_on_disk)
{
	char dir[64], path[128], err[SIM_ERR_MAX];
	hil_rig_file rf;
	FILE *f;

	tmpdir_make(dir, sizeof dir, "rigfile");
	snprintf(path, sizeof path, "%s/r.yaml", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("name: disk\ntransport: tcp:localhost:7001\ntimeout_ms: 300\n", f);
	fclose(f);
	ck_assert_msg(hil_rig_file_load(path, &rf, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(rf.path, path);
	ck_assert_str_eq(rf.transport.host, "localhost");
	ck_assert_uint_eq(rf.timeout_ms, 300);
	snprintf(path, sizeof path, "%s/missing.yaml", dir);
	ck_assert_int_eq(hil_rig_file_load(path, &rf, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "missing.yaml:0:0: error: cannot open rig file: "));
	ck_assert_int_eq(hil_rig_file_load(dir, &rf, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, ":0:0: error: rig file is a directory"));
	tmpdir_remove(dir);
}
END_TEST

Suite *rigfile_suite(void)
{
	Suite *s = suite_create("rigfile");
	TCase *tc = tcase_create("rig file");

	tcase_add_test(tc, two_lines_and_defaults);
	tcase_add_test(tc, every_key);
	tcase_add_test(tc, genicam_camera_and_its_keys);
	tcase_add_test(tc, spec_defaults_and_overrides);
	tcase_add_test(tc, bad_files);
	tcase_add_test(tc, files_on_disk);
	suite_add_tcase(s, tc);
	return s;
}
