; KVM_SET_SREGS gives SS.DPL = 3 with a DPL-0 CS: SVM keeps the CPL in the
; VMCB, set from SS.DPL (svm.c svm_set_segment), so the guest runs at CPL 3
; and its first privileged instruction (LGDT in machine.inc) faults.
%define MACHINE_FLAGS SS_DPL3
%include "machine.inc"
	out 0x10, eax
	hlt
