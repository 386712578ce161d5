; Guest state VM entry refuses: KVM_SET_SREGS gives CS.L = 1 and CS.DB = 1
; in long mode (SDM vol. 3, 5.2.1: L and D both set is reserved; AMD APM
; vol. 2, 15.5.1: VMRUN's consistency checks fail -> SVM_EXIT_ERR, which
; KVM reports as KVM_EXIT_FAIL_ENTRY, svm.c svm_handle_exit).
%define MACHINE_FLAGS CS_L_AND_DB
%include "machine.inc"
	out 0x10, eax
	hlt
