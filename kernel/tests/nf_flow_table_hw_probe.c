// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only stand-in for flowtable offload hardware.
 *
 * The VM tests have no NIC that offloads flowtables, so nothing would ever
 * show whether the kernel hands a flow to hardware.  This driver registers
 * an indirect flow block callback that, once enabled, accepts the
 * flowtable binding of every device and every flow rule sent to it, and
 * counts them.  A flow the flowtable gives to "hardware" thus gets
 * [HW_OFFLOAD] in conntrack, while packets keep taking the software fast
 * path (nothing is programmed anywhere).
 *
 * Built into the test kernels by tests/vm/build-kernel.sh, never part of
 * the series.  Off until enabled:
 *   echo 1 > /sys/module/nf_flow_table_hw_probe/parameters/enable
 * Counters of accepted rules (read-only parameters): replaced, destroyed.
 */
#include <linux/atomic.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/flow_offload.h>
#include <net/pkt_cls.h>

static bool enable;
module_param(enable, bool, 0644);
MODULE_PARM_DESC(enable, "accept flowtable offload on every device");

static atomic_t replaced = ATOMIC_INIT(0);
static atomic_t destroyed = ATOMIC_INIT(0);

static int hw_probe_get_counter(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(kp->arg));
}

static const struct kernel_param_ops hw_probe_counter_ops = {
	.get = hw_probe_get_counter,
};

module_param_cb(replaced, &hw_probe_counter_ops, &replaced, 0444);
MODULE_PARM_DESC(replaced, "flow rules accepted (FLOW_CLS_REPLACE)");
module_param_cb(destroyed, &hw_probe_counter_ops, &destroyed, 0444);
MODULE_PARM_DESC(destroyed, "flow rules removed (FLOW_CLS_DESTROY)");

/* One binding: a flowtable's block on one device. */
struct hw_probe_binding {
	struct list_head list;
	struct net_device *dev;
	struct flow_block *block;
};

static LIST_HEAD(hw_probe_bindings);
static LIST_HEAD(hw_probe_block_cbs);
static DEFINE_MUTEX(hw_probe_lock);

static int hw_probe_flow_cb(enum tc_setup_type type, void *type_data,
			    void *cb_priv)
{
	struct flow_cls_offload *cls = type_data;

	if (type != TC_SETUP_CLSFLOWER)
		return -EOPNOTSUPP;

	switch (cls->command) {
	case FLOW_CLS_REPLACE:
		atomic_inc(&replaced);
		return 0;
	case FLOW_CLS_DESTROY:
		atomic_inc(&destroyed);
		return 0;
	case FLOW_CLS_STATS:
		/* No packets ever hit the pretend hardware. */
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static struct hw_probe_binding *
hw_probe_binding_find(const struct net_device *dev,
		      const struct flow_block *block)
{
	struct hw_probe_binding *b;

	list_for_each_entry(b, &hw_probe_bindings, list)
		if (b->dev == dev && b->block == block)
			return b;
	return NULL;
}

static void hw_probe_binding_release(void *cb_priv)
{
	struct hw_probe_binding *b = cb_priv;

	mutex_lock(&hw_probe_lock);
	list_del(&b->list);
	mutex_unlock(&hw_probe_lock);
	kfree(b);
}

static int hw_probe_bind(struct net_device *dev, struct Qdisc *sch,
			 struct flow_block_offload *bo, void *data,
			 void (*cleanup)(struct flow_block_cb *block_cb))
{
	struct flow_block_cb *block_cb;
	struct hw_probe_binding *b;

	if (hw_probe_binding_find(dev, bo->block))
		return -EEXIST;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->dev = dev;
	b->block = bo->block;

	block_cb = flow_indr_block_cb_alloc(hw_probe_flow_cb, b, b,
					    hw_probe_binding_release, bo, dev,
					    sch, data, NULL, cleanup);
	if (IS_ERR(block_cb)) {
		kfree(b);
		return PTR_ERR(block_cb);
	}
	list_add(&b->list, &hw_probe_bindings);
	flow_block_cb_add(block_cb, bo);
	list_add_tail(&block_cb->driver_list, &hw_probe_block_cbs);
	return 0;
}

static int hw_probe_unbind(struct net_device *dev,
			   struct flow_block_offload *bo)
{
	struct flow_block_cb *block_cb;
	struct hw_probe_binding *b;

	b = hw_probe_binding_find(dev, bo->block);
	if (!b)
		return -ENOENT;

	block_cb = flow_block_cb_lookup(bo->block, hw_probe_flow_cb, b);
	if (!block_cb)
		return -ENOENT;

	flow_indr_block_cb_remove(block_cb, bo);
	list_del(&block_cb->driver_list);
	return 0;
}

static int hw_probe_setup(struct net_device *dev, struct Qdisc *sch,
			  void *cb_priv, enum tc_setup_type type,
			  void *type_data, void *data,
			  void (*cleanup)(struct flow_block_cb *block_cb))
{
	struct flow_block_offload *bo = type_data;
	int err;

	/* Only flowtables: tc's own blocks are not ours to take. */
	if (type != TC_SETUP_FT || !bo)
		return -EOPNOTSUPP;

	mutex_lock(&hw_probe_lock);
	switch (bo->command) {
	case FLOW_BLOCK_BIND:
		err = READ_ONCE(enable) ?
		      hw_probe_bind(dev, sch, bo, data, cleanup) : -EOPNOTSUPP;
		break;
	case FLOW_BLOCK_UNBIND:
		/* Whatever was bound is unbound, enabled or not. */
		err = hw_probe_unbind(dev, bo);
		break;
	default:
		err = -EOPNOTSUPP;
	}
	mutex_unlock(&hw_probe_lock);

	return err;
}

static int __init hw_probe_init(void)
{
	return flow_indr_dev_register(hw_probe_setup, NULL);
}
late_initcall(hw_probe_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test-only flowtable offload hardware stand-in");
