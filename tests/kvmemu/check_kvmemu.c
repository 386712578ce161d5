/* check_kvmemu.c - kvmemu's oracle: the KVM facts, checked on whichever
 * /dev/kvm this process sees.
 *
 *   VIRTLAB_BACKEND=kvm check_kvmemu        real KVM (skips, saying so, if unusable)
 *   scripts/kvm-emu env VIRTLAB_BACKEND=emu check_kvmemu   kvmemu (knob tests run)
 *   check_kvmemu --knob MODE                helper for the knob tests
 *
 * CK_RUN_SUITE / CK_RUN_CASE select tests as usual with Check. */
#include "tests.h"

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
	if (strcmp(backend, "kvm") == 0 && !vmm_kvm_usable()) {
		printf("real KVM: skipped (no usable /dev/kvm)\n");
		return 0;
	}
	printf("check_kvmemu: backend %s\n", backend);
	fflush(stdout);

	SRunner *sr = srunner_create(api_suite());
	srunner_add_suite(sr, pio_suite());
	srunner_add_suite(sr, exits_suite());
	srunner_add_suite(sr, mem_suite());
	srunner_add_suite(sr, lwn_suite());
	srunner_add_suite(sr, pmode_suite());
	srunner_add_suite(sr, paging_suite());
	srunner_add_suite(sr, cpu_suite());
	srunner_add_suite(sr, knobs_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
