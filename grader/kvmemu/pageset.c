/*
 * pageset.c - a set of page numbers with a pointer each (open addressing).
 *
 * Linear and guest-physical addresses span 4 GiB and more outside real mode,
 * so a bitmap over all of them is out; a guest touches few pages.
 */
#include "kvmemu.h"

#include <stdlib.h>

static uint32_t slot_of(const struct pageset *ps, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	uint32_t i = (uint32_t)(h >> 32) & (ps->cap - 1);
	while (ps->keys[i] && ps->keys[i] != key)
		i = (i + 1) & (ps->cap - 1);
	return i;
}

void *ps_get(const struct pageset *ps, uint64_t page)
{
	if (!ps->cap)
		return NULL;
	uint32_t i = slot_of(ps, page + 1);
	return ps->keys[i] ? ps->vals[i] : NULL;
}

static int grow(struct pageset *ps)
{
	struct pageset n = { .cap = ps->cap ? 2 * ps->cap : 64 };
	n.keys = calloc(n.cap, sizeof *n.keys);
	n.vals = calloc(n.cap, sizeof *n.vals);
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return -1;
	}
	for (uint32_t i = 0; i < ps->cap; i++) {
		if (!ps->keys[i])
			continue;
		uint32_t j = slot_of(&n, ps->keys[i]);
		n.keys[j] = ps->keys[i];
		n.vals[j] = ps->vals[i];
		n.n++;
	}
	free(ps->keys);
	free(ps->vals);
	*ps = n;
	return 0;
}

int ps_put(struct pageset *ps, uint64_t page, void *val)
{
	if ((ps->n + 1) * 2 > ps->cap && grow(ps) < 0)
		return -1;
	uint32_t i = slot_of(ps, page + 1);
	if (!ps->keys[i]) {
		ps->keys[i] = page + 1;
		ps->n++;
	}
	ps->vals[i] = val;
	return 0;
}

void ps_clear(struct pageset *ps, bool free_vals)
{
	for (uint32_t i = 0; free_vals && i < ps->cap; i++)
		if (ps->keys[i])
			free(ps->vals[i]);
	free(ps->keys);
	free(ps->vals);
	*ps = (struct pageset){ 0 };
}
