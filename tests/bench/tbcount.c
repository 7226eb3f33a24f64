// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU TCG plugin for tests/bench/profile.sh: how often each translated
 * block of guest kernel code ran, written at exit as lines of
 * "address instructions executions".  With icount, the instructions a
 * function's blocks ran, divided by the packets, are what the function
 * costs a packet: the figure the benchmark's rates come from, split by
 * function.
 *
 * Debian's QEMU loads plugins but ships no qemu-plugin.h, so the few
 * entry points used are declared here, as the plugin API (version 1,
 * QEMU 4.2 to 7.2) defines them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* x86-64 kernel addresses start here; user space is left out. */
#define KERNEL_START 0xffff800000000000ull

struct block {
	uint64_t address;
	uint64_t instructions;
	uint64_t executions;
	struct block *next;
};

static struct block *blocks;
static char *output_path;

static void on_translation(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t address = qemu_plugin_tb_vaddr(tb);
	struct block *block;

	(void)id;
	if (address < KERNEL_START)
		return;

	/* A block translated again gets a counter of its own: the report
	 * adds them up by address.  One vCPU under icount runs one thread,
	 * so the inline add needs no atomics.
	 */
	block = calloc(1, sizeof(*block));
	if (!block) {
		fprintf(stderr, "tbcount: out of memory\n");
		abort();
	}
	block->address = address;
	block->instructions = qemu_plugin_tb_n_insns(tb);
	block->next = blocks;
	blocks = block;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &block->executions, 1);
}

static void on_exit_write(qemu_plugin_id_t id, void *userdata)
{
	const struct block *block;
	FILE *out;

	(void)id;
	(void)userdata;
	out = fopen(output_path, "w");
	if (!out) {
		perror(output_path);
		return;
	}
	for (block = blocks; block; block = block->next) {
		if (block->executions)
			fprintf(out, "%llx %llu %llu\n",
				(unsigned long long)block->address,
				(unsigned long long)block->instructions,
				(unsigned long long)block->executions);
	}
	if (fclose(out) != 0)
		perror(output_path);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "out=", 4) == 0)
			output_path = strdup(argv[i] + 4);
	}
	if (!output_path) {
		fprintf(stderr, "tbcount: no out=FILE argument\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translation);
	qemu_plugin_register_atexit_cb(id, on_exit_write, NULL);
	return 0;
}
