/* GStreamer anomaly detection plugin
 * gstanomalymqttsink.c - publishes anomaly events to an MQTT broker.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-anomalymqttsink
 * @title: anomalymqttsink
 *
 * Reads the #GstAnomalyMeta of every buffer (as filled by anomalyscore) and
 * turns the transitions of its hysteresis-filtered decision
 * (`anomalous`) into "anomaly-start" and "anomaly-end" events, published
 * as JSON to the MQTT topic `<topic-prefix>/<stream-id>/event` through
 * libmosquitto.  Buffers without a scored meta are ignored.
 *
 * The start event carries the starting frame, its PTS, the wall-clock UTC
 * time, its score with the score's parts (why it started: a left object,
 * odd motion...) and its regions; the end event carries the ending frame
 * (the first frame that is no longer anomalous, or the last frame at EOS
 * or on a flush), both PTS and times, the duration, the peak score and the
 * regions and parts of the peak frame.  Every event has an `id`, counting from 1 in
 * each run, and a `session` string that is new each time the element
 * starts: subscribers deduplicate on (`stream`, `session`, `id`).
 *
 * Delivery is at-least-once for #GstAnomalyMqttSink:qos 1 and 2: each
 * event stays in a bounded queue in the element (#GstAnomalyMqttSink:max-queue;
 * when it is full the oldest event is dropped and counted) until the
 * broker acknowledges it, and after a reconnection unacknowledged events
 * are sent again, in order.  With qos 0 an event leaves the queue once it
 * was handed to a connected client.  The network work runs in libmosquitto's
 * own thread and never blocks the pipeline; a broker that is down or
 * refuses the connection does not fail the pipeline, the element keeps
 * reconnecting.  At EOS an open event is closed and the element waits up to
 * #GstAnomalyMqttSink:flush-timeout for the queue to drain.
 *
 * ## Element messages
 *
 * "anomaly-mqtt-status", posted when the connection comes up or goes down:
 *
 * * "connected" (gboolean): the client is connected to the broker
 * * "queued" (guint): events not yet acknowledged
 * * "dropped" (guint64): events dropped because the queue was full
 * * "reason" (gchararray): why the state changed
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=test.avi ! decodebin ! videoconvert ! \
 *   anomalydetect model=scene.model ! tee name=t \
 *   t. ! queue ! videoconvert ! autovideosink \
 *   t. ! queue ! anomalymqttsink host=broker.lan stream-id=cam1
 * ]| Show the overlay and publish the events to anomaly/cam1/event.
 * |[
 * gst-launch-1.0 -m v4l2src ! videoconvert ! anomalydetect model=cam.model \
 *   ! anomalymqttsink qos=2 topic-prefix=site4/anomaly max-queue=100000
 * ]| Publish with QoS 2 and keep up to 100000 events during an outage.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/base/gstbasesink.h>

#include "gstanomalyelements.h"
#include "gstanomalymeta.h"

#define GST_CAT_DEFAULT gst_anomaly_debug

#if HAVE_MOSQUITTO

#include <json-glib/json-glib.h>
#include <mosquitto.h>

#define GST_TYPE_ANOMALY_MQTT_SINK (gst_anomaly_mqtt_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstAnomalyMqttSink, gst_anomaly_mqtt_sink, GST,
    ANOMALY_MQTT_SINK, GstBaseSink);

enum
{
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_TOPIC_PREFIX,
  PROP_STREAM_ID,
  PROP_CLIENT_ID,
  PROP_QOS,
  PROP_KEEPALIVE,
  PROP_MAX_QUEUE,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_FLUSH_TIMEOUT,
  PROP_RECONNECT_DELAY_MAX,
  PROP_CONNECTED,
  PROP_QUEUED,
  PROP_DROPPED
};

#define DEFAULT_HOST "localhost"
#define DEFAULT_PORT 1883
#define DEFAULT_TOPIC_PREFIX "anomaly"
#define DEFAULT_QOS 1
#define DEFAULT_KEEPALIVE 60
#define DEFAULT_MAX_QUEUE 10000
#define DEFAULT_FLUSH_TIMEOUT (5 * GST_SECOND)
#define DEFAULT_RECONNECT_DELAY_MAX 30

/* events handed to libmosquitto and not yet acknowledged, at most; below
 * libmosquitto's own in-flight limit (20) so that it resends all of them
 * after a reconnection */
#define WINDOW 10

typedef struct
{
  guint64 id;
  gchar *payload;
  gint len;
  gint mid;                     /* libmosquitto message id, when handed */
  gboolean handed;              /* given to libmosquitto, not acknowledged */
  gboolean stale;               /* handed before the latest (re)connection */
} MqttEvent;

struct _GstAnomalyMqttSink
{
  GstBaseSink parent;

  /* properties, under the object lock */
  gchar *host;
  gint port;
  gchar *topic_prefix;
  gchar *stream_id;
  gchar *client_id;
  gint qos;
  gint keepalive;
  guint max_queue;
  gchar *username;
  gchar *password;
  GstClockTime flush_timeout;
  guint reconnect_delay_max;

  /* fixed between start() and stop() */
  struct mosquitto *mosq;
  gchar *topic;
  gchar *stream;
  gchar *session;
  gint run_qos;
  guint run_max_queue;

  /* event tracking, streaming thread only */
  JsonGenerator *gen;
  guint64 next_id;
  gboolean in_event;
  guint64 ev_frame, ev_frames;
  GstClockTime ev_pts;
  GDateTime *ev_time;
  gfloat ev_peak;
  GArray *ev_regions;
  gfloat ev_parts[GST_ANOMALY_META_N_PARTS];    /* the peak frame's */
  GstClockTime last_pts, last_dur;
  guint64 last_frame;

  /* delivery queue, under lock; shared with libmosquitto's thread */
  GMutex lock;
  GCond cond;
  GQueue queue;                 /* MqttEvent, oldest first */
  guint handed, stale;
  gboolean connected;
  gboolean flushing;
  guint64 dropped;
  gboolean drop_warned;
};

G_DEFINE_TYPE (GstAnomalyMqttSink, gst_anomaly_mqtt_sink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (anomalymqttsink, "anomalymqttsink",
    GST_RANK_NONE, GST_TYPE_ANOMALY_MQTT_SINK, anomaly_element_init (plugin));

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static void gst_anomaly_mqtt_sink_set_property (GObject * object,
    guint prop_id, const GValue * value, GParamSpec * pspec);
static void gst_anomaly_mqtt_sink_get_property (GObject * object,
    guint prop_id, GValue * value, GParamSpec * pspec);
static void gst_anomaly_mqtt_sink_finalize (GObject * object);
static gboolean gst_anomaly_mqtt_sink_start (GstBaseSink * sink);
static gboolean gst_anomaly_mqtt_sink_stop (GstBaseSink * sink);
static gboolean gst_anomaly_mqtt_sink_unlock (GstBaseSink * sink);
static gboolean gst_anomaly_mqtt_sink_unlock_stop (GstBaseSink * sink);
static gboolean gst_anomaly_mqtt_sink_event (GstBaseSink * sink,
    GstEvent * event);
static GstFlowReturn gst_anomaly_mqtt_sink_render (GstBaseSink * sink,
    GstBuffer * buf);

static void
gst_anomaly_mqtt_sink_class_init (GstAnomalyMqttSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *sink_class = GST_BASE_SINK_CLASS (klass);

  /* once per process; never undone, libmosquitto may be shared */
  mosquitto_lib_init ();

  gobject_class->set_property = gst_anomaly_mqtt_sink_set_property;
  gobject_class->get_property = gst_anomaly_mqtt_sink_get_property;
  gobject_class->finalize = gst_anomaly_mqtt_sink_finalize;

  g_object_class_install_property (gobject_class, PROP_HOST,
      g_param_spec_string ("host", "Host",
          "Host name or IP address of the MQTT broker", DEFAULT_HOST,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY |
          G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_PORT,
      g_param_spec_int ("port", "Port", "TCP port of the MQTT broker",
          1, 65535, DEFAULT_PORT, G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyMqttSink:topic-prefix
   *
   * Events go to `<topic-prefix>/<stream-id>/event`.  May contain '/'
   * but no MQTT wildcard ('+', '#').
   */
  g_object_class_install_property (gobject_class, PROP_TOPIC_PREFIX,
      g_param_spec_string ("topic-prefix", "Topic prefix",
          "Events are published to <topic-prefix>/<stream-id>/event",
          DEFAULT_TOPIC_PREFIX, G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY |
          G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_STREAM_ID,
      g_param_spec_string ("stream-id", "Stream id",
          "Name of the stream in the topic and the events "
          "(NULL = element name)", NULL,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY |
          G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_CLIENT_ID,
      g_param_spec_string ("client-id", "Client id",
          "MQTT client identifier (NULL = chosen by libmosquitto)", NULL,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY |
          G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_QOS,
      g_param_spec_int ("qos", "QoS",
          "MQTT quality of service of the events: 0 at most once, "
          "1 and 2 at least once (2: exactly once per connection)",
          0, 2, DEFAULT_QOS, G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY |
          G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_KEEPALIVE,
      g_param_spec_int ("keepalive", "Keepalive",
          "Seconds between MQTT keepalive pings; a dead connection is "
          "noticed after 1.5 times this", 5, 65535, DEFAULT_KEEPALIVE,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY |
          G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_MAX_QUEUE,
      g_param_spec_uint ("max-queue", "Maximum queue",
          "Events kept until the broker acknowledges them; when full the "
          "oldest is dropped", 1, 10000000, DEFAULT_MAX_QUEUE,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY |
          G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_USERNAME,
      g_param_spec_string ("username", "User name",
          "User name for the broker (NULL = anonymous)", NULL,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyMqttSink:password
   *
   * Password for #GstAnomalyMqttSink:username.  Write-only, so that it
   * does not appear in `gst-launch-1.0 -v` output.
   */
  g_object_class_install_property (gobject_class, PROP_PASSWORD,
      g_param_spec_string ("password", "Password",
          "Password for the user name (write-only)", NULL,
          G_PARAM_WRITABLE | GST_PARAM_MUTABLE_READY |
          G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_FLUSH_TIMEOUT,
      g_param_spec_uint64 ("flush-timeout", "Flush timeout",
          "At EOS, wait at most this long (ns) for queued events to be "
          "acknowledged (0 = do not wait)", 0, G_MAXUINT64,
          DEFAULT_FLUSH_TIMEOUT, G_PARAM_READWRITE |
          GST_PARAM_MUTABLE_PLAYING | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_RECONNECT_DELAY_MAX,
      g_param_spec_uint ("reconnect-delay-max", "Maximum reconnect delay",
          "Reconnection attempts start 1 s apart and back off exponentially "
          "up to this many seconds", 1, 3600, DEFAULT_RECONNECT_DELAY_MAX,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY |
          G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_CONNECTED,
      g_param_spec_boolean ("connected", "Connected",
          "Whether the client is connected to the broker", FALSE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_QUEUED,
      g_param_spec_uint ("queued", "Queued",
          "Events waiting for the broker's acknowledgement", 0, G_MAXUINT, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_DROPPED,
      g_param_spec_uint64 ("dropped", "Dropped",
          "Events dropped because the queue was full", 0, G_MAXUINT64, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "Anomaly MQTT sink", "Sink/Network",
      "Publishes anomaly start and end events as JSON to an MQTT broker",
      "gst-anomaly developers");

  sink_class->start = GST_DEBUG_FUNCPTR (gst_anomaly_mqtt_sink_start);
  sink_class->stop = GST_DEBUG_FUNCPTR (gst_anomaly_mqtt_sink_stop);
  sink_class->unlock = GST_DEBUG_FUNCPTR (gst_anomaly_mqtt_sink_unlock);
  sink_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_anomaly_mqtt_sink_unlock_stop);
  sink_class->event = GST_DEBUG_FUNCPTR (gst_anomaly_mqtt_sink_event);
  sink_class->render = GST_DEBUG_FUNCPTR (gst_anomaly_mqtt_sink_render);
}

static void
gst_anomaly_mqtt_sink_init (GstAnomalyMqttSink * self)
{
  self->host = g_strdup (DEFAULT_HOST);
  self->port = DEFAULT_PORT;
  self->topic_prefix = g_strdup (DEFAULT_TOPIC_PREFIX);
  self->qos = DEFAULT_QOS;
  self->keepalive = DEFAULT_KEEPALIVE;
  self->max_queue = DEFAULT_MAX_QUEUE;
  self->flush_timeout = DEFAULT_FLUSH_TIMEOUT;
  self->reconnect_delay_max = DEFAULT_RECONNECT_DELAY_MAX;
  self->ev_regions = g_array_new (FALSE, FALSE, sizeof (GstAnomalyRegion));
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->queue);
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
}

static void
mqtt_event_free (MqttEvent * ev)
{
  g_free (ev->payload);
  g_free (ev);
}

static void
gst_anomaly_mqtt_sink_finalize (GObject * object)
{
  GstAnomalyMqttSink *self = GST_ANOMALY_MQTT_SINK (object);

  g_free (self->host);
  g_free (self->topic_prefix);
  g_free (self->stream_id);
  g_free (self->client_id);
  g_free (self->username);
  g_free (self->password);
  g_array_unref (self->ev_regions);
  g_queue_clear_full (&self->queue, (GDestroyNotify) mqtt_event_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (gst_anomaly_mqtt_sink_parent_class)->finalize (object);
}

static void
gst_anomaly_mqtt_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAnomalyMqttSink *self = GST_ANOMALY_MQTT_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_HOST:
      g_free (self->host);
      self->host = g_value_dup_string (value);
      break;
    case PROP_PORT:
      self->port = g_value_get_int (value);
      break;
    case PROP_TOPIC_PREFIX:
      g_free (self->topic_prefix);
      self->topic_prefix = g_value_dup_string (value);
      break;
    case PROP_STREAM_ID:
      g_free (self->stream_id);
      self->stream_id = g_value_dup_string (value);
      break;
    case PROP_CLIENT_ID:
      g_free (self->client_id);
      self->client_id = g_value_dup_string (value);
      break;
    case PROP_QOS:
      self->qos = g_value_get_int (value);
      break;
    case PROP_KEEPALIVE:
      self->keepalive = g_value_get_int (value);
      break;
    case PROP_MAX_QUEUE:
      self->max_queue = g_value_get_uint (value);
      break;
    case PROP_USERNAME:
      g_free (self->username);
      self->username = g_value_dup_string (value);
      break;
    case PROP_PASSWORD:
      g_free (self->password);
      self->password = g_value_dup_string (value);
      break;
    case PROP_FLUSH_TIMEOUT:
      self->flush_timeout = g_value_get_uint64 (value);
      break;
    case PROP_RECONNECT_DELAY_MAX:
      self->reconnect_delay_max = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_anomaly_mqtt_sink_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAnomalyMqttSink *self = GST_ANOMALY_MQTT_SINK (object);

  switch (prop_id) {
    case PROP_CONNECTED:
      g_mutex_lock (&self->lock);
      g_value_set_boolean (value, self->connected);
      g_mutex_unlock (&self->lock);
      return;
    case PROP_QUEUED:
      g_mutex_lock (&self->lock);
      g_value_set_uint (value, self->queue.length);
      g_mutex_unlock (&self->lock);
      return;
    case PROP_DROPPED:
      g_mutex_lock (&self->lock);
      g_value_set_uint64 (value, self->dropped);
      g_mutex_unlock (&self->lock);
      return;
    default:
      break;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_int (value, self->port);
      break;
    case PROP_TOPIC_PREFIX:
      g_value_set_string (value, self->topic_prefix);
      break;
    case PROP_STREAM_ID:
      g_value_set_string (value, self->stream_id);
      break;
    case PROP_CLIENT_ID:
      g_value_set_string (value, self->client_id);
      break;
    case PROP_QOS:
      g_value_set_int (value, self->qos);
      break;
    case PROP_KEEPALIVE:
      g_value_set_int (value, self->keepalive);
      break;
    case PROP_MAX_QUEUE:
      g_value_set_uint (value, self->max_queue);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case PROP_FLUSH_TIMEOUT:
      g_value_set_uint64 (value, self->flush_timeout);
      break;
    case PROP_RECONNECT_DELAY_MAX:
      g_value_set_uint (value, self->reconnect_delay_max);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------ */
/* Delivery queue                                                           */

/* Hands queued events to libmosquitto in order, at most WINDOW at a time.
 * Nothing new goes out while events of an earlier connection are still
 * unacknowledged: libmosquitto resends those itself after the CONNACK, and
 * they must reach the broker first.  Called with the lock held. */
static void
pump_locked (GstAnomalyMqttSink * self)
{
  GList *l, *next;

  if (!self->connected || self->stale > 0 || !self->mosq)
    return;

  for (l = self->queue.head; l && self->handed < WINDOW; l = next) {
    MqttEvent *ev = l->data;
    int mid = 0, rc;

    next = l->next;
    if (ev->handed)
      continue;
    rc = mosquitto_publish (self->mosq, &mid, self->topic, ev->len,
        ev->payload, self->run_qos, false);
    if (self->run_qos == 0) {
      if (rc != MOSQ_ERR_SUCCESS)
        break;
      GST_LOG_OBJECT (self, "event %" G_GUINT64_FORMAT " sent", ev->id);
      g_queue_delete_link (&self->queue, l);
      mqtt_event_free (ev);
      continue;
    }
    if (rc == MOSQ_ERR_SUCCESS || rc == MOSQ_ERR_NO_CONN) {
      /* with NO_CONN libmosquitto keeps the message and sends it after
       * the next CONNACK, like any other unacknowledged one */
      ev->handed = TRUE;
      ev->mid = mid;
      self->handed++;
      GST_LOG_OBJECT (self, "event %" G_GUINT64_FORMAT " handed as mid %d",
          ev->id, mid);
      if (rc == MOSQ_ERR_NO_CONN)
        break;
    } else if (rc == MOSQ_ERR_PAYLOAD_SIZE || rc == MOSQ_ERR_MALFORMED_UTF8) {
      GST_WARNING_OBJECT (self, "event %" G_GUINT64_FORMAT " cannot be "
          "published (%s), dropped", ev->id, mosquitto_strerror (rc));
      g_queue_delete_link (&self->queue, l);
      mqtt_event_free (ev);
      self->dropped++;
    } else {
      GST_DEBUG_OBJECT (self, "publish failed: %s", mosquitto_strerror (rc));
      break;
    }
  }
  if (self->queue.length == 0) {
    self->drop_warned = FALSE;
    g_cond_broadcast (&self->cond);
  }
}

static void
post_status (GstAnomalyMqttSink * self, gboolean connected,
    const gchar * reason)
{
  guint queued;
  guint64 dropped;

  g_mutex_lock (&self->lock);
  queued = self->queue.length;
  dropped = self->dropped;
  g_mutex_unlock (&self->lock);

  GST_INFO_OBJECT (self, "%s (%s), %u queued, %" G_GUINT64_FORMAT
      " dropped", connected ? "connected" : "disconnected", reason, queued,
      dropped);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("anomaly-mqtt-status",
              "connected", G_TYPE_BOOLEAN, connected,
              "queued", G_TYPE_UINT, queued,
              "dropped", G_TYPE_UINT64, dropped,
              "reason", G_TYPE_STRING, reason, NULL)));
}

/* libmosquitto callbacks, in its network thread */

static void
on_connect (struct mosquitto *mosq, void *user_data, int rc)
{
  GstAnomalyMqttSink *self = user_data;

  if (rc != 0) {
    GST_WARNING_OBJECT (self, "broker refused the connection: %s",
        mosquitto_connack_string (rc));
    post_status (self, FALSE, mosquitto_connack_string (rc));
    return;
  }

  g_mutex_lock (&self->lock);
  self->connected = TRUE;
  self->stale = 0;
  for (GList * l = self->queue.head; l; l = l->next) {
    MqttEvent *ev = l->data;

    if (ev->handed) {
      ev->stale = TRUE;
      self->stale++;
    }
  }
  GST_DEBUG_OBJECT (self, "connected, %u events to be resent by libmosquitto",
      self->stale);
  pump_locked (self);
  g_mutex_unlock (&self->lock);

  post_status (self, TRUE, "connected");
}

static void
on_disconnect (struct mosquitto *mosq, void *user_data, int rc)
{
  GstAnomalyMqttSink *self = user_data;
  gboolean was;

  g_mutex_lock (&self->lock);
  was = self->connected;
  self->connected = FALSE;
  g_mutex_unlock (&self->lock);

  if (was)
    post_status (self, FALSE, rc == 0 ? "disconnected" :
        mosquitto_strerror (rc));
}

static void
on_publish (struct mosquitto *mosq, void *user_data, int mid)
{
  GstAnomalyMqttSink *self = user_data;

  g_mutex_lock (&self->lock);
  for (GList * l = self->queue.head; l; l = l->next) {
    MqttEvent *ev = l->data;

    if (!ev->handed)
      break;                    /* handed events are a prefix of the queue */
    if (ev->mid != mid)
      continue;
    GST_LOG_OBJECT (self, "event %" G_GUINT64_FORMAT " acknowledged", ev->id);
    self->handed--;
    if (ev->stale)
      self->stale--;
    g_queue_delete_link (&self->queue, l);
    mqtt_event_free (ev);
    break;
  }
  pump_locked (self);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
on_log (struct mosquitto *mosq, void *user_data, int level, const char *str)
{
  GST_LOG_OBJECT (user_data, "libmosquitto: %s", str);
}

/* Queues an event (taking the payload); drops the oldest event not yet
 * handed to libmosquitto (or, failing that, the oldest) when full. */
static void
enqueue (GstAnomalyMqttSink * self, guint64 id, gchar * payload)
{
  MqttEvent *ev = g_new0 (MqttEvent, 1);
  gboolean warn = FALSE;
  guint64 dropped = 0;

  ev->id = id;
  ev->payload = payload;
  ev->len = (gint) strlen (payload);

  g_mutex_lock (&self->lock);
  while (self->queue.length >= self->run_max_queue) {
    GList *victim = self->queue.head;
    MqttEvent *old;

    while (victim && ((MqttEvent *) victim->data)->handed)
      victim = victim->next;
    if (!victim)
      victim = self->queue.head;
    old = victim->data;
    if (old->handed) {
      self->handed--;
      if (old->stale)
        self->stale--;
    }
    GST_WARNING_OBJECT (self, "queue full (%u): dropping event %"
        G_GUINT64_FORMAT, self->run_max_queue, old->id);
    g_queue_delete_link (&self->queue, victim);
    mqtt_event_free (old);
    self->dropped++;
    if (!self->drop_warned)
      warn = self->drop_warned = TRUE;
    dropped = self->dropped;
  }
  g_queue_push_tail (&self->queue, ev);
  pump_locked (self);
  g_mutex_unlock (&self->lock);

  if (warn)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("The MQTT event queue is full: the oldest events are being "
            "dropped."), ("max-queue %u, %" G_GUINT64_FORMAT " dropped so far",
            self->run_max_queue, dropped));
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */

static void
add_time (JsonBuilder * b, const gchar * name, GstClockTime t)
{
  json_builder_set_member_name (b, name);
  if (GST_CLOCK_TIME_IS_VALID (t))
    json_builder_add_int_value (b, (gint64) t);
  else
    json_builder_add_null_value (b);
}

static void
add_wallclock (JsonBuilder * b, const gchar * name, GDateTime * dt)
{
  gchar *s = g_date_time_format_iso8601 (dt);

  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, s);
  g_free (s);
}

static void
add_regions (JsonBuilder * b, const GArray * regions)
{
  json_builder_set_member_name (b, "regions");
  json_builder_begin_array (b);
  for (guint i = 0; regions && i < regions->len; i++) {
    const GstAnomalyRegion *r = &g_array_index (regions, GstAnomalyRegion, i);

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "x");
    json_builder_add_double_value (b, r->x);
    json_builder_set_member_name (b, "y");
    json_builder_add_double_value (b, r->y);
    json_builder_set_member_name (b, "w");
    json_builder_add_double_value (b, r->w);
    json_builder_set_member_name (b, "h");
    json_builder_add_double_value (b, r->h);
    json_builder_set_member_name (b, "peak");
    json_builder_add_double_value (b, r->peak);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
}

/* Opens the event object with the fields every event has. */
static JsonBuilder *
begin_event (GstAnomalyMqttSink * self, const gchar * kind, guint64 id,
    guint64 frame, GstClockTime pts, GDateTime * now)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, (gint64) id);
  json_builder_set_member_name (b, "session");
  json_builder_add_string_value (b, self->session);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, kind);
  json_builder_set_member_name (b, "stream");
  json_builder_add_string_value (b, self->stream);
  json_builder_set_member_name (b, "frame");
  json_builder_add_int_value (b, (gint64) frame);
  add_time (b, "pts", pts);
  add_wallclock (b, "time", now);
  return b;
}

static void
finish_event (GstAnomalyMqttSink * self, JsonBuilder * b, guint64 id)
{
  JsonNode *root;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (self->gen, root);
  enqueue (self, id, json_generator_to_data (self->gen, NULL));
  json_node_unref (root);
  g_object_unref (b);
}

/* meta's frame is the event's peak so far: its score, regions and parts
 * go into the end event. */
static void
note_peak (GstAnomalyMqttSink * self, const GstAnomalyMeta * meta)
{
  self->ev_peak = meta->score;
  g_array_set_size (self->ev_regions, 0);
  if (meta->regions)
    g_array_append_vals (self->ev_regions, meta->regions->data,
        meta->regions->len);
  memcpy (self->ev_parts, meta->parts, sizeof self->ev_parts);
}

static void
start_event (GstAnomalyMqttSink * self, GstAnomalyMeta * meta,
    GstClockTime pts)
{
  guint64 id = ++self->next_id;
  JsonBuilder *b;

  self->in_event = TRUE;
  self->ev_frame = meta->frame;
  self->ev_frames = 0;
  self->ev_pts = pts;
  self->ev_time = g_date_time_new_now_utc ();
  note_peak (self, meta);

  GST_INFO_OBJECT (self, "anomaly-start at frame %" G_GUINT64_FORMAT
      " (event %" G_GUINT64_FORMAT ")", meta->frame, id);
  b = begin_event (self, "anomaly-start", id, meta->frame, pts, self->ev_time);
  json_builder_set_member_name (b, "score");
  json_builder_add_double_value (b, meta->score);
  anomaly_json_add_parts (b, meta->parts);
  json_builder_set_member_name (b, "duration");
  json_builder_add_int_value (b, 0);
  add_regions (b, self->ev_regions);
  finish_event (self, b, id);
}

/* end: PTS of the ending frame, or end of the last frame */
static void
end_event (GstAnomalyMqttSink * self, GstClockTime end, guint64 frame)
{
  guint64 id = ++self->next_id;
  guint64 duration = 0;
  GDateTime *now = g_date_time_new_now_utc ();
  JsonBuilder *b;

  if (GST_CLOCK_TIME_IS_VALID (end) && GST_CLOCK_TIME_IS_VALID (self->ev_pts)
      && end > self->ev_pts)
    duration = end - self->ev_pts;

  GST_INFO_OBJECT (self, "anomaly-end at frame %" G_GUINT64_FORMAT
      " (event %" G_GUINT64_FORMAT "), peak %.3f", frame, id, self->ev_peak);
  b = begin_event (self, "anomaly-end", id, frame, end, now);
  json_builder_set_member_name (b, "peak");
  json_builder_add_double_value (b, self->ev_peak);
  anomaly_json_add_parts (b, self->ev_parts);
  json_builder_set_member_name (b, "duration");
  json_builder_add_int_value (b, (gint64) duration);
  json_builder_set_member_name (b, "frames");
  json_builder_add_int_value (b, (gint64) self->ev_frames);
  json_builder_set_member_name (b, "start-frame");
  json_builder_add_int_value (b, (gint64) self->ev_frame);
  add_time (b, "start-pts", self->ev_pts);
  add_wallclock (b, "start-time", self->ev_time);
  add_regions (b, self->ev_regions);
  finish_event (self, b, id);
  g_date_time_unref (now);

  self->in_event = FALSE;
  g_clear_pointer (&self->ev_time, g_date_time_unref);
  g_array_set_size (self->ev_regions, 0);
}

static void
close_open_event (GstAnomalyMqttSink * self)
{
  GstClockTime end = self->last_pts;

  if (!self->in_event)
    return;
  if (GST_CLOCK_TIME_IS_VALID (end) && GST_CLOCK_TIME_IS_VALID (self->last_dur))
    end += self->last_dur;
  end_event (self, end, self->last_frame);
}

static GstFlowReturn
gst_anomaly_mqtt_sink_render (GstBaseSink * sink, GstBuffer * buf)
{
  GstAnomalyMqttSink *self = GST_ANOMALY_MQTT_SINK (sink);
  GstAnomalyMeta *meta = gst_buffer_get_anomaly_meta (buf);
  GstClockTime pts = GST_BUFFER_PTS (buf);

  if (!meta || !meta->scored)
    return GST_FLOW_OK;

  if (meta->anomalous) {
    if (!self->in_event)
      start_event (self, meta, pts);
    else if (meta->score > self->ev_peak)
      note_peak (self, meta);
    self->ev_frames++;
  } else if (self->in_event) {
    end_event (self, pts, meta->frame);
  }
  self->last_pts = pts;
  self->last_dur = GST_BUFFER_DURATION (buf);
  self->last_frame = meta->frame;
  return GST_FLOW_OK;
}

/* Waits for the queue to drain, at most flush-timeout. */
static void
wait_drained (GstAnomalyMqttSink * self)
{
  GstClockTime timeout;
  gint64 deadline;
  guint left;

  GST_OBJECT_LOCK (self);
  timeout = self->flush_timeout;
  GST_OBJECT_UNLOCK (self);

  deadline = g_get_monotonic_time () +
      (gint64) MIN (timeout / GST_USECOND, (guint64) G_MAXINT64 / 2);
  g_mutex_lock (&self->lock);
  while (self->queue.length > 0 && !self->flushing && timeout > 0) {
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      break;
  }
  left = self->queue.length;
  g_mutex_unlock (&self->lock);

  if (left > 0) {
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("%u anomaly events were not yet delivered to the MQTT broker at "
            "the end of the stream.", left),
        ("flush-timeout %" GST_TIME_FORMAT " expired; they stay queued "
            "until the element stops", GST_TIME_ARGS (timeout)));
  } else {
    GST_DEBUG_OBJECT (self, "all events delivered");
  }
}

static gboolean
gst_anomaly_mqtt_sink_event (GstBaseSink * sink, GstEvent * event)
{
  GstAnomalyMqttSink *self = GST_ANOMALY_MQTT_SINK (sink);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      close_open_event (self);
      wait_drained (self);
      break;
    case GST_EVENT_FLUSH_STOP:
      close_open_event (self);
      break;
    default:
      break;
  }
  return GST_BASE_SINK_CLASS (gst_anomaly_mqtt_sink_parent_class)->event
      (sink, event);
}

static gboolean
gst_anomaly_mqtt_sink_unlock (GstBaseSink * sink)
{
  GstAnomalyMqttSink *self = GST_ANOMALY_MQTT_SINK (sink);

  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
gst_anomaly_mqtt_sink_unlock_stop (GstBaseSink * sink)
{
  GstAnomalyMqttSink *self = GST_ANOMALY_MQTT_SINK (sink);

  g_mutex_lock (&self->lock);
  self->flushing = FALSE;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Start and stop                                                           */

/* An IP address or a syntactically valid DNS name. */
static gboolean
host_is_valid (const gchar * host)
{
  const gchar *p;
  guint label = 0;

  if (!host || !*host || strlen (host) > 253)
    return FALSE;
  if (g_hostname_is_ip_address (host))
    return TRUE;
  for (p = host; *p; p++) {
    if (*p == '.') {
      if (label == 0)
        return FALSE;
      label = 0;
    } else if (g_ascii_isalnum (*p) || *p == '_' || (*p == '-' && label > 0)) {
      if (++label > 63)
        return FALSE;
    } else {
      return FALSE;
    }
  }
  return TRUE;
}


static gboolean
gst_anomaly_mqtt_sink_start (GstBaseSink * sink)
{
  GstAnomalyMqttSink *self = GST_ANOMALY_MQTT_SINK (sink);
  gchar *host, *prefix, *client_id, *username, *password;
  gint port, keepalive;
  guint delay_max;
  gboolean ok = FALSE;
  int rc;

  GST_OBJECT_LOCK (self);
  host = g_strdup (self->host);
  port = self->port;
  prefix = g_strdup (self->topic_prefix);
  self->stream = g_strdup (self->stream_id ? self->stream_id :
      GST_OBJECT_NAME (self));
  client_id = g_strdup (self->client_id);
  username = g_strdup (self->username);
  password = g_strdup (self->password);
  self->run_qos = self->qos;
  self->run_max_queue = self->max_queue;
  keepalive = self->keepalive;
  delay_max = self->reconnect_delay_max;
  GST_OBJECT_UNLOCK (self);

  self->topic = g_strdup_printf ("%s/%s/event", prefix ? prefix : "",
      self->stream);
  self->session = g_strdup_printf ("%08x", g_random_int ());
  self->next_id = 0;
  self->in_event = FALSE;
  self->last_pts = self->last_dur = GST_CLOCK_TIME_NONE;
  self->gen = json_generator_new ();
  g_mutex_lock (&self->lock);
  self->connected = FALSE;
  self->flushing = FALSE;
  self->handed = self->stale = 0;
  self->dropped = 0;
  self->drop_warned = FALSE;
  g_mutex_unlock (&self->lock);

  if (!host_is_valid (host))
    goto invalid_host;
  if (!prefix || !*prefix || strlen (self->topic) > 65535 ||
      mosquitto_pub_topic_check (self->topic) != MOSQ_ERR_SUCCESS ||
      mosquitto_validate_utf8 (self->topic, (int) strlen (self->topic)))
    goto invalid_topic;
  if (client_id && (!*client_id || strlen (client_id) > 65535 ||
          mosquitto_validate_utf8 (client_id, (int) strlen (client_id))))
    goto invalid_client_id;

  self->mosq = mosquitto_new (client_id, true, self);
  if (!self->mosq)
    goto no_client;
  mosquitto_int_option (self->mosq, MOSQ_OPT_PROTOCOL_VERSION,
      MQTT_PROTOCOL_V311);
  mosquitto_connect_callback_set (self->mosq, on_connect);
  mosquitto_disconnect_callback_set (self->mosq, on_disconnect);
  mosquitto_publish_callback_set (self->mosq, on_publish);
  mosquitto_log_callback_set (self->mosq, on_log);
  mosquitto_reconnect_delay_set (self->mosq, 1, delay_max, true);
  if (username &&
      mosquitto_username_pw_set (self->mosq, username, password) !=
      MOSQ_ERR_SUCCESS)
    goto invalid_user;

  /* The network thread starts first: it waits until the connection is
   * initiated, then writes the CONNECT itself, so that a refused
   * connection is handled by its reconnection loop (libmosquitto 2.0.11
   * would otherwise leave the client idle after a failed first write).  A
   * refused or unreachable broker is not an error; a malformed setting is. */
  rc = mosquitto_loop_start (self->mosq);
  if (rc != MOSQ_ERR_SUCCESS)
    goto no_thread;
  rc = mosquitto_connect_async (self->mosq, host, port, keepalive);
  if (rc == MOSQ_ERR_INVAL)
    goto invalid_host;
  if (rc != MOSQ_ERR_SUCCESS)
    GST_WARNING_OBJECT (self, "cannot connect to %s:%d yet (%s), retrying",
        host, port, rc == MOSQ_ERR_ERRNO ? g_strerror (errno) :
        mosquitto_strerror (rc));

  GST_INFO_OBJECT (self, "publishing to %s:%d topic %s, qos %d", host, port,
      self->topic, self->run_qos);
  ok = TRUE;

done:
  g_free (host);
  g_free (prefix);
  g_free (client_id);
  g_free (username);
  g_free (password);
  if (!ok)
    gst_anomaly_mqtt_sink_stop (sink);  /* basesink does not call stop () */
  return ok;

  /* ERRORS */
invalid_host:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid MQTT broker address \"%s\" port %d.", GST_STR_NULL (host),
            port), ("not an IP address or host name"));
    goto done;
  }
invalid_topic:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid MQTT topic \"%s\".", self->topic),
        ("topic-prefix and stream-id must be non-empty UTF-8 without the "
            "wildcards '+' and '#'"));
    goto done;
  }
invalid_client_id:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid MQTT client id \"%s\".", client_id), (NULL));
    goto done;
  }
invalid_user:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid MQTT user name or password."), (NULL));
    goto done;
  }
no_client:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Could not create the MQTT client."), ("mosquitto_new: %s",
            g_strerror (errno)));
    goto done;
  }
no_thread:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Could not start the MQTT network thread."),
        ("mosquitto_loop_start: %s", mosquitto_strerror (rc)));
    goto done;
  }
}

static gboolean
gst_anomaly_mqtt_sink_stop (GstBaseSink * sink)
{
  GstAnomalyMqttSink *self = GST_ANOMALY_MQTT_SINK (sink);
  guint left;

  if (self->mosq) {
    mosquitto_disconnect (self->mosq);
    mosquitto_loop_stop (self->mosq, false);
    mosquitto_destroy (self->mosq);
    self->mosq = NULL;
  }

  g_mutex_lock (&self->lock);
  left = self->queue.length;
  g_queue_clear_full (&self->queue, (GDestroyNotify) mqtt_event_free);
  g_queue_init (&self->queue);
  self->connected = FALSE;
  self->handed = self->stale = 0;
  g_mutex_unlock (&self->lock);
  if (left > 0)
    GST_WARNING_OBJECT (self, "stopping with %u undelivered events", left);

  self->in_event = FALSE;
  g_clear_pointer (&self->ev_time, g_date_time_unref);
  g_array_set_size (self->ev_regions, 0);
  g_clear_object (&self->gen);
  g_clear_pointer (&self->topic, g_free);
  g_clear_pointer (&self->stream, g_free);
  g_clear_pointer (&self->session, g_free);
  return TRUE;
}

#else /* !HAVE_MOSQUITTO */

/* Built without libmosquitto: the element is not registered. */
static gboolean
anomalymqttsink_unavailable (GstPlugin * plugin)
{
  anomaly_element_init (plugin);
  GST_INFO ("anomalymqttsink: built without libmosquitto, not registered");
  return FALSE;
}

GST_ELEMENT_REGISTER_DEFINE_CUSTOM (anomalymqttsink,
    anomalymqttsink_unavailable);

#endif /* HAVE_MOSQUITTO */
