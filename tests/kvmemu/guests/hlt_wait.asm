; With the in-kernel irqchip, HLT with IF clear waits forever in KVM_RUN.
bits 16
org 0x1000
	cli
	hlt
	out 0xf0, al
