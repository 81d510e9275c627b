/*
 * rig_cmd.c - `afsim rig serve` and `afsim rig hello` (rig_cmd.h).
 *
 * SIGINT and SIGTERM reach the emulator's poll loop through a self-pipe:
 * the handler writes one byte, the loop sees the pipe readable and returns,
 * and the command closes everything and exits 0.
 */
#include "cli/rig_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "hil/bridge.h"
#include "hil/emul.h"
#include "hil/rigfile.h"
#include "sim/scenario.h"

#ifndef AFSIM_VERSION
#define AFSIM_VERSION "unknown"
#endif

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_HARNESS = 3 };

/* The write end of the self-pipe, for the signal handler only. */
static volatile sig_atomic_t stop_wfd = -1;

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (stop_wfd >= 0)
		(void)!write(stop_wfd, &c, 1);
	errno = saved;
}

/* The ready line: where the protocol is served, and the camera with
 * --genicam (user: points to the camera's spec, "" without). */
static void print_ready(void *user, const char *spec)
{
	const char *cam = *(const char *const *)user;

	if (cam && *cam)
		printf("listening on %s camera %s\n", spec, cam);
	else
		printf("listening on %s\n", spec);
	fflush(stdout);
}

/* HOST:PORT (HOST may be [IPv6]; port 0..65535). */
static int parse_listen(const char *s, char *host, size_t hsize, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	const char *h = s;
	size_t hl;
	uint64_t p;

	if (!colon || colon == s || cli_u64(colon + 1, &p) != 0 || p > 65535)
		return -1;
	hl = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hl < 3 || s[hl - 1] != ']')
			return -1;
		h = s + 1;
		hl -= 2;
	}
	if (hl == 0 || hl >= hsize)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (uint16_t)p;
	return 0;
}

static int serve_usage(void)
{
	fprintf(stderr, "usage: afsim rig serve (--listen HOST:PORT | --pty) [--genicam] "
			"[--scenario FILE] [--seed N] [--name NAME] [--settled-z MODE] [--no-pacing] "
			"[--quiet] [-v]\n");
	return EXIT_USAGE;
}

static int cmd_serve(int argc, char **argv)
{
	hil_emul_config cfg;
	hil_emul *e = NULL;
	sim_scenario s;
	bool have_scn = false, have_seed = false, pty = false, genicam = false;
	const char *listen_at = NULL, *scn = NULL, *v, *cam_spec = "";
	char host[256], err[SIM_ERR_MAX], ident[HIL_PROTO_IDENT_MAX + 1];
	uint16_t port = 0;
	uint64_t seed = 1;
	int pfd[2] = { -1, -1 }, rc = EXIT_HARNESS;
	struct sigaction sa;

	hil_emul_config_default(&cfg);
	cfg.log = stderr;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--pty") == 0) {
			pty = true;
		} else if (strcmp(a, "--genicam") == 0) {
			genicam = true;
		} else if (strcmp(a, "--no-pacing") == 0) {
			cfg.pacing = false;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			cfg.log = NULL;
		} else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
			cfg.trace = stderr;
		} else if (strcmp(a, "--listen") == 0 || strcmp(a, "--scenario") == 0 ||
			   strcmp(a, "--seed") == 0 || strcmp(a, "--name") == 0 ||
			   strcmp(a, "--settled-z") == 0) {
			if (cli_value("rig serve", argc, argv, &i, &v) != 0)
				return EXIT_USAGE;
			if (a[3] == 'e' && a[4] == 't') {
				/* --settled-z: how WAIT_SETTLED_Z answers, or not at all */
				if (strcmp(v, "measured") == 0 || strcmp(v, "commanded") == 0) {
					cfg.settled_z = v[0] == 'm' ? HIL_EMUL_SETTLED_Z_MEASURED
								    : HIL_EMUL_SETTLED_Z_COMMANDED;
					cfg.withhold_caps &= ~HIL_CAP_SETTLED_Z;
				} else if (strcmp(v, "none") == 0) {
					cfg.withhold_caps |= HIL_CAP_SETTLED_Z;
				} else {
					fprintf(stderr, "afsim rig serve: --settled-z must be measured, "
							"commanded or none, not '%s'\n", v);
					return EXIT_USAGE;
				}
			} else if (a[2] == 'l') {
				listen_at = v;
			} else if (a[2] == 's' && a[3] == 'c') {
				scn = v;
			} else if (a[2] == 'n') {
				cfg.name = v;
			} else if (cli_u64(v, &seed) != 0) {
				fprintf(stderr, "afsim rig serve: --seed needs a non-negative integer, not '%s'\n", v);
				return EXIT_USAGE;
			} else {
				have_seed = true;
			}
		} else {
			fprintf(stderr, "afsim rig serve: unknown argument '%s' (afsim help rig)\n", a);
			return EXIT_USAGE;
		}
	}
	if (pty == (listen_at != NULL)) {
		fprintf(stderr, "afsim rig serve: give exactly one of --listen HOST:PORT and --pty\n");
		return serve_usage();
	}
	if (listen_at && parse_listen(listen_at, host, sizeof host, &port) != 0) {
		fprintf(stderr, "afsim rig serve: --listen '%s': expected HOST:PORT, port 0..65535\n",
			listen_at);
		return EXIT_USAGE;
	}
	if (cfg.name) {
		for (const char *p = cfg.name; *p; p++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p) ||
			    p - cfg.name >= HIL_PROTO_NAME_MAX) {
				fprintf(stderr, "afsim rig serve: --name '%s': expected 1..%d of [A-Za-z0-9._-]\n",
					cfg.name, HIL_PROTO_NAME_MAX);
				return EXIT_USAGE;
			}
		if (!cfg.name[0])
			return serve_usage();
	}
	if (scn) {
		if (sim_scenario_load(scn, &s, err, sizeof err) != 0) {
			fprintf(stderr, "%s\n", err);
			return EXIT_USAGE;
		}
		have_scn = true;
		cfg.scenario = &s;
		if (!have_seed)
			seed = s.seed;
	}
	cfg.seed = seed;
	snprintf(ident, sizeof ident, "afsim-%s/emulator/seed-%" PRIu64, AFSIM_VERSION, seed);
	for (char *p = ident; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/+-", *p))
			*p = '_';
	cfg.ident = ident;
	cfg.on_ready = print_ready;
	cfg.user = &cam_spec;
	e = hil_emul_new(&cfg, err, sizeof err);
	if (!e) {
		fprintf(stderr, "afsim rig serve: %s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}
	if ((pty ? hil_emul_open_pty(e, err, sizeof err)
		 : hil_emul_listen_tcp(e, host, port, err, sizeof err)) != 0) {
		fprintf(stderr, "afsim rig serve: %s\n", err);
		goto out;
	}
	if (genicam && hil_emul_start_genicam(e, NULL, err, sizeof err) != 0) {
		fprintf(stderr, "afsim rig serve: --genicam: %s\n", err);
		goto out;
	}
	cam_spec = hil_emul_camera_spec(e);
	if (pipe(pfd) != 0) {
		fprintf(stderr, "afsim rig serve: cannot make a pipe: %s\n", strerror(errno));
		goto out;
	}
	(void)fcntl(pfd[1], F_SETFL, O_NONBLOCK);
	stop_wfd = pfd[1];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (hil_emul_serve(e, pfd[0], err, sizeof err) != 0) {
		fprintf(stderr, "afsim rig serve: %s\n", err);
		goto out;
	}
	if (cfg.log) {
		hil_emul_stats st;

		hil_emul_get_stats(e, &st);
		fprintf(stderr, "afsim rig serve: stopped; %" PRIu64 " connections, %" PRIu64
			" refused, %" PRIu64 " requests (%" PRIu64 " malformed, %" PRIu64
			" swallowed), %" PRIu64 " rig-level faults",
			st.connections, st.refused, st.requests, st.bad_requests, st.swallowed, st.faults);
		if (genicam)
			fprintf(stderr, ", %" PRIu64 " GenICam frames (%" PRIu64 " dropped)",
				st.camera_frames, st.camera_dropped);
		fputc('\n', stderr);
	}
	rc = EXIT_OK;
out:
	stop_wfd = -1;
	if (pfd[0] >= 0) {
		close(pfd[0]);
		close(pfd[1]);
	}
	hil_emul_free(e);
	if (have_scn)
		sim_scenario_release(&s);
	return rc;
}

static int cmd_hello(int argc, char **argv)
{
	hil_rig_file rf;
	hil_bridge_config bc;
	hil_bridge *b;
	af_hal hal;
	char err[HIL_BRIDGE_ERR_MAX], caps[128];
	const hil_hello *h;
	int64_t t0, t1;
	double z;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: afsim rig hello RIG.yaml\n");
		return EXIT_USAGE;
	}
	if (hil_rig_file_load(argv[1], &rf, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	hil_rig_file_bridge_config(&rf, &bc);
	b = hil_bridge_open(&bc, err, sizeof err);
	if (!b) {
		fprintf(stderr, "afsim rig hello: %s\n", err);
		return EXIT_HARNESS;
	}
	h = hil_bridge_hello(b);
	printf("rig       %s (rig file '%s')\n", h->name, rf.name);
	printf("identity  %s\n", h->ident);
	printf("protocol  %u\n", h->version);
	hil_caps_text(h->caps, " ", caps, sizeof caps);
	printf("caps      %s\n", caps);
	if (hil_bridge_camera(b)) {
		const hil_genicam_info *ci = hil_genicam_get_info(hil_bridge_camera(b));

		printf("camera    genicam:%s (%s %s %s, %s, sensor %ux%u, %s, %s)\n", rf.camera_id,
		       ci->vendor, ci->model, ci->serial, ci->protocol, ci->sensor_width,
		       ci->sensor_height, hil_genicam_pixel_format(hil_bridge_camera(b)),
		       ci->software_trigger ? "software trigger" : "free running");
	}
	hil_bridge_bind(b, &hal);
	t0 = hil_now_ns();
	rc = hal.ops->get_z(hal.ctx, &z);
	t1 = hil_now_ns();
	if (rc != AF_OK) {
		fprintf(stderr, "afsim rig hello: %s\n", hil_bridge_errmsg(b));
		hil_bridge_free(b);
		return EXIT_HARNESS;
	}
	printf("z         %.3f um (GET_Z round trip %.3f ms)\n", z, (double)(t1 - t0) / 1e6);
	hil_bridge_free(b);
	return EXIT_OK;
}

int afsim_rig_main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "hello") == 0)
		return cmd_hello(argc - 1, argv + 1);
	fprintf(stderr, "usage: afsim rig serve (--listen HOST:PORT | --pty) [--genicam] "
			"[--scenario FILE] [--seed N] | afsim rig hello RIG.yaml\n");
	return EXIT_USAGE;
}
