/*
 * gvcam.c - the fake GigE Vision camera server over Aravis's fake camera.
 *
 * The GenICam description is Aravis's own (read at run time from an
 * ArvFakeCamera, never copied into this project), edited in memory: more
 * monochrome PixelFormat entries after Mono16, every whole-word occurrence
 * of a hidden feature's name renamed (NAME -> NAME_hidden), so the document
 * stays consistent and the standard name is simply absent, and the <Inc> of
 * the four ROI features.  The edited text goes through a temporary file
 * because that is how arv_gv_fake_camera_new_full takes it; the file is
 * gone once the camera has read it.
 *
 * Faults ride on what the fake camera offers: its "gvsp-lost-ratio"
 * property (the probability that each GVSP packet is not sent) is set from
 * the fill callback for the frame about to be sent and cleared at the next
 * one, which gives dropped (1.0) and incomplete (param / 1000) frames; a
 * delay is a sleep in the fill callback, which stalls the camera's single
 * thread like a firmware that stalls.
 */
#include "hil/gvcam.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arv.h>

#include "hil/pixfmt.h"

/* Registers of Aravis's fake camera (arvfakecamera.h): sensor and ROI. */
#define REG_SENSOR_WIDTH ARV_FAKE_CAMERA_REGISTER_SENSOR_WIDTH
#define REG_SENSOR_HEIGHT ARV_FAKE_CAMERA_REGISTER_SENSOR_HEIGHT

#define MAX_QUEUED 16

typedef struct queued_fault {
	hil_gvcam_fault kind;
	uint32_t left, param;
} queued_fault;

struct hil_gvcam {
	char address[64], serial[16], device_id[64];
	hil_gvcam_opts o;           /* strings point into this struct's copies */
	const hil_pixfmt *power_up_fmt;
	char *xml;                  /* the edited description */
	size_t xml_len;
	ArvGvFakeCamera *gv;

	pthread_mutex_t mu;         /* faults, stats */
	queued_fault q[MAX_QUEUED];
	size_t nq;
	hil_gvcam_stats stats;
	bool lossy;                 /* gvsp-lost-ratio is not 0 (camera thread) */

	uint16_t *px;               /* render scratch (camera thread) */
	size_t px_cap;
};

/* --- the description --------------------------------------------------- */

static char *str_replace_all(const char *s, const char *from, const char *to)
{
	size_t nf = strlen(from), nt = strlen(to), count = 0, len;
	const char *p;
	char *out, *o;

	for (p = s; (p = strstr(p, from)); p += nf)
		count++;
	len = strlen(s) + count * nt + 1; /* over by count * nf: room enough */
	out = malloc(len);
	if (!out)
		return NULL;
	for (o = out, p = s;;) {
		const char *hit = strstr(p, from);

		if (!hit) {
			strcpy(o, p);
			break;
		}
		memcpy(o, p, (size_t)(hit - p));
		o += hit - p;
		memcpy(o, to, nt);
		o += nt;
		p = hit + nf;
	}
	return out;
}

/* Rename feature name where it stands as a whole word: >name< and "name". */
static char *hide_feature(char *xml, const char *name)
{
	const char *forms[2][2] = { { ">%s<", ">%s_hidden<" }, { "\"%s\"", "\"%s_hidden\"" } };
	char from[96], to[112];
	int i;

	for (i = 0; i < 2 && xml; i++) {
		char *next;

		snprintf(from, sizeof from, forms[i][0], name);
		snprintf(to, sizeof to, forms[i][1], name);
		next = str_replace_all(xml, from, to);
		free(xml);
		xml = next;
	}
	return xml;
}

/* Add our monochrome formats after the Mono16 entry of PixelFormat. */
static char *add_formats(char *xml, char *err, size_t n)
{
	const char *entry = strstr(xml, "<EnumEntry Name=\"Mono16\"");
	const char *end = entry ? strstr(entry, "</EnumEntry>") : NULL;
	char add[2048];
	size_t k = 0, i, nf, at;
	const hil_pixfmt *t = hil_pixfmt_table(&nf);
	char *out;

	if (!end) {
		snprintf(err, n, "aravis's fake camera description has no Mono16 pixel format entry");
		free(xml);
		return NULL;
	}
	for (i = 0; i < nf; i++)
		if (strcmp(t[i].name, "Mono8") != 0 && strcmp(t[i].name, "Mono16") != 0)
			k += (size_t)snprintf(add + k, sizeof add - k,
					      "\n\t\t<EnumEntry Name=\"%s\" NameSpace=\"Standard\">"
					      "<Value>%u</Value></EnumEntry>",
					      t[i].name, t[i].code);
	at = (size_t)(end - xml) + strlen("</EnumEntry>");
	out = malloc(strlen(xml) + k + 1);
	if (!out) {
		snprintf(err, n, "out of memory");
		free(xml);
		return NULL;
	}
	memcpy(out, xml, at);
	memcpy(out + at, add, k);
	strcpy(out + at + k, xml + at);
	free(xml);
	return out;
}

/* Declare increment inc for the Integer feature name: its <Inc>1</Inc>. */
static char *set_increment(char *xml, const char *name, uint32_t inc, char *err, size_t n)
{
	char open_tag[64], incs[32];
	const char *node, *end, *at;
	size_t pre, nl;
	char *out;

	snprintf(open_tag, sizeof open_tag, "<Integer Name=\"%s\"", name);
	node = strstr(xml, open_tag);
	end = node ? strstr(node, "</Integer>") : NULL;
	at = node ? strstr(node, "<Inc>1</Inc>") : NULL;
	if (!end || !at || at > end) {
		snprintf(err, n, "aravis's fake camera description has no increment for %s", name);
		free(xml);
		return NULL;
	}
	nl = (size_t)snprintf(incs, sizeof incs, "<Inc>%u</Inc>", inc);
	pre = (size_t)(at - xml);
	out = malloc(strlen(xml) + nl + 1);
	if (out) {
		memcpy(out, xml, pre);
		memcpy(out + pre, incs, nl);
		strcpy(out + pre + nl, at + strlen("<Inc>1</Inc>"));
	} else {
		snprintf(err, n, "out of memory");
	}
	free(xml);
	return out;
}

static int build_xml(hil_gvcam *c, char *err, size_t n)
{
	static const char *const roi_features[4] = { "OffsetX", "OffsetY", "Width", "Height" };
	ArvFakeCamera *stock = arv_fake_camera_new(c->serial);
	const char *text;
	size_t len = 0, i;
	char *xml;

	text = stock ? arv_fake_camera_get_genicam_xml(stock, &len) : NULL;
	if (!text || !len) {
		if (stock)
			g_object_unref(stock);
		snprintf(err, n, "aravis's fake camera has no GenICam description");
		return -1;
	}
	xml = malloc(len + 1);
	if (xml) {
		memcpy(xml, text, len);
		xml[len] = '\0';
	}
	g_object_unref(stock);
	if (!xml) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	xml = add_formats(xml, err, n);
	for (i = 0; xml && c->o.hide && c->o.hide[i]; i++)
		xml = hide_feature(xml, c->o.hide[i]);
	for (i = 0; xml && c->o.roi_increment > 1 && i < 4; i++)
		xml = set_increment(xml, roi_features[i], c->o.roi_increment, err, n);
	if (!xml) {
		if (!err[0])
			snprintf(err, n, "out of memory");
		return -1;
	}
	c->xml = xml;
	c->xml_len = strlen(xml);
	return 0;
}

/* --- the fill callback (camera thread) --------------------------------- */

static void ramp(uint16_t *px, uint32_t w, uint32_t h, uint32_t bit_depth,
		 const hil_gvcam_shot *s)
{
	uint32_t r, col, mask = (1u << bit_depth) - 1u;

	for (r = 0; r < h; r++)
		for (col = 0; col < w; col++)
			px[(size_t)r * w + col] = (uint16_t)((s->x + col + s->y + r) & mask);
}

/* The fault for the frame about to be sent, consumed from the queue. */
static queued_fault next_fault(hil_gvcam *c)
{
	queued_fault f = { HIL_GVCAM_DROP, 0, 0 };

	pthread_mutex_lock(&c->mu);
	c->stats.frames++;
	if (c->nq) {
		f = c->q[0];
		if (--c->q[0].left == 0) {
			memmove(c->q, c->q + 1, (c->nq - 1) * sizeof c->q[0]);
			c->nq--;
		}
		if (f.kind == HIL_GVCAM_DROP)
			c->stats.dropped++;
		else if (f.kind == HIL_GVCAM_DELAY)
			c->stats.delayed++;
		else
			c->stats.incomplete++;
	}
	pthread_mutex_unlock(&c->mu);
	return f;
}

/* Render the frame into the camera's buffer (payload bytes). */
static void render_into(hil_gvcam *c, ArvBuffer *buf, uint8_t *dst, size_t payload,
			uint32_t exposure_us, uint32_t gain, const hil_pixfmt *f)
{
	ArvFakeCamera *fake = arv_gv_fake_camera_get_fake_camera(c->gv);
	gint w = arv_buffer_get_image_width(buf), h = arv_buffer_get_image_height(buf);
	guint32 sw = 0, sh = 0;
	hil_gvcam_shot shot;
	size_t npx;

	if (w <= 0 || h <= 0)
		return;
	npx = (size_t)w * (size_t)h;
	/* not ours (RGB8, Bayer), or a packed odd tail the fake camera's
	 * rounded-down payload has no byte for: black */
	if (!f || hil_pixfmt_bytes(f, npx) > payload) {
		memset(dst, 0, payload);
		return;
	}
	if (npx > c->px_cap) {
		uint16_t *p = realloc(c->px, npx * sizeof *p);

		if (!p) {
			memset(dst, 0, payload);
			return;
		}
		c->px = p;
		c->px_cap = npx;
	}
	arv_fake_camera_read_register(fake, REG_SENSOR_WIDTH, &sw);
	arv_fake_camera_read_register(fake, REG_SENSOR_HEIGHT, &sh);
	shot = (hil_gvcam_shot){ (uint32_t)arv_buffer_get_image_x(buf),
				 (uint32_t)arv_buffer_get_image_y(buf), sw, sh, gain,
				 arv_buffer_get_frame_id(buf), f->name };
	if (c->o.render)
		c->o.render(c->o.user, c->px, (uint32_t)w, (uint32_t)h, f->bit_depth, exposure_us,
			    &shot);
	else
		ramp(c->px, (uint32_t)w, (uint32_t)h, f->bit_depth, &shot);
	hil_pixfmt_pack(f, c->px, dst, npx);
}

/* Aravis's fill callback, on the camera thread, before the frame is sent. */
static void fill(ArvBuffer *buf, void *data, guint32 exposure_us, guint32 gain,
		 ArvPixelFormat pf)
{
	hil_gvcam *c = data;
	/* The buffer is the camera's own, lent to us to fill; its size is the
	 * payload it was made for (arv_buffer_get_data's size is what was
	 * received, nothing on the sending side). */
	uint8_t *dst = (uint8_t *)(uintptr_t)arv_buffer_get_data(buf, NULL);
	size_t payload = arv_fake_camera_get_payload(arv_gv_fake_camera_get_fake_camera(c->gv));
	queued_fault fault;
	double lost = 0.0;

	if (dst)
		render_into(c, buf, dst, payload, exposure_us, gain, hil_pixfmt_by_code(pf));
	/* after rendering: a fault the render callback queued is this frame's */
	fault = next_fault(c);
	if (fault.left && fault.kind == HIL_GVCAM_DROP)
		lost = 1.0;
	else if (fault.left && fault.kind == HIL_GVCAM_INCOMPLETE)
		lost = fault.param / 1000.0;
	if (lost > 0.0 || c->lossy)
		g_object_set(c->gv, "gvsp-lost-ratio", lost, NULL);
	c->lossy = lost > 0.0;
	if (fault.left && fault.kind == HIL_GVCAM_DELAY) {
		struct timespec ts = { (time_t)(fault.param / 1000),
				       (long)(fault.param % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) != 0)
			;
	}
}

/* --- life cycle --------------------------------------------------------- */

/*
 * Is UDP port 3956 (GVCP) taken at address?  Aravis's fake camera starts
 * and says it runs even when it could not bind it (it only warns), so ask
 * the kernel first.  Addresses given as interface names are not checked.
 */
static bool gvcp_port_taken(const char *address)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(3956) };
	int fd;
	bool taken;

	if (inet_pton(AF_INET, address, &sa.sin_addr) != 1)
		return false;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return false;
	taken = bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno == EADDRINUSE;
	close(fd);
	return taken;
}

int hil_gvcam_start(hil_gvcam *c, char *err, size_t n)
{
	char path[] = "/tmp/afsim-gvcam-XXXXXX";
	int fd;
	ArvFakeCamera *fake;
	uint32_t w, h;
	bool wrote;

	if (c->gv)
		return 0;
	if (gvcp_port_taken(c->address)) {
		snprintf(err, n, "cannot serve a GigE Vision camera on '%s': UDP port 3956 is taken there",
			 c->address);
		return -1;
	}
	fd = mkstemp(path);
	if (fd < 0) {
		snprintf(err, n, "cannot write the camera description to '%s'", path);
		return -1;
	}
	wrote = write(fd, c->xml, c->xml_len) == (ssize_t)c->xml_len;
	close(fd);
	if (wrote)
		c->gv = arv_gv_fake_camera_new_full(c->address, c->serial, path);
	unlink(path);
	if (!wrote || !c->gv || !arv_gv_fake_camera_is_running(c->gv)) {
		snprintf(err, n, "cannot serve a GigE Vision camera on '%s': %s", c->address,
			 wrote ? "no interface has that address or name"
			       : "cannot write its description");
		if (c->gv)
			g_object_unref(c->gv);
		c->gv = NULL;
		return -1;
	}
	fake = arv_gv_fake_camera_get_fake_camera(c->gv);
	w = c->o.width < c->o.sensor_width ? c->o.width : c->o.sensor_width;
	h = c->o.height < c->o.sensor_height ? c->o.height : c->o.sensor_height;
	arv_fake_camera_write_register(fake, REG_SENSOR_WIDTH, c->o.sensor_width);
	arv_fake_camera_write_register(fake, REG_SENSOR_HEIGHT, c->o.sensor_height);
	arv_fake_camera_write_register(fake, ARV_FAKE_CAMERA_REGISTER_WIDTH, w);
	arv_fake_camera_write_register(fake, ARV_FAKE_CAMERA_REGISTER_HEIGHT, h);
	arv_fake_camera_write_register(fake, ARV_FAKE_CAMERA_REGISTER_X_OFFSET,
				       c->o.x <= c->o.sensor_width - w ? c->o.x : 0);
	arv_fake_camera_write_register(fake, ARV_FAKE_CAMERA_REGISTER_Y_OFFSET,
				       c->o.y <= c->o.sensor_height - h ? c->o.y : 0);
	if (c->o.exposure_us)
		arv_fake_camera_write_register(fake, ARV_FAKE_CAMERA_REGISTER_EXPOSURE_TIME_US,
					       c->o.exposure_us);
	arv_fake_camera_write_register(fake, ARV_FAKE_CAMERA_REGISTER_PIXEL_FORMAT,
				       c->power_up_fmt->code);
	arv_fake_camera_set_trigger_frequency(fake, c->o.trigger_hz);
	c->lossy = false;
	arv_fake_camera_set_fill_pattern(fake, fill, c);
	return 0;
}

void hil_gvcam_stop(hil_gvcam *c)
{
	if (!c->gv)
		return;
	/* Aravis's own pattern again, under its fill lock: once this returns
	 * fill() is not running and will not run while the camera finalizes */
	arv_fake_camera_set_fill_pattern(arv_gv_fake_camera_get_fake_camera(c->gv), NULL, NULL);
	g_object_unref(c->gv); /* joins the camera thread, closes its sockets */
	c->gv = NULL;
}

bool hil_gvcam_running(const hil_gvcam *c)
{
	return c->gv != NULL;
}

static bool serial_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > 15)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

hil_gvcam *hil_gvcam_new(const hil_gvcam_opts *o, char *err, size_t n)
{
	hil_gvcam_opts d = { 0 };
	hil_gvcam *c;
	const char *fmt;

	err[0] = '\0';
	if (!o)
		o = &d;
	if (o->serial && !serial_ok(o->serial)) {
		snprintf(err, n, "camera serial '%s' must be 1..15 of [A-Za-z0-9_-]", o->serial);
		return NULL;
	}
	if (o->trigger_hz < 0.0 || o->trigger_hz > 100000.0) {
		snprintf(err, n, "trigger frequency %g Hz is outside 0..100000", o->trigger_hz);
		return NULL;
	}
	fmt = o->pixel_format ? o->pixel_format : "Mono8";
	if (!hil_pixfmt_by_name(fmt)) {
		snprintf(err, n, "pixel format '%s' is not one the fake camera serves", fmt);
		return NULL;
	}
	c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, n, "out of memory");
		return NULL;
	}
	c->o = *o;
	c->power_up_fmt = hil_pixfmt_by_name(fmt);
	snprintf(c->address, sizeof c->address, "%s", o->address ? o->address : "127.0.0.1");
	snprintf(c->serial, sizeof c->serial, "%s", o->serial ? o->serial : HIL_GVCAM_SERIAL_DEFAULT);
	/* Aravis names a GigE Vision device vendor-model-serial. */
	snprintf(c->device_id, sizeof c->device_id, "Aravis-Fake-%s", c->serial);
	c->o.address = c->address;
	c->o.serial = c->serial;
	c->o.pixel_format = c->power_up_fmt->name;
	if (!c->o.sensor_width)
		c->o.sensor_width = ARV_FAKE_CAMERA_SENSOR_WIDTH;
	if (!c->o.sensor_height)
		c->o.sensor_height = ARV_FAKE_CAMERA_SENSOR_HEIGHT;
	if (!c->o.width)
		c->o.width = ARV_FAKE_CAMERA_WIDTH_DEFAULT;
	if (!c->o.height)
		c->o.height = ARV_FAKE_CAMERA_HEIGHT_DEFAULT;
	if (c->o.trigger_hz == 0.0)
		c->o.trigger_hz = HIL_GVCAM_TRIGGER_HZ_DEFAULT;
	pthread_mutex_init(&c->mu, NULL);
	if (build_xml(c, err, n) != 0 || hil_gvcam_start(c, err, n) != 0) {
		hil_gvcam_free(c);
		return NULL;
	}
	c->o.hide = NULL; /* the caller's array: used once, in build_xml */
	return c;
}

void hil_gvcam_free(hil_gvcam *c)
{
	if (!c)
		return;
	hil_gvcam_stop(c);
	pthread_mutex_destroy(&c->mu);
	free(c->xml);
	free(c->px);
	free(c);
}

const char *hil_gvcam_device_id(const hil_gvcam *c)
{
	return c->device_id;
}

const char *hil_gvcam_serial(const hil_gvcam *c)
{
	return c->serial;
}

const char *hil_gvcam_address(const hil_gvcam *c)
{
	return c->address;
}

int hil_gvcam_inject(hil_gvcam *c, hil_gvcam_fault kind, uint32_t n_frames, uint32_t param)
{
	int rc = 0;

	if (n_frames == 0 || (kind != HIL_GVCAM_DROP && kind != HIL_GVCAM_DELAY &&
			      kind != HIL_GVCAM_INCOMPLETE))
		return -1;
	if (kind == HIL_GVCAM_INCOMPLETE && (param < 1 || param > 999))
		return -1;
	if (kind == HIL_GVCAM_DELAY && (param < 1 || param > 60000))
		return -1;
	pthread_mutex_lock(&c->mu);
	if (c->nq == MAX_QUEUED)
		rc = -1;
	else
		c->q[c->nq++] = (queued_fault){ kind, n_frames, param };
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void hil_gvcam_get_stats(hil_gvcam *c, hil_gvcam_stats *s)
{
	pthread_mutex_lock(&c->mu);
	*s = c->stats;
	pthread_mutex_unlock(&c->mu);
}
