/* Stand-in for the libc header that some Linux UAPI headers include (see socket.h). */
#ifndef SYSCAGE_SHIM_SYS_IOCTL_H
#define SYSCAGE_SHIM_SYS_IOCTL_H
#include <linux/ioctl.h>
#endif
