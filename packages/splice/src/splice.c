/*
 * Kernel-side byte pump for accepted tunnels: moves bytes socket → pipe → socket with splice(2), so tunnel
 * payload never enters user space (no copies, no JS per chunk). One epoll thread per process serves every
 * tunnel; Node keeps owning the sockets (it stopped reading them before the hand-over) and closes them only
 * after `abort` or a completion callback, so the thread never touches a file descriptor Node has closed.
 *
 * A tunnel has two directions (client → upstream, upstream → client). Each splices into a pipe only while it
 * has data in flight; idle directions give their pipe back to a small pool, so 10,000 quiet tunnels cost no
 * pipes at all. EOF on one side is passed on as shutdown(SHUT_WR) on the other (half-close); an error on
 * either side, an idle timeout or an abort ends both.
 */
#include "engine.h"

static const char *END_NAMES[] = {"closed", "error", "idle"};

int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void add_bytes(direction *d, size_t n) {
  /* One writer (this thread); JS reads the double whole: aligned 8-byte stores are atomic on every
   * platform this builds for. */
  double v = *d->bytes + (double)n;
  __atomic_store(d->bytes, &v, __ATOMIC_RELAXED);
}

/* 0, EAGAIN when the process is out of pipes for now (the direction waits for one), or an errno. */
static int pipe_get(engine *e, direction *d) {
  if (d->pipe[0] >= 0) return 0;
  if (e->pooled > 0) {
    e->pooled--;
    d->pipe[0] = e->pool[e->pooled][0];
    d->pipe[1] = e->pool[e->pooled][1];
  } else if (e->pipes_out >= e->pipes_max) {
    return EAGAIN;
  } else if (pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
    /* Out of descriptors: wait for a pipe to come back, unless none is out to come back. */
    return (errno == EMFILE || errno == ENFILE) && e->pipes_out > 0 ? EAGAIN : errno;
  } else {
    /* Refused past the user's pipe-user-pages-soft (non-root): the pipe keeps its 64 KiB, still works. */
    (void)fcntl(d->pipe[1], F_SETPIPE_SZ, PIPE_BYTES);
  }
  e->pipes_out++;
  return 0;
}

static void starve(engine *e, direction *d) {
  if (d->starved) return;
  d->starved = 1;
  e->pipe_waits++;
  e->starved_count++;
  d->starved_prev = e->starved_tail;
  d->starved_next = NULL;
  if (e->starved_tail) e->starved_tail->starved_next = d; else e->starved_head = d;
  e->starved_tail = d;
}

static void unstarve(engine *e, direction *d) {
  if (!d->starved) return;
  d->starved = 0;
  e->starved_count--;
  if (d->starved_prev) d->starved_prev->starved_next = d->starved_next; else e->starved_head = d->starved_next;
  if (d->starved_next) d->starved_next->starved_prev = d->starved_prev; else e->starved_tail = d->starved_prev;
  d->starved_prev = d->starved_next = NULL;
}

/* An empty pipe goes back to the pool; one that still holds bytes (an error cut it short) is closed. */
static void pipe_put(engine *e, direction *d) {
  if (d->pipe[0] < 0) return;
  if (d->in_pipe == 0 && e->pooled < POOL_MAX) {
    e->pool[e->pooled][0] = d->pipe[0];
    e->pool[e->pooled][1] = d->pipe[1];
    e->pooled++;
  } else {
    close(d->pipe[0]);
    close(d->pipe[1]);
  }
  d->pipe[0] = d->pipe[1] = -1;
  d->in_pipe = 0;
  e->pipes_out--;
}

/* Moves what it can in one direction; returns 0 or the errno that ends the tunnel. */
static int pump(engine *e, direction *d, int *moved) {
  for (;;) {
    if (d->done) return 0;
    if (d->pending_off < d->pending_len) {
      if (!d->writable) return 0;
      ssize_t n = send(d->to, d->pending + d->pending_off, d->pending_len - d->pending_off,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN) { d->writable = 0; return 0; }
        if (errno == EINTR) continue;
        return errno;
      }
      d->pending_off += (size_t)n;
      add_bytes(d, (size_t)n);
      *moved = 1;
      if (d->pending_off == d->pending_len) { free(d->pending); d->pending = NULL; d->pending_len = d->pending_off = 0; }
      continue;
    }
    if (d->in_pipe > 0) {
      if (!d->writable) return 0;
      ssize_t n = splice(d->pipe[0], NULL, d->to, NULL, d->in_pipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n < 0) {
        if (errno == EAGAIN) { d->writable = 0; return 0; }
        if (errno == EINTR) continue;
        return errno;
      }
      d->in_pipe -= (size_t)n;
      add_bytes(d, (size_t)n);
      *moved = 1;
      continue;
    }
    if (d->eof) {
      pipe_put(e, d);
      shutdown(d->to, SHUT_WR);
      d->done = 1;
      return 0;
    }
    if (!d->readable) { pipe_put(e, d); return 0; }
    int err = pipe_get(e, d);
    if (err == EAGAIN) { starve(e, d); return 0; } /* its bytes wait in the socket (TCP flow control) */
    if (err) return err;
    /* The pipe is empty here, so EAGAIN can only mean the socket has nothing to read. */
    ssize_t n = splice(d->from, NULL, d->pipe[1], NULL, CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n == 0) d->eof = 1;
    else if (n > 0) d->in_pipe = (size_t)n;
    else if (errno == EAGAIN) d->readable = 0;
    else if (errno != EINTR) return errno;
  }
}

static void unlink_live(engine *e, tunnel *t) {
  if (t->prev) t->prev->next = t->next; else e->live = t->next;
  if (t->next) t->next->prev = t->prev;
  t->prev = t->next = NULL;
}

/* New tunnels join the live list. Caller holds the lock. */
static void take_inbox(engine *e) {
  pthread_mutex_lock(&e->inbox_lock);
  tunnel *t = e->inbox;
  e->inbox = NULL;
  pthread_mutex_unlock(&e->inbox_lock);
  while (t) {
    tunnel *next = t->next;
    t->prev = NULL;
    t->next = e->live;
    if (e->live) e->live->prev = t;
    e->live = t;
    t = next;
  }
}

/* Stops watching a tunnel for good. Caller holds the lock. */
static void retire(engine *e, tunnel *t, int end, int err) {
  t->ended = 1;
  t->end = end;
  t->err = err;
  epoll_ctl(e->epfd, EPOLL_CTL_DEL, t->fd[0], NULL);
  epoll_ctl(e->epfd, EPOLL_CTL_DEL, t->fd[1], NULL);
  if (t->owns_fds) { close(t->fd[0]); close(t->fd[1]); }
  for (int i = 0; i < 2; i++) {
    unstarve(e, &t->dir[i]);
    pipe_put(e, &t->dir[i]);
    free(t->dir[i].pending);
    t->dir[i].pending = NULL;
  }
  unlink_live(e, t);
}

static void work(engine *e, tunnel *t, int64_t now) {
  int moved = 0, err = 0;
  for (int i = 0; i < 2 && !err; i++) err = pump(e, &t->dir[i], &moved);
  if (moved) t->last_ms = now;
  if (err || (t->dir[0].done && t->dir[1].done)) {
    retire(e, t, err ? END_ERROR : END_CLOSED, err);
    t->next_done = e->completed;
    e->completed = t;
  }
}

static void *run(void *arg) {
  engine *e = arg;
  struct epoll_event events[EVENTS];
  int64_t next_scan = now_ms() + 1000, wait_ms = 1000;
  for (;;) {
    int n = epoll_wait(e->epfd, events, EVENTS, (int)wait_ms);
    pthread_mutex_lock(&e->lock);
    if (e->stopping) { pthread_mutex_unlock(&e->lock); return NULL; }
    take_inbox(e); /* a tunnel is in the inbox before its sockets are watched: this batch may name it */
    int64_t now = now_ms();
    for (int i = 0; i < n; i++) {
      watch *w = events[i].data.ptr;
      if (w == NULL) { uint64_t v; (void)!read(e->wakefd, &v, sizeof v); continue; }
      uint32_t ev = events[i].events;
      if (w->kind != W_TUNNEL) { front_event(e, w, ev, now); continue; }
      endpoint *ep = (endpoint *)w;
      tunnel *t = ep->t;
      if (t->ended) continue; /* aborted by JS earlier in this batch */
      if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) t->dir[ep->side].readable = 1;
      if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) t->dir[1 - ep->side].writable = 1;
      work(e, t, now);
    }
    if (now >= next_scan) {
      next_scan = now + 1000;
      for (tunnel *t = e->live, *next; t; t = next) {
        next = t->next;
        if (t->idle_ms > 0 && now - t->last_ms >= t->idle_ms) {
          retire(e, t, END_IDLE, 0);
          t->next_done = e->completed;
          e->completed = t;
        }
      }
    }
    wait_ms = front_tick(e, now);
    if (wait_ms > next_scan - now) wait_ms = next_scan - now;
    if (wait_ms < 1) wait_ms = 1;
    e->wake_at = now + wait_ms;
    /* Directions waiting for a pipe get one as they come back. A pass tries at most as many as were waiting
     * when it began (one that fails again goes to the back), so running out of descriptors retries about once a
     * second instead of spinning. */
    for (int k = e->starved_count; k > 0 && e->starved_head && (e->pooled > 0 || e->pipes_out < e->pipes_max); k--) {
      direction *d = e->starved_head;
      unstarve(e, d);
      work(e, d->t, now); /* a waiting direction's tunnel is live: ending a tunnel takes its directions out */
    }
    /* No event of this batch names an ended tunnel any more: JS may free them, and the aborted ones go. */
    while (e->completed) {
      tunnel *t = e->completed;
      e->completed = t->next_done;
      note *m = calloc(1, sizeof *m);
      m->kind = NOTE_END;
      m->t = t;
      post(e, m);
    }
    while (e->graveyard) {
      tunnel *t = e->graveyard;
      e->graveyard = t->next_done;
      free(t);
    }
    front_flush(e);
    pthread_mutex_unlock(&e->lock);
  }
}

void nudge(engine *e, int64_t deadline) {
  if (deadline >= e->wake_at) return;
  uint64_t one = 1;
  (void)!write(e->wakefd, &one, sizeof one);
}

void post(engine *e, note *m) {
  if (napi_call_threadsafe_function(e->tsfn, m, napi_tsfn_nonblocking) != napi_ok) {
    free(m->s1);
    free(m->s2);
    free(m->data);
    if (m->kind == NOTE_END) free(m->t);
    free(m);
  }
}

void tunnel_init(tunnel *t, uint32_t id, int client, int upstream, double *counts, int64_t idle_ms) {
  t->id = id;
  t->fd[0] = client;
  t->fd[1] = upstream;
  t->idle_ms = idle_ms;
  t->last_ms = now_ms();
  t->counts = counts;
  for (int i = 0; i < 2; i++) {
    direction *d = &t->dir[i];
    d->from = t->fd[i];
    d->to = t->fd[1 - i];
    d->t = t;
    d->pipe[0] = d->pipe[1] = -1;
    d->bytes = &t->counts[i];
    d->readable = d->writable = 1;
    t->ep[i].w.kind = W_TUNNEL;
    t->ep[i].t = t;
    t->ep[i].side = i;
  }
}

/* Readiness is edge-triggered: the thread runs the first pump itself (ADD reports the current state). */
int tunnel_watch(engine *e, tunnel *t) {
  for (int i = 0; i < 2; i++) {
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = &t->ep[i]};
    if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, t->fd[i], &ev) != 0) return errno;
  }
  return 0;
}

int tunnel_go(engine *e, tunnel *t) {
  t->prev = NULL;
  t->next = e->live;
  if (e->live) e->live->prev = t;
  e->live = t;
  int err = tunnel_watch(e, t);
  if (err) {
    retire(e, t, END_CLOSED, 0);
    t->next_done = e->graveyard;
    e->graveyard = t;
  }
  return err;
}

/* ---- JS side (main thread) ---- */

engine *the_engine;

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "splice: " #call " failed"); return NULL; } } while (0)

static void release_counts(napi_env env, tunnel *t) {
  if (t->counts_ref) napi_delete_reference(env, t->counts_ref);
  t->counts_ref = NULL;
}

void active_done(napi_env env, engine *e) {
  if (--e->active == 0) napi_unref_threadsafe_function(env, e->tsfn);
}

/* Something JS waits for (a tunnel's end, a listener's connections) keeps the process alive. */
void active_add(napi_env env, engine *e) {
  if (e->active++ == 0) napi_ref_threadsafe_function(env, e->tsfn);
}

/* On the main thread: onNote(kind, id, ...): a tunnel's end (id, reason, errno) or a front note (front.c,
 * its listener last). */
static void call_js(napi_env env, napi_value cb, void *ctx, void *data) {
  (void)ctx;
  note *m = data;
  if (env && cb) {
    napi_value argv[7], undef;
    size_t argc = 4;
    napi_create_int32(env, m->kind, &argv[0]);
    napi_create_uint32(env, m->id, &argv[1]);
    if (m->kind == NOTE_END) {
      tunnel *t = m->t;
      napi_create_uint32(env, t->id, &argv[1]);
      napi_create_string_utf8(env, END_NAMES[t->end], NAPI_AUTO_LENGTH, &argv[2]);
      napi_create_int32(env, t->err, &argv[3]);
      release_counts(env, t);
      active_done(env, the_engine);
    } else {
      argc = 7;
      front_notify(env, m, argv);
    }
    napi_get_undefined(env, &undef);
    napi_call_function(env, undef, cb, argc, argv, NULL);
  }
  if (m->kind == NOTE_END) free(m->t);
  free(m->s1);
  free(m->s2);
  free(m->data);
  free(m);
}

static void stop_engine(void *arg) {
  engine *e = arg;
  pthread_mutex_lock(&e->lock);
  e->stopping = 1;
  pthread_mutex_unlock(&e->lock);
  uint64_t one = 1;
  (void)!write(e->wakefd, &one, sizeof one);
  pthread_join(e->thread, NULL);
}

/* start(onEnd, maxPipes): once per process. */
static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], name;
  int32_t max_pipes = PIPES_MAX;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (the_engine) { napi_throw_error(env, NULL, "splice: already started"); return NULL; }
  if (argc > 1) napi_get_value_int32(env, argv[1], &max_pipes);
  engine *e = calloc(1, sizeof *e);
  e->pipes_max = max_pipes > 0 ? max_pipes : PIPES_MAX;
  pthread_mutex_init(&e->lock, NULL);
  pthread_mutex_init(&e->inbox_lock, NULL);
  e->epfd = epoll_create1(EPOLL_CLOEXEC);
  e->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (e->epfd < 0 || e->wakefd < 0) { napi_throw_error(env, NULL, strerror(errno)); return NULL; }
  struct epoll_event wake = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->wakefd, &wake);
  CHECK(napi_create_string_utf8(env, "gatewatch-splice", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, NULL, NULL, NULL, call_js, &e->tsfn));
  CHECK(napi_unref_threadsafe_function(env, e->tsfn));
  front_init(e);
  e->wake_at = now_ms() + 1000; /* run() waits at most a second at first */
  if (pthread_create(&e->thread, NULL, run, e) != 0) { napi_throw_error(env, NULL, "splice: no thread"); return NULL; }
  pthread_setname_np(e->thread, "gw-splice"); /* `top -H`, perf and the bench tell it from V8's threads */
  napi_add_env_cleanup_hook(env, stop_engine, e);
  the_engine = e;
  return NULL;
}

static int get_fd(napi_env env, napi_value v) {
  int32_t fd = -1;
  napi_get_value_int32(env, v, &fd);
  return fd;
}

static uint8_t *copy_buffer(napi_env env, napi_value v, size_t *len) {
  void *data;
  *len = 0;
  if (napi_get_buffer_info(env, v, &data, len) != napi_ok || *len == 0) { *len = 0; return NULL; }
  uint8_t *out = malloc(*len);
  memcpy(out, data, *len);
  return out;
}

/* add(id, clientFd, upstreamFd, counts: Float64Array(2), idleMs, pendingUp: Buffer, pendingDown: Buffer) */
static napi_value add(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  engine *e = the_engine;
  if (!e || argc < 7) { napi_throw_error(env, NULL, "splice: add before start, or missing arguments"); return NULL; }
  tunnel *t = calloc(1, sizeof *t);
  uint32_t id;
  double idle;
  napi_typedarray_type type;
  size_t length;
  void *counts;
  CHECK(napi_get_value_uint32(env, argv[0], &id));
  CHECK(napi_get_value_double(env, argv[4], &idle));
  CHECK(napi_get_typedarray_info(env, argv[3], &type, &length, &counts, NULL, NULL));
  if (type != napi_float64_array || length < 2) { free(t); napi_throw_type_error(env, NULL, "splice: counts must be a Float64Array(2)"); return NULL; }
  CHECK(napi_create_reference(env, argv[3], 1, &t->counts_ref));
  tunnel_init(t, id, get_fd(env, argv[1]), get_fd(env, argv[2]), counts, (int64_t)idle);
  for (int i = 0; i < 2; i++) t->dir[i].pending = copy_buffer(env, argv[5 + i], &t->dir[i].pending_len);
  pthread_mutex_lock(&e->inbox_lock);
  t->next = e->inbox;
  e->inbox = t;
  pthread_mutex_unlock(&e->inbox_lock);
  active_add(env, e);
  int err = tunnel_watch(e, t);
  if (err) {
    /* Undo as an abort does: an event of the socket that was added may already be in the thread's hands. */
    pthread_mutex_lock(&e->lock);
    take_inbox(e);
    retire(e, t, END_CLOSED, 0);
    release_counts(env, t);
    t->next_done = e->graveyard;
    e->graveyard = t;
    pthread_mutex_unlock(&e->lock);
    active_done(env, e);
    napi_throw_error(env, NULL, strerror(err));
  }
  return NULL;
}

/*
 * abort(id) → true if it was live. Synchronous: when it returns the thread will never use the tunnel's
 * sockets again, so the caller may close them at once. Its completion callback is not called.
 */
static napi_value abort_tunnel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  uint32_t id;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_uint32(env, argv[0], &id));
  engine *e = the_engine;
  int found = 0;
  if (e) {
    pthread_mutex_lock(&e->lock);
    take_inbox(e);
    for (tunnel *t = e->live; t; t = t->next) {
      if (t->id != id) continue;
      retire(e, t, END_CLOSED, 0);
      release_counts(env, t);
      t->next_done = e->graveyard;
      e->graveyard = t;
      found = 1;
      break;
    }
    pthread_mutex_unlock(&e->lock);
    if (found) active_done(env, e);
  }
  CHECK(napi_get_boolean(env, found, &result));
  return result;
}

/* stats() → [pipes in use, pipes pooled, pipe waits so far] */
static napi_value stats(napi_env env, napi_callback_info info) {
  napi_value out, v;
  engine *e = the_engine;
  double values[3] = {0, 0, 0};
  if (e) {
    pthread_mutex_lock(&e->lock);
    values[0] = e->pipes_out;
    values[1] = e->pooled;
    values[2] = e->pipe_waits;
    pthread_mutex_unlock(&e->lock);
  }
  CHECK(napi_create_array_with_length(env, 3, &out));
  for (uint32_t i = 0; i < 3; i++) {
    CHECK(napi_create_double(env, values[i], &v));
    CHECK(napi_set_element(env, out, i, v));
  }
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"start", NULL, start, NULL, NULL, NULL, napi_default, NULL},
      {"add", NULL, add, NULL, NULL, NULL, napi_default, NULL},
      {"abort", NULL, abort_tunnel, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, stats, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof *props, props);
  front_define(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
