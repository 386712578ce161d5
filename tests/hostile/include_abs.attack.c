/* Compile-time exfiltration through the compiler's diagnostics. */
#include "@KIT@/solution/cpu_lab/sample-qemu.c"
#include "../../solution/cpu_lab/sample-qemu.c"
#include "@KIT@/guests/cpu_lab/long.asm"
