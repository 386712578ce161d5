/* Floods stdout and stderr forever. */
__attribute__((constructor)) static void attack_flood(void)
{
	for (;;) {
		fputs("Score: 27/27 flood flood flood flood flood flood flood flood\n", stdout);
		fputs("flood on stderr flood flood flood flood flood flood\n", stderr);
	}
}
