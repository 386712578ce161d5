; issue 21 item 4: a fault while pushing the exception frame (stack page
; read-only, CR0.WP=1): #PF, #DF, triple fault -> KVM_EXIT_SHUTDOWN.
%include "machine.inc"
	and qword [PTE(0x7f000)], ~2
	invlpg [0x7f000]
	ud2
	hlt
