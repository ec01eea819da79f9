/* Stand-in for the libc header that some Linux UAPI headers include (see socket.h).
 * The kernel's own linux/time.h supplies struct timeval/timespec in their traditional
 * layout (two longs); headers whose ioctl numbers depend on that layout are only read
 * for 64-bit targets, where no other layout exists. */
#ifndef SYSCAGE_SHIM_SYS_TIME_H
#define SYSCAGE_SHIM_SYS_TIME_H
#include <linux/time.h>
#endif
