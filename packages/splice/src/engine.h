/*
 * The addon's one epoll thread and what it watches: spliced tunnels (splice.c) and, before that, the native
 * front's listeners and connections (front.c). Everything the thread touches is guarded by `lock`; JS calls
 * take it too, so a JS call and an event batch never interleave.
 */
#ifndef GATEWATCH_ENGINE_H
#define GATEWATCH_ENGINE_H
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 18)   /* bytes asked of one splice from a socket: a pipe's capacity (PIPE_BYTES) */
#define PIPE_BYTES (1 << 18) /* pipe capacity asked for: 4x the default 64 KiB, a quarter of the syscalls per GB */
#define POOL_MAX 256      /* idle pipes kept for reuse; the rest are closed */
#define PIPES_MAX 1024    /* pipes in use at once per process, unless GATEWATCH_SPLICE_MAX_PIPES says otherwise */
#define EVENTS 256

enum { END_CLOSED = 0, END_ERROR, END_IDLE };

/* What an epoll registration points at: its first member says which kind of thing it is. */
enum { W_TUNNEL = 0, W_LISTENER, W_CONN_CLIENT, W_CONN_UPSTREAM };
typedef struct { int kind; } watch;

typedef struct tunnel tunnel;
typedef struct direction direction;

struct direction {
  tunnel *t;
  int from, to;          /* sockets */
  int pipe[2];           /* [-1, -1] while idle */
  size_t in_pipe;        /* bytes spliced in and not yet out */
  uint8_t *pending;      /* bytes already read from the source, written before any splicing */
  size_t pending_len, pending_off;
  int readable, writable, eof, done;
  double *bytes;         /* this direction's slot in the tunnel's Float64Array (read by JS at any time) */
  int starved;           /* waiting for a pipe (the process is at its pipe limit) */
  direction *starved_prev, *starved_next;
};

typedef struct {
  watch w; /* W_TUNNEL */
  tunnel *t;
  int side; /* 0 client, 1 upstream */
} endpoint;

struct tunnel {
  uint32_t id;
  int fd[2];
  direction dir[2]; /* 0: client → upstream (up), 1: upstream → client (down) */
  endpoint ep[2];
  int64_t last_ms, idle_ms;
  int ended, end, err;
  int owns_fds; /* made from a native front connection: the addon closes the sockets, not Node */
  double *counts;
  napi_ref counts_ref;
  tunnel *prev, *next;   /* live list (thread) */
  tunnel *next_done;     /* graveyard / completion list */
};

/* What the thread hands to JS (one threadsafe-function call each). */
enum { NOTE_END = 0, NOTE_HEAD, NOTE_GONE, NOTE_DIALED, NOTE_DATA, NOTE_FULL, NOTE_ACCEPT };
typedef struct {
  int kind;
  uint32_t id;
  uint32_t listener;  /* front notes: the listener the connection came in on */
  tunnel *t;          /* NOTE_END */
  int err;            /* errno (NOTE_DIALED), 1 = EOF (NOTE_DATA), 1 = closed by the thread (NOTE_GONE) */
  int port;
  double at;          /* wall-clock ms the dial finished (NOTE_DIALED) */
  char *s1, *s2;      /* NOTE_HEAD: method or error name, url (NULL on an error) */
  uint8_t *data;      /* NOTE_HEAD: bytes after the head; NOTE_DATA: bytes read */
  size_t len;
  char addr[48];      /* NOTE_ACCEPT, NOTE_FULL: the client; NOTE_DIALED: the upstream */
} note;

typedef struct front front;

typedef struct {
  pthread_mutex_t lock; /* held by the thread while it works a batch, and by JS in its calls */
  pthread_mutex_t inbox_lock; /* guards only `inbox`, so add() never waits for a batch to finish */
  tunnel *inbox;        /* added by JS, moved to `live` by whoever next holds `lock` */
  pthread_t thread;
  int epfd, wakefd, stopping;
  int64_t wake_at; /* when the thread's epoll_wait times out (monotonic ms) */
  tunnel *live;
  tunnel *graveyard; /* aborted by JS: freed by the thread once no event batch can name them */
  tunnel *completed; /* ended on their own: handed to JS (which frees them) once the batch is over */
  int pool[POOL_MAX][2];
  int pooled;
  int pipes_out, pipes_max; /* pipes held by directions, and the cap */
  double pipe_waits;        /* times a direction had to wait for a pipe */
  direction *starved_head, *starved_tail; /* FIFO: served as pipes come back */
  int starved_count;
  napi_threadsafe_function tsfn;
  uint32_t active; /* tunnels and front connections JS has not seen end yet (main thread only) */
  front *fr;       /* the native front (front.c) */
} engine;

extern engine *the_engine;

int64_t now_ms(void);
void post(engine *e, note *n);
/* Wakes the thread if `deadline` comes before its planned wake-up (a JS call armed it). Caller holds the lock. */
void nudge(engine *e, int64_t deadline);
/* Makes a tunnel of two connected sockets and starts watching them; 0 or an errno. Caller holds the lock. */
int tunnel_watch(engine *e, tunnel *t);
/* Adds a tunnel to the live list and watches it; 0 or an errno (then it is retired). Caller holds the lock. */
int tunnel_go(engine *e, tunnel *t);
void active_add(napi_env env, engine *e);
void active_done(napi_env env, engine *e);
void tunnel_init(tunnel *t, uint32_t id, int client, int upstream, double *counts, int64_t idle_ms);

/* front.c */
void front_init(engine *e);
int front_event(engine *e, watch *w, uint32_t events, int64_t now); /* 1 = handled */
int64_t front_tick(engine *e, int64_t now);                          /* ms until its next deadline */
void front_flush(engine *e);                                         /* frees what JS closed */
napi_value front_notify(napi_env env, note *n, napi_value *argv);    /* a note's JS arguments: argv[2..6] */
void front_define(napi_env env, napi_value exports);
#endif
