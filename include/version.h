/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FLOWD_VERSION_H
#define FLOWD_VERSION_H

#include <stdio.h>

/* Prints "PROGRAM (flowd) VERSION" and the build's optional features. */
void version_print(FILE *out, const char *program);

#endif
