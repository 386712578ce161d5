; IN al/ax/eax: user space supplies the data, the next KVM_RUN merges it.
bits 16
org 0x1000
	mov dx, 0x60		; 0x1000
	in al, dx		; 0x1003
	in ax, dx		; 0x1004
	in eax, dx		; 0x1005
	in al, 0x61		; 0x1007
	hlt			; 0x1009
