#include <libpq-fe.h>

// The LibPQ target drives non-blocking libpq sockets with epoll; Swift's
// Glibc module does not export these Linux-only headers.
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif
