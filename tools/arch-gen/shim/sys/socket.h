/* Stand-in for the libc header that some Linux UAPI headers include: the generator
 * evaluates constants against kernel headers only, without a C library. */
#ifndef SYSCAGE_SHIM_SYS_SOCKET_H
#define SYSCAGE_SHIM_SYS_SOCKET_H
#include <linux/socket.h>
typedef __kernel_sa_family_t sa_family_t;
struct sockaddr {
	sa_family_t sa_family;
	char sa_data[14];
};
#endif
