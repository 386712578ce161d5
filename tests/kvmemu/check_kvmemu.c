/* check_kvmemu.c - kvmemu's oracle: the KVM facts, checked on whichever
 * /dev/kvm this process sees.
 *
 *   VIRTLAB_BACKEND=kvm check_kvmemu        real KVM (skips, saying so, if unusable)
 *   scripts/kvm-emu env VIRTLAB_BACKEND=emu check_kvmemu   kvmemu (knob tests run)
 *   check_kvmemu --knob MODE                helper for the knob tests
 *
 * CK_RUN_SUITE / CK_RUN_CASE select tests as usual with Check. Tests are
 * declared once, TEST(name) in tests/kvmemu/test_*.c (tests/check_decl.h);
 * a test that can't run on this backend is reported as SKIP, and counted as
 * skipped in the last line. */
#include "tests.h"
#include "check_decl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--knob") == 0)
		return knob_main(argv[2]);

	const char *backend = getenv("VIRTLAB_BACKEND");
	if (!backend || (strcmp(backend, "kvm") != 0 && strcmp(backend, "emu") != 0)) {
		fprintf(stderr, "check_kvmemu: set VIRTLAB_BACKEND=kvm or VIRTLAB_BACKEND=emu\n");
		return 2;
	}
	printf("check_kvmemu: backend %s\n", backend);
	fflush(stdout);
	if (strcmp(backend, "kvm") == 0 && !vmm_kvm_usable())
		return check_skip_all("real KVM: no usable /dev/kvm");
	return check_run() == EXIT_SUCCESS ? 0 : 1;
}
