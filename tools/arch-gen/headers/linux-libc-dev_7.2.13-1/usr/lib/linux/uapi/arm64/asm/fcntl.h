/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Copyright (C) 2012 ARM Ltd.
 *
 * This program is free software; you can redistribute it and/or modify
 * it under the terms of the GNU General Public License version 2 as
 * published by the Free Software Foundation.
 *
 * This program is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 * GNU General Public License for more details.
 *
 * You should have received a copy of the GNU General Public License
 * along with this program.  If not, see <http://www.gnu.org/licenses/>.
 */
#ifndef __ASM_FCNTL_H
#define __ASM_FCNTL_H

/*
 * Using our own definitions for AArch32 (compat) support.
 */
#define O_DIRECTORY	(1 << 14)	/* must be a directory */
#define O_NOFOLLOW	(1 << 15)	/* don't follow links */
#define O_DIRECT	(1 << 16)	/* direct disk access hint - currently ignored */
#define O_LARGEFILE	(1 << 17)

#include <asm-generic/fcntl.h>

#endif
