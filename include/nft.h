/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flowd's nftables table: read it back, diff it against the plan, apply the
 * difference as ONE atomic libnftnl batch, and watch for changes made
 * behind flowd's back.
 *
 * The pieces are split so that everything but the socket is pure and unit
 * tested:
 *
 *	conf + plan --nft_desired_build--> struct nft_desired
 *	kernel      --nft_read_state-----> struct nft_state
 *	desired, state --nft_compute_changes--> struct nft_changes
 *	changes     --nft_batch_build----> struct nft_batch (netlink bytes)
 *	batch       --nft_apply----------> kernel, every ACK checked
 *
 * Rules are recognised by a tag in their userdata (an nftables comment, so
 * `nft list ruleset` shows it): "flowd:v1:offload ipv4 tcp",
 * "flowd:v1:exclude saddr 10.9.0.0/16".  Read-back compares tags in order;
 * a rule without our tag, or in the wrong place, makes the chain rebuilt.
 *
 * No globals, no libev: the watch gives an fd and a dispatch function.
 */
#ifndef FLOWD_NFT_H
#define FLOWD_NFT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "plan.h"

#define NFT_NAME_MAX	256	/* NFT_NAME_MAXLEN, with the NUL */
#define NFT_TAG_MAX	128	/* NFTNL_UDATA_COMMENT_MAXLEN, with the NUL */
#define NFT_TAG_PREFIX	"flowd:v1:"
#define NFT_CHAIN_NAME	"forward"
#define NFT_CHAIN_TYPE	"filter"
/*
 * The flowtable flag of the kernel series (kernel/patches/ 0010,
 * NFT_FLOWTABLE_TUNNEL in its uapi header): tunnel outer headers in the
 * fast path.  Own name: the installed uapi header does not have it yet.
 */
#define NFT_FT_F_TUNNEL	0x4u

struct nft_dev {
	char name[IFNAMSIZ];
};

/* ------------------------------------------------------------------ */
/* What the kernel has, for our table only (nft_state.c, nft_read.c). */

struct nft_rule_info {
	char tag[NFT_TAG_MAX];		/* "" when the rule carries no tag */
	uint64_t handle;
};

struct nft_state {
	bool table;			/* our table exists */
	uint32_t table_flags;		/* NFT_TABLE_F_* */

	bool flowtable;			/* our flowtable exists */
	uint32_t ft_hooknum;
	int32_t ft_prio;
	uint32_t ft_flags;		/* NFT_FLOWTABLE_* */
	struct nft_dev *ft_devices;	/* sorted by name, unique */
	size_t n_ft_devices;

	bool chain;			/* our chain exists */
	bool chain_base;		/* it has a hook */
	uint32_t chain_hooknum;
	int32_t chain_prio;
	uint32_t chain_policy;		/* NF_ACCEPT, NF_DROP */
	char chain_type[16];		/* "filter", "nat", "route" */
	struct nft_rule_info *rules;	/* in chain order */
	size_t n_rules;

	/* Objects in our table that flowd did not put there. */
	size_t n_foreign_chains;
	size_t n_foreign_flowtables;
};

void nft_state_init(struct nft_state *st);
void nft_state_free(struct nft_state *st);
/* Add a device to st->ft_devices keeping it sorted; 0 or -ENOMEM. */
int nft_state_add_device(struct nft_state *st, const char *name);
int nft_state_add_rule(struct nft_state *st, const char *tag, uint64_t handle);

/* ------------------------------------------------------------------ */
/* What flowd wants (nft_desired.c, pure). */

enum nft_rule_kind {
	NFT_RULE_EXCLUDE,		/* ip saddr P return */
	NFT_RULE_OFFLOAD,		/* meta l4proto tcp flow add @ft */
};

struct nft_rule_spec {
	enum nft_rule_kind kind;
	int af;				/* AF_INET or AF_INET6: packets matched */
	bool daddr;			/* EXCLUDE: destination, else source */
	uint8_t addr[16];		/* EXCLUDE: prefix, host bits cleared */
	uint8_t plen;
	uint8_t l4proto;		/* OFFLOAD: IPPROTO_TCP or IPPROTO_UDP */
	char tag[NFT_TAG_MAX];
};

struct nft_desired {
	uint8_t family;			/* NFPROTO_INET, _IPV4 or _IPV6 */
	char table[NFT_NAME_MAX];
	char flowtable[NFT_NAME_MAX];
	char chain[NFT_NAME_MAX];
	int32_t ft_prio;
	uint32_t ft_flags;		/* NFT_FLOWTABLE_COUNTER | _HW_OFFLOAD */
	struct nft_dev *devices;	/* sorted by name, unique */
	size_t n_devices;
	int32_t chain_prio;
	struct nft_rule_spec *rules;	/* in chain order */
	size_t n_rules;
};

/* "inet" -> NFPROTO_INET, "ip" -> NFPROTO_IPV4, "ip6" -> NFPROTO_IPV6; -1. */
int nft_family_from_name(const char *name);
const char *nft_family_name(int family);

/*
 * conf + plan -> desired table.  Returns 0, -EINVAL (bad name or family:
 * err says which) or -ENOMEM.  Free with nft_desired_free().
 */
int nft_desired_build(const struct conf *conf, const struct plan *plan,
		      struct nft_desired *out, char *err, size_t errlen);
void nft_desired_free(struct nft_desired *want);

/* ------------------------------------------------------------------ */
/* The difference (nft_diff.c, pure). */

enum nft_op {
	NFT_OP_TABLE_ADD,		/* NEWTABLE, EXCL */
	NFT_OP_TABLE_UPDATE,		/* NEWTABLE flags 0: wake a dormant table */
	NFT_OP_TABLE_DEL,		/* DELTABLE */
	NFT_OP_FT_ADD,			/* NEWFLOWTABLE, EXCL, all devices */
	NFT_OP_FT_ADD_DEVS,		/* NEWFLOWTABLE update: these devices */
	NFT_OP_FT_DEL_DEVS,		/* DELFLOWTABLE with these devices */
	NFT_OP_FT_DEL,			/* DELFLOWTABLE: the flowtable */
	NFT_OP_CHAIN_ADD,		/* NEWCHAIN, EXCL */
	NFT_OP_CHAIN_DEL,		/* DELCHAIN (takes its rules along) */
	NFT_OP_CHAIN_FLUSH,		/* DELRULE with table + chain */
	NFT_OP_RULE_ADD,		/* NEWRULE, appended */
};

struct nft_change {
	enum nft_op op;
	struct nft_dev *devices;	/* FT_ADD, FT_ADD_DEVS, FT_DEL_DEVS */
	size_t n_devices;
	size_t rule;			/* RULE_ADD: index in want->rules */
};

struct nft_changes {
	const struct nft_desired *want;	/* must outlive the change list */
	struct nft_change *v;
	size_t n;
	char reason[256];		/* why, for the log; "" when n == 0 */
};

/* 0 (out->n may be 0: nothing to do) or -ENOMEM. */
int nft_compute_changes(const struct nft_desired *want, const struct nft_state *have,
			struct nft_changes *out);
/*
 * The same, but the flowtable is deleted and created again in the batch
 * (with the chain's rules flushed and re-added around it): the kernel
 * tears down every offloaded flow and keeps their conntrack entries, so
 * each flow's next packet takes the slow path and is offloaded afresh.
 * Also repairs whatever else differs.  0 or -ENOMEM.
 */
int nft_compute_rebuild(const struct nft_desired *want, const struct nft_state *have,
			struct nft_changes *out);
void nft_changes_free(struct nft_changes *changes);
const char *nft_op_name(enum nft_op op);

/* ------------------------------------------------------------------ */
/* The batch (nft_batch.c, pure). */

struct nft_batch_msg {
	uint32_t seq;
	uint16_t type;			/* NFT_MSG_* */
	size_t offset, len;		/* where it is in buf */
	char what[96];			/* "NEWFLOWTABLE ft", for errors */
};

struct nft_batch {
	char *buf;			/* BATCH_BEGIN, messages, BATCH_END */
	size_t len;
	uint32_t seq_begin, seq_end;
	struct nft_batch_msg *msgs;	/* the messages between begin and end */
	size_t n_msgs;
};

/* Every message gets NLM_F_ACK and seq, seq + 1, ...  0, -ENOMEM, -EMSGSIZE. */
int nft_batch_build(const struct nft_changes *changes, uint32_t seq, struct nft_batch *out);
void nft_batch_free(struct nft_batch *batch);
const struct nft_batch_msg *nft_batch_find(const struct nft_batch *batch, uint32_t seq);

/* The answers to a batch, gathered from one or more receive buffers. */
struct nft_acks {
	size_t acked;			/* messages answered with error 0 */
	size_t n_errors;
	int err;			/* -errno of the first failing message, 0 */
	uint32_t err_seq;
	char text[512];			/* that error, described */
};

void nft_acks_init(struct nft_acks *acks);
/*
 * Account for the netlink messages in buf (from the kernel, to portid).
 * Messages for other sequence numbers are skipped.  Never reads outside
 * buf.  Returns 0, or -EPROTO when buf holds a malformed message.
 */
int nft_acks_parse(const struct nft_batch *batch, const void *buf, size_t len,
		   struct nft_acks *acks);
/* Final verdict: 0 when every message was acked, else -errno and err. */
int nft_acks_result(const struct nft_batch *batch, const struct nft_acks *acks,
		    char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* The kernel (nft_sock.c, nft_read.c). */

struct nft_ctx;

/* One NETLINK_NETFILTER socket for reads and batches.  0 or -errno. */
int nft_ctx_open(struct nft_ctx **out);
void nft_ctx_close(struct nft_ctx *ctx);

/*
 * Read our table (conf->table_family/table_name/flowtable_name, chain
 * "forward") into out, consistently: retried when the ruleset generation
 * changed during the read or a dump was interrupted.  0 or -errno.
 */
int nft_read_state(struct nft_ctx *ctx, const struct conf *conf, struct nft_state *out);

/*
 * Send the change list as one batch and check every ACK.  Nothing sent when
 * changes->n == 0.  On failure nothing changed in the kernel (the batch is
 * atomic); returns -errno with the kernel's reason in err, e.g.
 * "NEWFLOWTABLE ft: No such file or directory (device eth3?)".
 */
int nft_apply(struct nft_ctx *ctx, const struct nft_changes *changes, char *err, size_t errlen);

/*
 * The NFT_MSG_* type of the message the kernel refused in the last batch
 * (nft_apply(), nft_delete_table(), the probe); 0 when there was none.
 */
uint16_t nft_ctx_refused(const struct nft_ctx *ctx);

/*
 * Does the running kernel accept these flowtable flags (NFT_FLOWTABLE_*)?
 * Sends a batch that creates a scratch table and flowtable but has no
 * BATCH_END: the kernel checks and answers every message, then aborts the
 * transaction, so nothing changes.  1: accepted; 0: refused with
 * EOPNOTSUPP (err says so); -errno: cannot tell (e.g. -EPERM without
 * CAP_NET_ADMIN, or no flowtable support at all), err says why.
 */
int nft_probe_flowtable_flags(struct nft_ctx *ctx, uint32_t flags, char *err, size_t errlen);

/* Delete our table with everything in it.  A missing table is success. */
int nft_delete_table(struct nft_ctx *ctx, const struct conf *conf, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* Watching for changes (nft_watch.c). */

/* Called at most once per dispatch: our table may have changed; re-read. */
typedef void (*nft_watch_cb)(void *arg, const char *why);

struct nft_watch;

/*
 * Subscribe to NFNLGRP_NFTABLES.  0, -EINVAL (bad family/name) or -errno.
 * Open the watch BEFORE the first nft_read_state(): a change between the
 * read and the subscription would otherwise go unnoticed.
 */
int nft_watch_open(const struct conf *conf, nft_watch_cb cb, void *arg, struct nft_watch **out);
/*
 * Don't report transactions committed by this process (flowd's own
 * batches): the kernel names the committer in the NEWGEN event that ends
 * every transaction.  0 disables the filter (the default).
 */
void nft_watch_ignore_pid(struct nft_watch *w, pid_t pid);
int nft_watch_fd(const struct nft_watch *w);
/* Read everything pending on the fd (non-blocking).  0 or -errno (fatal). */
int nft_watch_dispatch(struct nft_watch *w);
void nft_watch_close(struct nft_watch *w);

/* The parser behind dispatch, for tests: process one receive buffer. */
void nft_watch_feed(struct nft_watch *w, const void *buf, size_t len);
/* Allocate a watch without a socket (tests feed it by hand). */
int nft_watch_new(const struct conf *conf, nft_watch_cb cb, void *arg, struct nft_watch **out);

enum nft_event_class {
	NFT_EVENT_OTHER,		/* not about our table */
	NFT_EVENT_OURS,			/* an object in our table changed */
	NFT_EVENT_GEN,			/* end of a transaction (NEWGEN) */
	NFT_EVENT_MALFORMED,		/* can't tell: treat as "changed" */
};

/* Classify one message (nlh->nlmsg_len already checked against the buffer). */
enum nft_event_class nft_event_classify(const void *nlh, uint8_t family, const char *table,
					uint32_t *gen_pid);

#endif
