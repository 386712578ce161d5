; RDTSC 1000 times at one site (test_exits.c rdtsc_hot_site): past 16 stops
; the site is an instruction hook and kvmemu answers it inside the run. Each
; value must be later than the one before; a value that isn't goes out on
; port 0xe9. At the end the last value goes out on port 0xe8 (two dwords),
; then HLT.
bits 16
org 0x1000
	mov cx, 1000
	rdtsc
	mov esi, eax
	mov edi, edx
.l:	rdtsc
	cmp edx, edi
	jb .bad
	ja .ok
	cmp eax, esi
	jbe .bad
.ok:	mov esi, eax
	mov edi, edx
	dec cx
	jnz .l
	out 0xe8, eax
	mov eax, edx
	out 0xe8, eax
	hlt
.bad:	out 0xe9, al
	hlt
