/*
 * mxlb-udp: batched UDP receive and send for the answering workers (src/dns/native-udp.ts).
 *
 * Why it exists (docs/decisions.md "Batched UDP"): Node's dgram costs one recvmsg, one sendmsg,
 * one JavaScript callback, one Buffer and one rinfo object per datagram. That per-packet overhead,
 * not the answer code, is most of mxlb's CPU per cached answer (a bare dgram echo costs 2.3-2.6x
 * gdnsd's CPU per query). Linux's recvmmsg(2)/sendmmsg(2) move up to SLOTS datagrams per system
 * call, as Knot, gdnsd and NSD do, and one JavaScript call handles the whole batch. It also binds
 * with SO_REUSEPORT, which Node 20's dgram cannot, so several workers share a port there too.
 *
 * Contract (N-API 8, so one build loads in every Node >= 20 on Linux):
 *   bind(kind, family, address, port, reusePort, rcvbuf) -> [fd, port]
 *       kind 0 = UDP, 1 = TCP (bound only; net.Server.listen({ fd }) listens). Throws an Error
 *       whose .code is the errno name (EADDRINUSE, EACCES, EADDRNOTAVAIL, EINVAL...).
 *   open(fd, slots, onReadable) -> pump      onReadable() runs on this thread's loop whenever the
 *       socket is readable (level-triggered: a batch left unread calls it again).
 *   recv(pump, data: Uint8Array, meta: Int32Array, text: Uint8Array) -> count of datagrams
 *       data: slots * SLOT_BYTES bytes, datagram i at i * SLOT_BYTES; meta: slots * 8 int32
 *       [length (-1 when truncated: larger than a slot), port, family 4|6, text length,
 *        address as 4 int32 (IPv4 in the first)]; text: slots * TEXT_BYTES, the address as
 *       inet_ntop(3) writes it. 0 when nothing is waiting (never blocks).
 *   send(pump, replies: Array<Uint8Array | undefined>, count) -> datagrams the kernel took
 *       reply i goes to the source of datagram i of the last recv; undefined sends nothing.
 *   close(pump)   stops polling and closes the socket (also done when the thread exits).
 *   tuneMalloc(arenaMax, mmapThreshold, trimThreshold) -> whether glibc took all three
 *       mallopt(3) settings for the whole process (src/malloc-tuning.ts says why); false
 *       without glibc (musl), where nothing changes.
 *   trimMalloc() -> whether glibc gave memory back: malloc_trim(0), free pages of every arena.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define MAX_SLOTS 256
#define SLOT_BYTES 4096
#define META_INTS 8
#define TEXT_BYTES 48

typedef struct pump {
  napi_env env;
  int fd;
  int slots;
  int closing;
  /* Freed when both are set: libuv let go of the handle, and JavaScript dropped the pump. */
  int handle_closed;
  int finalized;
  uv_poll_t poll;
  napi_ref on_readable;
  napi_async_context async_context;
  napi_async_cleanup_hook_handle cleanup;
  struct sockaddr_storage names[MAX_SLOTS];
  socklen_t name_lengths[MAX_SLOTS];
  struct mmsghdr messages[MAX_SLOTS];
  struct iovec vectors[MAX_SLOTS];
} pump_t;

#define CHECK(call)                                                     \
  do {                                                                  \
    if ((call) != napi_ok) {                                            \
      napi_throw_error(env, NULL, "mxlb-udp: N-API call failed: " #call); \
      return NULL;                                                      \
    }                                                                   \
  } while (0)

static napi_value throw_errno(napi_env env, int error, const char *what) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(error));
  const char *code = "EUNKNOWN";
  switch (error) {
    case EADDRINUSE: code = "EADDRINUSE"; break;
    case EADDRNOTAVAIL: code = "EADDRNOTAVAIL"; break;
    case EACCES: code = "EACCES"; break;
    case EPERM: code = "EPERM"; break;
    case EINVAL: code = "EINVAL"; break;
    case EAFNOSUPPORT: code = "EAFNOSUPPORT"; break;
    case EMFILE: code = "EMFILE"; break;
    case ENFILE: code = "ENFILE"; break;
    case ENOBUFS: code = "ENOBUFS"; break;
    case ENOMEM: code = "ENOMEM"; break;
  }
  napi_throw_error(env, code, message);
  return NULL;
}

static napi_value make_int(napi_env env, int64_t value) {
  napi_value result;
  napi_create_int64(env, value, &result);
  return result;
}

static napi_value bind_socket(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t kind, family, port, rcvbuf;
  bool reuse_port;
  char address[INET6_ADDRSTRLEN + 1];
  size_t address_length;
  CHECK(napi_get_value_int32(env, argv[0], &kind));
  CHECK(napi_get_value_int32(env, argv[1], &family));
  CHECK(napi_get_value_string_latin1(env, argv[2], address, sizeof address, &address_length));
  CHECK(napi_get_value_int32(env, argv[3], &port));
  CHECK(napi_get_value_bool(env, argv[4], &reuse_port));
  CHECK(napi_get_value_int32(env, argv[5], &rcvbuf));
  if (port < 0 || port > 65535) return throw_errno(env, EINVAL, "port out of range");

  struct sockaddr_storage name;
  socklen_t name_length;
  memset(&name, 0, sizeof name);
  if (family == 6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&name;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, address, &in6->sin6_addr) != 1) return throw_errno(env, EINVAL, "not an IPv6 address");
    name_length = sizeof *in6;
  } else {
    struct sockaddr_in *in4 = (struct sockaddr_in *)&name;
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, address, &in4->sin_addr) != 1) return throw_errno(env, EINVAL, "not an IPv4 address");
    name_length = sizeof *in4;
  }

  int type = (kind == 1 ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, type, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  int on = 1;
  // As libuv does for TCP listeners, so a restart does not wait out TIME_WAIT.
  if (kind == 1) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0) {
    int error = errno;
    close(fd);
    return throw_errno(env, error, "setsockopt SO_REUSEPORT");
  }
  // The kernel caps it at net.core.rmem_max; a smaller buffer is not an error.
  if (kind == 0 && rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (bind(fd, (struct sockaddr *)&name, name_length) != 0) {
    int error = errno;
    close(fd);
    return throw_errno(env, error, "bind");
  }
  struct sockaddr_storage bound;
  socklen_t bound_length = sizeof bound;
  getsockname(fd, (struct sockaddr *)&bound, &bound_length);
  int bound_port = ntohs(family == 6 ? ((struct sockaddr_in6 *)&bound)->sin6_port : ((struct sockaddr_in *)&bound)->sin_port);

  napi_value result;
  CHECK(napi_create_array_with_length(env, 2, &result));
  CHECK(napi_set_element(env, result, 0, make_int(env, fd)));
  CHECK(napi_set_element(env, result, 1, make_int(env, bound_port)));
  return result;
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  pump_t *pump = handle->data;
  if (pump->closing) return;
  if (status < 0) {
    // libuv stops watching on POLLERR; clear the socket error and watch again.
    int ignored_error;
    socklen_t length = sizeof ignored_error;
    getsockopt(pump->fd, SOL_SOCKET, SO_ERROR, &ignored_error, &length);
    uv_poll_start(&pump->poll, UV_READABLE, on_poll);
    return;
  }
  napi_env env = pump->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, receiver, ignored;
  if (napi_get_reference_value(env, pump->on_readable, &callback) == napi_ok && callback != NULL) {
    napi_get_global(env, &receiver);
    // make_callback: runs microtasks and async hooks after the call, as a libuv callback would.
    if (napi_make_callback(env, pump->async_context, receiver, callback, 0, NULL, &ignored) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void begin_close(pump_t *pump, int thread_exiting);

static void on_closed(uv_handle_t *handle) {
  pump_t *pump = handle->data;
  close(pump->fd);
  if (pump->cleanup != NULL) napi_remove_async_cleanup_hook(pump->cleanup);
  pump->cleanup = NULL;
  pump->handle_closed = 1;
  if (pump->finalized) free(pump);
}

/* JavaScript dropped the pump: free it once its handle is closed (it may still be polling). */
static void on_finalized(napi_env env, void *data, void *hint) {
  pump_t *pump = data;
  pump->finalized = 1;
  if (pump->handle_closed) free(pump);
  else if (!pump->closing) begin_close(pump, 0);
}

/* Stops polling and frees the pump once libuv has let go of the handle. */
static void begin_close(pump_t *pump, int thread_exiting) {
  if (pump->closing) return;
  pump->closing = 1;
  uv_poll_stop(&pump->poll);
  if (!thread_exiting) {
    napi_delete_reference(pump->env, pump->on_readable);
    napi_async_destroy(pump->env, pump->async_context);
  }
  uv_close((uv_handle_t *)&pump->poll, on_closed);
}

/* The thread (worker) is exiting with the pump still open: close it before its loop closes. */
static void on_thread_exit(napi_async_cleanup_hook_handle handle, void *data) {
  pump_t *pump = data;
  if (pump->closing) {
    // close() already ran; on_closed removes the hook once libuv has let go of the handle.
    return;
  }
  begin_close(pump, 1);
}

static napi_value open_pump(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd, slots;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_int32(env, argv[1], &slots));
  if (slots < 1 || slots > MAX_SLOTS) return throw_errno(env, EINVAL, "slots out of range");
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  pump_t *pump = calloc(1, sizeof *pump);
  if (pump == NULL) return throw_errno(env, ENOMEM, "open");
  pump->env = env;
  pump->fd = fd;
  pump->slots = slots;
  napi_value resource_name;
  CHECK(napi_create_string_utf8(env, "mxlb-udp", NAPI_AUTO_LENGTH, &resource_name));
  CHECK(napi_async_init(env, NULL, resource_name, &pump->async_context));
  CHECK(napi_create_reference(env, argv[2], 1, &pump->on_readable));
  int error = uv_poll_init(loop, &pump->poll, fd);
  if (error != 0) {
    napi_delete_reference(env, pump->on_readable);
    napi_async_destroy(env, pump->async_context);
    free(pump);
    return throw_errno(env, -error, "uv_poll_init");
  }
  pump->poll.data = pump;
  uv_poll_start(&pump->poll, UV_READABLE, on_poll);
  CHECK(napi_add_async_cleanup_hook(env, on_thread_exit, pump, &pump->cleanup));
  napi_value external;
  CHECK(napi_create_external(env, pump, on_finalized, NULL, &external));
  return external;
}

static pump_t *get_pump(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "mxlb-udp: not a pump");
    return NULL;
  }
  pump_t *pump = data;
  if (pump->closing) {
    napi_throw_error(env, "ERR_SOCKET_CLOSED", "mxlb-udp: socket closed");
    return NULL;
  }
  return pump;
}

static void *typed_array_data(napi_env env, napi_value value, size_t *bytes) {
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value buffer;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset) != napi_ok) return NULL;
  size_t element = (type == napi_int32_array || type == napi_uint32_array) ? 4 : 1;
  *bytes = length * element;
  return data;
}

static napi_value recv_batch(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pump_t *pump = get_pump(env, argv[0]);
  if (pump == NULL) return NULL;
  size_t data_bytes = 0, meta_bytes = 0, text_bytes = 0;
  uint8_t *data = typed_array_data(env, argv[1], &data_bytes);
  int32_t *meta = typed_array_data(env, argv[2], &meta_bytes);
  char *text = typed_array_data(env, argv[3], &text_bytes);
  int slots = pump->slots;
  if (data == NULL || meta == NULL || text == NULL || data_bytes < (size_t)slots * SLOT_BYTES ||
      meta_bytes < (size_t)slots * META_INTS * 4 || text_bytes < (size_t)slots * TEXT_BYTES) {
    napi_throw_range_error(env, NULL, "mxlb-udp: recv buffers too small for the pump's slots");
    return NULL;
  }
  for (int i = 0; i < slots; i++) {
    pump->vectors[i].iov_base = data + (size_t)i * SLOT_BYTES;
    pump->vectors[i].iov_len = SLOT_BYTES;
    struct msghdr *header = &pump->messages[i].msg_hdr;
    memset(header, 0, sizeof *header);
    header->msg_name = &pump->names[i];
    header->msg_namelen = sizeof pump->names[i];
    header->msg_iov = &pump->vectors[i];
    header->msg_iovlen = 1;
  }
  int count;
  do count = recvmmsg(pump->fd, pump->messages, (unsigned)slots, MSG_DONTWAIT, NULL);
  while (count < 0 && errno == EINTR);
  if (count < 0) return make_int(env, 0); // EAGAIN, or an error the next datagram may not have
  for (int i = 0; i < count; i++) {
    int32_t *slot = meta + i * META_INTS;
    struct msghdr *header = &pump->messages[i].msg_hdr;
    pump->name_lengths[i] = header->msg_namelen;
    slot[0] = (header->msg_flags & MSG_TRUNC) ? -1 : (int32_t)pump->messages[i].msg_len;
    char *address_text = text + (size_t)i * TEXT_BYTES;
    if (pump->names[i].ss_family == AF_INET6) {
      struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&pump->names[i];
      slot[1] = ntohs(in6->sin6_port);
      slot[2] = 6;
      memcpy(&slot[4], &in6->sin6_addr, 16);
      inet_ntop(AF_INET6, &in6->sin6_addr, address_text, TEXT_BYTES);
    } else {
      struct sockaddr_in *in4 = (struct sockaddr_in *)&pump->names[i];
      slot[1] = ntohs(in4->sin_port);
      slot[2] = 4;
      memcpy(&slot[4], &in4->sin_addr, 4);
      slot[5] = slot[6] = slot[7] = 0;
      inet_ntop(AF_INET, &in4->sin_addr, address_text, TEXT_BYTES);
    }
    slot[3] = (int32_t)strnlen(address_text, TEXT_BYTES);
  }
  return make_int(env, count);
}

static napi_value send_batch(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pump_t *pump = get_pump(env, argv[0]);
  if (pump == NULL) return NULL;
  int32_t count;
  CHECK(napi_get_value_int32(env, argv[2], &count));
  if (count < 0 || count > pump->slots) {
    napi_throw_range_error(env, NULL, "mxlb-udp: send count out of range");
    return NULL;
  }
  // Compact the replies to send into the front of the arrays; their names stay where recv put them.
  struct mmsghdr out[MAX_SLOTS];
  struct iovec vectors[MAX_SLOTS];
  int queued = 0;
  for (int i = 0; i < count; i++) {
    napi_value reply;
    CHECK(napi_get_element(env, argv[1], (uint32_t)i, &reply));
    napi_valuetype type;
    CHECK(napi_typeof(env, reply, &type));
    if (type != napi_object) continue;
    size_t bytes = 0;
    void *data = typed_array_data(env, reply, &bytes);
    if (data == NULL || bytes == 0) continue;
    vectors[queued].iov_base = data;
    vectors[queued].iov_len = bytes;
    struct msghdr *header = &out[queued].msg_hdr;
    memset(header, 0, sizeof *header);
    header->msg_name = &pump->names[i];
    header->msg_namelen = pump->name_lengths[i];
    header->msg_iov = &vectors[queued];
    header->msg_iovlen = 1;
    queued++;
  }
  int sent = 0, offset = 0;
  while (offset < queued) {
    int done = sendmmsg(pump->fd, out + offset, (unsigned)(queued - offset), MSG_DONTWAIT);
    if (done < 0) {
      if (errno == EINTR) continue;
      // A full socket buffer (EAGAIN) or an unreachable destination: this reply is lost, as a
      // datagram may be; the client retries (RFC 1035 §4.2.1). Go on with the rest.
      offset++;
      continue;
    }
    sent += done;
    offset += done;
  }
  return make_int(env, sent);
}

static napi_value close_pump(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data = NULL;
  CHECK(napi_get_value_external(env, argv[0], &data));
  if (data != NULL) begin_close(data, 0);
  return NULL;
}

static napi_value make_bool(napi_env env, int value) {
  napi_value result;
  napi_get_boolean(env, value != 0, &result);
  return result;
}

static napi_value tune_malloc(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t values[3] = { 0, 0, 0 };
  for (size_t i = 0; i < 3; i++) {
    if (i >= argc || napi_get_value_int32(env, argv[i], &values[i]) != napi_ok || values[i] <= 0) {
      napi_throw_type_error(env, NULL, "tuneMalloc(arenaMax, mmapThreshold, trimThreshold): three positive integers");
      return NULL;
    }
  }
#ifdef __GLIBC__
  /* mallopt returns 1 on success. M_MMAP_THRESHOLD and M_TRIM_THRESHOLD set explicitly also stop
   * glibc's dynamic raising of both (mallopt(3) NOTES). */
  int ok = mallopt(M_ARENA_MAX, values[0]) == 1;
  ok = (mallopt(M_MMAP_THRESHOLD, values[1]) == 1) && ok;
  ok = (mallopt(M_TRIM_THRESHOLD, values[2]) == 1) && ok;
  return make_bool(env, ok);
#else
  return make_bool(env, 0);
#endif
}

static napi_value trim_malloc(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef __GLIBC__
  return make_bool(env, malloc_trim(0));
#else
  return make_bool(env, 0);
#endif
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
    { "bind", NULL, bind_socket, NULL, NULL, NULL, napi_default, NULL },
    { "open", NULL, open_pump, NULL, NULL, NULL, napi_default, NULL },
    { "recv", NULL, recv_batch, NULL, NULL, NULL, napi_default, NULL },
    { "send", NULL, send_batch, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, close_pump, NULL, NULL, NULL, napi_default, NULL },
    { "tuneMalloc", NULL, tune_malloc, NULL, NULL, NULL, napi_default, NULL },
    { "trimMalloc", NULL, trim_malloc, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods);
  napi_value constants;
  napi_create_object(env, &constants);
  napi_set_named_property(env, constants, "slotBytes", make_int(env, SLOT_BYTES));
  napi_set_named_property(env, constants, "metaInts", make_int(env, META_INTS));
  napi_set_named_property(env, constants, "textBytes", make_int(env, TEXT_BYTES));
  napi_set_named_property(env, constants, "maxSlots", make_int(env, MAX_SLOTS));
  napi_set_named_property(env, exports, "constants", constants);
  return exports;
}
