/*
 * ucapi.c - libunicorn, loaded on demand.
 *
 * Every program run under scripts/kvm-emu gets this library preloaded (make,
 * cc and sh too when a grader wraps them). Linking -lunicorn would make each
 * of them load and relocate a 20 MB library; dlopen on the first open of
 * /dev/kvm means a process that never touches KVM pays nothing.
 */
#include "kvmemu.h"

#include <dlfcn.h>
#include <pthread.h>

struct ucapi uc;

static int load_result = 1;          /* 1: not tried yet */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static int load_once(void)
{
	void *h = dlopen("libunicorn.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		h = dlopen("libunicorn.so", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		kvmemu_diag("cannot load libunicorn: %s (install libunicorn2 / libunicorn-dev)",
			    dlerror());
		return -1;
	}
	struct { const char *name; void **slot; } syms[] = {
		{ "uc_open", (void **)&uc.open },
		{ "uc_close", (void **)&uc.close },
		{ "uc_mem_map_ptr", (void **)&uc.mem_map_ptr },
		{ "uc_mem_unmap", (void **)&uc.mem_unmap },
		{ "uc_mmio_map", (void **)&uc.mmio_map },
		{ "uc_reg_read", (void **)&uc.reg_read },
		{ "uc_reg_write", (void **)&uc.reg_write },
		{ "uc_emu_start", (void **)&uc.emu_start },
		{ "uc_emu_stop", (void **)&uc.emu_stop },
		{ "uc_hook_add", (void **)&uc.hook_add },
		{ "uc_hook_del", (void **)&uc.hook_del },
		{ "uc_ctl", (void **)&uc.ctl },
		{ "uc_strerror", (void **)&uc.strerror },
	};
	for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
		*syms[i].slot = dlsym(h, syms[i].name);
		if (!*syms[i].slot) {
			kvmemu_diag("libunicorn lacks %s (need Unicorn >= 2.0)", syms[i].name);
			return -1;
		}
	}
	return 0;
}

int ucapi_load(void)
{
	pthread_mutex_lock(&load_lock);
	if (load_result == 1)
		load_result = load_once();
	pthread_mutex_unlock(&load_lock);
	return load_result;
}
