/* lang.c — which language student-facing messages use (lang.h). */
#include "lang.h"

#include <string.h>

static enum lang current = LANG_EN;

int lang_parse(const char *s, enum lang *out)
{
	if (!s)
		return -1;
	if (!strcmp(s, "en")) {
		*out = LANG_EN;
		return 0;
	}
	if (!strcmp(s, "zh")) {
		*out = LANG_ZH;
		return 0;
	}
	return -1;
}

/* A locale name: zh, zh_CN.UTF-8, zh_TW@..., not "zhx". */
static int is_chinese(const char *loc)
{
	return !strncmp(loc, "zh", 2) && strchr("_.@", loc[2]) != NULL;
}

enum lang lang_select(const char *opt, const char *lc_all, const char *lc_messages, const char *lang)
{
	enum lang l;
	if (opt && lang_parse(opt, &l) == 0)
		return l;
	const char *v[] = { lc_all, lc_messages, lang };
	for (int i = 0; i < 3; i++)
		if (v[i] && *v[i])
			return is_chinese(v[i]) ? LANG_ZH : LANG_EN;
	return LANG_EN;
}

void lang_set(enum lang l)
{
	current = l;
}

enum lang lang_get(void)
{
	return current;
}
