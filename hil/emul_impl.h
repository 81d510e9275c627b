/*
 * emul_impl.h - what the two halves of the rig emulator share: the object,
 * the pacing clock, and the calls between the protocol side (hil/emul.c,
 * its requests run in hil/emul_exec.c) and the GenICam camera side
 * (hil/emul_gv.c).  Private to hil/emul*.c.
 *
 * Threads: the protocol side is the serving thread (hil_emul_serve); the
 * GenICam camera renders on Aravis's camera thread.  The world - the
 * simulated rig (sh, hal) and the pacing clock (started, wall0_ns,
 * virt0_ns) - is touched by both, always under mu, and only for the time
 * a simulated call takes (never across a wait): the serving thread while it
 * catches up and runs a request, the camera thread while it catches up and
 * renders a frame.  Everything else is the serving thread's alone, except
 * the camera's counters (cam_mu's, hil_emul_get_stats).  The camera is
 * stopped and started only from the serving thread, never with mu held
 * (stopping joins the camera thread, which may be waiting for mu).
 */
#ifndef HIL_EMUL_IMPL_H
#define HIL_EMUL_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hil/emul.h"
#include "hil/gvcam.h"
#include "hil/link.h"
#include "hil/proto.h"
#include "sim/fault.h"
#include "kernel/rng.h"

typedef struct rig_fault {
	sim_fault f;
	bool fired;
	int64_t until_ns;   /* wall clock end of its effect; INT64_MAX: the connection's end */
} rig_fault;

struct hil_emul {
	hil_emul_config cfg;
	char name[HIL_PROTO_NAME_MAX + 1];
	char ident[HIL_PROTO_IDENT_MAX + 1];
	mdl_rig rig;
	mdl_room_profile room;
	pthread_mutex_t mu;       /* the world: sh, hal, the pacing clock */
	sim_hal *sh;
	af_hal hal;
	rig_fault *rf;
	size_t n_rf;
	/* where it listens */
	int listen_fd;
	bool pty;
	int pty_slave;            /* kept open: the line stays up without a client */
	int64_t reopen_ns;        /* pty: reopen after a link_drop at this time (-1: no) */
	char spec[HIL_TRANSPORT_TEXT_MAX];
	/* the client and its session */
	hil_link *client;
	char peer[HIL_TRANSPORT_TEXT_MAX];
	bool in_session;
	int64_t conn_t0_ns;
	uint64_t conn_requests;
	int64_t refuse_until_ns;  /* link_drop with a duration: new clients closed */
	/* pacing: wall0 <-> virt0, set at the first session or GenICam frame */
	bool started;
	int64_t wall0_ns, virt0_ns;
	uint64_t all_requests;
	/* the target of the last MOVE_Z accepted (settled_z COMMANDED) */
	bool have_target;
	double target_um;
	/* the reply: a line, and the pixels of a frame */
	char out[HIL_PROTO_LINE_BUF];
	size_t out_len;
	uint8_t *pay;
	size_t pay_len, pay_cap;
	uint16_t *px;
	size_t px_cap;
	sim_rng noise;
	int stop_fd;
	bool stopping;
	hil_emul_stats st;
	/* the GenICam camera (hil/emul_gv.c) */
	hil_gvcam *cam;
	char cam_spec[96];        /* "genicam:127.0.0.1" */
	int64_t cam_back_ns;      /* camera_gone: back at this wall time; -1 none,
				   * INT64_MAX at the end of the connection */
	pthread_mutex_t cam_mu;   /* cam_frames, cam_dropped */
	uint64_t cam_frames, cam_dropped;
};

/* Start the pacing clock if it has not started (mu held). */
void hil_em_start_clock(hil_emul *e);
/* Let virtual time catch up with the wall clock (mu held). */
void hil_em_catch_up(hil_emul *e);
/* The wall time (hil_now_ns) at which virtual time t_ns is due (pacing). */
int64_t hil_em_wall_of(const hil_emul *e, int64_t t_ns);

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void hil_em_log(hil_emul *e, const char *fmt, ...);

/* Run request rq on the simulated rig (hil/emul_exec.c); the reply into
 * e->out (and e->pay for a frame), an ERR line when it failed. */
void hil_em_execute(hil_emul *e, const hil_request *rq);

/* The camera side (hil/emul_gv.c). */
/* A camera rig-level fault fired (serving thread, mu not held). */
void hil_em_camera_fault(hil_emul *e, const sim_fault *f, int64_t now_ns, int64_t until_ns);
/* Bring a gone camera back when its time has come (serving thread). */
void hil_em_camera_tick(hil_emul *e, int64_t now_ns);
/* The connection ended: a camera gone "until the connection ends" comes back. */
void hil_em_camera_session_end(hil_emul *e);
/* Stop serving the camera (hil_emul_free). */
void hil_em_camera_free(hil_emul *e);

#endif /* HIL_EMUL_IMPL_H */
