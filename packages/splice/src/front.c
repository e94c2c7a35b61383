/*
 * The native front: a connection's life before its tunnel, on the same epoll thread as the splicing, so no
 * Node socket, HTTP parser object or stream exists per tunnel. The thread accepts, reads the request head
 * (checked by llhttp, the parser inside Node), dials the address JS chose, answers 200 and reads the tunnel's
 * first bytes; JS makes every decision (limits, policy, SSRF guard, ClientHello verdict) from a few notes per
 * connection, and tells the thread what to do: dial, respond, close, splice, or hand the sockets to Node.
 *
 * JS hears of every connection at accept (to count and limit it as Node's path does). The thread frees one
 * only on JS's word (close, respond, splice, adopt), or when its client leaves mid-head (then JS is told).
 */
#include "engine.h" /* first: it defines _GNU_SOURCE (accept4) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

/* llhttp, exported by the node binary. Used through its functions only, with storage larger than any of its
 * versions' structs and no callbacks, so the addon does not depend on llhttp's struct layouts. */
extern void llhttp_settings_init(void *settings);
extern void llhttp_init(void *parser, int type, const void *settings);
extern int llhttp_execute(void *parser, const char *data, size_t len);
extern const char *llhttp_errno_name(int err);
extern const char *llhttp_get_error_pos(const void *parser);
extern uint8_t llhttp_get_method(void *parser);
extern const char *llhttp_method_name(int method);
#define LLHTTP_REQUEST 1

typedef struct { _Alignas(16) unsigned char b[512]; } opaque;
static opaque http_settings; /* all callbacks NULL */

#define HELLO_MAX (16 * 1024 + 1024) /* bytes read after the head before JS must have decided (MAX_HELLO_BYTES) */
#define ACCEPT_BATCH 64
#define BUCKETS 4096

enum { C_HEAD, C_HELD, C_DIALING, C_HELLO, C_LINGER };

typedef struct conn conn;
typedef struct listener listener;
typedef struct { watch w; conn *c; } cwatch;

struct conn {
  cwatch wc, wu; /* client, upstream */
  uint32_t id;
  int fd, up, state, dead, gone, eof;
  int64_t deadline; /* monotonic ms, 0 = none */
  uint8_t *buf;     /* the head, then the tunnel's first bytes */
  size_t len, cap, cap_max, head_len, told;
  opaque parser;
  uint32_t listener; /* its id: a connection outlives a listener JS closed */
  int max_header;
  conn *prev, *next, *hnext, *next_dead;
};

struct listener {
  watch w;
  uint32_t id;
  int fd, dead;
  int max_header, header_ms, max_pending;
  int64_t paused_until; /* out of descriptors: accept again after this */
  listener *next;
};

struct front {
  conn *conns;
  conn *table[BUCKETS];
  conn *dead;
  listener *listeners, *dead_listeners;
  uint32_t next_id;
  int pending; /* connections still reading their head */
  int64_t next_deadline;
};

static double wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
}

void front_init(engine *e) {
  e->fr = calloc(1, sizeof *e->fr);
  llhttp_settings_init(&http_settings);
}

static conn *find(front *f, uint32_t id) {
  for (conn *c = f->table[id % BUCKETS]; c; c = c->hnext)
    if (c->id == id) return c;
  return NULL;
}

static void arm(front *f, conn *c, int64_t deadline) {
  c->deadline = deadline;
  if (deadline && (f->next_deadline == 0 || deadline < f->next_deadline)) f->next_deadline = deadline;
}

static note *new_note(int kind, conn *c) {
  note *m = calloc(1, sizeof *m);
  m->kind = kind;
  m->id = c->id;
  m->listener = c->listener;
  return m;
}

static void peer_name(const struct sockaddr_storage *sa, char *addr, int *port) {
  if (sa->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s = (const void *)sa;
    inet_ntop(AF_INET6, &s->sin6_addr, addr, 48);
    *port = ntohs(s->sin6_port);
  } else {
    const struct sockaddr_in *s = (const void *)sa;
    inet_ntop(AF_INET, &s->sin_addr, addr, 48);
    *port = ntohs(s->sin_port);
  }
}

/* Out of every list; freed after the thread's batch (an event already taken from epoll may still name it). */
static void bury(engine *e, conn *c) {
  front *f = e->fr;
  if (c->dead) return;
  c->dead = 1;
  if (c->state == C_HEAD) f->pending--;
  conn **p = &f->table[c->id % BUCKETS];
  while (*p != c) p = &(*p)->hnext;
  *p = c->hnext;
  if (c->prev) c->prev->next = c->next; else f->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  c->next_dead = f->dead;
  f->dead = c;
}

static void close_fds(engine *e, conn *c) {
  if (c->fd >= 0) { epoll_ctl(e->epfd, EPOLL_CTL_DEL, c->fd, NULL); close(c->fd); c->fd = -1; }
  if (c->up >= 0) { epoll_ctl(e->epfd, EPOLL_CTL_DEL, c->up, NULL); close(c->up); c->up = -1; }
}

static const char FULL_503[] =
    "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n"
    "X-Gatewatch-Reason: connection_limit\r\n\r\n";

static void read_head(engine *e, conn *c);

/* Workers of one node share the socket: one of them is woken per connection, not all. */
static int watch_listener(engine *e, listener *l) {
  struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &l->w};
  return epoll_ctl(e->epfd, EPOLL_CTL_ADD, l->fd, &ev) != 0 ? errno : 0;
}

static void accept_all(engine *e, listener *l, int64_t now) {
  front *f = e->fr;
  for (int k = 0; k < ACCEPT_BATCH; k++) {
    struct sockaddr_storage sa;
    socklen_t sl = sizeof sa;
    int fd = accept4(l->fd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        /* The connection waits in the backlog; try again shortly instead of spinning on a level trigger. */
        epoll_ctl(e->epfd, EPOLL_CTL_DEL, l->fd, NULL);
        l->paused_until = now + 100;
        if (f->next_deadline == 0 || l->paused_until < f->next_deadline) f->next_deadline = l->paused_until;
      }
      return;
    }
    char addr[48] = "";
    int port = 0;
    peer_name(&sa, addr, &port);
    if (f->pending >= l->max_pending) {
      /* As many connections as the node may hold are still sending their heads: refuse before reading. */
      (void)!send(fd, FULL_503, sizeof FULL_503 - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      close(fd);
      note *m = calloc(1, sizeof *m);
      m->kind = NOTE_FULL;
      m->listener = l->id;
      memcpy(m->addr, addr, sizeof addr);
      post(e, m);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conn *c = calloc(1, sizeof *c);
    c->wc.w.kind = W_CONN_CLIENT;
    c->wc.c = c;
    c->wu.w.kind = W_CONN_UPSTREAM;
    c->wu.c = c;
    do { c->id = ++f->next_id; } while (c->id == 0 || find(f, c->id));
    c->fd = fd;
    c->up = -1;
    c->listener = l->id;
    c->max_header = l->max_header;
    c->cap_max = (size_t)l->max_header + HELLO_MAX;
    c->cap = 2048; /* most heads and ClientHellos fit; grown on demand up to cap_max */
    c->buf = malloc(c->cap);
    llhttp_init(&c->parser, LLHTTP_REQUEST, &http_settings);
    c->hnext = f->table[c->id % BUCKETS];
    f->table[c->id % BUCKETS] = c;
    c->next = f->conns;
    if (f->conns) f->conns->prev = c;
    f->conns = c;
    f->pending++;
    arm(f, c, now + l->header_ms);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = &c->wc};
    if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) { close_fds(e, c); bury(e, c); continue; }
    note *m = new_note(NOTE_ACCEPT, c);
    memcpy(m->addr, addr, sizeof addr);
    m->port = port;
    post(e, m);
    read_head(e, c); /* the head is often there already: JS then hears of both at one wake-up */
  }
}

/* The head is complete (url set) or refused (url NULL, why names the cause): JS decides from here. */
static void head_done(engine *e, conn *c, const char *what, const char *url, size_t url_len) {
  note *m = new_note(NOTE_HEAD, c);
  m->s1 = strdup(what);
  if (url) m->s2 = strndup(url, url_len);
  if (url && c->len > c->head_len) {
    m->len = c->len - c->head_len;
    m->data = malloc(m->len);
    memcpy(m->data, c->buf + c->head_len, m->len);
  }
  c->told = c->len;
  e->fr->pending--;
  c->state = C_HELD;
  c->deadline = 0;
  post(e, m);
}

/* The request target of a request line llhttp has accepted: between its first two spaces. */
static void complete(engine *e, conn *c, size_t head_len) {
  c->head_len = head_len;
  if ((int)head_len > c->max_header) { head_done(e, c, "HPE_HEADER_OVERFLOW", NULL, 0); return; }
  const char *line = (const char *)c->buf;
  const char *sp1 = memchr(line, ' ', head_len);
  const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', head_len - (size_t)(sp1 + 1 - line)) : NULL;
  if (!sp2) { head_done(e, c, "HPE_INVALID_URL", NULL, 0); return; }
  head_done(e, c, llhttp_method_name(llhttp_get_method(&c->parser)), sp1 + 1, (size_t)(sp2 - sp1 - 1));
}

static size_t head_end(const conn *c, size_t from) {
  size_t start = from > 3 ? from - 3 : 0;
  for (size_t i = start; i + 1 < c->len; i++) {
    if (c->buf[i] != '\n') continue;
    if (c->buf[i + 1] == '\n') return i + 2;
    if (i + 2 < c->len && c->buf[i + 1] == '\r' && c->buf[i + 2] == '\n') return i + 3;
  }
  return 0;
}

/* Room for the next read: 0 once the buffer is at its cap. */
static size_t room(conn *c) {
  if (c->len == c->cap && c->cap < c->cap_max) {
    size_t cap = c->cap * 4 < c->cap_max ? c->cap * 4 : c->cap_max;
    uint8_t *buf = realloc(c->buf, cap);
    if (buf) { c->buf = buf; c->cap = cap; }
  }
  return c->cap - c->len;
}

static void read_head(engine *e, conn *c) {
  while (c->state == C_HEAD) {
    if (!room(c)) { head_done(e, c, "HPE_HEADER_OVERFLOW", NULL, 0); return; }
    ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) { /* left mid-head: gone, not refused; closed here (err = 1 tells JS) */
      note *m = new_note(NOTE_GONE, c);
      m->err = 1;
      post(e, m);
      close_fds(e, c);
      bury(e, c);
      return;
    }
    size_t from = c->len;
    c->len += (size_t)n;
    int err = llhttp_execute(&c->parser, (const char *)c->buf + from, (size_t)n);
    const char *name = llhttp_errno_name(err);
    if (strcmp(name, "HPE_PAUSED_UPGRADE") == 0) {
      /* CONNECT (or an Upgrade request): the parser stopped where the tunnel's bytes begin. */
      complete(e, c, (size_t)((const uint8_t *)llhttp_get_error_pos(&c->parser) - c->buf));
    } else if (err != 0) {
      head_done(e, c, name, NULL, 0);
    } else {
      size_t end = head_end(c, from);
      if (end) complete(e, c, end);
      else if (c->len > (size_t)c->max_header) head_done(e, c, "HPE_HEADER_OVERFLOW", NULL, 0);
    }
  }
}

/* Tunnel bytes after the 200, each batch of reads one note, until JS decides or the buffer is full. */
static void read_hello(engine *e, conn *c) {
  if (c->eof) return;
  int eof = 0;
  while (room(c)) {
    ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) { eof = 1; break; }
    c->len += (size_t)n;
  }
  if (c->len == c->told && !eof) return;
  note *m = new_note(NOTE_DATA, c);
  m->len = c->len - c->told;
  if (m->len) {
    m->data = malloc(m->len);
    memcpy(m->data, c->buf + c->told, m->len);
  }
  m->err = eof;
  c->told = c->len;
  c->eof = eof;
  post(e, m);
}

static void linger_read(engine *e, conn *c) {
  uint8_t sink[4096];
  for (;;) {
    ssize_t n = recv(c->fd, sink, sizeof sink, 0);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    close_fds(e, c);
    bury(e, c);
    return;
  }
}

static void dialed(engine *e, conn *c, int err) {
  note *m = new_note(NOTE_DIALED, c);
  m->at = wall_ms();
  c->deadline = 0;
  if (!err) {
    struct sockaddr_storage sa;
    socklen_t sl = sizeof sa;
    if (getpeername(c->up, (struct sockaddr *)&sa, &sl) == 0) peer_name(&sa, m->addr, &m->port);
    else err = errno;
  }
  m->err = err;
  /* Upstream bytes wait in its socket until the tunnel is spliced. */
  epoll_ctl(e->epfd, EPOLL_CTL_DEL, c->up, NULL);
  if (err) {
    close(c->up);
    c->up = -1;
    c->state = C_HELD;
    post(e, m);
    return;
  }
  post(e, m);
  if (c->gone) { c->state = C_HELD; return; } /* JS closes both */
  static const char ok[] = "HTTP/1.1 200 Connection Established\r\n\r\n";
  (void)!send(c->fd, ok, sizeof ok - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  c->state = C_HELLO;
  read_hello(e, c);
}

int front_event(engine *e, watch *w, uint32_t ev, int64_t now) {
  if (w->kind == W_LISTENER) {
    listener *l = (listener *)w;
    if (!l->dead) accept_all(e, l, now);
    return 1;
  }
  conn *c = ((cwatch *)w)->c;
  if (c->dead) return 1;
  if (w->kind == W_CONN_UPSTREAM) {
    if (c->state != C_DIALING) return 1;
    int err = 0;
    socklen_t sl = sizeof err;
    if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return 1;
    getsockopt(c->up, SOL_SOCKET, SO_ERROR, &err, &sl);
    if (!err && (ev & (EPOLLERR | EPOLLHUP))) err = ECONNRESET;
    dialed(e, c, err);
    return 1;
  }
  switch (c->state) {
    case C_HEAD: read_head(e, c); break;
    case C_HELLO: read_hello(e, c); break;
    case C_LINGER: linger_read(e, c); return 1;
    default: break;
  }
  if (!c->dead && !c->gone && c->state != C_HEAD && c->state != C_HELLO &&
      (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
    c->gone = 1;
    post(e, new_note(NOTE_GONE, c));
  }
  return 1;
}

int64_t front_tick(engine *e, int64_t now) {
  front *f = e->fr;
  if (f->next_deadline == 0) return 1000;
  if (now < f->next_deadline) return f->next_deadline - now;
  f->next_deadline = 0; /* recomputed below; anything armed meanwhile lowers it */
  int64_t next = 0;
  for (listener *l = f->listeners; l; l = l->next) {
    if (!l->paused_until) continue;
    if (now >= l->paused_until) {
      l->paused_until = 0;
      watch_listener(e, l);
      accept_all(e, l, now);
    } else if (!next || l->paused_until < next) next = l->paused_until;
  }
  for (conn *c = f->conns, *after; c; c = after) {
    after = c->next;
    if (!c->deadline) continue;
    if (now < c->deadline) {
      if (!next || c->deadline < next) next = c->deadline;
      continue;
    }
    c->deadline = 0;
    if (c->state == C_HEAD) head_done(e, c, "TIMEOUT", NULL, 0);
    else if (c->state == C_DIALING) dialed(e, c, ETIMEDOUT);
    else if (c->state == C_LINGER) { close_fds(e, c); bury(e, c); }
  }
  if (next && (!f->next_deadline || next < f->next_deadline)) f->next_deadline = next;
  return f->next_deadline ? (f->next_deadline > now ? f->next_deadline - now : 1) : 1000;
}

void front_flush(engine *e) {
  front *f = e->fr;
  while (f->dead) {
    conn *c = f->dead;
    f->dead = c->next_dead;
    free(c->buf);
    free(c);
  }
  while (f->dead_listeners) {
    listener *l = f->dead_listeners;
    f->dead_listeners = l->next;
    free(l);
  }
}

napi_value front_notify(napi_env env, note *m, napi_value *argv) {
  for (int i = 2; i < 6; i++) napi_get_undefined(env, &argv[i]);
  napi_create_uint32(env, m->listener, &argv[6]);
  switch (m->kind) {
    case NOTE_ACCEPT:
      napi_create_string_utf8(env, m->addr, NAPI_AUTO_LENGTH, &argv[2]);
      napi_create_int32(env, m->port, &argv[3]);
      break;
    case NOTE_HEAD:
      napi_create_string_utf8(env, m->s1, NAPI_AUTO_LENGTH, &argv[2]);
      if (m->s2) napi_create_string_latin1(env, m->s2, NAPI_AUTO_LENGTH, &argv[3]);
      napi_create_buffer_copy(env, m->len, m->data ? (void *)m->data : (void *)"", NULL, &argv[4]);
      break;
    case NOTE_DIALED:
      napi_create_int32(env, m->err, &argv[2]);
      napi_create_string_utf8(env, m->addr, NAPI_AUTO_LENGTH, &argv[3]);
      napi_create_int32(env, m->port, &argv[4]);
      napi_create_double(env, m->at, &argv[5]);
      break;
    case NOTE_DATA:
      napi_create_buffer_copy(env, m->len, m->data ? (void *)m->data : (void *)"", NULL, &argv[2]);
      napi_get_boolean(env, m->err != 0, &argv[3]);
      break;
    case NOTE_FULL:
      napi_create_string_utf8(env, m->addr, NAPI_AUTO_LENGTH, &argv[2]);
      break;
    case NOTE_GONE:
      napi_get_boolean(env, m->err != 0, &argv[2]);
      break;
    default:
      break;
  }
  return NULL;
}

/* ---- JS calls (main thread, under the engine lock) ---- */

#define FCHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "front: " #call " failed"); return NULL; } } while (0)

static napi_value args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want || !the_engine) {
    napi_throw_error(env, NULL, "front: called before start, or with missing arguments");
    return NULL;
  }
  napi_value ok;
  napi_get_boolean(env, 1, &ok);
  return ok;
}

static int32_t int_arg(napi_env env, napi_value v) {
  int32_t x = 0;
  napi_get_value_int32(env, v, &x);
  return x;
}

static napi_value number(napi_env env, double x) {
  napi_value v;
  napi_create_double(env, x, &v);
  return v;
}

/* listen(fd, maxHeaderBytes, headerTimeoutMs, maxPending) → listener id. Takes a duplicate of fd. */
static napi_value js_listen(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, 4, argv)) return NULL;
  engine *e = the_engine;
  int fd = fcntl(int_arg(env, argv[0]), F_DUPFD_CLOEXEC, 3);
  if (fd < 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
    napi_throw_error(env, NULL, strerror(errno));
    return NULL;
  }
  listener *l = calloc(1, sizeof *l);
  l->w.kind = W_LISTENER;
  l->fd = fd;
  l->max_header = int_arg(env, argv[1]);
  l->header_ms = int_arg(env, argv[2]);
  l->max_pending = int_arg(env, argv[3]);
  pthread_mutex_lock(&e->lock);
  l->id = ++e->fr->next_id;
  l->next = e->fr->listeners;
  e->fr->listeners = l;
  int err = watch_listener(e, l);
  pthread_mutex_unlock(&e->lock);
  if (err) { napi_throw_error(env, NULL, strerror(err)); return NULL; }
  active_add(env, e);
  return number(env, l->id);
}

/* configure(listenerId, headerTimeoutMs, maxPending): a live reload. */
static napi_value js_configure(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, 3, argv)) return NULL;
  engine *e = the_engine;
  uint32_t id = (uint32_t)int_arg(env, argv[0]);
  pthread_mutex_lock(&e->lock);
  for (listener *l = e->fr->listeners; l; l = l->next) {
    if (l->id != id) continue;
    l->header_ms = int_arg(env, argv[1]);
    l->max_pending = int_arg(env, argv[2]);
  }
  pthread_mutex_unlock(&e->lock);
  return NULL;
}

/* unlisten(listenerId): stop accepting and close the listener's socket (connections carry on). */
static napi_value js_unlisten(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return NULL;
  engine *e = the_engine;
  uint32_t id = (uint32_t)int_arg(env, argv[0]);
  int found = 0;
  pthread_mutex_lock(&e->lock);
  for (listener **p = &e->fr->listeners; *p; p = &(*p)->next) {
    listener *l = *p;
    if (l->id != id) continue;
    epoll_ctl(e->epfd, EPOLL_CTL_DEL, l->fd, NULL);
    close(l->fd);
    l->dead = 1;
    *p = l->next;
    l->next = e->fr->dead_listeners;
    e->fr->dead_listeners = l;
    found = 1;
    break;
  }
  pthread_mutex_unlock(&e->lock);
  if (found) active_done(env, e);
  return NULL;
}

/* dial(id, ip, port, timeoutMs) → 0, or the errno of a connect that failed at once. */
static napi_value js_dial(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, 4, argv)) return NULL;
  engine *e = the_engine;
  char ip[64] = "";
  size_t n;
  napi_get_value_string_utf8(env, argv[1], ip, sizeof ip, &n);
  int port = int_arg(env, argv[2]), timeout = int_arg(env, argv[3]), err = 0;
  struct sockaddr_storage sa;
  memset(&sa, 0, sizeof sa);
  socklen_t sl;
  struct sockaddr_in *s4 = (void *)&sa;
  struct sockaddr_in6 *s6 = (void *)&sa;
  if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    sl = sizeof *s4;
  } else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    sl = sizeof *s6;
  } else {
    return number(env, EINVAL);
  }
  pthread_mutex_lock(&e->lock);
  conn *c = find(e->fr, (uint32_t)int_arg(env, argv[0]));
  if (!c || c->state != C_HELD || c->up >= 0) err = EBADF;
  else {
    int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) err = errno;
    else {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (connect(fd, (struct sockaddr *)&sa, sl) != 0 && errno != EINPROGRESS) err = errno;
      struct epoll_event ev = {.events = EPOLLOUT | EPOLLET, .data.ptr = &c->wu};
      if (!err && epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) err = errno;
      if (err) close(fd);
      else {
        c->up = fd;
        c->state = C_DIALING;
        arm(e->fr, c, now_ms() + timeout);
        nudge(e, c->deadline);
      }
    }
  }
  pthread_mutex_unlock(&e->lock);
  return number(env, err);
}

/* respond(id, bytes): send an answer, then close once the client has hung up (at most a second later). */
static napi_value js_respond(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!args(env, info, 2, argv)) return NULL;
  engine *e = the_engine;
  void *data;
  size_t len = 0;
  FCHECK(napi_get_buffer_info(env, argv[1], &data, &len));
  pthread_mutex_lock(&e->lock);
  conn *c = find(e->fr, (uint32_t)int_arg(env, argv[0]));
  if (c && c->state != C_LINGER) {
    if (c->up >= 0) { epoll_ctl(e->epfd, EPOLL_CTL_DEL, c->up, NULL); close(c->up); c->up = -1; }
    (void)!send(c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    shutdown(c->fd, SHUT_WR);
    if (c->state == C_HEAD) e->fr->pending--;
    c->state = C_LINGER;
    arm(e->fr, c, now_ms() + 1000);
    nudge(e, c->deadline);
    linger_read(e, c);
  }
  pthread_mutex_unlock(&e->lock);
  return NULL;
}

/* close(id): close both sockets now. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return NULL;
  engine *e = the_engine;
  pthread_mutex_lock(&e->lock);
  conn *c = find(e->fr, (uint32_t)int_arg(env, argv[0]));
  if (c) { close_fds(e, c); bury(e, c); }
  pthread_mutex_unlock(&e->lock);
  return NULL;
}

/* splice(id, tunnelId, counts: Float64Array(2), idleMs) → true once the tunnel moves the bytes. The bytes read
 * after the head go to the upstream first; the sockets are the tunnel's now (it closes them at its end). */
static napi_value js_splice(napi_env env, napi_callback_info info) {
  napi_value argv[4], result;
  if (!args(env, info, 4, argv)) return NULL;
  engine *e = the_engine;
  napi_typedarray_type type;
  size_t length;
  void *counts;
  FCHECK(napi_get_typedarray_info(env, argv[2], &type, &length, &counts, NULL, NULL));
  if (type != napi_float64_array || length < 2) { napi_throw_type_error(env, NULL, "front: counts must be a Float64Array(2)"); return NULL; }
  double idle = 0;
  napi_get_value_double(env, argv[3], &idle);
  int ok = 0, err = 0;
  tunnel *t = NULL;
  pthread_mutex_lock(&e->lock);
  conn *c = find(e->fr, (uint32_t)int_arg(env, argv[0]));
  if (c && c->up >= 0 && (c->state == C_HELLO || c->state == C_HELD)) {
    t = calloc(1, sizeof *t);
    epoll_ctl(e->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    tunnel_init(t, (uint32_t)int_arg(env, argv[1]), c->fd, c->up, counts, (int64_t)idle);
    t->owns_fds = 1;
    if (c->len > c->head_len) {
      t->dir[0].pending_len = c->len - c->head_len;
      t->dir[0].pending = malloc(t->dir[0].pending_len);
      memcpy(t->dir[0].pending, c->buf + c->head_len, t->dir[0].pending_len);
    }
    c->fd = c->up = -1;
    bury(e, c);
    napi_create_reference(env, argv[2], 1, &t->counts_ref);
    err = tunnel_go(e, t);
    ok = 1;
  }
  pthread_mutex_unlock(&e->lock);
  /* No wake-up needed: its sockets are watched now, and the upstream's first EPOLLOUT starts the pumping. */
  if (ok) {
    if (err) napi_delete_reference(env, t->counts_ref), t->counts_ref = NULL; /* retired: its end is never told */
    else active_add(env, e);
  }
  napi_get_boolean(env, ok && !err, &result);
  return result;
}

/* adopt(id) → [clientFd, upstreamFd (-1 if none), bytes read after the head]: the sockets are Node's now. */
static napi_value js_adopt(napi_env env, napi_callback_info info) {
  napi_value argv[1], out, bytes;
  if (!args(env, info, 1, argv)) return NULL;
  engine *e = the_engine;
  int fds[2] = {-1, -1};
  pthread_mutex_lock(&e->lock);
  conn *c = find(e->fr, (uint32_t)int_arg(env, argv[0]));
  size_t n = c && c->len > c->head_len ? c->len - c->head_len : 0;
  napi_create_buffer_copy(env, n, n ? (void *)(c->buf + c->head_len) : (void *)"", NULL, &bytes);
  if (c && c->state != C_LINGER) {
    if (c->fd >= 0) epoll_ctl(e->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    if (c->up >= 0) epoll_ctl(e->epfd, EPOLL_CTL_DEL, c->up, NULL);
    fds[0] = c->fd;
    fds[1] = c->up;
    c->fd = c->up = -1;
    bury(e, c);
  }
  pthread_mutex_unlock(&e->lock);
  FCHECK(napi_create_array_with_length(env, 3, &out));
  for (uint32_t i = 0; i < 2; i++) FCHECK(napi_set_element(env, out, i, number(env, fds[i])));
  FCHECK(napi_set_element(env, out, 2, bytes));
  return out;
}

void front_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"frontListen", NULL, js_listen, NULL, NULL, NULL, napi_default, NULL},
      {"frontConfigure", NULL, js_configure, NULL, NULL, NULL, napi_default, NULL},
      {"frontUnlisten", NULL, js_unlisten, NULL, NULL, NULL, napi_default, NULL},
      {"frontDial", NULL, js_dial, NULL, NULL, NULL, napi_default, NULL},
      {"frontRespond", NULL, js_respond, NULL, NULL, NULL, napi_default, NULL},
      {"frontClose", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"frontSplice", NULL, js_splice, NULL, NULL, NULL, napi_default, NULL},
      {"frontAdopt", NULL, js_adopt, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof *props, props);
}
