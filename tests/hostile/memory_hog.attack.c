/* Eats memory until refused, then keeps what it got and goes on. */
__attribute__((constructor)) static void attack_memory(void)
{
	for (size_t i = 0; i < 100000; i++) {
		char *p = malloc(64 << 20);
		if (!p)
			break;
		memset(p, 1, 64 << 20);
	}
}
