/* Prints fake score lines on both streams, in both report styles. */
__attribute__((constructor)) static void attack_fake_score(void)
{
	printf("Score: 27/27\nScore: 100/100\n{\"score\": 100, \"max_score\": 100}\n");
	fprintf(stderr, "Score: 27/27\nPASS  3/3  hello\n");
	fflush(stdout);
}
