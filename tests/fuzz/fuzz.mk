# SPDX-License-Identifier: GPL-2.0-or-later
#
# The libFuzzer targets, built with clang outside automake so the normal
# (gcc) build never sees them.  Run through build.sh:
#   make -f tests/fuzz/fuzz.mk TOP=<source tree> O=<output dir>
# The sources each target exercises are compiled once with the sanitizers
# and coverage into one archive; the linker takes what a target uses.

CC = clang-14
TOP ?= .
O ?= build-fuzz
PKGS = libmnl libnftnl libnetfilter_conntrack libconfig jansson

SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
CFLAGS = -g -O1 -fno-omit-frame-pointer $(SAN) -D_GNU_SOURCE \
	-Wall -Wextra -Wno-unused-parameter -Werror \
	-I$(O) -I$(TOP)/include -I$(TOP)/src $(shell pkg-config --cflags $(PKGS))
LIBS = $(shell pkg-config --libs $(PKGS))

SRCS = log.c \
	conf.c conf_read.c conf_setting.c conf_check.c conf_names.c conf_print.c conf_source.c group_lookup.c \
	nlattr_util.c nl_talk.c link_parse.c tunnel_kind.c tunnel_route.c topo_model.c plan.c plan_print.c accel.c \
	ct_msg.c ct_path.c ct_paths.c ct_lookup.c ct_state.c ct_flows.c ct_count.c ct_select.c \
	ct_stale.c ct_watch.c \
	nft_state.c nft_desired.c nft_diff.c nft_batch.c nft_ack.c nft_read.c nft_watch.c \
	nft_sock.c \
	proto.c
TARGETS = fuzz_conf fuzz_rtnl fuzz_ct fuzz_nft fuzz_proto

OBJS = $(SRCS:%.c=$(O)/obj/%.o)

all: $(TARGETS:%=$(O)/%) $(O)/gen_corpus

# The sources include config.h; these need nothing from it.
$(O)/config.h:
	@mkdir -p $(O)
	echo '/* fuzz build: no configure; the sources need only _GNU_SOURCE */' >$@

$(O)/obj/%.o: $(TOP)/src/%.c $(O)/config.h
	@mkdir -p $(O)/obj
	$(CC) $(CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(O)/libflowd-fuzz.a: $(OBJS)
	rm -f $@
	ar rcs $@ $^

$(O)/%: $(TOP)/tests/fuzz/%.c $(TOP)/tests/fuzz/fuzz_util.h $(O)/libflowd-fuzz.a
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(O)/libflowd-fuzz.a $(LIBS)

# Not a fuzz target: writes the netlink seeds (see its header).
$(O)/gen_corpus: $(TOP)/tests/fuzz/gen_corpus.c $(O)/libflowd-fuzz.a
	$(CC) $(CFLAGS) -fsanitize=fuzzer-no-link -o $@ $< $(O)/libflowd-fuzz.a $(LIBS)

-include $(OBJS:.o=.d)

.PHONY: all
