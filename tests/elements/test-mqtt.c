/* GStreamer anomaly detection plugin
 * test-mqtt.c - anomalymqttsink against a real mosquitto broker on
 * loopback: event payloads and order, QoS 0/1/2, a broker outage, no broker
 * at start, the bounded queue, the EOS flush timeout and bad settings.
 *
 * Every broker is started by the test on 127.0.0.1 on a free port with its
 * own configuration and persistence directory, and killed at the end.
 *
 * The subscriber keeps a persistent session (clean session off, QoS 1) in
 * a broker with persistence, so a restarted broker queues events for it
 * even before it has reconnected; it also re-subscribes on every connect.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <mosquitto.h>

#include "gstanomalymeta.h"

#define FRAME_NS (40 * GST_MSECOND)

/* ------------------------------------------------------------------------ */
/* libmosquitto for the subscriber, loaded at run time (the test executable
 * is not linked against it; the plugin is)                                */

#define MQ_FUNCS(X) X (mosquitto_lib_init) X (mosquitto_new) \
  X (mosquitto_destroy) X (mosquitto_connect_callback_set) \
  X (mosquitto_message_callback_set) X (mosquitto_subscribe_callback_set) \
  X (mosquitto_subscribe) X (mosquitto_connect_async) \
  X (mosquitto_loop_start) X (mosquitto_loop_stop) X (mosquitto_disconnect) \
  X (mosquitto_reconnect_delay_set) X (mosquitto_int_option)
#define MQ_DECL(f) static __typeof__ (f) *p_##f;
MQ_FUNCS (MQ_DECL)
#define MQ_LOAD(f) p_##f = (__typeof__ (f) *) dlsym (lib, #f); \
  fail_unless (p_##f != NULL, "no %s in libmosquitto", #f);
     static void load_mosquitto (void)
{
  static void *lib;

  if (lib)
    return;
  lib = dlopen ("libmosquitto.so.1", RTLD_NOW | RTLD_GLOBAL);
  fail_unless (lib != NULL, "cannot load libmosquitto: %s", dlerror ());
  MQ_FUNCS (MQ_LOAD);
  p_mosquitto_lib_init ();
}

/* ------------------------------------------------------------------------ */
/* Broker                                                                   */

typedef struct
{
  gint port;
  gchar *dir;
  GPid pid;
} Broker;

static gint
free_port (void)
{
  struct sockaddr_in a = { 0 };
  socklen_t len = sizeof (a);
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  fail_unless (fd >= 0);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fail_unless (bind (fd, (struct sockaddr *) &a, sizeof (a)) == 0);
  fail_unless (getsockname (fd, (struct sockaddr *) &a, &len) == 0);
  close (fd);
  return ntohs (a.sin_port);
}

static gboolean
port_open (gint port)
{
  struct sockaddr_in a = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  gboolean ok;

  a.sin_family = AF_INET;
  a.sin_port = htons (port);
  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  ok = connect (fd, (struct sockaddr *) &a, sizeof (a)) == 0;
  close (fd);
  return ok;
}

static const gchar *
mosquitto_binary (void)
{
  if (g_file_test ("/usr/sbin/mosquitto", G_FILE_TEST_IS_EXECUTABLE))
    return "/usr/sbin/mosquitto";
  return "mosquitto";
}

static Broker *
broker_new (void)
{
  Broker *b = g_new0 (Broker, 1);

  b->port = free_port ();
  b->dir = g_dir_make_tmp ("test-mqtt-XXXXXX", NULL);
  fail_unless (b->dir != NULL);
  /* the broker drops root privileges and must write its database here */
  g_chmod (b->dir, 0777);
  return b;
}

static void
broker_start (Broker * b)
{
  gchar *conf = g_build_filename (b->dir, "mosquitto.conf", NULL);
  gchar *text = g_strdup_printf ("listener %d 127.0.0.1\n"
      "allow_anonymous true\npersistence true\npersistence_location %s/\n"
      "log_dest stderr\n", b->port, b->dir);
  gchar *argv[] = { (gchar *) mosquitto_binary (), (gchar *) "-c", conf,
    NULL
  };
  GError *err = NULL;
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  fail_unless (g_file_set_contents (conf, text, -1, NULL));
  fail_unless (g_spawn_async (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
          G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
          G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &b->pid, &err),
      "cannot start mosquitto: %s", err ? err->message : "?");
  while (!port_open (b->port)) {
    fail_unless (g_get_monotonic_time () < deadline,
        "mosquitto did not open port %d", b->port);
    g_usleep (20000);
  }
  g_free (text);
  g_free (conf);
}

static void
broker_stop (Broker * b)
{
  int status;

  if (!b->pid)
    return;
  kill (b->pid, SIGTERM);
  waitpid (b->pid, &status, 0);
  g_spawn_close_pid (b->pid);
  b->pid = 0;
}

static void
broker_free (Broker * b)
{
  GDir *d;
  const gchar *name;

  broker_stop (b);
  d = g_dir_open (b->dir, 0, NULL);
  while (d && (name = g_dir_read_name (d))) {
    gchar *p = g_build_filename (b->dir, name, NULL);

    g_unlink (p);
    g_free (p);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (b->dir);
  g_free (b->dir);
  g_free (b);
}

/* ------------------------------------------------------------------------ */
/* Subscriber                                                               */

typedef struct
{
  struct mosquitto *mosq;
  GAsyncQueue *msgs;            /* "topic\npayload" strings */
  gint subscribed;
  GHashTable *seen;             /* "topic session id" of events collected */
} Subscriber;

static void
sub_on_connect (struct mosquitto *m, void *data, int rc)
{
  if (rc == 0)
    p_mosquitto_subscribe (m, NULL, "anomaly/#", 1);
}

static void
sub_on_subscribe (struct mosquitto *m, void *data, int mid, int n,
    const int *granted)
{
  g_atomic_int_set (&((Subscriber *) data)->subscribed, 1);
}

static void
sub_on_message (struct mosquitto *m, void *data,
    const struct mosquitto_message *msg)
{
  Subscriber *s = data;

  g_async_queue_push (s->msgs, g_strdup_printf ("%s\n%.*s", msg->topic,
          msg->payloadlen, (const gchar *) msg->payload));
}

static Subscriber *
subscriber_new (Broker * b)
{
  Subscriber *s = g_new0 (Subscriber, 1);
  gchar *id = g_strdup_printf ("test-sub-%d-%d", (int) getpid (), b->port);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  load_mosquitto ();
  s->msgs = g_async_queue_new_full (g_free);
  s->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->mosq = p_mosquitto_new (id, false, s);
  fail_unless (s->mosq != NULL);
  p_mosquitto_int_option (s->mosq, MOSQ_OPT_PROTOCOL_VERSION,
      MQTT_PROTOCOL_V311);
  p_mosquitto_connect_callback_set (s->mosq, sub_on_connect);
  p_mosquitto_subscribe_callback_set (s->mosq, sub_on_subscribe);
  p_mosquitto_message_callback_set (s->mosq, sub_on_message);
  p_mosquitto_reconnect_delay_set (s->mosq, 1, 1, false);
  fail_unless_equals_int (p_mosquitto_connect_async (s->mosq, "127.0.0.1",
          b->port, 10), MOSQ_ERR_SUCCESS);
  fail_unless_equals_int (p_mosquitto_loop_start (s->mosq), MOSQ_ERR_SUCCESS);
  while (!g_atomic_int_get (&s->subscribed)) {
    fail_unless (g_get_monotonic_time () < deadline, "not subscribed");
    g_usleep (10000);
  }
  g_free (id);
  return s;
}

static void
subscriber_free (Subscriber * s)
{
  p_mosquitto_disconnect (s->mosq);
  p_mosquitto_loop_stop (s->mosq, false);
  p_mosquitto_destroy (s->mosq);
  g_async_queue_unref (s->msgs);
  g_hash_table_unref (s->seen);
  g_free (s);
}

/* Collects events until @n new ones have arrived or @timeout_s passed.
 * Returns them (JsonObject, owned) in order of first arrival; counts
 * duplicates (same topic, session and id as any event collected before,
 * this call or an earlier one); checks the topic. */
static GPtrArray *
collect (Subscriber * s, const gchar * topic, guint n, gdouble timeout_s,
    guint * dups)
{
  GPtrArray *events = g_ptr_array_new_with_free_func (
      (GDestroyNotify) json_object_unref);
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;
  gchar *m;

  *dups = 0;
  while (events->len < n) {
    gint64 left = deadline - g_get_monotonic_time ();
    JsonParser *p;
    JsonObject *o;
    gchar *nl, *key;

    if (left <= 0 || !(m = g_async_queue_timeout_pop (s->msgs, left)))
      break;
    nl = strchr (m, '\n');
    fail_unless (nl != NULL);
    *nl = '\0';
    fail_unless_equals_string (m, topic);
    p = json_parser_new ();
    fail_unless (json_parser_load_from_data (p, nl + 1, -1, NULL), "bad JSON: "
        "%s", nl + 1);
    o = json_node_get_object (json_parser_get_root (p));
    key = g_strdup_printf ("%s %s %" G_GINT64_FORMAT, m,
        json_object_get_string_member (o, "session"),
        json_object_get_int_member (o, "id"));
    if (g_hash_table_contains (s->seen, key)) {
      (*dups)++;
      g_free (key);
    } else {
      g_hash_table_add (s->seen, key);
      g_ptr_array_add (events, json_object_ref (o));
    }
    g_object_unref (p);
    g_free (m);
  }
  return events;
}

#define EV(a, i) ((JsonObject *) g_ptr_array_index ((a), (i)))

/* ------------------------------------------------------------------------ */
/* Element                                                                  */

static GstHarness *
make_sink (gint port, const gchar * stream, const gchar * extra, GstBus * bus)
{
  gchar *desc = g_strdup_printf ("anomalymqttsink host=127.0.0.1 port=%d "
      "stream-id=%s reconnect-delay-max=1 %s", port, stream, extra);
  GstElement *e = gst_parse_launch (desc, NULL);
  GstHarness *h;

  fail_unless (e != NULL && GST_IS_BASE_SINK (e), "%s", desc);
  gst_element_set_bus (e, bus);
  h = gst_harness_new_with_element (e, "sink", NULL);
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=GRAY8,width=8,height=8,framerate=25/1");
  g_free (desc);
  return h;
}

/* A frame whose meta says (not) anomalous with @score and one region whose
 * x is frame / 100, so the peak frame can be recognised. */
static void
push_frame (GstHarness * h, guint64 frame, gboolean anomalous, gfloat score)
{
  GstBuffer *buf = gst_buffer_new ();
  GstAnomalyMeta *m = gst_buffer_add_anomaly_meta (buf, 8, 8);
  GstAnomalyRegion r = { frame / 100.0f, 0.25f, 0.125f, 0.5f, score };

  GST_BUFFER_PTS (buf) = frame * FRAME_NS;
  GST_BUFFER_DURATION (buf) = FRAME_NS;
  m->frame = frame;
  m->scored = TRUE;
  m->score = score;
  m->threshold = 1.0f;
  m->anomalous = anomalous;
  for (gint k = 0; k < GST_ANOMALY_META_N_PARTS; k++)
    m->parts[k] = score * (gfloat) (k + 1) / 8.0f;
  m->regions = g_array_new (FALSE, FALSE, sizeof (GstAnomalyRegion));
  if (anomalous)
    g_array_append_val (m->regions, r);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
}

static guint
get_uint (GstHarness * h, const gchar * name)
{
  guint v;

  g_object_get (h->element, name, &v, NULL);
  return v;
}

/* Polls the element's property @prop (boolean or unsigned) until it
 * reads @value, for up to 10 s. */
static void
wait_until (GstHarness * h, const gchar * prop, guint value)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS
      (h->element), prop);
  GValue v = G_VALUE_INIT, u = G_VALUE_INIT;

  fail_unless (ps != NULL);
  g_value_init (&v, ps->value_type);
  g_value_init (&u, G_TYPE_UINT);
  do {
    g_object_get_property (G_OBJECT (h->element), prop, &v);
    fail_unless (g_value_transform (&v, &u));
    if (g_value_get_uint (&u) == value)
      return;
    g_usleep (10000);
  } while (g_get_monotonic_time () < deadline);
  fail ("%s did not become %u", prop, value);
}

/* Next "anomaly-mqtt-status" message on @bus: connected field. */
static gboolean
next_status (GstBus * bus, guint * queued)
{
  GstMessage *msg;
  gboolean c = FALSE;

  while ((msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
              GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);

    if (gst_structure_has_name (s, "anomaly-mqtt-status")) {
      fail_unless (gst_structure_get_boolean (s, "connected", &c));
      fail_unless (gst_structure_get_uint (s, "queued", queued));
      fail_unless (gst_structure_has_field_typed (s, "dropped",
              G_TYPE_UINT64));
      gst_message_unref (msg);
      return c;
    }
    gst_message_unref (msg);
  }
  fail ("no anomaly-mqtt-status message");
  return FALSE;
}

static void
push_eos (GstHarness * h, GstBus * bus)
{
  GstMessage *msg;

  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND, GST_MESSAGE_EOS);
  fail_unless (msg != NULL, "no EOS");
  gst_message_unref (msg);
}

static void
check_ids (GPtrArray * ev, guint n, guint64 first_id)
{
  fail_unless_equals_int (ev->len, n);
  for (guint i = 0; i < n; i++)
    fail_unless_equals_int64 (json_object_get_int_member (EV (ev, i), "id"),
        (gint64) (first_id + i));
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */

GST_START_TEST (test_events)
{
  Broker *b = broker_new ();
  Subscriber *s;

  broker_start (b);
  s = subscriber_new (b);

  for (gint qos = 0; qos <= 2; qos++) {
    gchar *stream = g_strdup_printf ("cam-q%d", qos);
    gchar *extra = g_strdup_printf ("qos=%d", qos);
    gchar *topic = g_strdup_printf ("anomaly/%s/event", stream);
    GstBus *bus = gst_bus_new ();
    GstHarness *h = make_sink (b->port, stream, extra, bus);
    const gfloat scores[] = { 0.2f, 0.3f, 0.2f, 1.5f, 3.0f, 2.0f, 1.2f, 0.5f,
      0.4f, 1.1f, 1.3f
    };
    GPtrArray *ev;
    JsonObject *o, *parts;
    JsonArray *regions;
    GDateTime *t0, *t1;
    guint dups, queued;

    fail_unless (next_status (bus, &queued), "first status: connected");
    for (guint f = 0; f < G_N_ELEMENTS (scores); f++)
      push_frame (h, f, (f >= 3 && f <= 6) || f >= 9, scores[f]);
    push_eos (h, bus);
    fail_unless_equals_int (get_uint (h, "queued"), 0);

    ev = collect (s, topic, 4, 10.0, &dups);
    check_ids (ev, 4, 1);
    fail_unless_equals_int (dups, 0);

    o = EV (ev, 0);
    fail_unless_equals_string (json_object_get_string_member (o, "event"),
        "anomaly-start");
    fail_unless_equals_string (json_object_get_string_member (o, "stream"),
        stream);
    fail_unless_equals_int64 (json_object_get_int_member (o, "frame"), 3);
    fail_unless_equals_int64 (json_object_get_int_member (o, "pts"),
        3 * FRAME_NS);
    fail_unless_equals_float (json_object_get_double_member (o, "score"),
        1.5);
    /* why it started: the starting frame's parts, by name */
    parts = json_object_get_object_member (o, "parts");
    fail_unless (parts != NULL);
    fail_unless_equals_int (json_object_get_size (parts), 6);
    fail_unless_equals_float (json_object_get_double_member (parts,
            "learned"), 1.5 / 8.0);
    fail_unless_equals_float (json_object_get_double_member (parts,
            "still"), 1.5 * 4.0 / 8.0);
    fail_unless_equals_float (json_object_get_double_member (parts,
            "feature"), 1.5 * 6.0 / 8.0);
    fail_unless_equals_int64 (json_object_get_int_member (o, "duration"), 0);
    regions = json_object_get_array_member (o, "regions");
    fail_unless_equals_int (json_array_get_length (regions), 1);
    fail_unless_equals_float (json_object_get_double_member
        (json_array_get_object_element (regions, 0), "x"), 0.03f);
    t0 = g_date_time_new_from_iso8601 (json_object_get_string_member (o,
            "time"), NULL);
    fail_unless (t0 != NULL);

    o = EV (ev, 1);
    fail_unless_equals_string (json_object_get_string_member (o, "event"),
        "anomaly-end");
    fail_unless_equals_string (json_object_get_string_member (o, "session"),
        json_object_get_string_member (EV (ev, 0), "session"));
    fail_unless_equals_int64 (json_object_get_int_member (o, "frame"), 7);
    fail_unless_equals_int64 (json_object_get_int_member (o, "pts"),
        7 * FRAME_NS);
    fail_unless_equals_int64 (json_object_get_int_member (o, "start-frame"),
        3);
    fail_unless_equals_int64 (json_object_get_int_member (o, "start-pts"),
        3 * FRAME_NS);
    fail_unless_equals_int64 (json_object_get_int_member (o, "duration"),
        4 * FRAME_NS);
    fail_unless_equals_int64 (json_object_get_int_member (o, "frames"), 4);
    fail_unless_equals_float (json_object_get_double_member (o, "peak"), 3.0);
    /* why, at its peak: the peak frame's parts */
    parts = json_object_get_object_member (o, "parts");
    fail_unless (parts != NULL);
    fail_unless_equals_int (json_object_get_size (parts), 6);
    fail_unless_equals_float (json_object_get_double_member (parts,
            "pattern"), 3.0 * 3.0 / 8.0);
    fail_unless_equals_float (json_object_get_double_member (parts,
            "wander"), 3.0 * 5.0 / 8.0);
    regions = json_object_get_array_member (o, "regions");
    o = json_array_get_object_element (regions, 0);
    fail_unless_equals_float (json_object_get_double_member (o, "x"), 0.04f);
    fail_unless_equals_float (json_object_get_double_member (o, "y"), 0.25f);
    fail_unless_equals_float (json_object_get_double_member (o, "w"), 0.125f);
    fail_unless_equals_float (json_object_get_double_member (o, "h"), 0.5f);
    fail_unless_equals_float (json_object_get_double_member (o, "peak"), 3.0);
    t1 = g_date_time_new_from_iso8601 (json_object_get_string_member (EV (ev,
                1), "time"), NULL);
    fail_unless (t1 != NULL && g_date_time_compare (t0, t1) <= 0);
    fail_unless_equals_string (json_object_get_string_member (EV (ev, 1),
            "start-time"), json_object_get_string_member (EV (ev, 0), "time"));

    /* second event closed at EOS: end of the last frame */
    fail_unless_equals_int64 (json_object_get_int_member (EV (ev, 2), "frame"),
        9);
    o = EV (ev, 3);
    fail_unless_equals_string (json_object_get_string_member (o, "event"),
        "anomaly-end");
    fail_unless_equals_int64 (json_object_get_int_member (o, "frame"), 10);
    fail_unless_equals_int64 (json_object_get_int_member (o, "pts"),
        11 * FRAME_NS);
    fail_unless_equals_int64 (json_object_get_int_member (o, "duration"),
        2 * FRAME_NS);
    fail_unless_equals_float (json_object_get_double_member (o, "peak"), 1.3);

    g_date_time_unref (t0);
    g_date_time_unref (t1);
    g_ptr_array_unref (ev);
    gst_harness_teardown (h);
    gst_bus_set_flushing (bus, TRUE);
    gst_object_unref (bus);
    g_free (stream);
    g_free (extra);
    g_free (topic);
  }

  subscriber_free (s);
  broker_free (b);
}

GST_END_TEST;

/* Two transitions before, three during and one after a broker outage. */
GST_START_TEST (test_outage)
{
  Broker *b = broker_new ();
  GstBus *bus = gst_bus_new ();
  Subscriber *s;
  GstHarness *h;
  GPtrArray *ev;
  guint dups, queued;

  broker_start (b);
  s = subscriber_new (b);
  h = make_sink (b->port, "cam-outage", "", bus);
  fail_unless (next_status (bus, &queued));

  push_frame (h, 0, TRUE, 2.0f);
  push_frame (h, 1, FALSE, 0.1f);
  ev = collect (s, "anomaly/cam-outage/event", 2, 10.0, &dups);
  check_ids (ev, 2, 1);
  g_ptr_array_unref (ev);

  broker_stop (b);
  wait_until (h, "connected", FALSE);
  fail_if (next_status (bus, &queued), "status: disconnected");
  push_frame (h, 2, TRUE, 2.0f);
  push_frame (h, 3, FALSE, 0.1f);
  push_frame (h, 4, TRUE, 4.0f);
  fail_unless_equals_int (get_uint (h, "queued"), 3);
  g_usleep (300000);
  fail_unless_equals_int (get_uint (h, "queued"), 3);

  broker_start (b);
  fail_unless (next_status (bus, &queued), "status: connected again");
  ev = collect (s, "anomaly/cam-outage/event", 3, 15.0, &dups);
  check_ids (ev, 3, 3);
  fail_unless_equals_int64 (json_object_get_int_member (EV (ev, 2), "frame"),
      4);
  g_ptr_array_unref (ev);
  GST_INFO ("%u duplicates after the outage (at-least-once)", dups);

  push_frame (h, 5, FALSE, 0.1f);
  ev = collect (s, "anomaly/cam-outage/event", 1, 10.0, &dups);
  check_ids (ev, 1, 6);
  fail_unless_equals_float (json_object_get_double_member (EV (ev, 0),
          "peak"), 4.0);
  g_ptr_array_unref (ev);

  /* in flight when the broker dies: a frozen broker never acknowledges
   * events 7 and 8, then it is killed without saving anything; after the
   * restart libmosquitto resends them before event 9 goes out; first
   * event 6's acknowledgement, which may trail its delivery to the
   * subscriber */
  wait_until (h, "queued", 0);
  kill (b->pid, SIGSTOP);
  push_frame (h, 6, TRUE, 5.0f);
  push_frame (h, 7, FALSE, 0.1f);
  g_usleep (200000);
  fail_unless_equals_int (get_uint (h, "queued"), 2);
  kill (b->pid, SIGKILL);
  broker_stop (b);
  wait_until (h, "connected", FALSE);
  push_frame (h, 8, TRUE, 6.0f);
  broker_start (b);
  ev = collect (s, "anomaly/cam-outage/event", 3, 15.0, &dups);
  check_ids (ev, 3, 7);
  g_ptr_array_unref (ev);

  push_frame (h, 9, FALSE, 0.1f);
  push_eos (h, bus);
  fail_unless_equals_int (get_uint (h, "queued"), 0);
  ev = collect (s, "anomaly/cam-outage/event", 1, 10.0, &dups);
  check_ids (ev, 1, 10);
  g_ptr_array_unref (ev);

  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  subscriber_free (s);
  broker_free (b);
}

GST_END_TEST;

/* No broker when the pipeline starts; the queue holds 3 events, so the
 * oldest of 4 is dropped; the rest arrive once the broker is up. */
GST_START_TEST (test_no_broker_at_start)
{
  Broker *b = broker_new ();
  GstBus *bus = gst_bus_new ();
  Subscriber *s;
  GstHarness *h;
  GPtrArray *ev;
  GstMessage *msg;
  GError *err = NULL;
  guint64 dropped;
  guint dups;

  /* create the subscriber's persistent session, then take the broker down */
  broker_start (b);
  s = subscriber_new (b);
  broker_stop (b);

  h = make_sink (b->port, "cam-late", "max-queue=3", bus);
  for (guint f = 0; f < 4; f++)
    push_frame (h, f, f % 2 == 0, 1.0f + f);
  fail_unless_equals_int (get_uint (h, "queued"), 3);
  g_object_get (h->element, "dropped", &dropped, NULL);
  fail_unless_equals_int64 (dropped, 1);
  msg = gst_bus_timed_pop_filtered (bus, GST_SECOND, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no queue-full warning");
  gst_message_parse_warning (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_WRITE));
  g_clear_error (&err);
  gst_message_unref (msg);

  broker_start (b);
  ev = collect (s, "anomaly/cam-late/event", 3, 15.0, &dups);
  check_ids (ev, 3, 2);
  g_ptr_array_unref (ev);
  ev = collect (s, "anomaly/cam-late/event", 1, 0.3, &dups);
  fail_unless_equals_int (ev->len, 0);  /* event 1 is gone */
  g_ptr_array_unref (ev);

  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  subscriber_free (s);
  broker_free (b);
}

GST_END_TEST;

/* Never a broker: EOS closes the open event and returns after
 * flush-timeout with both events still queued. */
GST_START_TEST (test_flush_timeout)
{
  GstBus *bus = gst_bus_new ();
  GstHarness *h = make_sink (free_port (), "cam-none",
      "flush-timeout=300000000", bus);
  gint64 t0;
  GstMessage *msg;

  push_frame (h, 0, FALSE, 0.1f);
  push_frame (h, 1, TRUE, 2.0f);
  t0 = g_get_monotonic_time ();
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (g_get_monotonic_time () - t0 >= 250000);
  fail_unless (g_get_monotonic_time () - t0 < 5 * G_USEC_PER_SEC);
  fail_unless_equals_int (get_uint (h, "queued"), 2);
  /* the undelivered-events warning comes before EOS */
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING | GST_MESSAGE_EOS);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING);
  gst_message_unref (msg);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_EOS);
  fail_unless (msg != NULL, "no EOS");
  gst_message_unref (msg);

  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

GST_END_TEST;

static void
expect_settings_error (const gchar * prop, const gchar * value)
{
  GstElement *e = gst_element_factory_make ("anomalymqttsink", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;

  fail_unless (e != NULL);
  gst_element_set_bus (e, bus);
  g_object_set (e, "port", free_port (), prop, value, NULL);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error for %s=%s", prop, value);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS), "%s=%s: %s", prop, value,
      err->message);
  g_clear_error (&err);
  gst_message_unref (msg);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_START_TEST (test_properties)
{
  GstElement *e = gst_element_factory_make ("anomalymqttsink", "m");
  gchar *host, *prefix, *stream;
  gint port, qos;
  guint max_queue;
  guint64 timeout;
  gboolean sync;

  fail_unless (e != NULL);
  g_object_get (e, "host", &host, "port", &port, "topic-prefix", &prefix,
      "stream-id", &stream, "qos", &qos, "max-queue", &max_queue,
      "flush-timeout", &timeout, "sync", &sync, NULL);
  fail_unless_equals_string (host, "localhost");
  fail_unless_equals_int (port, 1883);
  fail_unless_equals_string (prefix, "anomaly");
  fail_unless (stream == NULL);
  fail_unless_equals_int (qos, 1);
  fail_unless_equals_int (max_queue, 10000);
  fail_unless_equals_uint64 (timeout, 5 * GST_SECOND);
  fail_if (sync);
  g_free (host);
  g_free (prefix);

  ASSERT_WARNING (g_object_set (e, "port", 70000, NULL));
  ASSERT_WARNING (g_object_set (e, "qos", 3, NULL));
  g_object_get (e, "port", &port, "qos", &qos, NULL);
  fail_unless_equals_int (port, 1883);
  fail_unless_equals_int (qos, 1);
  gst_object_unref (e);

  expect_settings_error ("host", "bad host!");
  expect_settings_error ("host", "");
  expect_settings_error ("host", "a..b");
  expect_settings_error ("topic-prefix", "site/#");
  expect_settings_error ("topic-prefix", "");
  expect_settings_error ("stream-id", "cam+1");
  expect_settings_error ("client-id", "");
}

GST_END_TEST;

static Suite *
mqtt_suite (void)
{
  Suite *s = suite_create ("anomalymqttsink");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_flush_timeout);
  tcase_add_test (tc, test_events);
  tcase_add_test (tc, test_outage);
  tcase_add_test (tc, test_no_broker_at_start);
  return s;
}

GST_CHECK_MAIN (mqtt);
